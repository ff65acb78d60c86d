"""One order's whole life through the REST API of a site with every shipped
pack installed by `officina pack install`: the customer orders and pays by
card (the payments simulator), the stock is reserved, the warehouse packs,
the carrier books and tracks the parcel (the carriers simulator, on the
hourly schedule), the order is delivered, customer service takes a return,
the warehouse restocks it and the refund goes back through the provider.

Each person calls the API with their own token; the worker runs in-process
with the shop's clock. After every step the stock figures, the ledger, the
e-mails in the outbox and the audit entries are checked."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from officina_carriers import carriers

from officina.app import create_app
from order_journey_site import CARD, open_site, stock_shop

HOUR = dt.timedelta(hours=1)


class Api:
    """A test client of the site's API calling with one person's token."""

    def __init__(self, app, token: str):
        self.client = app.test_client()
        self.client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"

    def _answer(self, response, status: int = 200) -> dict:
        assert response.status_code == status, response.get_json()
        return response.get_json()

    def get(self, entity: str, record_id: int) -> dict:
        return self._answer(self.client.get(f"/api/v1/{entity}/{record_id}"))

    def list(self, entity: str, **filters) -> list[dict]:
        response = self.client.get(f"/api/v1/{entity}", query_string=filters)
        return self._answer(response)["data"]

    def create(self, entity: str, values: dict) -> dict:
        return self._answer(self.client.post(f"/api/v1/{entity}", json=values), 201)

    def update(self, entity: str, record_id: int, values: dict) -> dict:
        response = self.client.patch(f"/api/v1/{entity}/{record_id}", json=values)
        return self._answer(response)

    def take(self, entity: str, record_id: int, name: str, **body) -> dict:
        response = self.client.post(
            f"/api/v1/{entity}/{record_id}/transitions/{name}", json=body
        )
        return self._answer(response)

    def refused(self, entity: str, record_id: int, name: str) -> dict:
        response = self.client.post(
            f"/api/v1/{entity}/{record_id}/transitions/{name}", json={}
        )
        assert 400 <= response.status_code < 500, response.get_json()
        return response.get_json()


@pytest.fixture
def shop(tmp_path, database_url):
    runtime = open_site(tmp_path / "shop", database_url)
    yield stock_shop(runtime, units=10)
    runtime.close()


@pytest.fixture
def api(shop):
    app = create_app(runtime_=shop.runtime, config={"TESTING": True})
    return {job: Api(app, person.token) for job, person in shop.people.items()}


def test_an_order_from_checkout_to_refund_through_the_api(shop, api):
    customer, service = api["customer"], api["customer_service"]
    warehouse, logistics = api["warehouse"], api["logistics"]
    kettle = shop.product["id"]
    assert shop.stock() == (10, 0, 10)
    assert shop.ledger() == [("receipt", 10)]

    # -- the customer checks out: two kettles, paid by card -----------------------
    draft = customer.create(
        "order",
        {
            "lines": [{"product": kettle, "qty": 2}],
            "shipping_address": shop.customer["addresses"][0]["id"],
            "shipping_option": "standard",
            "payment_method": "card",
        },
    )
    order_id, number = draft["id"], draft["number"]
    assert draft["customer"] == shop.customer["id"]  # filled in from the login
    assert (draft["status"], draft["total"]) == ("draft", "118.00")
    assert draft["ship_city"] == "Shanghai"
    # The storefront's payment page keeps the card (the simulator's test card)
    # where the payments plugin reads it.
    api["storefront"].update("order", order_id, {"payment_reference": CARD})
    placed = customer.take("order", order_id, "place")
    assert (placed["status"], placed["payment_status"]) == ("placed", "pending")
    assert shop.emails() == [f"Order confirmation {number}"]
    [authorize] = [job for job in shop.pending_jobs() if job["kind"] == "call"]
    assert authorize["payload"]["action"] == "payments.authorize"
    assert shop.stock() == (10, 0, 10)  # nothing is reserved before payment
    assert shop.ledger() == [("receipt", 10)]
    assert shop.audit("order", order_id) == [
        ("create", None, "customer"),
        ("update", None, "storefront"),
        ("transition", "place", "customer"),
    ]

    # -- the provider authorises; the paid order reserves its kettles -------------
    shop.work()
    order = customer.get("order", order_id)
    assert order["status"] == "allocated"
    assert order["payment_status"] == "authorized"
    assert order["payment_reference"].startswith("SIM-AUTH-11800-")
    assert order["stock_reserved"] is True
    assert shop.stock() == (10, 2, 8)
    assert shop.ledger() == [("receipt", 10), ("reservation", 2)]
    assert shop.emails() == [f"Order confirmation {number}"]
    assert shop.steps("order", order_id) == [
        ("place", "customer"),
        ("confirm_payment", "system"),
        ("allocate", "system"),
    ]
    [parcel] = warehouse.list("shipment", order=order_id)
    assert parcel["status"] == "packing"
    assert parcel["carrier"] == "jd_logistics"  # standard to China, seeded route
    parcel = warehouse.get("shipment", parcel["id"])
    assert [(item["sku"], item["qty"]) for item in parcel["items"]] == [("KTL-1", 2)]
    assert shop.audit("shipment", parcel["id"]) == [("create", None, "system")]

    # -- the warehouse packs; the carrier books a tracking number -----------------
    packed = warehouse.take("shipment", parcel["id"], "pack")
    assert packed["status"] == "packed"
    assert warehouse.get("order", order_id)["status"] == "packed"
    shop.work()
    parcel = logistics.get("shipment", parcel["id"])
    tracking = parcel["tracking_number"]
    assert tracking.startswith("JD") and carriers.valid_tracking_number(tracking)
    assert shop.stock() == (10, 2, 8)
    assert len(shop.ledger()) == 2
    assert len(shop.emails()) == 1
    assert shop.steps("shipment", parcel["id"]) == [("pack", "warehouse")]
    assert shop.steps("order", order_id)[-1] == ("pack", "warehouse")

    # -- logistics hands the parcel over: the order ships, stock is booked out ----
    shipped = logistics.take("shipment", parcel["id"], "ship")
    assert shipped["status"] == "shipped"
    order = service.get("order", order_id)
    assert (order["status"], order["tracking_number"]) == ("shipped", tracking)
    assert order["carrier"] == "jd_logistics"
    assert order["stock_reserved"] is False
    assert shop.stock() == (8, 0, 8)
    assert shop.ledger() == [("receipt", 10), ("reservation", 2), ("shipment", 2)]
    assert shop.emails()[1:] == [
        f"A parcel of your order {number} is on its way: {tracking}"
    ]
    assert shop.steps("shipment", parcel["id"])[-1] == ("ship", "logistics")
    assert shop.steps("order", order_id)[-1] == ("ship", "logistics")
    shop.work()  # the payment is captured
    order = customer.get("order", order_id)
    assert order["payment_status"] == "captured"
    assert order["payment_reference"].startswith("SIM-CAPT-11800-")
    assert shop.audit("order", order_id)[-1] == ("update", None, "system")

    # -- the carrier reports, hour by hour, until the parcel arrives --------------
    shop.run_schedules(dt.timedelta(0))  # the hourly tracking starts
    shop.run_schedules(2 * HOUR)
    assert logistics.get("shipment", parcel["id"])["status"] == "in_transit"
    assert customer.get("order", order_id)["tracking_status"] == "picked_up"
    assert shop.steps("shipment", parcel["id"])[-1] == ("depart", "system")
    shop.run_schedules(6 * HOUR)
    assert customer.get("order", order_id)["tracking_status"] == "in_transit"
    shop.run_schedules(6 * 24 * HOUR)
    assert customer.get("order", order_id)["status"] == "shipped"
    assert len(shop.emails()) == 2
    shop.run_schedules(12 * HOUR)
    parcel = logistics.get("shipment", parcel["id"])
    assert (parcel["status"], parcel["tracking_status"]) == ("delivered", "delivered")
    assert parcel["delivered_on_time"] is True
    order = customer.get("order", order_id)
    assert (order["status"], order["tracking_status"]) == ("delivered", "delivered")
    assert order["delivered_items"] == 2
    shop.work()  # the delivery e-mail is written later
    assert shop.emails()[2:] == [f"Your order {number} was delivered - how did we do?"]
    assert shop.stock() == (8, 0, 8)
    assert len(shop.ledger()) == 3
    assert shop.steps("shipment", parcel["id"]) == [
        ("pack", "warehouse"),
        ("ship", "logistics"),
        ("depart", "system"),
        ("deliver", "system"),
    ]
    assert shop.steps("order", order_id)[-1] == ("deliver", "system")

    # -- customer service takes a return of one kettle ---------------------------
    shop.tick(2 * 24 * HOUR)
    [line] = service.get("order", order_id)["lines"]
    rma = service.create(
        "return_request",
        {
            "order": order_id,
            "resolution": "refund",
            "description": "Only needed one",
            "lines": [
                {"order_line": line["id"], "qty": 1, "reason": "no_longer_needed"}
            ],
        },
    )
    assert rma["status"] == "requested"
    assert (rma["customer"], rma["warehouse"]) == (
        shop.customer["id"],
        shop.warehouse["id"],
    )
    assert (rma["refund_amount"], rma["refund_method"]) == ("59.00", "original_payment")
    assert customer.get("return_request", rma["id"])["number"] == rma["number"]
    service.take("return_request", rma["id"], "approve")
    assert shop.emails()[3:] == [
        f"We received your return request {rma['number']}",
        f"Your return {rma['number']} is approved",
    ]
    assert shop.stock() == (8, 0, 8)
    assert shop.audit("return_request", rma["id"]) == [
        ("create", None, "customer_service"),
        ("transition", "approve", "customer_service"),
    ]

    # -- the kettle comes back unused: restocked, then refunded -------------------
    shop.tick(3 * 24 * HOUR)
    [returned] = warehouse.get("return_request", rma["id"])["lines"]
    inspected = {"id": returned["id"], "received_qty": 1, "condition": "resellable"}
    warehouse.update("return_request", rma["id"], {"lines": [inspected]})
    received = warehouse.take("return_request", rma["id"], "receive")
    assert received["restock_units"] == 1
    assert shop.stock() == (9, 0, 9)
    assert shop.ledger() == [
        ("receipt", 10),
        ("reservation", 2),
        ("shipment", 2),
        ("return", 1),
    ]
    # Booked by the packs themselves (aftersales with inventory): the site
    # has no definitions of its own.
    site_definitions = shop.runtime.site.path / "definitions"
    assert not list(site_definitions.glob("*.yaml"))
    finance = api["finance"]
    rma = finance.get("return_request", rma["id"])
    assert (rma["status"], rma["refund_status"]) == ("refunding", "pending")
    assert rma["stock_booked"] is True
    assert shop.steps("return_request", rma["id"])[1:] == [
        ("receive", "warehouse"),
        ("refund", "warehouse"),  # started by the rule, in the receipt's change
    ]
    assert len(shop.emails()) == 5
    shop.work()  # the provider refunds
    rma = finance.get("return_request", rma["id"])
    assert (rma["status"], rma["refund_status"]) == ("refunded", "refunded")
    assert rma["refund_reference"].startswith("SIM-RFND-5900-")
    assert shop.emails()[5:] == [f"Your refund for {rma['number']} is on its way"]
    order = customer.get("order", order_id)
    assert Decimal(order["refunded_amount"]) == Decimal("59.00")
    assert order["payment_status"] == "captured"  # one kettle of two refunded
    assert shop.stock() == (9, 0, 9)
    assert shop.steps("return_request", rma["id"])[-1] == ("confirm_refund", "system")

    # -- the whole story, as the records keep it -----------------------------------
    assert shop.steps("order", order_id) == [
        ("place", "customer"),
        ("confirm_payment", "system"),
        ("allocate", "system"),
        ("pack", "warehouse"),
        ("ship", "logistics"),
        ("deliver", "system"),
    ]
    movements = warehouse.list("stock_movement", product=kettle, sort="id")
    assert [(row["kind"], row["order"]) for row in movements] == [
        ("receipt", None),
        ("reservation", order_id),
        ("shipment", order_id),
        ("return", order_id),
    ]
    assert all(
        job["payload"]["to"] == [shop.customer["email"]] for job in shop.jobs("email")
    )
    shop.work()  # the worker sends the last e-mail
    assert not shop.pending_jobs()
    mail = list((shop.runtime.site.path / "mail").glob("*.eml"))
    assert len(mail) == len(shop.emails()) == 6
