"""Signing in and out: sessions, throttling, cookies, redirects, language."""

from __future__ import annotations

from officina.auth import throttle


def test_pages_need_a_signed_in_user(browser):
    response = browser.get("/customer/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/customer/"


def test_wrong_password_is_refused_with_a_message(browser):
    response = browser.sign_in("ada@example.com", "not the password")
    assert response.status_code == 401
    assert "The e-mail or password is not correct." in response.get_data(as_text=True)
    assert browser.get("/").status_code == 302


def test_signing_in_goes_where_the_user_was_going(browser):
    token = browser.token("/login?next=/customer/")
    response = browser.client.post(
        "/login?next=/customer/",
        data={
            "email": "ADA@example.com ",
            "password": "correct horse battery",
            "csrf_token": token,
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/customer/"
    assert "Welcome, Ada" in browser.get("/").get_data(as_text=True)


def test_next_may_not_lead_to_another_site(browser):
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        token = browser.token("/login")
        response = browser.client.post(
            "/login",
            query_string={"next": target},
            data={
                "email": "ada@example.com",
                "password": "correct horse battery",
                "csrf_token": token,
            },
        )
        assert response.headers["Location"] == "/", target


def test_signing_out_ends_the_session(admin):
    assert admin.get("/").status_code == 200
    admin.get("/logout", follow_redirects=True)  # a link cannot sign anyone out
    assert admin.get("/").status_code == 200
    response = admin.post("/logout")
    assert response.status_code == 302
    assert admin.get("/").status_code == 302


def test_session_cookie_is_httponly_samesite_and_secure_off_this_machine(app):
    client = app.test_client()
    page = client.get("/login", base_url="https://shop.example.com")
    token = page.get_data(as_text=True).split('name="csrf-token" content="')[1]
    response = client.post(
        "/login",
        base_url="https://shop.example.com",
        headers={"Referer": "https://shop.example.com/login"},
        data={
            "email": "ada@example.com",
            "password": "correct horse battery",
            "csrf_token": token.split('"')[0],
        },
    )
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" in cookie


def test_too_many_failures_lock_the_account_for_a_while(browser, opened):
    for _ in range(throttle.ACCOUNT_LIMIT):
        assert browser.sign_in("ada@example.com", "wrong guess").status_code == 401
    response = browser.sign_in("ada@example.com")  # even the right password
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.get_data(as_text=True)
    assert browser.get("/").status_code == 302
    # Another account is not locked by them.
    assert browser.sign_in("carl@example.com").status_code == 302


def test_the_lock_ends_and_a_success_clears_the_count(browser, opened):
    import datetime as dt

    later = dt.datetime.now(dt.UTC) + throttle.LOCK + dt.timedelta(seconds=1)
    for _ in range(throttle.ACCOUNT_LIMIT):
        throttle.record_failure(opened, "ada@example.com", None)
    assert throttle.locked_for(opened, "ada@example.com", None) >= 1
    assert throttle.locked_for(opened, "ada@example.com", None, now=later) == 0
    throttle.record_failure(opened, "carl@example.com", None)
    throttle.record_success(opened, "carl@example.com")
    for _ in range(throttle.ACCOUNT_LIMIT - 1):
        throttle.record_failure(opened, "carl@example.com", None)
    assert throttle.locked_for(opened, "carl@example.com", None) == 0


def test_changing_the_password_ends_other_sessions(admin, opened):
    from werkzeug.security import generate_password_hash

    from officina.schema.tables import USERS

    table = opened.schema.metadata.tables[USERS]
    with opened.engine.begin() as connection:
        connection.execute(
            table.update()
            .where(table.c.email == "ada@example.com")
            .values(password_hash=generate_password_hash("another password 1"))
        )
    assert admin.get("/").status_code == 302


def test_language_is_chosen_per_user(admin, clerk):
    assert 'lang="en"' in admin.get("/").get_data(as_text=True)
    response = admin.post("/language", {"language": "zh"}, headers={"Referer": "/"})
    assert response.status_code == 302
    page = admin.get("/customer/").get_data(as_text=True)
    assert 'lang="zh"' in page
    assert "新建" in page  # the New button
    assert "客户" in page  # the entity's own Chinese label
    # The clerk still sees English.
    assert "新建" not in clerk.get("/customer/").get_data(as_text=True)


def test_an_unknown_language_is_refused(admin):
    admin.post("/language", {"language": "xx"})
    assert 'lang="en"' in admin.get("/").get_data(as_text=True)


def test_the_sign_in_page_offers_the_languages(browser):
    browser.post("/language", {"language": "zh"})
    page = browser.get("/login").get_data(as_text=True)
    assert "登录" in page
