"""One role per job across the commerce packs (commerce, orders, shipping),
through the REST API: a seller sees and works only their own orders and
parcels, a customer only theirs; the warehouse allocates and packs; finance
confirms payments; the manager reads everything and takes only the steps
granted to it (a site may grant more with extend_role, keeping the rest)."""

from __future__ import annotations

import pytest

from officina.app import create_app
from officina.auth import add_user, create_token
from officina.cli import main
from officina.runtime import Runtime
from officina.site import init_site

PACKS = {"commerce": "1.0.0", "orders": "1.0.0", "shipping": "1.0.0"}
ADDRESS = {
    "line1": "500 Market St",
    "city": "San Francisco",
    "postcode": "94105",
    "country": "US",
}
STAFF = ("manager", "finance", "warehouse", "logistics", "customer_service")


class Shop:
    """The site, a client per person, and four orders: `house` (Cathy's,
    from the warehouse, paid), `by_a` and `by_b` (Otto's, from the sellers
    A and B, waiting for them) and `transfer` (Cathy's, paid by bank
    transfer, not yet checked)."""

    def __init__(self, runtime: Runtime):
        self.runtime = runtime
        self.app = create_app(runtime_=runtime, config={"TESTING": True})
        records = runtime.records
        self.clients = {}
        users = {}
        for name in (*STAFF, "seller_a", "seller_b", "cathy"):
            role = {"seller_a": "seller", "seller_b": "seller", "cathy": "customer"}
            users[name] = self.client(name, role.get(name, name))
        for service, destination, carrier in (
            ("standard", "*", "dhl"),
            ("expedited", "*", "fedex"),
        ):
            route = {"service": service, "destination": destination}
            records.create("carrier_route", {**route, "carrier": carrier})
        warehouse = records.create(
            "warehouse",
            {"code": "SF01", "name": "San Francisco", "country": "US", **ADDRESS},
        )
        category = records.create("category", {"code": "HOME", "name": "Home"})
        self.kettle = records.create(
            "product",
            {"sku": "KT-1", "name": "Kettle", "category": category["id"], "price": 30},
        )
        sellers = {
            letter: records.create(
                "seller",
                {
                    "code": f"S{letter}",
                    "name": f"Seller {letter}",
                    "email": f"seller.{letter.lower()}@example.com",
                    "account": users[f"seller_{letter.lower()}"]["id"],
                },
            )
            for letter in "AB"
        }
        cathy = self.customer("Cathy", account=users["cathy"]["id"])
        otto = self.customer("Otto")
        self.house = self.placed(cathy, warehouse=warehouse["id"])
        self.by_a = self.placed(otto, fulfilment="seller", seller=sellers["A"]["id"])
        self.by_b = self.placed(otto, fulfilment="seller", seller=sellers["B"]["id"])
        self.transfer = self.placed(
            cathy, warehouse=warehouse["id"], payment_method="bank_transfer"
        )
        assert [self.status(o) for o in self.orders] == [
            "paid",
            "awaiting_seller",
            "awaiting_seller",
            "placed",
        ]

    @property
    def orders(self) -> list[dict]:
        return [self.house, self.by_a, self.by_b, self.transfer]

    def client(self, name: str, role: str) -> dict:
        email = f"{name}@example.com"
        user = add_user(
            self.runtime, email=email, name=name, password=None, roles=[role]
        )
        secret, _ = create_token(self.runtime, email, "tests")
        client = self.app.test_client()
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
        self.clients[name] = client
        return user

    def customer(self, name: str, account=None) -> dict:
        values = {
            "name": name,
            "email": f"{name.lower()}@shop.example",
            "addresses": [{"recipient": name, **ADDRESS}],
        }
        if account is not None:
            values["account"] = account
        return self.runtime.records.create("customer", values)

    def placed(self, customer: dict, **values) -> dict:
        """An order of two kettles, placed (cash on delivery unless said)."""
        records = self.runtime.records
        order = records.create(
            "order",
            {
                "customer": customer["id"],
                "shipping_address": customer["addresses"][0]["id"],
                "shipping_option": "standard",
                "payment_method": "cash_on_delivery",
                "lines": [{"product": self.kettle["id"], "qty": 2}],
                **values,
            },
        )
        records.transition("order", order["id"], "place")
        return records.get("order", order["id"])

    def status(self, order: dict) -> str:
        return self.runtime.records.get("order", order["id"])["status"]

    def shipment_of(self, order: dict) -> dict:
        (shipment,) = [
            s
            for s in self.runtime.records.list("shipment", limit=50).records
            if s["order"] == order["id"]
        ]
        return shipment

    # -- what a person gets through the API -----------------------------------
    def numbers(self, who: str, entity: str = "order") -> set[str]:
        response = self.clients[who].get(f"/api/v1/{entity}?limit=100")
        assert response.status_code == 200, response.get_json()
        return {row["number"] for row in response.get_json()["data"]}

    def take(self, who: str, entity: str, record: dict, step: str, **body) -> int:
        response = self.clients[who].post(
            f"/api/v1/{entity}/{record['id']}/transitions/{step}", json=body
        )
        return response.status_code


def open_shop(runner, folder, database_url, site_definitions: str = "") -> Runtime:
    site = init_site(folder, name="Shop", database=database_url, packs=PACKS)
    if site_definitions:
        (site.definitions_dir / "grants.yaml").write_text(site_definitions, "utf-8")
    result = runner.invoke(main, ["migrate", "--site", str(folder)])
    assert result.exit_code == 0, result.output
    return Runtime.open(folder)


