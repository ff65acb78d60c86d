"""sum_of() and count_of(): totals over the records of another entity that
match a filter, checked when definitions load and computed in the write's
own connection."""

from __future__ import annotations

import datetime as dt

import pytest

from officina.errors import DefinitionErrors
from officina.records import RecordInvalid

PACK = {
    "sales.yaml": """
        entity: product
        fields:
          name: {type: string, required: true}
          touched: integer
          units_sold:
            type: integer
            formula: "sum_of('sale', 'quantity', {'product': id, 'kind': 'sale'})"
          sales: {type: integer, formula: "count_of('sale', {'product': id})"}
          recent:
            type: integer
            formula: >-
              sum_of('sale', 'quantity', {'product': id,
              'sold_at': {'gte': add_days(now(), -30)}})
          big_or_returned:
            type: integer
            formula: >-
              count_of('sale', {'product': id, 'quantity': {'between': [10, 100]},
              'kind': ['sale', 'return']})
          other:
            type: integer
            formula: >-
              count_of('sale', {'product': id, 'kind': {'ne': 'sale',
              'not_in': ['gift']}, 'note': {'empty': true}, 'quantity': {'lt': 5}})
          everything: {type: integer, formula: "sum_of('sale', 'quantity')"}
        ---
        entity: sale
        fields:
          product: {type: reference, to: product, required: true}
          kind: {type: choice, options: [sale, return, gift], default: sale}
          quantity: {type: integer, required: true}
          sold_at: {type: datetime, default: '=now()'}
          note: string
        ---
        entity: audit_probe
        fields:
          kind: string
          total: {type: integer, formula: "count_of('sale', {'kind': {'gte2': kind}})"}
    """
}


@pytest.fixture
def service(records_service):
    return records_service(PACK)


def test_totals_over_matching_records(service):
    mug = service.create("product", {"name": "Mug"})["id"]
    pen = service.create("product", {"name": "Pen"})["id"]
    long_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=45)
    for values in (
        {"product": mug, "quantity": 3},
        {"product": mug, "quantity": 12},
        {"product": mug, "quantity": 4, "sold_at": long_ago},
        {"product": mug, "quantity": 2, "kind": "return"},
        {"product": mug, "quantity": 1, "kind": "gift"},
        {"product": mug, "quantity": 1, "kind": "return", "note": "broken"},
        {"product": pen, "quantity": 7},
    ):
        service.create("sale", values)
    figures = service.update("product", mug, {"touched": 1})  # computed again
    assert figures["units_sold"] == 3 + 12 + 4
    assert figures["sales"] == 6
    assert figures["recent"] == 3 + 12 + 2 + 1 + 1
    assert figures["big_or_returned"] == 1
    assert figures["other"] == 1  # the return without a note
    assert figures["everything"] == 30
    empty = service.update("product", pen, {"touched": 1})
    assert (empty["units_sold"], empty["sales"], empty["recent"]) == (7, 1, 7)


def test_nothing_matching_gives_zero(service):
    product = service.create("product", {"name": "New"})
    assert (product["units_sold"], product["sales"]) == (0, 0)


def test_an_unknown_operator_is_refused_when_it_runs(service):
    with pytest.raises(RecordInvalid, match="'gte2' is not a filter operator"):
        service.create("audit_probe", {"kind": "sale"})


def test_names_are_checked_when_definitions_load(load_files):
    broken = {
        "broken.yaml": """
            entity: stock
            fields:
              label: string
              quantity: integer
              a: {type: integer, formula: "count_of('stok')"}
              b: {type: integer, formula: "sum_of('stock', 'quantiy')"}
              c: {type: integer, formula: "sum_of('stock', 'label')"}
              d: {type: integer, formula: "count_of('stock', {'lable': 'x'})"}
              e: {type: integer, formula: "count_of('stock', 'label')"}
              f: {type: integer, formula: "count_of(label)"}
        """
    }
    with pytest.raises(DefinitionErrors) as raised:
        load_files(broken)
    messages = sorted(
        problem.message.split(": ", 1)[1] for problem in raised.value.problems
    )
    assert messages == [
        "count_of() names an unknown entity 'stok'",
        "count_of() needs the entity name as quoted text",
        "count_of() takes its filter as a mapping such as {'status': 'open'}",
        "count_of(): 'stock' has no field 'lable'",
        "sum_of(): 'label' of 'stock' is not a number",
        "sum_of(): 'stock' has no field 'quantiy'",
    ]
