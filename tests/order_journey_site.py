"""A shop site with every shipped pack installed by `officina pack install`,
its staff (one user per job, holding the roles the packs give that job), the
master data an order needs, and what the journey tests look at after each
step: stock figures, ledger movements, e-mails in the outbox and audit
entries. Used by the API journey (tests/packs) and the browser journey
(tests/browser)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import select

from officina.auth import add_user, create_token
from officina.automation.scheduler import Scheduler
from officina.automation.worker import Worker
from officina.cli import main
from officina.definitions.model import Filter
from officina.packs.catalog import Catalog
from officina.runtime import Runtime
from officina.schema.tables import AUDIT, JOBS
from officina.site import Site, default_pack_folders

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)  # a Monday morning
CARD = "4242 4242 4242 4242"  # the payments simulator authorises it
PASSWORD = "journey password 1"

# The jobs of the people in the journey. Each person holds the one role of
# that name: the commerce pack's staff role, which the other packs extend.
JOBS_OF_STAFF = (
    "customer",
    "customer_service",
    "finance",
    "warehouse",
    "logistics",
    "manager",
)
# The shop's storefront back end, an integrator with an admin token: its
# payment page takes the card and stores it on the order, a field the
# customer may read but not write.
STOREFRONT = "storefront"


def shipped_packs() -> list[str]:
    return sorted(Catalog(default_pack_folders()).packs)


def install_every_pack(folder: Path, database_url: str) -> list[str]:
    """`officina init`, then `officina pack install` of each shipped pack
    not installed yet (dependencies come along); the outputs."""
    runner = CliRunner()
    outputs = [_officina(runner, "init", str(folder), "--database", database_url)]
    for name in shipped_packs():
        if name not in Site.load(folder).packs:
            outputs.append(
                _officina(runner, "pack", "install", name, "--site", str(folder))
            )
    return outputs


def _officina(runner, *arguments: str) -> str:
    result = runner.invoke(main, list(arguments))
    assert result.exit_code == 0, result.output
    return result.output


def open_site(folder: Path, database_url: str) -> Runtime:
    """A new site with every shipped pack, checked by `officina validate`."""
    install_every_pack(folder, database_url)
    _officina(CliRunner(), "validate", "--site", str(folder))
    return Runtime.open(folder)


@dataclass
class Person:
    """A user of the site: who they are and their API token."""

    job: str
    id: int
    email: str
    name: str
    token: str


@dataclass
class Shop:
    """The site, its people and master data, and the shop's clock."""

    runtime: Runtime
    people: dict[str, Person] = field(default_factory=dict)
    now: dt.datetime = START
    warehouse: dict = field(default_factory=dict)
    product: dict = field(default_factory=dict)
    customer: dict = field(default_factory=dict)

    @property
    def records(self):
        return self.runtime.records

    # -- the clock, the worker and the scheduler ------------------------------
    def set_clock(self, moment: dt.datetime) -> dt.datetime:
        self.now = moment
        self.records.clock = lambda: moment
        return moment

    def tick(self, delta: dt.timedelta = dt.timedelta(minutes=1)) -> dt.datetime:
        return self.set_clock(self.now + delta)

    def work(self, delta: dt.timedelta = dt.timedelta(minutes=1)) -> int:
        """The worker's pass a little later: slow actions, e-mails."""
        return Worker(self.runtime, "journey", rng=lambda: 0.0).run_once(
            self.tick(delta)
        )

    def run_schedules(self, delta: dt.timedelta) -> list[str]:
        """What a worker does at `delta` later: the due schedules (the hourly
        tracking, SLA checks), then the jobs they queued."""
        ran = Scheduler(self.runtime).run_due(self.tick(delta))
        self.work(dt.timedelta(0))
        return ran

    # -- what the tests look at ------------------------------------------------
    def stock(self) -> tuple[int, int, int]:
        """(on hand, reserved, available) of the product in the warehouse."""
        levels = self.records.list(
            "stock_level",
            filters=[
                Filter(("product",), "eq", self.product["id"]),
                Filter(("warehouse",), "eq", self.warehouse["id"]),
            ],
        ).records
        assert len(levels) == 1, levels
        return levels[0]["on_hand"], levels[0]["reserved"], levels[0]["available"]

    def ledger(self) -> list[tuple[str, int]]:
        """(kind, quantity) of the product's stock movements, oldest first."""
        movements = self.records.list(
            "stock_movement",
            filters=[Filter(("product",), "eq", self.product["id"])],
            sort=["id"],
            limit=500,
        ).records
        return [(movement["kind"], movement["quantity"]) for movement in movements]

    def jobs(self, kind: str | None = None) -> list[dict]:
        table = self.runtime.schema.metadata.tables[JOBS]
        query = select(table).order_by(table.c.id)
        if kind is not None:
            query = query.where(table.c.kind == kind)
        with self.runtime.engine.connect() as connection:
            return [dict(row) for row in connection.execute(query).mappings()]

    def emails(self) -> list[str]:
        """The subjects of the e-mails in the outbox, oldest first."""
        return [job["payload"]["subject"] for job in self.jobs("email")]

    def pending_jobs(self) -> list[dict]:
        return [job for job in self.jobs() if job["status"] != "done"]

    def audit(self, entity: str, record_id: int) -> list[tuple[str, str, str]]:
        """(action, transition taken, who) of the record's audit entries;
        who is the job of the person whose change it was, or "system"."""
        table = self.runtime.schema.metadata.tables[AUDIT]
        with self.runtime.engine.connect() as connection:
            rows = connection.execute(
                select(table.c.action, table.c.changes, table.c.user_id)
                .where(table.c.entity == entity, table.c.record_id == record_id)
                .order_by(table.c.id)
            ).all()
        jobs = {person.id: job for job, person in self.people.items()}
        return [
            (action, (changes or {}).get("_transition"), jobs.get(user, "system"))
            for action, changes, user in rows
        ]

    def steps(self, entity: str, record_id: int) -> list[tuple[str, str]]:
        """(transition, who) of each workflow step the audit records."""
        return [(step, who) for _, step, who in self.audit(entity, record_id) if step]

    def shipments_of(self, order_id: int) -> list[dict]:
        found = self.records.list(
            "shipment", filters=[Filter(("order",), "eq", order_id)], sort=["id"]
        ).records
        return [self.records.get("shipment", row["id"]) for row in found]


