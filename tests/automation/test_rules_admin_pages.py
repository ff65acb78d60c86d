"""/admin/rules: every rule with its runs, for admins only."""

from __future__ import annotations

import pytest
from rules_world import SITE_RULES

from officina.app import create_app
from officina.auth import add_user
from officina.cli import main
from officina.runtime import Runtime

PASSWORD = "correct horse battery"


@pytest.fixture
def app(runner, tmp_path, database_url):
    folder = tmp_path / "site"
    assert (
        runner.invoke(main, ["init", str(folder), "--database", database_url]).exit_code
        == 0
    )
    (folder / "definitions" / "rules.yaml").write_text(
        SITE_RULES + "---\nrole: clerk\npermissions:\n  customer: {read: true}\n"
    )
    result = runner.invoke(main, ["migrate", "--site", str(folder)])
    assert result.exit_code == 0, result.output
    runtime = Runtime.open(folder)
    add_user(
        runtime, email="ada@example.com", name="Ada", password=PASSWORD, roles=["admin"]
    )
    add_user(
        runtime,
        email="carl@example.com",
        name="Carl",
        password=PASSWORD,
        roles=["clerk"],
    )
    runtime.records.create("customer", {"name": "Bea", "email": "bea@example.com"})
    runtime.records.create("customer", {"name": "Cid"})
    yield create_app(
        runtime_=runtime, config={"TESTING": True, "WTF_CSRF_ENABLED": False}
    )
    runtime.close()


def _signed_in(app, email):
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def test_admin_sees_rules_and_their_runs(app):
    client = _signed_in(app, "ada@example.com")
    page = client.get("/admin/rules")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="rule-customer-welcome"' in html
    assert "schedule: 0 3 * * *" in html
    assert "changed: tier to gold" in html
    detail = client.get("/admin/rules/customer.welcome")
    assert detail.status_code == 200
    text = detail.get_data(as_text=True)
    assert "created" in text and "done" in text
    assert client.get("/admin/rules/nothing").status_code == 404


def test_admin_rules_in_chinese(app):
    client = _signed_in(app, "ada@example.com")
    html = client.get("/admin/rules", headers={"Accept-Language": "zh"}).get_data(
        as_text=True
    )
    assert "触发条件" in html or "Trigger" in html


def test_others_may_not_see_rules(app):
    client = _signed_in(app, "carl@example.com")
    assert client.get("/admin/rules").status_code == 403
    assert client.get("/admin/rules/customer.welcome").status_code == 403
    anonymous = app.test_client()
    assert anonymous.get("/admin/rules").status_code in (302, 401, 403)
