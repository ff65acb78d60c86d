"""Administrators manage users and see the roles; nobody else gets in."""

from __future__ import annotations

from officina.auth import check_password, find_user


def test_only_administrators_reach_the_admin_pages(clerk):
    for url in ("/admin/users", "/admin/users/new", "/admin/users/1", "/admin/roles"):
        assert clerk.get(url).status_code == 403, url
    assert clerk.post("/admin/users/new", {"email": "x@example.com"}).status_code == 403
    assert 'id="admin-users"' not in clerk.get("/").get_data(as_text=True)


def test_an_administrator_adds_a_user_who_can_then_sign_in(admin, app, opened):
    page = admin.get("/admin/users").get_data(as_text=True)
    assert "ada@example.com" in page and "carl@example.com" in page
    response = admin.post(
        "/admin/users/new",
        {
            "email": "dora@example.com",
            "name": "Dora",
            "password": "a long enough secret",
            "roles": ["clerk"],
            "language": "zh",
            "active": "y",
        },
    )
    assert response.status_code == 302
    assert check_password(opened, "dora@example.com", "a long enough secret").roles == (
        "clerk",
    )


def test_every_problem_of_a_new_user_is_shown_and_entries_kept(admin):
    response = admin.post(
        "/admin/users/new",
        {
            "email": "not-an-address",
            "name": "Eve",
            "password": "short",
            "roles": ["clerk", "wizard"],
            "language": "en",
        },
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "is not an e-mail address" in page
    assert "there is no role &#39;wizard&#39;" in page
    assert "at least 10 characters" in page
    assert 'value="Eve"' in page


def test_changing_roles_and_deactivating_a_user(admin, opened):
    carl = find_user(opened, "carl@example.com")
    response = admin.post(
        f"/admin/users/{carl['id']}",
        {"name": "Carl B", "roles": [], "language": "en"},  # active unticked
    )
    assert response.status_code == 302
    changed = find_user(opened, "carl@example.com")
    assert changed["name"] == "Carl B" and changed["roles"] == []
    assert changed["active"] is False
    assert check_password(opened, "carl@example.com", "correct horse battery") is None


def test_an_administrator_cannot_lock_themselves_out(admin, opened):
    ada = find_user(opened, "ada@example.com")
    response = admin.post(
        f"/admin/users/{ada['id']}",
        {"name": "Ada", "roles": ["clerk"], "language": "en", "active": "y"},
    )
    assert response.status_code == 422
    assert "cannot remove your own admin role" in response.get_data(as_text=True)
    assert find_user(opened, "ada@example.com")["roles"] == ["admin"]


def test_a_deactivated_user_is_signed_out_at_once(admin, clerk, opened):
    carl = find_user(opened, "carl@example.com")
    assert clerk.get("/").status_code == 200
    admin.post(
        f"/admin/users/{carl['id']}",
        {"name": "Carl", "roles": ["clerk"], "language": "en"},
    )
    assert clerk.get("/").status_code == 302


def test_the_roles_page_shows_what_each_role_allows(admin):
    page = admin.get("/admin/roles").get_data(as_text=True)
    clerk = page.split('id="role-clerk"')[1].split("</section>")[0]
    assert "Carl" in clerk
    assert "credit_limit" in clerk  # hidden from the clerk
    assert "bi-funnel" in clerk  # only some customers


def test_an_unknown_user_is_a_404(admin):
    assert admin.get("/admin/users/4242").status_code == 404
