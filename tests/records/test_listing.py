"""Listing: filters by field type, sorting, keyset pages, counts, expand."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from officina.definitions.model import Filter
from officina.records.listing import ListingError


@pytest.fixture
def catalogue(shop):
    prices = ["1.00", "2.50", "2.50", "9.99", "12.00", "0.10", "7.00"]
    for index, price in enumerate(prices):
        shop.create(
            "product",
            {
                "sku": f"SKU-{index}",
                "name": f"Item {index}",
                "price": price,
                "stock": index % 3,
            },
        )
    return shop


def names(page) -> list[str]:
    return [record["name"] for record in page.records]


def test_filters_by_type(catalogue):
    page = catalogue.list(
        "product", filters=[Filter(("price",), "gte", "2.50")], sort=("price", "name")
    )
    assert names(page) == ["Item 1", "Item 2", "Item 6", "Item 3", "Item 4"]
    page = catalogue.list(
        "product",
        filters=[
            Filter(("price",), "between", ("1", "3")),
            Filter(("stock",), "ne", 0),
        ],
    )
    assert sorted(names(page)) == ["Item 1", "Item 2"]
    page = catalogue.list("product", filters=[Filter(("name",), "contains", "em 1")])
    assert names(page) == ["Item 1"]
    page = catalogue.list(
        "product",
        filters=[Filter(("sku",), "in", ("SKU-0", "SKU-5"))],
        sort=("-price",),
    )
    assert names(page) == ["Item 0", "Item 5"]
    page = catalogue.list(
        "product", filters=[Filter(("created_at",), "within", "today")]
    )
    assert len(page.records) == 7


def test_keyset_pages_walk_every_record_once(catalogue):
    seen, cursor = [], None
    while True:
        page = catalogue.list(
            "product", sort=("-price", "name"), limit=3, cursor=cursor
        )
        seen += [(r["price"], r["name"]) for r in page.records]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == sorted(seen, key=lambda item: (-item[0], item[1]))
    assert len(seen) == 7
    assert seen[0] == (Decimal("12.00"), "Item 4")


def test_total_only_when_asked(catalogue):
    page = catalogue.list("product", limit=2)
    assert page.total is None
    page = catalogue.list(
        "product", limit=2, count=True, filters=[Filter(("stock",), "eq", 0)]
    )
    assert page.total == 3 and len(page.records) == 2


def test_expand_references_and_rows(shop):
    ana = shop.create("customer", {"name": "Ana"})
    pen = shop.create("product", {"sku": "PEN-1", "name": "Pen", "price": "1"})
    for _ in range(3):
        shop.create("order", {"customer": ana["id"], "lines": [{"product": pen["id"]}]})
    page = shop.list("order", expand=("customer", "lines"))
    assert [order["customer"]["name"] for order in page.records] == ["Ana"] * 3
    assert all(len(order["lines"]) == 1 for order in page.records)
    through = shop.list("order", filters=[Filter(("customer", "name"), "eq", "Ana")])
    assert len(through.records) == 3


def test_bad_requests_are_explained(catalogue):
    with pytest.raises(ListingError, match="cannot sort by 'colour'"):
        catalogue.list("product", sort=("colour",))
    with pytest.raises(ListingError, match="start again from the first page"):
        catalogue.list("product", cursor="not-a-cursor")
    with pytest.raises(ListingError, match="'price' must be a number"):
        catalogue.list("product", filters=[Filter(("price",), "gt", "cheap")])
    with pytest.raises(ListingError, match="limit must be between 1 and 500"):
        catalogue.list("product", limit=10_000)


def test_dates_sort_and_filter(shop):
    ana = shop.create("customer", {"name": "Ana"})
    pen = shop.create("product", {"sku": "PEN-1", "name": "Pen", "price": "1"})
    today = dt.date.today()
    order = shop.create(
        "order",
        {
            "customer": ana["id"],
            "placed_on": today.isoformat(),
            "lines": [{"product": pen["id"]}],
        },
    )
    page = shop.list("order", filters=[Filter(("placed_on",), "within", "last_7_days")])
    assert [o["id"] for o in page.records] == [order["id"]]
    page = shop.list("order", filters=[Filter(("placed_on",), "within", "last_month")])
    assert page.records == []


def test_pages_in_the_default_order_walk_every_record_once(shop):
    with shop.transaction() as transaction:  # one transaction: equal created_at
        for index in range(7):
            transaction.create("customer", {"name": f"C{index}"})
    for index in range(7, 12):
        shop.create("customer", {"name": f"C{index}"})
    seen, cursor = [], None
    while True:
        page = shop.list("customer", limit=4, cursor=cursor)
        seen += [record["name"] for record in page.records]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert sorted(seen) == sorted(f"C{index}" for index in range(12))
    assert len(seen) == 12
    assert seen[:5] == [f"C{index}" for index in (11, 10, 9, 8, 7)]
