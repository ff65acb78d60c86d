"""The shipping pack on a real site (commerce + orders + shipping, with the
carriers plugin): an order split into two parcels, the carrier and service
chosen from the customer's shipping option, the carrier's routes and rates,
booking and tracking through the carriers plugin on its schedule, the order
delivered when its last parcel arrives, and the customer's e-mails in the
outbox."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from officina_carriers import carriers
from sqlalchemy import select

from officina.app import create_app
from officina.auth import add_user, create_token, find_user
from officina.automation.worker import Worker
from officina.cli import main
from officina.definitions.model import Filter
from officina.records.errors import RecordError
from officina.runtime import Runtime
from officina.schema.tables import JOBS
from officina.site import init_site

PACKS = {"commerce": "1.0.0", "orders": "1.0.0", "shipping": "1.0.0"}
START = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)
ROUTES = [
    ("expedited", "US", "ups"),
    ("standard", "US", "usps"),
    ("next_day", "US", "fedex"),
    ("expedited", "*", "fedex"),
    ("standard", "*", "dhl"),
]
WAREHOUSE = {
    "code": "LA01",
    "name": "Los Angeles",
    "line1": "2500 E Carson St",
    "city": "Carson",
    "country": "US",
}
ADDRESS = {
    "line1": "500 Market St",
    "city": "San Francisco",
    "region": "CA",
    "postcode": "94105",
    "country": "US",
}
CUSTOMERS = (
    ("en", "Alice Johnson", "alice@example.com"),
    ("zh", "王芳", "wangfang@example.cn"),
)


@pytest.fixture
def shop(runner, tmp_path, database_url):
    """A site with the three packs, a US warehouse, carrier routes, a phone
    (0.4 kg) and its case (0.1 kg), and two customers in San Francisco, one
    reading English and one Chinese."""
    folder = tmp_path / "shop"
    init_site(folder, name="Shop", database=database_url, packs=PACKS)
    result = runner.invoke(main, ["migrate", "--site", str(folder)])
    assert result.exit_code == 0, result.output
    runtime = Runtime.open(folder)
    runtime.records.clock = lambda: START
    create = runtime.records.create
    for service, destination, carrier in ROUTES:
        route = {"service": service, "destination": destination, "carrier": carrier}
        create("carrier_route", route)
    category = create("category", {"code": "PHONES", "name": "Phones"})

    def product(sku, name, price, weight):
        values = {"sku": sku, "name": name, "category": category["id"]}
        return create("product", {**values, "price": price, "weight": weight})

    data = {
        "warehouse": create("warehouse", WAREHOUSE),
        "phone": product("PH-1", "Phone", Decimal("199.00"), Decimal("0.400")),
        "case": product("CASE-1", "Phone case", Decimal("15.00"), Decimal("0.100")),
        "customers": {
            language: create(
                "customer",
                {
                    "name": name,
                    "email": email,
                    "language": language,
                    "addresses": [{"recipient": name, **ADDRESS}],
                },
            )
            for language, name, email in CUSTOMERS
        },
    }
    yield runtime, data
    runtime.close()


def allocated_order(runtime, data, *, language="en", option="expedited", placed=None):
    """An order of a phone and two cases, placed (at `placed`, else now),
    paid (cash on delivery) and, now, allocated in LA01."""
    customer = data["customers"][language]
    lines = [
        {"product": data["phone"]["id"], "qty": 1},
        {"product": data["case"]["id"], "qty": 2},
    ]
    records = runtime.records
    order = records.create(
        "order",
        {
            "customer": customer["id"],
            "shipping_address": customer["addresses"][0]["id"],
            "shipping_option": option,
            "payment_method": "cash_on_delivery",
            "warehouse": data["warehouse"]["id"],
            "lines": lines,
        },
    )
    now = records.clock
    if placed is not None:
        records.clock = lambda: placed
    records.transition("order", order["id"], "place")
    records.clock = now
    assert records.get("order", order["id"])["status"] == "paid"
    records.transition("order", order["id"], "allocate")
    return records.get("order", order["id"])


def shipments_of(runtime, order_id) -> list[dict]:
    filters = (Filter(("order",), "eq", order_id),)
    page = runtime.records.list("shipment", filters=filters, sort=("id",))
    return [runtime.records.get("shipment", found["id"]) for found in page.records]


def run_worker(runtime, now) -> None:
    Worker(runtime, "test", rng=lambda: 0.0).run_once(now)


def track(runtime, now) -> None:
    """The hourly tracking rule as the scheduler runs it, then the worker."""
    runtime.records.clock = lambda: now
    runtime.automation.run_scheduled(runtime, "track_shipments", now)
    run_worker(runtime, now)


def emails(runtime) -> list[dict]:
    table = runtime.schema.metadata.tables[JOBS]
    with runtime.engine.connect() as connection:
        rows = connection.execute(
            select(table).where(table.c.kind == "email").order_by(table.c.id)
        ).mappings()
        return [dict(row) for row in rows]


def api_client(runtime, email, role):
    """A test client of the site's API for a user holding `role`."""
    add_user(runtime, email=email, name=role, password=None, roles=[role])
    secret, _ = create_token(runtime, email, "tests")
    client = create_app(runtime_=runtime, config={"TESTING": True}).test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    return client


