"""A role that may only read, in a real browser: no buttons to change
anything, and the pages that would are refused."""

from __future__ import annotations

from playwright.sync_api import expect


def test_read_only_role_sees_no_buttons_and_gets_403(page, sign_in, shop, made):
    order = shop.records.create(
        "order",
        {
            "customer": made["Acme"]["id"],
            "delivery": "pickup",
            "lines": [{"product": made["Pen"]["id"], "qty": 4}],
        },
    )
    sign_in(page, "viewer")
    expect(page.locator("#user-menu")).to_contain_text("Vic Viewer")

    page.goto("/order/")
    rows = page.locator("#records tbody tr[data-id]")
    expect(rows).to_have_count(1)
    expect(page.locator("#new-record")).to_have_count(0)
    expect(page.locator("#bulk-apply")).to_have_count(0)
    expect(page.locator("#export-csv")).to_have_count(0)  # no export right either

    rows.first.get_by_role("link", name=order["number"]).click()
    expect(page.locator("#record-title")).to_contain_text(order["number"])
    expect(page.locator("[data-field=customer]")).to_have_text("Acme")
    expect(page.locator("#edit")).to_have_count(0)
    expect(page.get_by_role("button", name="Delete")).to_have_count(0)
    expect(page.locator("form[action$='/delete']")).to_have_count(0)

    response = page.goto("/order/new")
    assert response.status == 403
    expect(page.locator("#page-problem")).to_be_visible()
    expect(page.locator("#save")).to_have_count(0)

    response = page.goto(f"/order/{order['id']}/edit")
    assert response.status == 403
    expect(page.locator("#save")).to_have_count(0)
