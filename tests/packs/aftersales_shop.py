"""A shop site with the shipped commerce, orders and aftersales packs, and
the steps that take an order to delivery through the real workflow, rules
engine, payments plugin and worker."""

from __future__ import annotations

import datetime as dt

from click.testing import CliRunner
from sqlalchemy import select

from officina.automation.scheduler import Scheduler
from officina.automation.worker import Worker
from officina.cli import main
from officina.packs.catalog import Catalog
from officina.runtime import Runtime
from officina.schema.tables import AUDIT, JOBS, NOTIFICATIONS
from officina.site import default_pack_folders, init_site

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)  # a Monday
HOUR = dt.timedelta(hours=1)
CARD = "4242 4242 4242 4242"
PACKS = ("commerce", "orders", "aftersales")


def open_shop(
    folder,
    database_url,
    definitions: dict[str, str] | None = None,
    *,
    also: tuple[str, ...] = (),
):
    """A new site with the three packs (and the packs `also`, and the site's
    own `definitions`, {file name: YAML}), migrated and opened."""
    catalog = Catalog(default_pack_folders())
    packs = {name: catalog.get(name).info.version for name in (*PACKS, *also)}
    site = init_site(folder, name="Shop", database=database_url, packs=packs)
    for name, text in (definitions or {}).items():
        (site.definitions_dir / name).write_text(text, "utf-8")
    result = CliRunner().invoke(main, ["migrate", "--site", str(folder)])
    assert result.exit_code == 0, result.output
    runtime = Runtime.open(folder)
    at(runtime, NOW)
    return runtime


def at(runtime, moment: dt.datetime) -> None:
    runtime.records.clock = lambda: moment


def run_worker(runtime, now: dt.datetime) -> int:
    at(runtime, now)
    return Worker(runtime, "test", rng=lambda: 0.0).run_once(now)


def check_slas(runtime, now: dt.datetime) -> str:
    at(runtime, now)
    return Scheduler(runtime).check_slas(now)


class Shop:
    """Master data of the tests and the steps of an order's life."""

    def __init__(self, runtime: Runtime):
        self.runtime = runtime
        records = runtime.records
        self.warehouse = records.create(
            "warehouse",
            {
                "code": "LA01",
                "name": "Los Angeles DC",
                "line1": "1 Harbor Way",
                "city": "Los Angeles",
                "postcode": "90001",
                "country": "US",
            },
        )
        self.customer = records.create(
            "customer",
            {
                "name": "Rita Returner",
                "email": "rita@example.com",
                "addresses": [
                    {
                        "recipient": "Rita Returner",
                        "line1": "7 Elm St",
                        "city": "Springfield",
                        "postcode": "12345",
                        "country": "US",
                    }
                ],
            },
        )
        category = records.create("category", {"code": "AUDIO", "name": "Audio"})
        self.headphones = records.create(
            "product",
            {
                "sku": "HP-100",
                "name": "Headphones",
                "category": category["id"],
                "price": "80.00",
                "seller": None,
            },
        )
        self.cable = records.create(
            "product",
            {
                "sku": "CB-2",
                "name": "Cable",
                "category": category["id"],
                "price": "10.00",
                "seller": None,
            },
        )
        self.now = NOW

    @property
    def records(self):
        return self.runtime.records

    def tick(self, delta: dt.timedelta = dt.timedelta(minutes=1)) -> dt.datetime:
        self.now += delta
        at(self.runtime, self.now)
        return self.now

    def work(self) -> int:
        return run_worker(self.runtime, self.tick())

    def delivered_order(self, lines, *, cash_on_delivery: bool = False) -> dict:
        """An order of `lines` [(product, qty)], paid by card and captured on
        shipment (or paid cash on delivery), and delivered."""
        records = self.records
        payment = (
            {"payment_method": "cash_on_delivery"}
            if cash_on_delivery
            else {"payment_method": "card", "payment_reference": CARD}
        )
        order = records.create(
            "order",
            {
                "customer": self.customer["id"],
                "shipping_address": self.customer["addresses"][0]["id"],
                "shipping_option": "standard",
                **payment,
                "warehouse": self.warehouse["id"],
                "lines": [
                    {"product": product["id"], "qty": qty} for product, qty in lines
                ],
            },
        )
        records.transition("order", order["id"], "place")
        self.work()  # payments.authorize
        status = self.order(order["id"])["status"]
        # The inventory pack, when installed, allocates paid orders itself.
        assert status in ("paid", "allocated"), status
        if status == "paid":
            records.transition("order", order["id"], "allocate")
        records.transition("order", order["id"], "pack", values={"package_count": 1})
        records.transition(
            "order",
            order["id"],
            "ship",
            values={"carrier": "ups", "tracking_number": "1Z999AA10123456784"},
        )
        self.work()  # payments.capture
        records.transition("order", order["id"], "deliver")
        delivered = self.order(order["id"])
        assert (delivered["status"], delivered["payment_status"]) == (
            "delivered",
            "pending" if cash_on_delivery else "captured",
        )
        return delivered

    def order(self, order_id) -> dict:
        return self.records.get("order", order_id)

    def line_of(self, order: dict, product: dict) -> dict:
        return next(line for line in order["lines"] if line["product"] == product["id"])

    def jobs(self, kind: str | None = None) -> list[dict]:
        return jobs(self.runtime, kind)

    def emails_to(self, address: str) -> list[dict]:
        return [
            job["payload"]
            for job in self.jobs("email")
            if address in job["payload"]["to"]
        ]

    def notifications(self, role: str | None = None) -> list[dict]:
        table = self.runtime.schema.metadata.tables[NOTIFICATIONS]
        query = select(table).order_by(table.c.id)
        if role is not None:
            query = query.where(table.c.role == role)
        with self.runtime.engine.connect() as connection:
            return [dict(row) for row in connection.execute(query).mappings()]

    def transitions_taken(self, entity: str, record_id, name: str) -> int:
        table = self.runtime.schema.metadata.tables[AUDIT]
        with self.runtime.engine.connect() as connection:
            entries = connection.execute(
                select(table.c.changes).where(
                    table.c.entity == entity, table.c.record_id == record_id
                )
            ).scalars()
            return sum(
                1 for changes in entries if (changes or {}).get("_transition") == name
            )


def jobs(runtime, kind: str | None = None) -> list[dict]:
    table = runtime.schema.metadata.tables[JOBS]
    query = select(table).order_by(table.c.id)
    if kind:
        query = query.where(table.c.kind == kind)
    with runtime.engine.connect() as connection:
        return [dict(row) for row in connection.execute(query).mappings()]
