"""The order journey once through the browser, on a site with every shipped
pack: the customer checks out in the order form and places the order, the
payment provider answers (the worker, in the test's process), the warehouse
packs the parcel, logistics hands it to the carrier, the carrier's tracking
delivers it, customer service takes a return and approves it, the warehouse
receives it and the refund goes back to the card. Each person signs in in a
browser of their own; the test checks what they see: states, figures and
buttons."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from order_journey_site import PASSWORD, open_site, stock_shop

HOUR = dt.timedelta(hours=1)
TIMEOUT_MS = 10_000


@pytest.fixture
def shop(tmp_path, database_url):
    """The site's runtime (served by the conftest's live server)."""
    runtime = open_site(tmp_path / "shop", database_url)
    yield runtime
    runtime.close()


@pytest.fixture
def made(shop):
    """The people, the warehouse, a kettle in stock and the customer."""
    return stock_shop(shop, units=10)


@pytest.fixture
def person(browser, live_server, made):
    """person(job): a page of a browser of their own, signed in."""
    contexts = []
    problems: list[str] = []
    expect.set_options(timeout=TIMEOUT_MS)

    def sign_in(job: str):
        context = browser.new_context(base_url=live_server, locale="en-US")
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.on("dialog", lambda dialog: dialog.accept())
        page.on("pageerror", lambda error: problems.append(f"{job}: {error}"))
        page.goto("/login")
        page.fill("#email", made.people[job].email)
        page.fill("#password", PASSWORD)
        page.locator("form button[type=submit]").click()
        expect(page.locator("#user-menu")).to_contain_text(made.people[job].name)
        return page

    yield sign_in
    for context in contexts:
        context.close()
    assert not problems, problems


def pick(scope, text: str, choice: str) -> None:
    """Type into the reference picker inside `scope` and choose `choice`."""
    scope.locator(".reference-search").fill(text)
    item = scope.locator(".reference-results .list-group-item", has_text=choice)
    expect(item).to_have_count(1)
    item.click()
    expect(scope.locator(".reference-results .list-group-item")).to_have_count(0)


def take(page, transition: str, state: str) -> None:
    """Click the step's button (accepting its question) and see the state."""
    button = page.locator(f'button[data-transition="{transition}"]')
    expect(button).to_be_enabled()
    button.click()
    expect(page.locator("#record-state")).to_have_text(state)


def field(page, name: str):
    return page.locator(f'dd[data-field="{name}"]')