@pytest.fixture
def shop(runner, tmp_path, database_url):
    runtime = open_shop(runner, tmp_path / "shop", database_url)
    yield Shop(runtime)
    runtime.close()


def test_one_role_per_job_and_no_order_copies_of_the_roles(shop):
    roles = shop.runtime.definitions.roles
    assert not [name for name in roles if name.startswith("orders_")]
    assert roles["manager"].home == "shop_overview"


def test_a_seller_sees_and_works_only_their_own_orders_and_parcels(shop):
    by_a, by_b = shop.by_a, shop.by_b
    assert shop.numbers("seller_a") == {by_a["number"]}
    seen = shop.clients["seller_a"].get(f"/api/v1/order/{by_a['id']}").get_json()
    assert "customer" not in seen and "payment_status" not in seen
    assert shop.take("seller_a", "order", by_b, "seller_confirm") == 404
    assert shop.take("seller_a", "order", by_a, "seller_confirm") == 200
    assert shop.take("seller_b", "order", by_b, "seller_confirm") == 200
    assert shop.status(by_a) == shop.status(by_b) == "allocated"
    parcel_a, parcel_b = shop.shipment_of(by_a), shop.shipment_of(by_b)
    assert shop.numbers("seller_a", "shipment") == {parcel_a["number"]}
    assert shop.numbers("seller_b", "shipment") == {parcel_b["number"]}
    assert shop.take("seller_a", "shipment", parcel_b, "pack") == 404
    assert shop.take("seller_a", "shipment", parcel_a, "pack") == 200
    assert shop.status(by_a) == "packed"


def test_a_customer_sees_only_their_own_orders_and_parcels(shop):
    cathy = shop.clients["cathy"]
    assert shop.numbers("cathy") == {shop.house["number"], shop.transfer["number"]}
    assert cathy.get(f"/api/v1/order/{shop.by_a['id']}").status_code == 404
    assert shop.take("warehouse", "order", shop.house, "allocate") == 200
    shop.runtime.records.transition("order", shop.by_a["id"], "seller_confirm")
    assert shop.numbers("cathy", "shipment") == {shop.shipment_of(shop.house)["number"]}
    assert shop.take("cathy", "order", shop.house, "pack") == 403
    assert shop.take("cathy", "order", shop.transfer, "customer_cancel") == 200
    assert shop.status(shop.transfer) == "cancelled"


def test_the_warehouse_allocates_and_packs_its_orders_without_seeing_payments(shop):
    assert shop.numbers("warehouse") == {
        shop.house["number"],
        shop.transfer["number"],
    }
    seen = shop.clients["warehouse"].get(f"/api/v1/order/{shop.house['id']}")
    assert "payment_status" not in seen.get_json()
    assert shop.take("warehouse", "order", shop.transfer, "confirm_payment") == 403
    assert shop.take("warehouse", "order", shop.house, "allocate") == 200
    parcel = shop.shipment_of(shop.house)
    assert shop.take("warehouse", "shipment", parcel, "pack") == 200
    assert shop.status(shop.house) == "packed"
    assert shop.numbers("logistics") == {shop.house["number"]}


def test_finance_confirms_a_payment_customer_service_may_not(shop):
    transfer = shop.transfer
    assert shop.take("customer_service", "order", transfer, "confirm_payment") == 403
    response = shop.clients["finance"].patch(
        f"/api/v1/order/{transfer['id']}", json={"payment_status": "captured"}
    )
    assert response.status_code == 200, response.get_json()
    assert shop.take("finance", "order", transfer, "confirm_payment") == 200
    assert shop.status(transfer) == "paid"


def test_the_manager_reads_everything_but_takes_only_the_steps_granted(shop):
    shop.runtime.records.transition("order", shop.by_a["id"], "seller_confirm")
    everything = {order["number"] for order in shop.orders}
    assert shop.numbers("manager") == everything
    assert shop.numbers("manager", "shipment") == {
        shop.shipment_of(shop.by_a)["number"]
    }
    assert shop.take("manager", "order", shop.house, "allocate") == 403
    assert shop.take("manager", "shipment", shop.shipment_of(shop.by_a), "pack") == 403
    assert (
        shop.take(
            "manager",
            "order",
            shop.transfer,
            "cancel",
            values={"cancel_reason": "customer_request"},
            comment="Asked by phone",
        )
        == 200
    )
    assert shop.status(shop.transfer) == "cancelled"


# A step is the role's when the role's permission and the transition's own
# `roles:` both name it.
GRANT = """\
extend: order
workflow:
  transitions:
    allocate: {roles: [warehouse, manager]}
---
extend_role: manager
permissions:
  order: {transitions: [allocate]}
"""


def test_a_site_grants_the_manager_a_warehouse_step_keeping_the_rest(
    runner, tmp_path, database_url
):
    runtime = open_shop(runner, tmp_path / "granted", database_url, GRANT)
    try:
        shop = Shop(runtime)
        assert shop.take("manager", "order", shop.house, "allocate") == 200
        assert shop.status(shop.house) == "allocated"
        parcel = shop.shipment_of(shop.house)
        assert shop.take("manager", "shipment", parcel, "pack") == 403
        # What the orders pack grants the manager stays: cancelling.
        cancel = {"values": {"cancel_reason": "other"}, "comment": "Duplicate"}
        assert shop.take("manager", "order", shop.transfer, "cancel", **cancel) == 200
    finally:
        runtime.close()
