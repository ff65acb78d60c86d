"""The shipped demo's order page shows what the shipping and after-sales
packs add to the orders pack's order, in the sections those packs give it."""

from __future__ import annotations

import re

from ui_client import demo_browser

from officina.definitions.model import Filter


def admin_page(runtime, url: str) -> str:
    response = demo_browser(runtime, "admin@example.com").get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def first_order(runtime, *filters: Filter) -> dict:
    page = runtime.records.list("order", filters=filters, limit=1)
    assert page.records, filters
    return page.records[0]


def section_of(page: str, field: str) -> str:
    before = page[: page.index(f'data-field="{field}"')]
    return re.findall(r'<h3 class="h6 card-title">([^<]*)</h3>', before)[-1]


def test_the_order_page_shows_the_parcels_tracking_status(demo):
    order = first_order(demo, Filter(("tracking_status",), "eq", "delivered"))
    page = admin_page(demo, f"/order/{order['id']}")
    assert section_of(page, "tracking_status") == "Parcels"
    shown = page.split('data-field="tracking_status"')[1].split("</dd>")[0]
    assert "Delivered" in shown
    assert section_of(page, "shipment_count") == "Parcels"


def test_the_order_page_shows_the_amount_refunded(demo):
    order = first_order(demo, Filter(("refunded_amount",), "gt", 0))
    page = admin_page(demo, f"/order/{order['id']}")
    assert section_of(page, "refunded_amount") == "Refunds and exchanges"
    shown = page.split('data-field="refunded_amount"')[1].split("</dd>")[0]
    assert f"{order['refunded_amount']:,.2f}" in shown


def test_the_staffs_order_form_places_every_field_the_packs_add(demo):
    # Nothing the shipped packs add to an order is left to "More" there.
    assert demo.definitions.entities["order"].forms["default"].other_fields == ()
    page = admin_page(demo, f"/order/{first_order(demo)['id']}")
    assert ">More</h3>" not in page
