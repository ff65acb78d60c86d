"""The write path: defaults, copies, formulas, validation, rows, audit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from officina.records import RecordConflict, RecordInvalid, RecordNotFound


@pytest.fixture
def stock(shop):
    ana = shop.create(
        "customer", {"name": "Ana", "email": "ana@example.com", "vip": True}
    )
    bo = shop.create("customer", {"name": "Bo", "email": "bo@example.com"})
    pen = shop.create("product", {"sku": "PEN-1", "name": "Pen", "price": "1.25"})
    ink = shop.create("product", {"sku": "INK-2", "name": "Ink", "price": "7.10"})
    return {"ana": ana, "bo": bo, "pen": pen, "ink": ink}


def test_an_order_is_computed_from_its_lines(shop, stock):
    order = shop.create(
        "order",
        {
            "customer": stock["ana"]["id"],
            "lines": [
                {"product": stock["pen"]["id"], "qty": 4},
                {"product": stock["ink"]["id"]},
            ],
            "discount": "1.00",
        },
    )
    assert order["number"] == f"ORD-{dt.date.today().year}-00001"
    assert order["status"] == "placed"
    assert order["priority"] == "normal"
    assert order["placed_on"] == dt.date.today()
    assert [line["unit_price"] for line in order["lines"]] == [
        Decimal("1.25"),
        Decimal("7.10"),
    ]
    assert [line["amount"] for line in order["lines"]] == [
        Decimal("5.00"),
        Decimal("7.10"),
    ]
    assert order["subtotal"] == Decimal("12.10")
    assert order["total"] == Decimal("11.10")
    assert order["item_count"] == 2
    assert order["version"] == 1


def test_every_problem_is_reported_at_once(shop, stock):
    with pytest.raises(RecordInvalid) as caught:
        shop.create(
            "order",
            {
                "customer": 999,
                "lines": [{"product": stock["pen"]["id"], "qty": 0}, {"qty": "two"}],
                "discount": "50",
                "is_gift": True,
                "priority": "urgent",
                "colour": "red",
            },
        )
    problems = caught.value.problems
    assert problems.fields == {
        "customer": ["there is no Customer with id 999"],
        "priority": ["'urgent' is not one of the options (low, normal, high)"],
        "colour": ["is not a field of Order"],
        "gift_note": ["is required"],
        "discount": ["must be at most 0.00"],
        "is_gift": ["Gift wrapping is for VIP customers"],
    }
    assert problems.rows == {
        "lines": {
            0: {"qty": ["must be at least 1"]},
            1: {
                "qty": ["must be a whole number, not 'two'"],
                "product": ["is required"],
            },
        },
    }


def test_unique_values_get_a_friendly_message(shop, stock):
    with pytest.raises(RecordInvalid) as caught:
        shop.create("customer", {"name": "Ana 2", "email": "ana@example.com"})
    assert caught.value.problems.fields == {
        "email": ["'ana@example.com' is already used by another Customer"]
    }


def test_entity_validations(shop, stock):
    with pytest.raises(RecordInvalid) as caught:
        shop.create(
            "order",
            {
                "customer": stock["bo"]["id"],
                "is_gift": True,
                "gift_note": "For you",
                "lines": [{"product": stock["pen"]["id"]}],
            },
        )
    assert caught.value.problems.fields == {
        "is_gift": ["Gift wrapping is for VIP customers"]
    }


def test_updates_recompute_and_keep_rows(shop, stock):
    order = shop.create(
        "order",
        {
            "customer": stock["ana"]["id"],
            "lines": [{"product": stock["pen"]["id"], "qty": 2}],
        },
    )
    line = order["lines"][0]
    changed = shop.update(
        "order",
        order["id"],
        {
            "lines": [{"id": line["id"], "qty": 3}, {"product": stock["ink"]["id"]}],
        },
        version=1,
    )
    assert changed["version"] == 2
    assert changed["lines"][0]["id"] == line["id"]
    assert changed["subtotal"] == Decimal("10.85")
    again = shop.update("order", order["id"], {"discount": "0.85"})
    assert again["total"] == Decimal("10.00")
    assert len(again["lines"]) == 2


def test_stale_updates_are_refused_and_say_who_changed_it(shop, stock):
    customer = stock["bo"]
    shop.update("customer", customer["id"], {"name": "Bob"}, version=1)
    with pytest.raises(RecordConflict) as caught:
        shop.update("customer", customer["id"], {"name": "Robert"}, version=1)
    assert "was changed by the system at" in str(caught.value)
    assert shop.get("customer", customer["id"])["name"] == "Bob"


def test_state_changes_only_through_transitions(shop, stock):
    order = shop.create(
        "order",
        {"customer": stock["ana"]["id"], "lines": [{"product": stock["pen"]["id"]}]},
    )
    with pytest.raises(RecordInvalid) as caught:
        shop.update("order", order["id"], {"status": "paid"})
    assert caught.value.problems.fields == {
        "status": ["changes only through a transition"]
    }


def test_the_audit_trail_records_every_change(shop, stock):
    customer = stock["bo"]
    shop.update("customer", customer["id"], {"name": "Bob", "vip": True})
    shop.delete("customer", customer["id"])
    entries = shop.history("customer", customer["id"])
    assert [e["action"] for e in entries] == ["create", "update", "delete"]
    assert entries[1]["changes"] == {"name": ["Bo", "Bob"], "vip": [None, True]}
    assert entries[2]["changes"]["email"] == ["bo@example.com", None]
    with pytest.raises(RecordNotFound):
        shop.get("customer", customer["id"])


def test_a_referenced_record_cannot_be_deleted(shop, stock):
    shop.create(
        "order",
        {"customer": stock["ana"]["id"], "lines": [{"product": stock["pen"]["id"]}]},
    )
    with pytest.raises(RecordInvalid) as caught:
        shop.delete("customer", stock["ana"]["id"])
    assert "is still used by other records" in caught.value.problems.record[0]
    assert shop.get("customer", stock["ana"]["id"])["name"] == "Ana"


def test_the_audit_trail_is_queryable_across_records(shop, stock):
    shop.update("product", stock["pen"]["id"], {"price": "1.50"})
    updates = shop.audit_entries(action="update")
    assert [(e["entity"], e["changes"]) for e in updates] == [
        ("product", {"price": ["1.25", "1.50"]})
    ]
    created = shop.audit_entries(entity="customer", action="create")
    assert {e["record_id"] for e in created} == {stock["ana"]["id"], stock["bo"]["id"]}


def test_values_no_database_can_store_are_refused_by_field(shop, stock):
    with pytest.raises(RecordInvalid) as caught:
        shop.create(
            "product",
            {"sku": "BIG-1", "name": "A\x00B", "price": "1e26", "stock": 10**20},
        )
    assert caught.value.problems.fields == {
        "name": ["may not contain the NUL character"],
        "price": ["is too large (at most 16 digits before the point)"],
        "stock": ["is too large"],
    }
