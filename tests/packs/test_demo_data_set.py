"""The demo data set of the shipped packs (scripts/make_demo_data.py), as
`officina demo` loads it: a believable shop of the last 90 days, consistent
with the packs (states and times, payments, parcels, stock, after-sales),
whose history sent nothing and whose reports show figures. On SQLite (the
session's demo site) and on PostgreSQL (a demo site of its own)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal

import pytest
import sqlalchemy as sa
from officina_carriers.carriers import valid_tracking_number
from officina_payments import simulator

from officina.auth import check_password
from officina.cli.demo import DEMO_PASSWORD
from officina.records import SYSTEM
from officina.records.reports import run_report
from officina.runtime import Runtime
from officina.schema.tables import JOBS, NOTIFICATIONS, RULE_RUNS

NOW_SLACK = dt.timedelta(minutes=30)  # the load itself takes a while


@pytest.fixture(scope="module")
def demo(demo_site):
    """A runtime on the session's demo site (on the suite's database)."""
    runtime = Runtime.open(demo_site.folder)
    yield runtime
    runtime.close()


def rows(runtime: Runtime, entity: str, *columns: str) -> list[dict]:
    table = runtime.schema.metadata.tables[entity]
    chosen = [table.c[name] for name in columns] if columns else [table]
    with runtime.engine.connect() as connection:
        return [dict(row) for row in connection.execute(sa.select(*chosen)).mappings()]


def count(runtime: Runtime, table: str) -> int:
    with runtime.engine.connect() as connection:
        rows_of = runtime.schema.metadata.tables[table]
        return connection.execute(
            sa.select(sa.func.count()).select_from(rows_of)
        ).scalar()


def test_a_catalogue_in_three_warehouses(demo):
    products = rows(demo, "product", "id", "category", "price", "weight")
    assert len(products) >= 200
    assert len({product["category"] for product in products}) >= 9
    assert all(p["price"] > 0 and p["weight"] > 0 for p in products)
    levels = rows(demo, "stock_level")
    warehouses = {row["code"]: row["id"] for row in rows(demo, "warehouse")}
    assert set(warehouses) == {"SH01", "SZ01", "LA01"}
    assert {level["warehouse"] for level in levels} == set(warehouses.values())
    assert len(levels) >= 200
    # The stock levels are the sums of their ledger.
    sums: dict = {}
    for move in rows(demo, "stock_movement"):
        key = (move["product"], move["warehouse"])
        total = sums.setdefault(key, [0, 0, 0])
        total[0] += move["on_hand_change"]
        total[1] += move["reserved_change"]
        total[2] += move["available_change"]
    for level in levels:
        expected = sums[(level["product"], level["warehouse"])]
        assert [level["on_hand"], level["reserved"], level["available"]] == expected
        assert level["available"] >= 0 and level["reserved"] >= 0
    # A backorder waits for an item its warehouse does not have.
    available = {(lv["product"], lv["warehouse"]): lv["available"] for lv in levels}
    lines = rows(demo, "order_line")
    for order in rows(demo, "order"):
        if order["status"] == "backordered":
            first = min((ln for ln in lines if ln["parent_id"] == order["id"]),
                        key=lambda ln: (ln["row_order"], ln["id"]))  # fmt: skip
            short = available.get((first["product"], order["warehouse"]), 0)
            assert short < first["qty"], order["number"]
            assert order["stock_problem"], order["number"]
    assert len(rows(demo, "customer")) >= 300


def test_three_thousand_orders_of_the_last_90_days_in_every_state(demo):
    orders = rows(demo, "order")
    assert len(orders) >= 3000
    states = set(demo.definitions.entities["order"].workflow.states)
    by_state = Counter(order["status"] for order in orders)
    assert set(by_state) == states, states - set(by_state)
    now = dt.datetime.now(dt.UTC)
    placed = [order["placed_at"] for order in orders if order["placed_at"]]
    assert min(placed) >= now - dt.timedelta(days=91)
    assert max(placed) <= now + NOW_SLACK
    assert min(placed) <= now - dt.timedelta(days=85)
    timeline = ["placed_at", "paid_at", "allocated_at", "packed_at", "shipped_at",
                "delivered_at", "completed_at"]  # fmt: skip
    reached = {
        "placed": 1, "paid": 2, "awaiting_seller": 2, "backordered": 2,
        "allocated": 3, "packed": 4, "shipped": 5, "delivered": 6, "completed": 7,
    }  # fmt: skip
    for order in orders:
        times = [order[name] for name in timeline[: reached.get(order["status"], 0)]]
        assert all(times) and times == sorted(times), order["number"]
        assert order["created_at"] <= now + NOW_SLACK
        if order["status"] == "draft":
            assert order["placed_at"] is None
        if order["status"] == "cancelled":
            assert order["cancelled_at"] and order["cancel_reason"]
        if order["status"] == "on_hold":
            assert order["held_at"] and order["hold_reason"]
        if order["status"] in ("shipped", "delivered", "completed"):
            assert valid_tracking_number(order["tracking_number"]), order["number"]


def test_payments_are_the_payment_simulators(demo):
    kinds = {
        "authorized": "AUTH",
        "captured": "CAPT",
        "refunded": "CAPT",
        "voided": "VOID",
    }
    checked = 0
    for order in rows(demo, "order"):
        reference = order["payment_reference"]
        if order["payment_status"] not in kinds:
            assert reference is None, order["number"]
            continue
        kind, cents = simulator.parse_reference(reference, order["number"])
        assert kind == kinds[order["payment_status"]]
        assert cents == int(order["total"] * 100)
        checked += 1
    assert checked > 2500


def test_parcels_follow_their_orders(demo):
    orders = {order["id"]: order for order in rows(demo, "order")}
    shipments = rows(demo, "shipment")
    assert len(shipments) > 2500
    states = set(demo.definitions.entities["shipment"].workflow.states)
    assert {shipment["status"] for shipment in shipments} == states
    for shipment in shipments:
        order = orders[shipment["order"]]
        if shipment["status"] == "delivered":
            assert order["status"] in ("delivered", "completed")
        if shipment["status"] in ("packing", "cancelled"):
            assert shipment["tracking_number"] is None
        else:
            assert valid_tracking_number(shipment["tracking_number"])
    for order in orders.values():
        if order["status"] in ("delivered", "completed"):
            assert order["delivered_items"] == order["item_count"]
            assert order["tracking_status"] == "delivered"


def test_after_sales_returns_tickets_and_reviews(demo):
    returns = rows(demo, "return_request")
    assert {request["status"] for request in returns} >= {
        "requested",
        "approved",
        "refunding",
        "refunded",
        "exchanged",
        "refused",
    }
    assert any(line["condition"] == "damaged" for line in rows(demo, "return_line"))
    orders = {order["id"]: order for order in rows(demo, "order")}
    for request in returns:
        if request["status"] == "exchanged":
            replacement = orders[request["exchange_order"]]
            assert replacement["replacement_for"] == request["id"]
            assert replacement["total"] == 0
        if request["status"] == "refunded":
            assert (
                orders[request["order"]]["refunded_amount"] >= request["refund_amount"]
            )
    tickets = rows(demo, "support_ticket")
    states = set(demo.definitions.entities["support_ticket"].workflow.states)
    assert {ticket["status"] for ticket in tickets} == states
    assert all(
        ticket["first_response_hours"] >= 0
        for ticket in tickets
        if ticket["first_response_at"]
    )
    reviews = rows(demo, "review")
    assert len(reviews) > 300
    assert {review["rating"] for review in reviews} == {1, 2, 3, 4, 5}


def test_the_history_sent_nothing(demo):
    assert count(demo, JOBS) == 0
    assert count(demo, RULE_RUNS) == 0
    assert count(demo, NOTIFICATIONS) == 0


def report(runtime: Runtime, name: str) -> list[dict]:
    result = run_report(runtime.records, runtime.definitions.reports[name], SYSTEM)
    names = [column.name for column in result.columns]
    return [dict(zip(names, row, strict=True)) for row in result.rows]


def test_reports_of_the_dashboards_show_figures(demo):
    sales = report(demo, "sales_by_day")
    assert len(sales) >= 28  # a day of the last 30 may be quiet
    assert sum(Decimal(str(row["revenue"])) for row in sales) > 10_000
    assert len(report(demo, "sales_history")) >= 80  # shipments of 90 days
    for name in ("stock_by_warehouse", "days_of_cover", "stock_turnover",
                 "on_time_delivery", "ratings_by_product", "return_rate_by_product",
                 "first_response_times", "orders_by_status", "top_products",
                 "products_below_reorder_point"):  # fmt: skip
        assert report(demo, name), name
    dashboards = demo.definitions.dashboards
    for dashboard in (
        "orders_overview",
        "inventory",
        "shipping",
        "aftersales_overview",
    ):
        for widget in dashboards[dashboard].widgets:
            if widget.kind == "report":
                assert report(demo, widget.name), (dashboard, widget.name)


def test_new_records_get_numbers_the_demo_did_not_take(demo):
    customer = rows(demo, "customer", "id")[0]["id"]
    product = rows(demo, "product", "id")[0]["id"]
    taken = {order["number"] for order in rows(demo, "order", "number")}
    with pytest.raises(_RolledBack):
        with demo.records.transaction() as transaction:
            made = transaction.create(
                "order",
                {"customer": customer, "lines": [{"product": product, "qty": 1}]},
            )
            assert made["number"] not in taken
            raise _RolledBack


class _RolledBack(Exception):
    """Leaves the demo site as it was."""


def test_the_demo_customer_and_seller_logins_see_their_own_orders(demo):
    # A newcomer signing in as the demo customer or seller finds orders of
    # their own in several states, and nobody else's.
    orders = rows(demo, "order", "id", "customer", "seller", "status")
    shopper = check_password(demo, "customer@example.com", DEMO_PASSWORD)
    [customer] = [
        row["id"]
        for row in rows(demo, "customer", "id", "account")
        if row["account"] == shopper.id
    ]
    theirs = {order["id"] for order in orders if order["customer"] == customer}
    seen = demo.records.list("order", actor=shopper, limit=500).records
    assert {order["id"] for order in seen} == theirs
    assert len({order["status"] for order in seen}) >= 4
    for entity in ("customer", "return_request", "support_ticket", "review"):
        own = demo.records.list(entity, actor=shopper, limit=500).records
        assert own, entity
        assert {row.get("customer", row["id"]) for row in own} == {customer}, entity

    vendor = check_password(demo, "seller@example.com", DEMO_PASSWORD)
    [seller] = [
        row["id"]
        for row in rows(demo, "seller", "id", "account")
        if row["account"] == vendor.id
    ]
    theirs = {order["id"] for order in orders if order["seller"] == seller}
    seen = demo.records.list("order", actor=vendor, limit=500).records
    assert {order["id"] for order in seen} == theirs
    assert "awaiting_seller" in {order["status"] for order in seen}  # to confirm
