"""Expressions read the child rows of a referenced record (`order.lines`):
loaded from the child table, in their order, during the write."""

from __future__ import annotations

import pytest

from officina.records import RecordInvalid

PACK = {
    "shop.yaml": """
        entity: product
        fields:
          sku: {type: string, required: true, unique: true}
        ---
        entity: order
        fields:
          note: string
          lines: {type: table, of: order_line}
        ---
        entity: order_line
        fields:
          product: {type: reference, to: product, required: true}
          qty: {type: integer, default: 1}
        ---
        entity: complaint
        fields:
          order: {type: reference, to: order, required: true}
          product: {type: reference, to: product, required: true}
          lines_of_order: {type: integer, formula: 'count(order.lines)'}
          units_of_order: {type: integer, formula: 'sum(order.lines.qty)'}
          quantities: {type: string, formula: "join(order.lines.qty, ',')"}
          first_sku: {type: string, formula: 'order.lines[0].product.sku'}
        validations:
          - check: 'product in order.lines.product'
            message: The product is not in the order
            fields: [product]
    """,
}


@pytest.fixture
def shop(records_service):
    return records_service(PACK)


def test_a_referenced_records_rows_are_read_in_their_order(shop):
    pen, ink, cap = (shop.create("product", {"sku": sku}) for sku in ("P", "I", "C"))
    order = shop.create(
        "order",
        {
            "lines": [
                {"product": ink["id"], "qty": 2},
                {"product": pen["id"], "qty": 3},
            ]
        },
    )
    complaint = shop.create("complaint", {"order": order["id"], "product": pen["id"]})
    assert complaint["lines_of_order"] == 2
    assert complaint["units_of_order"] == 5
    assert complaint["quantities"] == "2,3"
    assert complaint["first_sku"] == "I"
    with pytest.raises(RecordInvalid, match="not in the order"):
        shop.create("complaint", {"order": order["id"], "product": cap["id"]})


def test_an_order_without_rows_reads_as_no_rows(shop):
    pen = shop.create("product", {"sku": "P"})
    empty = shop.create("order", {"note": "nothing yet"})
    with pytest.raises(RecordInvalid, match="not in the order"):
        shop.create("complaint", {"order": empty["id"], "product": pen["id"]})
    shop.update("order", empty["id"], {"lines": [{"product": pen["id"]}]})
    complaint = shop.create("complaint", {"order": empty["id"], "product": pen["id"]})
    assert (complaint["lines_of_order"], complaint["first_sku"]) == (1, "P")
