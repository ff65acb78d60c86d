"""Lists in a real browser: filters, search, sorting by a column header
and cursor pages."""

from __future__ import annotations

import re

from playwright.sync_api import expect


def expect_column(page, index: int, texts: list[str]) -> None:
    """The list shows these rows, with these texts in column `index`
    (0: the first column after the check boxes), top to bottom."""
    cells = page.locator(f"#records tbody tr[data-id] td:nth-child({index + 2})")
    expect(cells).to_have_text(texts)


def expect_names(page, names: list[str]) -> None:
    expect_column(page, 0, names)


def test_filter_by_a_choice(signed_in):
    page = signed_in
    page.get_by_role("link", name="Customers").first.click()
    expect(page).to_have_url(re.compile(r"/customer/$"))
    rows = page.locator("#records tbody tr[data-id]")
    expect(rows).to_have_count(5)

    page.select_option("#filter-tier", "gold")
    page.click("#apply-filters")
    expect(page).to_have_url(re.compile(r"[?&]tier=gold"))
    expect(rows).to_have_count(2)
    expect_names(page, ["Acme", "Dynamo"])
    expect(page.locator("#filter-tier")).to_have_value("gold")  # still chosen

    page.select_option("#filter-tier", "silver")
    page.click("#apply-filters")
    expect(rows).to_have_count(1)
    expect_names(page, ["Bolt"])

    page.get_by_role("link", name="Clear").click()
    expect(rows).to_have_count(5)


def test_search_and_contains_filter(signed_in):
    page = signed_in
    page.goto("/customer/")
    rows = page.locator("#records tbody tr[data-id]")
    expect(rows).to_have_count(5)

    page.fill("#search", "oslo")
    page.press("#search", "Enter")
    expect(page).to_have_url(re.compile(r"[?&]q=oslo"))
    expect(rows).to_have_count(2)
    expect_names(page, ["Acme", "Cobalt"])

    page.fill("#search", "")
    page.fill("#filter-city", "erg")
    page.click("#apply-filters")
    expect(page).to_have_url(re.compile(r"[?&]city__contains=erg"))
    expect(rows).to_have_count(2)
    expect_names(page, ["Bolt", "Ember"])
    expect(page.locator("#filter-city")).to_have_value("erg")

    page.fill("#filter-city", "nowhere")
    page.click("#apply-filters")
    expect(page.locator("#no-records")).to_be_visible()
    expect(rows).to_have_count(0)


def test_sort_by_clicking_a_column_header(signed_in):
    page = signed_in
    page.goto("/customer/")
    rows = page.locator("#records tbody tr[data-id]")
    expect(rows).to_have_count(5)
    expect_names(page, ["Acme", "Bolt", "Cobalt", "Dynamo", "Ember"])

    header = page.locator("#records thead th a", has_text="City")
    header.click()
    expect(page).to_have_url(re.compile(r"[?&]sort=city(&|$)"))
    expect(header.locator(".bi-sort-up")).to_have_count(1)
    expect_column(page, 1, ["Bergen", "Bergen", "Oslo", "Oslo", "Trondheim"])

    page.locator("#records thead th a", has_text="City").click()
    expect(page).to_have_url(re.compile(r"[?&]sort=-city(&|$)"))
    expect(page.locator("#records thead .bi-sort-down")).to_have_count(1)
    expect_column(page, 1, ["Trondheim", "Oslo", "Oslo", "Bergen", "Bergen"])

    # A filter keeps the order chosen.
    page.select_option("#filter-tier", "bronze")
    page.click("#apply-filters")
    expect(rows).to_have_count(2)
    expect(page).to_have_url(re.compile(r"sort=-city"))
    expect_names(page, ["Cobalt", "Ember"])


def test_next_page_with_a_cursor(signed_in):
    page = signed_in
    page.goto("/customer/")
    page.get_by_role("link", name="Three a page").click()
    expect(page).to_have_url(re.compile(r"[?&]view=customer_pages"))
    rows = page.locator("#records tbody tr[data-id]")
    expect(rows).to_have_count(3)
    expect_names(page, ["Acme", "Bolt", "Cobalt"])

    page.click("#next-page")
    expect(page).to_have_url(re.compile(r"[?&]cursor="))
    expect(rows).to_have_count(2)
    expect_names(page, ["Dynamo", "Ember"])
    expect(page.locator("#next-page")).to_have_count(0)

    page.get_by_role("link", name="First page").click()
    expect(rows).to_have_count(3)
    expect_names(page, ["Acme", "Bolt", "Cobalt"])
    expect(page.locator("#next-page")).to_be_visible()
