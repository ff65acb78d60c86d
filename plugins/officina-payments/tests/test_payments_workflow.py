"""End to end: orders of the shipped packs placed, paid through the real
rules engine and `officina worker`, with the simulated provider answering."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from officina.automation.worker import Worker
from officina.schema.tables import JOBS

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def world(shop):
    shop.records.clock = lambda: NOW
    records = shop.records
    customer = records.create(
        "customer",
        {
            "name": "Paula Payer",
            "email": "paula@example.com",
            "addresses": [
                {
                    "recipient": "Paula Payer",
                    "line1": "1 Main St",
                    "city": "Springfield",
                    "postcode": "12345",
                    "country": "US",
                }
            ],
        },
    )
    category = records.create("category", {"code": "TST", "name": "Tests"})
    cheap = records.create(
        "product",
        {
            "sku": "TST-1",
            "name": "Widget",
            "category": category["id"],
            "price": "25.00",
            "seller": None,
        },
    )
    odd = records.create(
        "product",
        {
            "sku": "TST-2",
            "name": "Gadget",
            "category": category["id"],
            "price": "20.03",
            "seller": None,
        },
    )
    return shop, customer, {"cheap": cheap, "odd": odd}


def place(world, method="card", card=None, product="cheap"):
    runtime, customer, products = world
    values = {
        "customer": customer["id"],
        "shipping_address": customer["addresses"][0]["id"],
        "shipping_option": "standard",
        "payment_method": method,
        "lines": [{"product": products[product]["id"], "qty": 1}],
    }
    if card:
        values["payment_reference"] = card
    order = runtime.records.create("order", values)
    runtime.records.transition("order", order["id"], "place")
    return order["id"]


def order(runtime, order_id):
    return runtime.records.get("order", order_id)


def jobs(runtime, kind=None):
    table = runtime.schema.metadata.tables[JOBS]
    query = select(table).order_by(table.c.id)
    if kind:
        query = query.where(table.c.kind == kind)
    with runtime.engine.connect() as connection:
        return [dict(row) for row in connection.execute(query).mappings()]


def run_worker(runtime, now=NOW):
    runtime.records.clock = lambda: now
    return Worker(runtime, "test", rng=lambda: 0.0).run_once(now)


def test_the_shipped_packs_call_no_missing_action(shop):
    assert shop.automation.problems == []


def test_an_authorised_card_pays_the_order(world):
    runtime = world[0]
    order_id = place(world, card="4242 4242 4242 4242")
    placed = order(runtime, order_id)
    assert (placed["status"], placed["payment_status"]) == ("placed", "pending")
    (call,) = jobs(runtime, "call")
    assert call["payload"]["action"] == "payments.authorize"
    assert str(call["payload"]["options"]["amount"]) == "30.99"

    run_worker(runtime)
    paid = order(runtime, order_id)
    assert paid["status"] == "paid"
    assert paid["payment_status"] == "authorized"
    assert paid["payment_reference"].startswith("SIM-AUTH-3099-")
    assert paid["paid_at"] is not None
    assert [job["status"] for job in jobs(runtime, "call")] == ["done"]


def test_a_declined_card_puts_the_order_on_hold_with_the_reason(world):
    runtime = world[0]
    order_id = place(world, card="4000 0000 0000 0002")
    run_worker(runtime)
    held = order(runtime, order_id)
    assert held["status"] == "on_hold"
    assert held["payment_status"] == "failed"
    assert held["hold_reason"] == "payment_failed"
    assert held["hold_note"] == "Payment declined: insufficient funds"
    assert held["payment_reference"] == "4000 0000 0000 0002"  # unchanged
    emails = [job["payload"] for job in jobs(runtime, "email")]
    assert any(
        "paula@example.com" in str(email.get("to"))
        and "Action needed" in email["subject"]
        for email in emails
    ), emails


def test_other_methods_decline_by_the_cents(world):
    runtime = world[0]
    declined = place(world, method="paypal", product="odd")  # 20.03 + 5.99
    paid = place(world, method="alipay")
    run_worker(runtime)
    assert order(runtime, declined)["status"] == "on_hold"
    assert order(runtime, paid)["status"] == "paid"


def test_a_timeout_is_retried_then_recorded_as_a_decline(world):
    runtime = world[0]
    order_id = place(world, card="4000000000000119")
    run_worker(runtime)
    (call,) = jobs(runtime, "call")
    assert (call["status"], call["attempts"]) == ("pending", 1)
    assert "timed out" in call["last_error"]
    assert order(runtime, order_id)["status"] == "placed"

    run_worker(runtime, NOW + dt.timedelta(minutes=1))  # retried, still waiting
    (call,) = jobs(runtime, "call")
    assert (call["status"], call["attempts"]) == ("pending", 2)

    run_worker(runtime, NOW + dt.timedelta(minutes=10))
    (call,) = jobs(runtime, "call")
    assert call["status"] == "done"
    held = order(runtime, order_id)
    assert held["status"] == "on_hold"
    assert held["hold_note"] == "Payment declined: payment provider timed out"


def test_cancelling_a_paid_order_voids_the_authorisation(world):
    runtime = world[0]
    order_id = place(world, card="4242424242424242")
    run_worker(runtime)
    runtime.records.transition(
        "order",
        order_id,
        "cancel",
        values={"cancel_reason": "customer_request"},
        comment="changed my mind",
    )
    run_worker(runtime)
    cancelled = order(runtime, order_id)
    assert cancelled["status"] == "cancelled"
    assert cancelled["payment_status"] == "voided"
    assert cancelled["payment_reference"].startswith("SIM-VOID-3099-")
    assert [job["status"] for job in jobs(runtime, "call")] == ["done", "done"]


def test_a_foreign_reference_fails_the_job_with_the_reason(world):
    runtime = world[0]
    order_id = place(world, card="4242424242424242")
    run_worker(runtime)
    with runtime.records.transaction() as transaction:
        transaction.update("order", order_id, {"payment_reference": "ch_elsewhere"})
    runtime.records.transition(
        "order",
        order_id,
        "cancel",
        values={"cancel_reason": "customer_request"},
        comment="test",
    )
    run_worker(runtime)
    last = jobs(runtime, "call")[-1]
    assert last["status"] == "dead"
    assert "refused the void" in last["last_error"]
    assert order(runtime, order_id)["payment_status"] == "authorized"
