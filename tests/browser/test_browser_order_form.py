"""Filling in a new order in a real browser: a conditional field, the
reference picker, child rows, problems shown all at once, and the saved
record."""

from __future__ import annotations

import re

from playwright.sync_api import expect


def pick(scope, text: str, choice: str) -> None:
    """Type `text` into the reference picker inside `scope`, then choose
    `choice` from the list that drops down."""
    scope.locator(".reference-search").fill(text)
    item = scope.locator(".reference-results .list-group-item", has_text=choice)
    expect(item).to_have_count(1)
    item.click()
    expect(scope.locator(".reference-results .list-group-item")).to_have_count(0)
    expect(scope.locator(".reference-search")).to_have_value(choice)


def test_new_order_from_first_click_to_saved_record(signed_in):
    page = signed_in
    page.goto("/order/")
    page.click("#new-record")
    expect(page).to_have_url(re.compile(r"/order/new$"))
    expect(page.locator("#save")).to_be_visible()

    # Inputs may be typed in, except those the server works out.
    expect(page.locator("[data-field=delivery] select")).to_be_enabled()
    expect(page.locator("[data-field=total] input")).not_to_be_editable()

    # The address is asked only for a delivery by courier: the server says so.
    address = page.locator("[data-field=address]")
    expect(address).to_be_hidden()
    page.select_option("[data-field=delivery] select", "pickup")
    expect(address).to_be_hidden()
    with page.expect_response(
        lambda r: r.url.endswith("/order/_conditions") and r.request.method == "POST"
    ) as asked:
        page.select_option("[data-field=delivery] select", "courier")
    assert asked.value.json()["address"] == {
        "visible": True,
        "required": True,
        "readonly": False,
    }
    expect(address).to_be_visible()
    expect(address.locator(".required-mark")).to_be_visible()
    expect(address.locator("input")).to_be_editable()
    page.select_option("[data-field=delivery] select", "pickup")
    expect(address).to_be_hidden()
    page.select_option("[data-field=delivery] select", "courier")
    expect(address).to_be_visible()

    # Rows: add them, fill them in, reorder them, remove one.
    lines = page.locator("[data-field=lines]")
    rows = lines.locator("tbody tr.child-row")
    expect(rows).to_have_count(0)
    for _ in range(3):
        lines.locator(".row-add").click()
    expect(rows).to_have_count(3)
    pick(rows.nth(0).locator("[data-column=product]"), "Pe", "Pen")
    rows.nth(0).locator("[data-column=qty] input").fill("3")
    rows.nth(1).locator("[data-column=qty] input").fill("2")  # no product yet
    pick(rows.nth(2).locator("[data-column=product]"), "In", "Ink")

    def expect_products(names: list[str]) -> None:
        expect(rows).to_have_count(len(names))
        for index, name in enumerate(names):
            expect(rows.nth(index).locator(".reference-search")).to_have_value(name)

    rows.nth(2).locator(".row-up").click()
    expect_products(["Pen", "Ink", ""])
    rows.nth(0).locator(".row-down").click()
    expect_products(["Ink", "Pen", ""])
    rows.nth(0).locator(".row-up").click()  # the first row stays first
    expect_products(["Ink", "Pen", ""])

    lines.locator(".row-add").click()
    expect(rows).to_have_count(4)
    rows.nth(3).locator("[data-column=qty] input").fill("5")
    rows.nth(3).locator(".row-remove").click()
    expect(rows).to_have_count(3)
    expect_products(["Ink", "Pen", ""])
    # The rows are numbered as they stand now.
    expect(rows.nth(0).locator("[data-column=qty] input")).to_have_attribute(
        "name", "lines-0-qty"
    )
    expect(rows.nth(2).locator("[data-column=qty] input")).to_have_attribute(
        "name", "lines-2-qty"
    )

    # Send it with no customer, no address and a row without its product:
    # every problem is shown at once, next to its field or row.
    page.click("#save")
    expect(page.locator("#form-problems")).to_contain_text("Nothing was saved.")
    expect(page.locator("[data-field=customer] .invalid-feedback")).to_have_text(
        "is required"
    )
    expect(page.locator("[data-field=customer] .reference-search")).to_have_class(
        re.compile(r"\bis-invalid\b")
    )
    expect(address).to_be_visible()
    expect(address.locator(".invalid-feedback")).to_have_text("is required")
    expect(rows).to_have_count(3)
    expect(rows.nth(2).locator("[data-column=product] .invalid-feedback")).to_have_text(
        "is required"
    )
    expect(rows.nth(0).locator(".invalid-feedback")).to_have_count(0)
    expect(rows.nth(1).locator(".invalid-feedback")).to_have_count(0)
    # What was entered is still there.
    expect(page.locator("[data-field=delivery] select")).to_have_value("courier")
    expect_products(["Ink", "Pen", ""])
    expect(rows.nth(0).locator("[data-column=qty] input")).to_have_value("1")
    expect(rows.nth(1).locator("[data-column=qty] input")).to_have_value("3")
    expect(rows.nth(2).locator("[data-column=qty] input")).to_have_value("2")

    # Put it right and save.
    pick(page.locator("[data-field=customer]"), "Acm", "Acme")
    address.locator("input").fill("1 Harbour Street, Oslo")
    pick(rows.nth(2).locator("[data-column=product]"), "Pe", "Pen")
    page.click("#save")

    expect(page).to_have_url(re.compile(r"/order/\d+$"))
    expect(page.get_by_role("alert")).to_contain_text("was saved")
    expect(page.locator("#record-title")).to_contain_text("ORD-00001")
    expect(page.locator("[data-field=customer]")).to_have_text("Acme")
    expect(page.locator("[data-field=delivery]")).to_have_text("Courier")
    expect(page.locator("[data-field=address]")).to_have_text("1 Harbour Street, Oslo")
    saved = page.locator("[data-field=lines] tbody tr")
    expect(saved).to_have_count(3)
    expect(saved.nth(0)).to_contain_text("Ink")
    expect(saved.nth(1)).to_contain_text("Pen")
    expect(saved.nth(2)).to_contain_text("Pen")
    expect(saved.nth(0).locator("td").nth(1)).to_have_text("1")
    expect(saved.nth(1).locator("td").nth(1)).to_have_text("3")
    expect(saved.nth(2).locator("td").nth(1)).to_have_text("2")
    # 1 × 4.00 + 3 × 1.50 + 2 × 1.50
    expect(page.locator("[data-field=total]")).to_contain_text("11.50")
