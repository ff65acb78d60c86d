"""Audit entries and counter moves are written when the transaction ends
(see records/deferred.py); what a user sees afterwards is as if each write
had written them at once."""

from __future__ import annotations

import datetime as dt

import pytest
from shop_pack import SHOP

from officina.records import RecordConflict, RecordInvalid

MAY_2026 = dt.datetime(2026, 5, 4, 9, 30, tzinfo=dt.UTC)


@pytest.fixture
def shop_in_2026(records_service):
    return records_service(SHOP, clock=lambda: MAY_2026)


@pytest.fixture
def goods(shop_in_2026):
    ana = shop_in_2026.create("customer", {"name": "Ana"})
    pen = shop_in_2026.create("product", {"sku": "PEN-1", "name": "Pen", "price": 2})
    return ana, pen


def _order(customer, product, number=None) -> dict:
    values = {"customer": customer["id"], "lines": [{"product": product["id"]}]}
    if number is not None:
        values["number"] = number
    return values


def test_numbers_given_in_one_transaction_move_the_counter_past_the_highest(
    shop_in_2026, goods
):
    ana, pen = goods
    with shop_in_2026.transaction(all_or_nothing=True) as transaction:
        for number in ("ORD-2026-00042", "ORD-2026-00007", "LEGACY-17"):
            transaction.create("order", _order(ana, pen, number))
        # Drawn in the same transaction, after the given ones.
        drawn = transaction.create("order", _order(ana, pen))
    assert drawn["number"] == "ORD-2026-00043"
    assert shop_in_2026.create("order", _order(ana, pen))["number"] == (
        "ORD-2026-00044"
    )


def test_a_later_transaction_draws_past_the_numbers_given(shop_in_2026, goods):
    ana, pen = goods
    with shop_in_2026.transaction() as transaction:
        transaction.create("order", _order(ana, pen, "ORD-2026-00005"))
        transaction.create("order", _order(ana, pen, "ORD-2026-00012"))
    assert shop_in_2026.create("order", _order(ana, pen))["number"] == (
        "ORD-2026-00013"
    )


def test_every_write_of_a_transaction_is_in_the_audit_trail_in_order(
    shop_in_2026,
):
    with shop_in_2026.transaction() as transaction:
        bo = transaction.create("customer", {"name": "Bo"})
        transaction.update("customer", bo["id"], {"vip": True})
        transaction.update("customer", bo["id"], {"name": "Bo Li"})
    history = shop_in_2026.history("customer", bo["id"])
    assert [(entry["action"], entry["version"]) for entry in history] == [
        ("create", 1),
        ("update", 2),
        ("update", 3),
    ]
    assert history[-1]["changes"] == {"name": ["Bo", "Bo Li"]}


def test_a_refused_write_leaves_nothing_of_an_all_or_nothing_transaction(
    shop_in_2026, goods
):
    with pytest.raises(RecordInvalid) as caught:
        with shop_in_2026.transaction(all_or_nothing=True) as transaction:
            transaction.create("customer", {"name": "Cy", "email": "cy@example.com"})
            transaction.create("customer", {"name": "Di", "email": "cy@example.com"})
    # The same message as when the value is looked for before the write.
    assert caught.value.problems.fields == {
        "email": ["'cy@example.com' is already used by another Customer"]
    }
    names = [record["name"] for record in shop_in_2026.list("customer").records]
    assert names == ["Ana"]
    entries = shop_in_2026.audit_entries(entity="customer")
    assert [entry["record_id"] for entry in entries] == [goods[0]["id"]]


def test_writes_undone_by_a_savepoint_leave_no_audit_entry(shop_in_2026):
    with shop_in_2026.transaction() as transaction:
        kept = transaction.create("customer", {"name": "Ed"})
        with pytest.raises(RuntimeError):
            with transaction.connection.begin_nested():
                transaction.create("customer", {"name": "Flo"})
                transaction.update("customer", kept["id"], {"vip": True})
                raise RuntimeError("undone")
        transaction.forget()
        transaction.update("customer", kept["id"], {"name": "Eddie"})
    names = [record["name"] for record in shop_in_2026.list("customer").records]
    assert names == ["Eddie"]
    entries = shop_in_2026.audit_entries(entity="customer")
    assert [(entry["action"], entry["changes"]) for entry in reversed(entries)] == [
        ("create", {"name": [None, "Ed"]}),
        ("update", {"name": ["Ed", "Eddie"]}),
    ]


def test_a_conflict_names_the_change_made_earlier_in_the_transaction(shop_in_2026):
    with shop_in_2026.transaction() as transaction:
        gil = transaction.create("customer", {"name": "Gil"})
        transaction.update("customer", gil["id"], {"vip": True})
        with pytest.raises(RecordConflict) as caught:
            transaction.update("customer", gil["id"], {"name": "G"}, version=1)
    assert caught.value.current == 2
    assert caught.value.changed_by == "the system"
    assert caught.value.changed_at is not None
