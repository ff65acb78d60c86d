"""A provider that keeps timing out: on the job's last attempt the payment
is recorded as declined (the order goes on hold) rather than the job dying
with the order left waiting."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from officina.automation.worker import Worker
from officina.schema.tables import JOBS

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
TIMES_OUT = "4000000000000119"


def call_jobs(runtime):
    table = runtime.schema.metadata.tables[JOBS]
    with runtime.engine.connect() as connection:
        query = select(table).where(table.c.kind == "call")
        return [dict(row) for row in connection.execute(query).mappings()]


def run_worker(runtime, now):
    runtime.records.clock = lambda: now
    return Worker(runtime, "test", rng=lambda: 0.0).run_once(now)


def test_the_last_attempt_records_the_timeout_as_a_decline(shop):
    records = shop.records
    records.clock = lambda: NOW
    customer = records.create(
        "customer",
        {
            "name": "Tim Out",
            "email": "tim@example.com",
            "addresses": [
                {
                    "recipient": "Tim Out",
                    "line1": "1 Main St",
                    "city": "Springfield",
                    "postcode": "12345",
                    "country": "US",
                }
            ],
        },
    )
    category = records.create("category", {"code": "TST", "name": "Tests"})
    product = records.create(
        "product",
        {"sku": "TST-1", "name": "Widget", "category": category["id"], "price": "25"},
    )
    order = records.create(
        "order",
        {
            "customer": customer["id"],
            "shipping_address": customer["addresses"][0]["id"],
            "shipping_option": "standard",
            "payment_method": "card",
            "payment_reference": TIMES_OUT,
            "lines": [{"product": product["id"], "qty": 1}],
        },
    )
    records.transition("order", order["id"], "place")
    table = shop.schema.metadata.tables[JOBS]
    with shop.engine.begin() as connection:  # an outbox that tries twice
        connection.execute(
            update(table).where(table.c.kind == "call").values(max_attempts=2)
        )
    run_worker(shop, NOW)
    (job,) = call_jobs(shop)
    assert (job["status"], job["attempts"]) == ("pending", 1)
    assert records.get("order", order["id"])["status"] == "placed"
    # well within give_up_after (300 s), but the last attempt
    run_worker(shop, NOW + dt.timedelta(minutes=1))
    (job,) = call_jobs(shop)
    assert job["status"] == "done"
    held = records.get("order", order["id"])
    assert held["status"] == "on_hold"
    assert held["hold_note"] == "Payment declined: payment provider timed out"
