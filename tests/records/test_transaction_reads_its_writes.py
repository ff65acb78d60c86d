"""Several writes in one transaction (a rule cascade, a seed load, an import
batch): each reads the records as the writes before it left them, not as
they were when first read."""

from __future__ import annotations

from decimal import Decimal

import pytest

from officina.records import RecordInvalid

PACK = {
    "shop.yaml": """
        entity: product
        fields:
          code: {type: string, required: true}
          price: {type: money}
        ---
        entity: line
        fields:
          product: {type: reference, to: product}
          copied: {type: money, copy_from: product.price}
          reached: {type: money, formula: "product.price"}
          looked_up: {type: money, formula: "lookup('product', 'code', 'P', 'price')"}
    """
}


@pytest.fixture
def service(records_service):
    return records_service(PACK)


def prices(line: dict) -> tuple:
    return line["copied"], line["reached"], line["looked_up"]


def test_a_record_changed_earlier_in_the_transaction_is_read_as_changed(service):
    with service.transaction() as transaction:
        product = transaction.create("product", {"code": "P", "price": 10})
        before = transaction.create("line", {"product": product["id"]})
        transaction.update("product", product["id"], {"price": 20})
        after = transaction.create("line", {"product": product["id"]})
    assert prices(before) == (Decimal("10.00"),) * 3
    assert prices(after) == (Decimal("20.00"),) * 3


def test_a_lookup_finds_a_record_created_after_it_first_found_none(service):
    with service.transaction() as transaction:
        early = transaction.create("line", {})
        transaction.create("product", {"code": "P", "price": 7})
        late = transaction.create("line", {})
    assert early["looked_up"] is None
    assert late["looked_up"] == Decimal("7.00")


def test_a_record_deleted_earlier_in_the_transaction_cannot_be_referenced(service):
    with pytest.raises(RecordInvalid, match="there is no Product with id"):
        with service.transaction() as transaction:
            product = transaction.create("product", {"code": "P", "price": 10})
            transaction.delete("product", product["id"])
            transaction.create("line", {"product": product["id"]})
    assert service.list("line").records == []


def test_what_a_rolled_back_savepoint_wrote_is_read_again(service):
    with service.transaction() as transaction:
        product = transaction.create("product", {"code": "P", "price": 10})
        savepoint = transaction.connection.begin_nested()
        transaction.update("product", product["id"], {"price": 99})
        transaction.create("line", {"product": product["id"]})
        savepoint.rollback()
        transaction.forget()
        line = transaction.create("line", {"product": product["id"]})
    assert prices(line) == (Decimal("10.00"),) * 3
