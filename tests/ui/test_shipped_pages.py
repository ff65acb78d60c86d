"""Every page of every entity of the shipped packs renders, for the admin
and for each pack role (pages a role may not see are refused, not broken)."""

from __future__ import annotations

from ui_client import demo_browser

signed_in = demo_browser


def test_every_entity_page_renders_for_the_admin(demo):
    browser = signed_in(demo, "admin@example.com")
    for entity in demo.definitions.entities.values():
        if entity.is_child:
            continue
        for url in (f"/{entity.name}/", f"/{entity.name}/new"):
            response = browser.get(url)
            assert response.status_code == 200, (url, response.get_data(as_text=True))
        for view in demo.definitions.views.values():
            if view.entity == entity.name and view.type in ("list", "kanban"):
                response = browser.get(f"/{entity.name}/?view={view.name}")
                assert response.status_code == 200, view.name
    assert browser.get("/admin/roles").status_code == 200


def test_every_role_gets_pages_or_a_clear_refusal(demo):
    for role in demo.definitions.roles:
        browser = signed_in(demo, f"{role.replace('_', '.')}@example.com")
        assert browser.get("/").status_code == 200
        for entity in demo.definitions.entities.values():
            if entity.is_child:
                continue
            status = browser.get(f"/{entity.name}/").status_code
            assert status in (200, 403), (role, entity.name, status)


def test_every_report_and_dashboard_renders_for_every_role(demo):
    definitions = demo.definitions
    for email in ["admin@example.com"] + [
        f"{role.replace('_', '.')}@example.com" for role in definitions.roles
    ]:
        browser = signed_in(demo, email)
        listed = browser.get("/reports/").get_data(as_text=True)
        for report in definitions.reports.values():
            response = browser.get(f"/reports/{report.name}")
            assert response.status_code in (200, 404), (email, report.name)
            # A report is listed exactly when it opens.
            shown = f'href="/reports/{report.name}"' in listed
            assert shown == (response.status_code == 200), (email, report.name)
        for dashboard in definitions.dashboards.values():
            response = browser.get(f"/dashboards/{dashboard.name}")
            assert response.status_code in (200, 404), (email, dashboard.name)