def test_an_order_from_the_checkout_form_to_the_refund(person, made):
    shop = made

    # -- the customer checks out in the order form ------------------------------
    customer = person("customer")
    customer.goto("/order/new")
    lines = customer.locator('[data-field="lines"]')
    lines.locator(".row-add").click()
    row = lines.locator("tbody tr.child-row").first
    pick(row.locator('[data-column="product"]'), "Kettle", "Electric kettle")
    row.locator('[data-column="qty"] input').fill("2")
    pick(customer.locator('[data-field="shipping_address"]'), "Century", "Century")
    customer.select_option('[data-field="shipping_option"] select', "standard")
    customer.select_option('[data-field="payment_method"] select', "card")
    customer.click("#save")
    expect(customer).to_have_url(re.compile(r"/order/\d+$"))
    expect(customer.locator("#record-state")).to_have_text("Draft")
    order_id = int(customer.url.rsplit("/", 1)[1])
    number = shop.records.get("order", order_id)["number"]
    expect(customer.locator("#record-title")).to_contain_text(number)
    expect(field(customer, "total")).to_contain_text("118.00")
    take(customer, "place", "Placed")
    expect(field(customer, "payment_status")).to_have_text("Pending")
    expect(customer.locator('button[data-transition="place"]')).to_have_count(0)
    history = customer.locator("#history")
    expect(history.locator("li").first).to_contain_text("Customer")
    expect(history).to_contain_text("draft → placed")
    expect(history).not_to_contain_text("_transition")
    expect(
        customer.locator('button[data-transition="customer_cancel"]')
    ).to_be_enabled()
    assert shop.emails() == [f"Order confirmation {number}"]

    # -- the provider authorises the card; the stock is reserved ----------------
    shop.work()
    customer.reload()
    expect(customer.locator("#record-state")).to_have_text("Allocated")
    expect(field(customer, "payment_status")).to_have_text("Authorised")
    # Allocated orders are no longer the customer's to cancel.
    expect(customer.locator('button[data-transition="customer_cancel"]')).to_have_count(
        0
    )
    assert shop.stock() == (10, 2, 8)

    # -- the warehouse sees the reservation and packs the parcel ----------------
    warehouse = person("warehouse")
    level = shop.records.list("stock_level").records[0]
    warehouse.goto(f"/stock_level/{level['id']}")
    expect(field(warehouse, "on_hand")).to_have_text("10")
    expect(field(warehouse, "reserved")).to_have_text("2")
    expect(field(warehouse, "available")).to_have_text("8")
    [parcel] = shop.shipments_of(order_id)
    warehouse.goto(f"/shipment/{parcel['id']}")
    expect(warehouse.locator("#record-state")).to_have_text("Packing")
    expect(warehouse.locator('[data-field="items"]')).to_contain_text("KTL-1")
    take(warehouse, "pack", "Packed")
    shop.work()  # the carrier books the parcel

    # -- logistics hands it to the carrier ---------------------------------------
    logistics = person("logistics")
    logistics.goto(f"/shipment/{parcel['id']}")
    tracking = shop.shipments_of(order_id)[0]["tracking_number"]
    expect(field(logistics, "tracking_number")).to_have_text(tracking)
    expect(logistics.locator('button[data-transition="pack"]')).to_have_count(0)
    take(logistics, "ship", "Shipped")
    assert shop.stock() == (8, 0, 8)
    warehouse.goto(f"/stock_level/{level['id']}")
    expect(field(warehouse, "on_hand")).to_have_text("8")
    expect(field(warehouse, "reserved")).to_have_text("0")

    # -- the carrier's tracking, then delivery ----------------------------------
    shop.work()  # the payment is captured
    shop.run_schedules(dt.timedelta(0))
    shop.run_schedules(2 * HOUR)
    customer.reload()
    expect(customer.locator("#record-state")).to_have_text("Shipped")
    expect(field(customer, "tracking_number")).to_have_text(tracking)
    expect(field(customer, "payment_status")).to_have_text("Captured")
    shop.run_schedules(7 * 24 * HOUR)
    customer.reload()
    expect(customer.locator("#record-state")).to_have_text("Delivered")
    customer.get_by_role("link", name=parcel["number"]).click()
    expect(customer.locator("#record-state")).to_have_text("Delivered")
    expect(field(customer, "tracking_status")).to_have_text("Delivered")
    expect(field(customer, "tracking_number")).to_have_text(tracking)

    # -- customer service takes a return of one kettle -----------------------------
    service = person("customer_service")
    service.goto("/return_request/new")
    pick(service.locator('[data-field="order"]'), number, number)
    returned = service.locator('[data-field="lines"]')
    returned.locator(".row-add").click()
    row = returned.locator("tbody tr.child-row").first
    pick(row.locator('[data-column="order_line"]'), "KTL", "Electric kettle")
    row.locator('[data-column="qty"] input').fill("1")
    row.locator('[data-column="reason"] select').select_option("no_longer_needed")
    service.click("#save")
    expect(service).to_have_url(re.compile(r"/return_request/\d+$"))
    expect(service.locator("#record-state")).to_have_text("Requested")
    expect(field(service, "refund_amount")).to_contain_text("59.00")
    take(service, "approve", "Approved")
    rma_id = int(service.url.rsplit("/", 1)[1])

    # -- the warehouse receives it: back in stock, and refunded -------------------
    warehouse.goto(f"/return_request/{rma_id}")
    expect(warehouse.locator('button[data-transition="receive"]')).to_be_visible()
    warehouse.click("#edit")
    row = warehouse.locator('[data-field="lines"] tbody tr.child-row').first
    row.locator('[data-column="received_qty"] input').fill("1")
    row.locator('[data-column="condition"] select').select_option("resellable")
    warehouse.click("#save")
    expect(warehouse.locator(".alert-success")).to_contain_text("saved")
    take(warehouse, "receive", "Refunding")
    expect(field(warehouse, "restock_units")).to_have_text("1")
    warehouse.goto(f"/stock_level/{level['id']}")
    expect(field(warehouse, "on_hand")).to_have_text("9")
    expect(field(warehouse, "available")).to_have_text("9")

    shop.work()  # the provider refunds the card
    finance = person("finance")
    finance.goto(f"/return_request/{rma_id}")
    expect(finance.locator("#record-state")).to_have_text("Refunded")
    expect(field(finance, "refund_status")).to_have_text("Refunded")
    expect(field(finance, "refund_reference")).to_contain_text("SIM-RFND-5900-")
    customer.goto(f"/return_request/{rma_id}")
    expect(customer.locator("#record-state")).to_have_text("Refunded")
    expect(field(customer, "refund_amount")).to_contain_text("59.00")
    expect(customer.locator('button[data-transition="cancel"]')).to_have_count(0)
