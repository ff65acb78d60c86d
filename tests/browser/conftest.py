"""Real browser tests: Playwright drives Debian's Chromium against a live
server of a small shop site, on 127.0.0.1 only.

Each test gets a fresh site (SQLite, or its own PostgreSQL schema when
OFFICINA_TEST_DATABASE_URL is set: see the `database_url` fixture), served
by a werkzeug server in a background thread, and a fresh browser context;
the browser itself is started once per session.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from officina.app import create_app
from officina.auth import add_user
from officina.runtime import Runtime
from pack_files import make_site

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 10_000
PASSWORD = "correct horse battery"

SHOP = """\
entity: customer
label: {en: Customer, zh: 客户}
plural_label: {en: Customers, zh: 客户}
sort: name
search: [name, city]
fields:
  name: {type: string, required: true, max_length: 40, label: {en: Name, zh: 名称}}
  city: {type: string, label: {en: City, zh: 城市}}
  tier:
    type: choice
    options: [bronze, silver, gold]
    default: bronze
    label: {en: Tier, zh: 等级}
---
view: customer_pages
entity: customer
label: {en: Three a page, zh: 每页三个}
columns: [name, city, tier]
sort: name
page_size: 3
---
entity: product
label: {en: Product, zh: 商品}
plural_label: {en: Products, zh: 商品}
search: [sku, name]
fields:
  sku: {type: string, required: true, unique: true, label: SKU}
  name: {type: string, required: true, label: {en: Name, zh: 名称}}
  price: {type: money, required: true, min: 0, label: {en: Price, zh: 价格}}
---
entity: order
label: {en: Order, zh: 订单}
plural_label: {en: Orders, zh: 订单}
number: "ORD-{#####}"
fields:
  customer:
    type: reference
    to: customer
    required: true
    label: {en: Customer, zh: 客户}
  delivery:
    type: choice
    options:
      pickup: {label: {en: Pickup, zh: 自提}}
      courier: {label: {en: Courier, zh: 快递}}
    required: true
    label: {en: Delivery, zh: 配送方式}
  address:
    type: string
    visible_when: "delivery == 'courier'"
    required_when: "delivery == 'courier'"
    label: {en: Delivery address, zh: 收货地址}
  lines: {type: table, of: order_line, label: {en: Lines, zh: 订单明细}}
  total: {type: money, formula: "sum(lines.amount)", label: {en: Total, zh: 合计}}
---
entity: order_line
label: {en: Order line, zh: 订单行}
fields:
  product:
    type: reference
    to: product
    required: true
    label: {en: Product, zh: 商品}
  qty: {type: integer, required: true, min: 1, default: 1, label: {en: Qty, zh: 数量}}
  unit_price:
    type: money
    copy_from: product.price
    label: {en: Unit price, zh: 单价}
  amount: {type: money, formula: "qty * unit_price", label: {en: Amount, zh: 金额}}
---
entity: ticket
label: {en: Ticket, zh: 工单}
plural_label: {en: Tickets, zh: 工单}
title_field: subject
fields:
  subject: {type: string, required: true, label: {en: Subject, zh: 主题}}
  answer: {type: text, label: {en: Answer, zh: 答复}}
workflow:
  initial: open
  states:
    open: {label: {en: Open, zh: 待处理}, color: blue}
    answered: {label: {en: Answered, zh: 已答复}, color: green}
    closed: {label: {en: Closed, zh: 已关闭}, final: true}
  transitions:
    reply:
      label: {en: Reply, zh: 回复}
      from: open
      to: answered
      requires: [answer]
    close:
      label: {en: Close, zh: 关闭}
      from: [open, answered]
      to: closed
      comment: required
---
view: ticket_board
entity: ticket
label: {en: Board, zh: 看板}
type: kanban
kanban: {by: status, card: [subject]}
---
role: viewer
label: {en: Viewer, zh: 访客}
description: Sees everything, changes nothing.
permissions:
  '*': read
"""

CUSTOMERS = [
    {"name": "Acme", "city": "Oslo", "tier": "gold"},
    {"name": "Bolt", "city": "Bergen", "tier": "silver"},
    {"name": "Cobalt", "city": "Oslo", "tier": "bronze"},
    {"name": "Dynamo", "city": "Trondheim", "tier": "gold"},
    {"name": "Ember", "city": "Bergen", "tier": "bronze"},
]
PRODUCTS = [
    {"sku": "PEN-1", "name": "Pen", "price": "1.50"},
    {"sku": "INK-2", "name": "Ink", "price": "4.00"},
]

USERS = {
    "admin": {"email": "ada@example.com", "name": "Ada Admin", "roles": ["admin"]},
    "viewer": {"email": "vic@example.com", "name": "Vic Viewer", "roles": ["viewer"]},
}


@pytest.fixture
def site(runner, tmp_path, database_url):
    """A shop site with its tables made."""
    return make_site(runner, tmp_path / "shop", database_url, SHOP)


@pytest.fixture
def shop(site):
    """The site's runtime, with its users."""
    runtime = Runtime.open(site)
    for user in USERS.values():
        add_user(runtime, password=PASSWORD, **user)
    yield runtime
    runtime.close()


@pytest.fixture
def made(shop):
    """The customers and products made for every test, by name."""
    found: dict[str, dict] = {}
    for values in CUSTOMERS + PRODUCTS:
        entity = "product" if "sku" in values else "customer"
        found[values["name"]] = shop.records.create(entity, values)
    return found


@pytest.fixture
def live_server(shop, made):
    """The shop's application served by a real HTTP server on 127.0.0.1;
    its base URL, without the trailing slash."""
    app = create_app(runtime_=shop, config={"TESTING": True})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser():
    """One Chromium for the whole session (Debian's, never a downloaded one)."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"The browser tests need Chromium at {CHROMIUM}, which is missing. "
            "Install it with scripts/ensure-chromium.sh (apt-get install -y "
            "chromium), or run them with `make test`, which does that first.",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
    except Exception as error:
        playwright.stop()
        pytest.fail(f"Chromium at {CHROMIUM} did not start: {error}", pytrace=False)
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture
def context(browser, live_server):
    """A fresh browser profile (no cookies) that opens pages of the live
    server; downloads are allowed."""
    context = browser.new_context(
        base_url=live_server, accept_downloads=True, locale="en-US"
    )
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    yield context
    context.close()


@pytest.fixture
def page(context):
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(f"script error: {error}"))

    def check_asset(response) -> None:
        # Styles, scripts, fonts and images come from the application itself:
        # a missing one leaves pages unstyled or without their script.
        kind = response.request.resource_type
        if kind in ("stylesheet", "script", "font", "image") and response.status >= 400:
            errors.append(f"{response.status} for {kind} {response.url}")

    page.on("response", check_asset)
    yield page
    assert not errors, f"Problems on the pages: {errors}"


def _sign_in(page, who: str = "admin", password: str = PASSWORD) -> None:
    page.goto("/login")
    page.fill("#email", USERS[who]["email"])
    page.fill("#password", password)
    page.locator("form button[type=submit]").click()


@pytest.fixture
def users():
    """The site's users by role: {"admin": {"email", "name", ...}, ...}."""
    return USERS


@pytest.fixture
def sign_in():
    """sign_in(page, who="admin", password=...): fill in the sign-in form
    as one of USERS and send it."""
    return _sign_in


@pytest.fixture
def signed_in(page):
    """A page of the admin, signed in, on the start page."""
    from playwright.sync_api import expect

    _sign_in(page)
    expect(page.locator("#user-menu")).to_contain_text(USERS["admin"]["name"])
    return page
