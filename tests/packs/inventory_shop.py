"""A site with the shipped commerce, orders and inventory packs, over a real
database, and the few records the inventory tests need: warehouses, a
supplier, products, a customer, and orders taken through their workflow by
staff with the pack's roles."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from officina.auth import add_user
from officina.auth.users import actor_of
from officina.cli import main
from officina.definitions.model import Filter
from officina.runtime import Runtime
from officina.site import init_site

PACKS = {"commerce": "1.0.0", "orders": "1.0.0", "inventory": "1.0.0"}


def open_site(runner, folder: Path, database_url: str) -> Runtime:
    """A new site with the three packs installed and its tables made."""
    init_site(folder, database=database_url, packs=PACKS)
    result = runner.invoke(main, ["migrate", "--site", str(folder)])
    assert result.exit_code == 0, result.output
    return Runtime.open(folder)


@dataclass
class Shop:
    """The site and the records every test starts from."""

    runtime: Runtime
    staff: object  # customer service, warehouse, purchasing and logistics
    main: int  # warehouse SH01, where orders ship from by default
    south: int  # warehouse SZ01
    supplier: int
    customer: int
    address: int

    @property
    def records(self):
        return self.runtime.records

    # -- records --------------------------------------------------------
    def product(self, sku: str, *, reorder_point: int = 0, safety_stock: int = 0):
        category = self.records.list("category", limit=1).records[0]["id"]
        return self.records.create(
            "product",
            {
                "sku": sku,
                "name": f"Product {sku}",
                "category": category,
                "price": "10.00",
                "cost": "4.00",
                "supplier": self.supplier,
                "reorder_point": reorder_point,
                "reorder_qty": 25,
                "safety_stock": safety_stock,
            },
        )["id"]

    def book(self, kind: str, product: int, quantity: int, **values) -> dict:
        """A stock movement, as the warehouse staff book it."""
        values.setdefault("warehouse", self.main)
        return self.records.create(
            "stock_movement",
            {"kind": kind, "product": product, "quantity": quantity, **values},
            actor=self.staff,
        )

    def level(self, product: int, warehouse: int | None = None) -> dict:
        found = self.records.list(
            "stock_level",
            filters=_filters(product=product, warehouse=warehouse or self.main),
            limit=2,
        ).records
        assert len(found) == 1, found
        return found[0]

    def figures(self, product: int, warehouse: int | None = None) -> tuple:
        """(on hand, reserved, available) of a stock level."""
        level = self.level(product, warehouse)
        return level["on_hand"], level["reserved"], level["available"]

    def movements(self, **filters) -> list[dict]:
        return self.records.list(
            "stock_movement", filters=_filters(**filters), sort=["id"], limit=500
        ).records

    # -- orders ---------------------------------------------------------
    def order(self, *lines: tuple[int, int], warehouse: int | None = None) -> int:
        """A draft order paid cash on delivery, of (product, quantity) lines."""
        values = {
            "customer": self.customer,
            "shipping_address": self.address,
            "shipping_option": "standard",
            "payment_method": "cash_on_delivery",
            "lines": [{"product": product, "qty": qty} for product, qty in lines],
        }
        if warehouse is not None:
            values["warehouse"] = warehouse
        return self.records.create("order", values, actor=self.staff)["id"]

    def step(self, order: int, transition: str, comment=None, **values) -> dict:
        return self.records.transition(
            "order",
            order,
            transition,
            values=values or None,
            comment=comment,
            actor=self.staff,
        )

    def place(self, order: int) -> str:
        """Place the order (paid cash on delivery, so it is allocated or
        backordered at once); its state afterwards."""
        self.step(order, "place")
        return self.records.get("order", order)["status"]

    def ship(self, order: int) -> None:
        self.step(order, "pack", package_count=1)
        self.step(order, "ship", carrier="sf_express", tracking_number="SF1234567890")


def _filters(**conditions) -> list[Filter]:
    return [
        Filter((name,), "eq", value)
        for name, value in conditions.items()
        if value is not None
    ]


def make_shop(runner, folder: Path, database_url: str) -> Shop:
    runtime = open_site(runner, folder, database_url)
    records = runtime.records
    staff = add_user(
        runtime,
        email="stock@example.com",
        name="Stock clerk",
        password=None,
        roles=["warehouse", "purchasing", "logistics", "customer_service"],
    )
    records.create("category", {"code": "HOME", "name": "Home"})
    warehouses = []
    for code, city, default in (
        ("SH01", "Shanghai", True),
        ("SZ01", "Shenzhen", False),
    ):
        warehouses.append(
            records.create(
                "warehouse",
                {
                    "code": code,
                    "name": f"{city} DC",
                    "line1": "1 Dock Road",
                    "city": city,
                    "country": "CN",
                    "default_for_orders": default,
                },
            )["id"]
        )
    supplier = records.create(
        "supplier",
        {
            "name": "Pearl River Co.",
            "email": "sales@pearl.example",
            "lead_time_days": 14,
        },
    )["id"]
    customer = records.create(
        "customer",
        {
            "name": "Wang Fang",
            "email": "wang@example.cn",
            "addresses": [
                {
                    "recipient": "Wang Fang",
                    "line1": "100 Century Avenue",
                    "city": "Shanghai",
                    "postcode": "200120",
                    "country": "CN",
                }
            ],
        },
    )
    return Shop(
        runtime=runtime,
        staff=actor_of(staff),
        main=warehouses[0],
        south=warehouses[1],
        supplier=supplier,
        customer=customer["id"],
        address=customer["addresses"][0]["id"],
    )


def days_ago(runtime: Runtime, days: int) -> dt.datetime:
    return runtime.records.clock() - dt.timedelta(days=days)
