"""What must never happen: script from a value, a forged form, a field or
row a role may not see leaking out through any page."""

from __future__ import annotations

import csv
import io

PAYLOAD = '<script>alert("x")</script><img src=x onerror=alert(1)>'
ESCAPED = "&lt;script&gt;alert("


def test_a_script_in_every_text_field_is_shown_as_text(admin, opened, shop):
    customer = opened.records.create(
        "customer",
        {"name": PAYLOAD, "city": PAYLOAD, "notes": PAYLOAD, "tier": "gold"},
    )
    opened.records.create(
        "order",
        {
            "customer": customer["id"],
            "note": PAYLOAD,
            "lines": [{"product": shop["pen"]["id"]}],
        },
    )
    admin.post(f"/customer/{customer['id']}/comments", {"body": PAYLOAD})
    pages = [
        "/customer/",
        "/customer/?view=by_tier",
        "/customer/?view=oslo_customers&q=x",
        f"/customer/{customer['id']}",
        f"/customer/{customer['id']}/edit",
        "/order/",
        "/order/?view=orders_with_city",
        "/order/2",
        "/order/2/edit",
    ]
    for url in pages:
        page = admin.get(url).get_data(as_text=True)
        assert "<script>alert" not in page, url
        assert "<img src=x" not in page, url
    detail = admin.get(f"/customer/{customer['id']}").get_data(as_text=True)
    assert detail.count(ESCAPED) >= 4  # name, city, notes, comment
    lookup = admin.get("/order/_lookup/customer?q=script").get_json()
    assert lookup["results"][0]["title"] == PAYLOAD  # JSON; the page sets text
    text = admin.get("/customer/export?format=csv").get_data(as_text=True)
    assert PAYLOAD.replace('"', '""') in text  # a file's cell, not a page


def test_pages_say_what_they_are_and_where_scripts_may_come_from(admin, shop):
    response = admin.get("/customer/")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "cdn" not in response.get_data(as_text=True).lower()


def test_the_assets_are_served_by_the_application(admin):
    page = admin.get("/").get_data(as_text=True)
    for asset in (
        "/bootstrap/static/css/bootstrap.min.css",
        "/bootstrap/static/js/bootstrap.min.js",
        "/static/officina/officina.js",
        "/static/officina/officina.css",
    ):
        assert asset in page.replace("bootstrap5/", ""), asset


def test_every_asset_the_pages_name_is_there(admin):
    import re

    page = admin.get("/").get_data(as_text=True)
    for url in re.findall(r'(?:href|src)="(/[^"]+\\.(?:css|js))"', page):
        assert admin.get(url).status_code == 200, url


def test_a_form_without_its_csrf_token_is_refused(app, admin, opened):
    before = opened.records.list("customer").records
    response = admin.client.post("/customer/new", data={"name": "Forged"})
    assert response.status_code == 400
    assert "did not come from this site" in response.get_data(as_text=True)
    response = admin.client.post(
        "/customer/new", data={"name": "Forged", "csrf_token": "made-up"}
    )
    assert response.status_code == 400
    assert opened.records.list("customer").records == before
    assert admin.client.post("/logout").status_code == 400
    assert admin.get("/").status_code == 200  # still signed in


def test_the_api_takes_no_cookies_so_needs_no_csrf_token(admin):
    response = admin.client.post("/api/v1/customer", json={"name": "X"})
    assert response.status_code == 401  # a session cookie is not a token


def test_a_hidden_field_never_leaves_the_server(clerk, shop):
    oslo = shop["oslo"]
    for url in ("/customer/", f"/customer/{oslo['id']}", "/customer/?view=by_tier"):
        page = clerk.get(url).get_data(as_text=True)
        assert "Credit limit" not in page and "500.00" not in page, url
    text = clerk.get("/customer/export?format=csv").get_data(as_text=True)
    assert "Credit limit" not in text and "500" not in text
    assert clerk.get("/customer/?credit_limit__gte=100").status_code in (400, 403)


def test_rows_outside_the_row_filter_cannot_be_reached(clerk, shop):
    bergen = shop["bergen"]
    assert clerk.get(f"/customer/{bergen['id']}").status_code == 404
    for url in ("/customer/", "/customer/?q=rain", "/customer/?city=Bergen"):
        assert "Rain Ltd" not in clerk.get(url).get_data(as_text=True), url
    text = clerk.get("/customer/export?format=csv").get_data(as_text=True)
    names = [row[1] for row in list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))[1:]]
    assert names == ["Fjord AS"]
    found = clerk.get("/order/_lookup/customer?q=").get_json()["results"]
    assert [r["title"] for r in found] == ["Fjord AS"]
    assert clerk.get(f"/order/_lookup/customer?q={bergen['id']}").get_json() == {
        "results": []
    }
    assert (
        clerk.post(f"/customer/{bergen['id']}/comments", {"body": "hello"}).status_code
        == 404
    )
