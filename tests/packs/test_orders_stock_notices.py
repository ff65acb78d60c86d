"""Without a stock ledger the orders pack asks the warehouse to allocate a
paid order and to release the stock of a cancelled one; with the inventory
pack, which does both itself, nobody is asked."""

from __future__ import annotations

import pytest
from aftersales_shop import Shop, open_shop

NOTICES = ("is paid: allocate", "release its stock")


def paid_then_cancelled(shop: Shop) -> dict:
    """An order paid by card, allocated, then cancelled."""
    records = shop.records
    order = records.create(
        "order",
        {
            "customer": shop.customer["id"],
            "shipping_address": shop.customer["addresses"][0]["id"],
            "shipping_option": "standard",
            "payment_method": "card",
            "payment_reference": "4242 4242 4242 4242",
            "warehouse": shop.warehouse["id"],
            "lines": [{"product": shop.cable["id"], "qty": 3}],
        },
    )
    records.transition("order", order["id"], "place")
    shop.work()  # payments.authorize
    if shop.order(order["id"])["status"] == "paid":
        records.transition("order", order["id"], "allocate")
    assert shop.order(order["id"])["status"] == "allocated"
    records.transition(
        "order",
        order["id"],
        "cancel",
        values={"cancel_reason": "customer_request"},
        comment="The customer changed their mind.",
    )
    return shop.order(order["id"])


def stock_notices(shop: Shop) -> list[str]:
    return [
        note["message"]
        for note in shop.notifications()
        if any(words in note["message"] for words in NOTICES)
    ]


@pytest.fixture
def make_shop(tmp_path, database_url):
    opened = []

    def make(*also: str) -> Shop:
        runtime = open_shop(tmp_path / "shop", database_url, also=also)
        opened.append(runtime)
        return Shop(runtime)

    yield make
    for runtime in opened:
        runtime.close()


def test_without_inventory_the_warehouse_is_asked(make_shop):
    shop = make_shop()
    order = paid_then_cancelled(shop)
    assert stock_notices(shop) == [
        f"{order['number']} is paid: allocate 3 items in Los Angeles DC",
        f"{order['number']} was cancelled: release its stock",
    ]


def test_with_inventory_the_ledger_does_it_and_nobody_is_asked(make_shop):
    shop = make_shop("inventory")
    shop.records.create(
        "stock_movement",
        {
            "kind": "receipt",
            "product": shop.cable["id"],
            "warehouse": shop.warehouse["id"],
            "quantity": 5,
        },
    )
    order = paid_then_cancelled(shop)
    assert stock_notices(shop) == []
    kinds = [
        movement["kind"]
        for movement in shop.records.list("stock_movement", limit=20).records
        if movement["order"] == order["id"]
    ]
    assert sorted(kinds) == ["release", "reservation"]
