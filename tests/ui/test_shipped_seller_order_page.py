"""On the shipped demo, a third-party seller's order pages leave off the
inventory pack's stock fields: a seller ships from their own stock, and the
reservations in the shop's warehouses are not theirs to see."""

from __future__ import annotations

import pytest
from ui_client import Browser, demo_browser

from officina.auth import check_password
from officina.cli.demo import DEMO_PASSWORD

STOCK_FIELDS = ("stock_reserved", "stock_problem", "stock_checked_at")


signed_in = demo_browser


def page_of(browser: Browser, url: str) -> str:
    response = browser.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def sellers_orders(runtime) -> list[dict]:
    vendor = check_password(runtime, "seller@example.com", DEMO_PASSWORD)
    orders = runtime.records.list("order", actor=vendor, limit=500).records
    assert orders
    return orders


def test_the_seller_sees_no_stock_fields_on_their_orders(demo):
    seller = signed_in(demo, "seller@example.com")
    orders = sellers_orders(demo)
    page = page_of(seller, f"/order/{orders[0]['id']}")
    assert 'data-field="tracking_number"' in page
    for name in STOCK_FIELDS:
        assert f'data-field="{name}"' not in page, name
    assert "Stock reserved" not in page and "Stock problem" not in page
    assert ">More<" not in page
    shipping = [o for o in orders if o["status"] in ("packed", "shipped")]
    form = page_of(seller, f"/order/{shipping[0]['id']}/edit")
    assert 'name="tracking_number"' in form
    for name in STOCK_FIELDS:
        assert f'name="{name}"' not in form, name
    assert "Stock reserved" not in form and ">More<" not in form


def test_the_staff_see_the_stock_of_the_same_order(demo):
    order = sellers_orders(demo)[0]
    page = page_of(signed_in(demo, "admin@example.com"), f"/order/{order['id']}")
    assert 'data-field="stock_reserved"' in page
    assert 'data-field="stock_checked_at"' not in page  # hidden for everyone


@pytest.mark.parametrize("email", ["seller@example.com", "admin@example.com"])
def test_the_order_lines_leave_off_the_fields_kept_for_reports(demo, email):
    order = sellers_orders(demo)[0]
    page = page_of(signed_in(demo, email), f"/order/{order['id']}")
    lines = page.split('data-field="lines"')[1].split("</table>")[0]
    assert "Weight (kg)" in lines
    for label in ("Unit weight (kg)", "Order status", "Order placed"):
        assert label not in lines, label
    stored = demo.records.get("order", order["id"])["lines"][0]
    assert stored["unit_weight"] is not None and stored["order_status"]
