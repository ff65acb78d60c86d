"""The stock hook the aftersales README documents: a site that keeps a stock
ledger adds the README's rule, and receiving a return books its restocked
units (and not the damaged ones) as movements of that ledger."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from aftersales_shop import Shop, open_shop

README = Path(__file__).parents[2] / "definitions" / "aftersales" / "README.md"

# The fields of the inventory pack's ledger that the README's rule writes.
LEDGER = """\
entity: stock_movement
label: {en: Stock movement, zh: 库存流水}
fields:
  kind: {type: choice, required: true, options: [receipt, return, shipment]}
  product: {type: reference, to: product, required: true}
  warehouse: {type: reference, to: warehouse, required: true}
  quantity: {type: integer, required: true}
  order: {type: reference, to: order}
  note: {type: text}
"""


def readme_rule() -> str:
    text = README.read_text("utf-8")
    section = text.split("### Stock", 1)[1]
    return re.search(r"```yaml\n(.*?)```", section, re.DOTALL).group(1)


@pytest.fixture
def shop(tmp_path, database_url):
    runtime = open_shop(
        tmp_path / "shop",
        database_url,
        {"ledger.yaml": LEDGER, "returns_stock.yaml": readme_rule()},
    )
    yield Shop(runtime)
    runtime.close()


def test_receiving_a_return_books_the_restocked_units(shop):
    order = shop.delivered_order([(shop.headphones, 2), (shop.cable, 1)])
    rma = shop.records.create(
        "return_request",
        {
            "order": order["id"],
            "lines": [
                {
                    "order_line": shop.line_of(order, shop.headphones)["id"],
                    "qty": 2,
                    "reason": "damaged_in_transit",
                },
                {
                    "order_line": shop.line_of(order, shop.cable)["id"],
                    "qty": 1,
                    "reason": "no_longer_needed",
                },
            ],
        },
    )
    shop.records.transition("return_request", rma["id"], "approve")
    lines = shop.records.get("return_request", rma["id"])["lines"]
    conditions = {
        shop.headphones["id"]: (2, "damaged"),
        shop.cable["id"]: (1, "resellable"),
    }
    shop.records.update(
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
    assert shop.records.list("stock_movement").records == []
    shop.records.transition("return_request", rma["id"], "receive")

    [movement] = shop.records.list("stock_movement").records
    assert movement["kind"] == "return"
    assert (movement["product"], movement["quantity"]) == (shop.cable["id"], 1)
    assert movement["warehouse"] == shop.warehouse["id"]
    assert movement["order"] == order["id"]
    assert movement["note"] == f"Return {rma['number']}"
    received = shop.records.get("return_request", rma["id"])
    assert received["stock_booked"] is True
    assert (received["restock_units"], received["write_off_units"]) == (1, 2)
