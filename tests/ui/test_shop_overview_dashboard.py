"""The manager's shop overview on a site with the five commerce packs: each
pack's widgets on the one dashboard (orders; inventory, shipping and
after-sales add theirs), with the right figures on a small shop, charts
drawn by the server; and the start page shows a person's dashboard first."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from ui_client import PASSWORD, Browser

from officina.app import create_app
from officina.auth import add_user
from officina.cli import main
from officina.packs.catalog import Catalog
from officina.runtime import Runtime
from officina.site import default_pack_folders, init_site

PACKS = ("commerce", "orders", "inventory", "shipping", "aftersales")
NOW = dt.datetime(2026, 3, 4, 10, 0, tzinfo=dt.UTC)  # a Wednesday
DAY = dt.timedelta(days=1)
ADDRESS = {"line1": "1 Main St", "city": "Springfield", "postcode": "12345"}


class SmallShop:
    """Orders of this week and last week, a product running low, a parcel on
    its way, a ticket about to miss its 24 hours, and returns."""

    def __init__(self, runtime: Runtime):
        self.runtime = runtime
        records = runtime.records
        self.at(NOW)
        self.warehouse = records.create(
            "warehouse", {"code": "WH1", "name": "Main", "country": "US", **ADDRESS}
        )
        category = records.create("category", {"code": "HOME", "name": "Home"})

        def product(sku, price, **values):
            return records.create(
                "product",
                {
                    "sku": sku,
                    "name": f"Product {sku}",
                    "category": category["id"],
                    "price": price,
                    **values,
                },
            )

        # Returned 2 of 40 and 3 of 60: a return rate of 5%.
        self.lamp = product("LAMP", 60, units_delivered=40, units_returned=2)
        self.vase = product("VASE", 50, units_delivered=60, units_returned=3)
        supplier = records.create(
            "supplier",
            {"name": "Looms Ltd", "email": "sales@looms.example", "lead_time_days": 14},
        )
        self.rug = product(
            "RUG", 100, reorder_point=10, reorder_qty=20, supplier=supplier["id"]
        )
        records.create(
            "stock_movement",
            {
                "kind": "receipt",
                "product": self.rug["id"],
                "warehouse": self.warehouse["id"],
                "quantity": 3,
            },
        )
        self.customer = records.create(
            "customer",
            {
                "name": "Rita",
                "email": "rita@example.com",
                "addresses": [{"recipient": "Rita", "country": "US", **ADDRESS}],
            },
        )
        # Today 120 and 50, Monday 60: today 170, this week 230. Last
        # Friday's order, a cancelled one and a draft count for neither.
        self.order(NOW - dt.timedelta(hours=2), (self.lamp, 2))
        self.order(NOW - dt.timedelta(hours=1), (self.vase, 1))
        self.order(NOW - 2 * DAY, (self.lamp, 1))
        self.order(NOW - 5 * DAY, (self.vase, 4))
        cancelled = self.order(NOW - dt.timedelta(hours=3), (self.lamp, 5))
        records.transition(
            "order",
            cancelled["id"],
            "cancel",
            values={"cancel_reason": "customer_request"},
            comment="Changed her mind",
        )
        self.draft(self.lamp, 9)
        with records.transaction() as loading:  # as demo data is loaded
            shipped = loading.create(
                "order", self.values(self.vase, 1), state="shipped"
            )
            parcel = {"product": self.vase["id"], "qty": 1}
            loading.create(
                "shipment",
                {"order": shipped["id"], "items": [parcel]},
                state="in_transit",
            )
        self.at(NOW - dt.timedelta(hours=21))
        self.ticket("Where is my rug?")  # its answer is due in 3 hours
        self.at(NOW)
        self.ticket("Gift wrapping?")  # due in 24 hours

    def at(self, moment: dt.datetime) -> None:
        self.runtime.records.clock = lambda: moment

    def values(self, product, qty) -> dict:
        return {
            "customer": self.customer["id"],
            "shipping_address": self.customer["addresses"][0]["id"],
            "shipping_option": "standard",
            "payment_method": "cash_on_delivery",
            "warehouse": self.warehouse["id"],
            "lines": [{"product": product["id"], "qty": qty}],
        }

    def draft(self, product, qty) -> dict:
        return self.runtime.records.create("order", self.values(product, qty))

    def order(self, placed: dt.datetime, line) -> dict:
        """An order placed at `placed` (cash on delivery: paid at once)."""
        self.at(placed)
        order = self.draft(*line)
        self.runtime.records.transition("order", order["id"], "place")
        self.at(NOW)
        return self.runtime.records.get("order", order["id"])

    def ticket(self, subject: str) -> dict:
        return self.runtime.records.create(
            "support_ticket",
            {
                "customer": self.customer["id"],
                "subject": subject,
                "description": subject,
            },
        )


@pytest.fixture
def shop(runner, tmp_path, database_url):
    catalog = Catalog(default_pack_folders())
    folder = tmp_path / "shop"
    packs = {name: catalog.get(name).info.version for name in PACKS}
    init_site(folder, name="Shop", database=database_url, packs=packs)
    result = runner.invoke(main, ["migrate", "--site", str(folder)])
    assert result.exit_code == 0, result.output
    runtime = Runtime.open(folder)
    yield SmallShop(runtime)
    runtime.close()


ORDERS_CARD = 'class="stretched-link text-decoration-none" href="/order/"'


def sign_in(runtime: Runtime, email: str, roles: list[str]) -> Browser:
    add_user(
        runtime, email=email, name=email.split("@")[0], password=PASSWORD, roles=roles
    )
    browser = Browser(
        create_app(runtime_=runtime, config={"TESTING": True}).test_client()
    )
    assert browser.sign_in(email).status_code == 302
    return browser


def widget(page: str, name: str) -> str:
    """The HTML of one widget of a page."""
    found = re.search(
        rf'<section class="card h-100 widget" id="widget-{name}">(.*?)</section>',
        page,
        re.S,
    )
    assert found, f"no widget {name}"
    return found.group(1)


def figure(section: str) -> tuple[str, str]:
    big = re.search(r'class="[^"]*report-figure">([^<]*)<', section)
    details = re.search(r'report-figure-details">([^<]*)<', section)
    return big.group(1), details.group(1) if details else ""


def rows(section: str) -> int:
    return len(re.findall(r"<tr><td><a ", section))


def test_the_managers_overview_shows_every_packs_widget_with_its_figures(shop):
    manager = sign_in(shop.runtime, "mia@example.com", ["manager"])
    response = manager.get("/dashboards/shop_overview")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert re.findall(r'id="widget-(\w+)"', page) == [
        "sales_today",
        "sales_this_week",
        "open_order_value",
        "orders_by_status",
        "orders_board",
        "low_stock",
        "shipments_in_transit",
        "tickets_near_breach",
        "return_rate",
    ]
    assert figure(widget(page, "sales_today")) == ("170", "Orders: 2")
    assert figure(widget(page, "sales_this_week")) == ("230", "Orders: 3")
    assert figure(widget(page, "return_rate")) == ("5%", "Returned: 5 · Delivered: 100")
    by_state = widget(page, "orders_by_status")
    assert "<svg" in by_state and "chart-bar" in by_state
    assert not re.search(r'<script[^>]+src="(https?:)?//', page), "no CDN"
    # The board's lanes: the orders placed in the last 30 days (the parcel's
    # order was loaded without a placing date), by state.
    board = widget(page, "orders_board")
    lanes = re.findall(
        r'data-value="(\w+)" href="[^"]*">.*?lane-count">(\d+)<', board, re.S
    )
    counts = {state: int(count) for state, count in lanes}
    assert counts["cancelled"] == 1 and counts["draft"] == 0
    assert sum(counts.values()) == 5
    assert rows(widget(page, "low_stock")) == 1
    assert rows(widget(page, "shipments_in_transit")) == 1
    near = widget(page, "tickets_near_breach")
    assert "Where is my rug?" in near and "Gift wrapping?" not in near


def test_the_overview_is_the_managers_alone(shop):
    clerk = sign_in(shop.runtime, "wes@example.com", ["warehouse"])
    assert clerk.get("/dashboards/shop_overview").status_code == 404


def test_the_start_page_shows_a_persons_dashboard_first(shop):
    manager = sign_in(shop.runtime, "mia@example.com", ["manager"])
    page = manager.get("/").get_data(as_text=True)
    start = page.index('id="home-dashboard"')
    assert 'href="/dashboards/shop_overview">Shop overview</a></h2>' in page[start:]
    assert figure(widget(page, "sales_today")) == ("170", "Orders: 2")
    others = re.search(r'id="home-dashboards">(.*?)</nav>', page, re.S).group(1)
    assert 'href="/dashboards/orders_overview"' in others
    assert page.index("widget-sales_today") < page.index(ORDERS_CARD)
    clerk = sign_in(shop.runtime, "wes@example.com", ["warehouse"])
    page = clerk.get("/").get_data(as_text=True)
    assert 'href="/dashboards/fulfilment">Fulfilment</a></h2>' in page
    assert "widget-sales_today" not in page
    rita = sign_in(shop.runtime, "rita.login@example.com", ["customer"])
    page = rita.get("/").get_data(as_text=True)
    assert 'id="home-dashboard"' not in page
    assert ORDERS_CARD in page
