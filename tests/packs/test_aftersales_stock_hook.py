"""After-sales restocks returned items through the inventory pack's stock
ledger when the site has inventory too (the files of aftersales'
with/inventory/ folder), and works without any stock ledger when it does
not: on a new site, and when inventory is installed and removed later with
`officina pack`."""

from __future__ import annotations

import pytest
from aftersales_shop import Shop, open_shop
from click.testing import CliRunner

from officina.cli import main
from officina.definitions.model import Filter
from officina.runtime import Runtime


def receipt(records, order: dict, product: dict, quantity: int) -> None:
    """Stock of `product` received in the warehouse `order` ships from."""
    records.create(
        "stock_movement",
        {
            "kind": "receipt",
            "product": product["id"],
            "warehouse": order["warehouse"],
            "quantity": quantity,
        },
    )


def stock(records, warehouse, product: dict) -> tuple[int, int]:
    """(on hand, available) of `product` in `warehouse` (an id)."""
    conditions = [
        Filter(("product",), "eq", product["id"]),
        Filter(("warehouse",), "eq", warehouse),
    ]
    [level] = records.list("stock_level", filters=conditions, limit=2).records
    return level["on_hand"], level["available"]


def received_return(records, order: dict, conditions: dict) -> dict:
    """A return of every line of `order`, approved and received with the
    {product id: (received quantity, condition)} of `conditions`."""
    rma = records.create(
        "return_request",
        {
            "order": order["id"],
            "lines": [
                {"order_line": line["id"], "qty": line["qty"], "reason": "other"}
                for line in order["lines"]
            ],
        },
    )
    records.transition("return_request", rma["id"], "approve")
    lines = records.get("return_request", rma["id"])["lines"]
    records.update(
        "return_request",
        rma["id"],
        {
            "lines": [
                {
                    "id": line["id"],
                    "received_qty": conditions[line["product"]][0],
                    "condition": conditions[line["product"]][1],
                }
                for line in lines
            ]
        },
    )
    records.transition("return_request", rma["id"], "receive")
    return records.get("return_request", rma["id"])


@pytest.fixture
def stocked_shop(tmp_path, database_url):
    runtime = open_shop(tmp_path / "shop", database_url, also=("inventory",))
    shop = Shop(runtime)
    for product in (shop.headphones, shop.cable):
        receipt(shop.records, {"warehouse": shop.warehouse["id"]}, product, 10)
    yield shop
    runtime.close()


def test_a_received_return_restocks_the_resellable_items(stocked_shop):
    shop = stocked_shop
    order = shop.delivered_order([(shop.headphones, 2), (shop.cable, 1)])
    warehouse = shop.warehouse["id"]
    assert stock(shop.records, warehouse, shop.headphones) == (8, 8)
    assert stock(shop.records, warehouse, shop.cable) == (9, 9)

    rma = received_return(
        shop.records,
        order,
        {
            shop.headphones["id"]: (2, "damaged"),
            shop.cable["id"]: (1, "resellable"),
        },
    )

    returned = shop.records.list(
        "stock_movement", filters=[Filter(("kind",), "eq", "return")]
    ).records
    assert [(m["product"], m["quantity"]) for m in returned] == [(shop.cable["id"], 1)]
    [movement] = returned
    assert movement["warehouse"] == shop.warehouse["id"]
    assert movement["order"] == order["id"]
    assert movement["note"] == f"Return {rma['number']}"
    assert stock(shop.records, warehouse, shop.cable) == (10, 10)
    # The damaged headphones stay out of stock, written off.
    assert stock(shop.records, warehouse, shop.headphones) == (8, 8)
    assert rma["stock_booked"] is True
    assert (rma["restock_units"], rma["write_off_units"]) == (1, 2)


def test_a_return_of_damaged_items_only_books_nothing(stocked_shop):
    shop = stocked_shop
    order = shop.delivered_order([(shop.headphones, 1)])
    rma = received_return(shop.records, order, {shop.headphones["id"]: (1, "damaged")})
    kinds = [m["kind"] for m in shop.records.list("stock_movement").records]
    assert "return" not in kinds
    assert stock(shop.records, shop.warehouse["id"], shop.headphones) == (9, 9)
    assert rma["stock_booked"] is True and rma["write_off_units"] == 1


def test_without_inventory_returns_refer_to_no_stock_ledger(tmp_path, database_url):
    runtime = open_shop(tmp_path / "shop", database_url)
    try:
        definitions = runtime.definitions
        assert "stock_movement" not in definitions.entities
        assert "book_return_stock" not in definitions.entities["return_request"].rules
        shop = Shop(runtime)
        order = shop.delivered_order([(shop.cable, 2)])
        rma = received_return(
            shop.records, order, {shop.cable["id"]: (2, "resellable")}
        )
        assert rma["restock_units"] == 2
        assert rma["stock_booked"] is False
    finally:
        runtime.close()
    result = CliRunner().invoke(main, ["validate", "--site", str(tmp_path / "shop")])
    assert result.exit_code == 0, result.output


def test_installing_inventory_later_brings_the_restocking_in_and_out(
    tmp_path, database_url
):
    folder = tmp_path / "shop"
    runtime = open_shop(folder, database_url)
    try:
        shop = Shop(runtime)
        cable = shop.cable
        early = shop.delivered_order([(cable, 1)])
    finally:
        runtime.close()

    def officina(*arguments: str) -> str:
        result = CliRunner().invoke(main, [*arguments, "--site", str(folder)])
        assert result.exit_code == 0, result.output
        assert "Traceback" not in result.output
        return result.output

    installed = officina("pack", "install", "inventory")
    assert (
        "The definitions aftersales has for inventory (aftersales/with/inventory/) "
        "now apply." in installed
    )
    runtime = Runtime.open(folder)
    try:
        records = runtime.records
        receipt(records, early, cable, 5)
        rma = received_return(records, early, {cable["id"]: (1, "resellable")})
        assert rma["stock_booked"] is True
        assert stock(records, early["warehouse"], cable) == (6, 6)
    finally:
        runtime.close()

    removed = officina("pack", "remove", "inventory")
    assert "(aftersales/with/inventory/) do not apply" in removed
    assert "The database matches the definitions." in officina("plan")
    assert "OK:" in officina("validate")
    runtime = Runtime.open(folder)
    try:
        assert "stock_movement" not in runtime.definitions.entities
        rules = runtime.definitions.entities["return_request"].rules
        assert "book_return_stock" not in rules
        kept = runtime.records.get("return_request", rma["id"])
        assert (kept["status"], kept["stock_booked"]) == (rma["status"], True)
    finally:
        runtime.close()