def stock_shop(runtime: Runtime, *, units: int = 10) -> Shop:
    """The people (users with passwords and tokens), the default warehouse
    SH01 (seeded by the commerce pack), a product received into it, and a
    customer with a login and an address in Shanghai."""
    shop = Shop(runtime)
    shop.set_clock(START)
    for job in JOBS_OF_STAFF:
        email = f"{job.replace('_', '.')}@shop.example"
        user = add_user(
            runtime,
            email=email,
            name=job.replace("_", " ").title(),
            password=PASSWORD,
            roles=[job],
        )
        token, _ = create_token(runtime, email, "journey")
        shop.people[job] = Person(job, user["id"], email, user["name"], token)
    email = f"{STOREFRONT}@shop.example"
    user = add_user(
        runtime, email=email, name="Storefront", password=None, roles=["admin"]
    )
    token, _ = create_token(runtime, email, "storefront")
    shop.people[STOREFRONT] = Person(STOREFRONT, user["id"], email, "Storefront", token)
    records = runtime.records
    [warehouse] = records.list(
        "warehouse", filters=[Filter(("code",), "eq", "SH01")]
    ).records
    shop.warehouse = records.update(
        "warehouse", warehouse["id"], {"default_for_orders": True}
    )
    [category] = records.list("category", limit=1, sort=["id"]).records
    shop.product = records.create(
        "product",
        {
            "sku": "KTL-1",
            "name": "Electric kettle",
            "category": category["id"],
            "price": Decimal("59.00"),
            "cost": Decimal("22.00"),
            "weight": Decimal("1.200"),
        },
    )
    shop.customer = records.create(
        "customer",
        {
            "name": "Li Lei",
            "email": "li.lei@example.cn",
            "account": shop.people["customer"].id,
            "addresses": [
                {
                    "recipient": "Li Lei",
                    "phone": "+86 21 5555 0100",
                    "line1": "100 Century Avenue",
                    "city": "Shanghai",
                    "postcode": "200120",
                    "country": "CN",
                }
            ],
        },
    )
    if units:
        records.create(
            "stock_movement",
            {
                "kind": "receipt",
                "product": shop.product["id"],
                "warehouse": shop.warehouse["id"],
                "quantity": units,
                "note": "Opening stock",
            },
        )
    return shop