def take(client, entity, record_id, transition):
    response = client.post(
        f"/api/v1/{entity}/{record_id}/transitions/{transition}", json={}
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def split(runtime, data, order) -> tuple[dict, dict]:
    """The warehouse keeps the phone in the first parcel and packs the two
    cases in a second one."""
    records = runtime.records
    (first,) = shipments_of(runtime, order["id"])
    phone = next(item for item in first["items"] if item["sku"] == "PH-1")
    records.update("shipment", first["id"], {"items": [{"id": phone["id"]}]})
    second = records.create(
        "shipment",
        {"order": order["id"], "items": [{"product": data["case"]["id"], "qty": 2}]},
    )
    return records.get("shipment", first["id"]), second


def test_an_order_is_packed_in_two_parcels_each_booked_with_the_carrier(shop):
    runtime, data = shop
    records = runtime.records
    order = allocated_order(runtime, data)
    (whole,) = shipments_of(runtime, order["id"])
    assert whole["status"] == "packing"
    assert sorted((item["sku"], item["qty"]) for item in whole["items"]) == [
        ("CASE-1", 2),
        ("PH-1", 1),
    ]
    first, second = split(runtime, data, order)
    assert [(item["sku"], item["qty"]) for item in first["items"]] == [("PH-1", 1)]
    assert records.get("order", order["id"])["shipment_count"] == 2
    records.transition("shipment", first["id"], "pack")
    run_worker(runtime, START)  # the carrier books the packed parcel
    assert records.get("order", order["id"])["status"] == "allocated"
    with pytest.raises(RecordError, match="its condition does not hold"):
        records.transition("shipment", first["id"], "ship")  # half the order
    records.transition("shipment", second["id"], "pack")
    order = records.get("order", order["id"])
    assert (order["status"], order["packed_items"], order["package_count"]) == (
        "packed",
        3,
        2,
    )
    run_worker(runtime, START)
    first = records.get("shipment", first["id"])
    second = records.get("shipment", second["id"])
    for parcel in (first, second):
        assert (parcel["service"], parcel["carrier"]) == ("expedited", "ups")
        assert carriers.valid_tracking_number(parcel["tracking_number"])
        assert parcel["tracking_number"].startswith("UP")
    assert first["tracking_number"] != second["tracking_number"]


def test_the_order_is_delivered_when_its_last_parcel_arrives(shop):
    runtime, data = shop
    records = runtime.records
    order = allocated_order(runtime, data)
    first, second = split(runtime, data, order)
    warehouse = api_client(runtime, "wh@example.com", "warehouse")
    logistics = api_client(runtime, "lo@example.com", "logistics")
    take(warehouse, "shipment", first["id"], "pack")
    take(warehouse, "shipment", second["id"], "pack")
    run_worker(runtime, START)
    take(logistics, "shipment", first["id"], "ship")
    order = records.get("order", order["id"])
    first = records.get("shipment", first["id"])
    assert order["status"] == "shipped"
    assert (order["carrier"], order["tracking_number"]) == (
        "ups",
        first["tracking_number"],
    )
    track(runtime, START + dt.timedelta(hours=2))
    first = records.get("shipment", first["id"])
    assert (first["status"], first["tracking_status"]) == ("in_transit", "picked_up")
    assert records.get("order", order["id"])["tracking_status"] == "picked_up"

    later = START + dt.timedelta(days=1)
    records.clock = lambda: later
    take(logistics, "shipment", second["id"], "ship")
    # Three days after it shipped, the first parcel arrives; the second is
    # still on its way.
    track(runtime, START + dt.timedelta(days=3, hours=-3))
    first = records.get("shipment", first["id"])
    second = records.get("shipment", second["id"])
    assert first["status"] == "delivered"
    assert first["delivered_on_time"] is True
    assert (second["status"], second["tracking_status"]) == (
        "in_transit",
        "in_transit",
    )
    order = records.get("order", order["id"])
    assert (order["status"], order["tracking_status"], order["delivered_items"]) == (
        "shipped",
        "partially_delivered",
        1,
    )
    track(runtime, later + dt.timedelta(days=3))
    run_worker(runtime, later + dt.timedelta(days=3))  # the order's later rules
    run_worker(runtime, later + dt.timedelta(days=3))
    order = records.get("order", order["id"])
    assert (order["status"], order["tracking_status"], order["delivered_items"]) == (
        "delivered",
        "delivered",
        3,
    )
    assert records.get("shipment", second["id"])["status"] == "delivered"
    sent = [(job["entity"], job["rule"]) for job in emails(runtime)]
    assert sent == [
        ("order", "confirmation_email"),
        ("shipment", "shipped_email"),
        ("shipment", "shipped_email"),
        ("shipment", "delivered_email"),
        ("order", "delivered_email"),
    ]
    shipped = emails(runtime)[1]["payload"]
    assert shipped["to"] == ["alice@example.com"]
    assert shipped["subject"] == (
        f"A parcel of your order {order['number']} is on its way: "
        f"{first['tracking_number']}"
    )
    assert "UPS" in shipped["text"] and "1 × Phone" in shipped["text"]
    assert "your order comes in 2 parcels" in shipped["text"]
    partly = emails(runtime)[3]["payload"]
    assert "The rest of your order is still on its way" in partly["text"]


def test_the_service_keeps_the_promised_date_and_the_route_names_the_carrier(shop):
    runtime, data = shop
    records = runtime.records
    on_time = allocated_order(runtime, data, option="standard")
    (parcel,) = shipments_of(runtime, on_time["id"])
    assert (parcel["service"], parcel["carrier"]) == ("standard", "usps")
    assert parcel["weight"] == Decimal("0.600")
    assert parcel["shipping_cost"] == carriers.rate("standard", "0.6", "US", "US")
    assert parcel["estimated_delivery"] == dt.date(2026, 3, 9)
    # Placed three days ago, a standard parcel leaving today would arrive
    # after the promised date: it goes expedited (and so with UPS).
    placed = START - dt.timedelta(days=3)
    late = allocated_order(runtime, data, option="standard", placed=placed)
    (parcel,) = shipments_of(runtime, late["id"])
    assert late["expected_delivery"] == dt.date(2026, 3, 6)
    assert parcel["promised_by"] == dt.date(2026, 3, 7)  # shipped the next day
    assert (parcel["service"], parcel["carrier"]) == ("expedited", "ups")
    assert parcel["estimated_delivery"] <= late["expected_delivery"]
    # Changing the service while packing takes the carrier of its route.
    records.update("shipment", parcel["id"], {"service": "next_day"})
    changed = records.get("shipment", parcel["id"])
    assert (changed["service"], changed["carrier"]) == ("next_day", "fedex")


def test_a_country_without_a_route_of_its_own_takes_the_default_route(shop):
    runtime, data = shop
    customer = data["customers"]["en"]
    berlin = {"city": "Berlin", "postcode": "10115", "region": None, "country": "DE"}
    address = {**customer["addresses"][0], **berlin}
    runtime.records.update("customer", customer["id"], {"addresses": [address]})
    order = allocated_order(runtime, data, option="expedited")
    (parcel,) = shipments_of(runtime, order["id"])
    assert (parcel["ship_country"], parcel["origin_country"]) == ("DE", "US")
    assert (parcel["service"], parcel["carrier"]) == ("expedited", "fedex")
    assert parcel["shipping_cost"] == carriers.rate("expedited", "0.6", "DE", "US")
    assert parcel["shipping_cost"] == Decimal("32.48")  # international: x 2.5


def test_shipments_cannot_hold_more_items_than_the_order(shop):
    runtime, data = shop
    records = runtime.records
    order = allocated_order(runtime, data)
    (whole,) = shipments_of(runtime, order["id"])
    extra = records.create(
        "shipment",
        {"order": order["id"], "items": [{"product": data["case"]["id"], "qty": 1}]},
    )
    records.transition("shipment", whole["id"], "pack")
    with pytest.raises(RecordError, match="its shipments cannot hold more than that"):
        records.transition("shipment", extra["id"], "pack")
    assert records.get("shipment", extra["id"])["status"] == "packing"
    order = records.get("order", order["id"])
    assert (order["status"], order["packed_items"]) == ("packed", 3)
    records.transition("shipment", extra["id"], "cancel", comment="packed twice")
    assert records.get("order", order["id"])["shipment_count"] == 1


def test_a_wrong_tracking_number_is_refused_with_its_field(shop):
    runtime, data = shop
    records = runtime.records
    order = allocated_order(runtime, data)
    (parcel,) = shipments_of(runtime, order["id"])
    records.transition("shipment", parcel["id"], "pack")
    with pytest.raises(RecordError) as refused:
        records.update("shipment", parcel["id"], {"tracking_number": "UP12345678904"})
    assert refused.value.problems.fields["tracking_number"] == [
        "This is not a tracking number of the carrier (its check digit is wrong); "
        "check it for a typing error."
    ]
    typed = records.update(
        "shipment", parcel["id"], {"tracking_number": "1Z999AA10123456784"}
    )
    run_worker(runtime, START)  # the booking keeps a number already given
    assert records.get("shipment", typed["id"])["tracking_number"] == (
        "1Z999AA10123456784"
    )


def test_a_chinese_customer_gets_chinese_e_mails_for_a_single_parcel(shop):
    runtime, data = shop
    records = runtime.records
    order = allocated_order(runtime, data, language="zh", option="next_day")
    (parcel,) = shipments_of(runtime, order["id"])
    records.transition("shipment", parcel["id"], "pack")
    run_worker(runtime, START)
    parcel = records.transition("shipment", parcel["id"], "ship")
    assert parcel["carrier"] == "fedex"
    arrived = START + dt.timedelta(days=1)
    track(runtime, arrived)
    run_worker(runtime, arrived)
    run_worker(runtime, arrived)
    assert records.get("order", order["id"])["status"] == "delivered"
    sent = emails(runtime)
    assert [(job["entity"], job["rule"]) for job in sent] == [
        ("order", "confirmation_email"),
        ("shipment", "shipped_email"),
        ("order", "delivered_email"),
    ]
    shipped, delivered = sent[1]["payload"], sent[2]["payload"]
    assert shipped["to"] == ["wangfang@example.cn"]
    assert shipped["subject"] == (
        f"您的订单 {order['number']} 有包裹已发出：{parcel['tracking_number']}"
    )
    assert "王芳，您好" in shipped["text"] and "联邦快递" in shipped["text"]
    assert "个包裹发出" not in shipped["text"]  # said only of several parcels
    assert delivered["subject"] == f"订单 {order['number']} 已签收，欢迎评价"


def test_parcels_of_a_cancelled_order_are_cancelled(shop):
    runtime, data = shop
    records = runtime.records
    order = allocated_order(runtime, data)
    (parcel,) = shipments_of(runtime, order["id"])
    records.transition(
        "order",
        order["id"],
        "cancel",
        values={"cancel_reason": "customer_request"},
        comment="changed their mind",
    )
    parcel = records.get("shipment", parcel["id"])
    assert parcel["status"] == "cancelled"
    assert records.get("order", order["id"])["shipment_count"] == 0


def test_a_delivery_problem_and_a_late_parcel_are_flagged(shop):
    runtime, data = shop
    records = runtime.records
    order = allocated_order(runtime, data)
    (parcel,) = shipments_of(runtime, order["id"])
    records.transition("shipment", parcel["id"], "pack")
    run_worker(runtime, START)
    records.transition("shipment", parcel["id"], "ship")
    overdue = START + dt.timedelta(days=4)
    records.clock = lambda: overdue
    assert runtime.automation.run_scheduled(runtime, "late_shipments", overdue) == 1
    assert runtime.automation.run_scheduled(runtime, "late_shipments", overdue) == 0
    assert records.get("shipment", parcel["id"])["late"] is True
    records.transition(
        "shipment",
        parcel["id"],
        "report_problem",
        values={"exception_reason": "lost"},
        comment="the carrier cannot find it",
    )
    assert records.get("order", order["id"])["tracking_status"] == "exception"
    records.transition("shipment", parcel["id"], "cancel", comment="lost")
    order = records.get("order", order["id"])
    assert (order["status"], order["packed_items"], order["shipment_count"]) == (
        "shipped",
        0,
        0,
    )
    notes = notifications(runtime)
    assert any("has not arrived" in note for note in notes)
    assert any("send order" in note and "a new shipment" in note for note in notes)


def notifications(runtime) -> list[str]:
    from officina.schema.tables import NOTIFICATIONS

    table = runtime.schema.metadata.tables[NOTIFICATIONS]
    with runtime.engine.connect() as connection:
        return list(connection.execute(select(table.c.message)).scalars())


def test_a_customer_sees_only_their_own_parcels(shop):
    runtime, data = shop
    alice = api_client(runtime, "alice.login@example.com", "customer")
    account = find_user(runtime, "alice.login@example.com")
    runtime.records.update(
        "customer", data["customers"]["en"]["id"], {"account": account["id"]}
    )
    mine = allocated_order(runtime, data, language="en")
    allocated_order(runtime, data, language="zh")
    body = alice.get("/api/v1/shipment").get_json()
    (parcel,) = body["data"]
    assert parcel["order"] == mine["id"]
    assert "shipping_cost" not in parcel and "note" not in parcel
    assert parcel["service"] == "expedited"
