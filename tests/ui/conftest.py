"""A small shop served by the web UI, with an admin and a clerk whose role
hides a field and limits the customers they see; a browser-like client
that signs in and sends the CSRF token like a page would."""

from __future__ import annotations

import pytest
from ui_client import PASSWORD, Browser

from officina.app import create_app
from officina.auth import add_user
from officina.runtime import Runtime
from pack_files import make_site

SHOP = """\
entity: customer
label: {en: Customer, zh: 客户}
plural_label: {en: Customers, zh: 客户}
search: [name, city]
fields:
  name: {type: string, required: true, max_length: 60, label: {en: Name, zh: 名称}}
  city: string
  credit_limit: money
  tier: {type: choice, options: [bronze, silver, gold], default: bronze}
  notes: text
  contract: {type: attachment, max_size: 2KB, accept: [application/pdf]}
  photos: {type: attachment, multiple: true, accept: ['image/*']}
---
entity: product
title_field: name
fields:
  sku: {type: string, required: true, unique: true}
  name: {type: string, required: true}
  price: {type: money, required: true, min: 0}
---
entity: order
number: "ORD-{#####}"
fields:
  customer: {type: reference, to: customer, required: true}
  delivery: {type: choice, options: [pickup, courier], default: pickup}
  address:
    type: string
    visible_when: "delivery == 'courier'"
    required_when: "delivery == 'courier'"
  lines: {type: table, of: order_line, min_rows: 1}
  total: {type: money, formula: "sum(lines.amount)"}
  note: text
---
entity: order_line
fields:
  product: {type: reference, to: product, required: true}
  qty: {type: integer, required: true, min: 1, default: 1}
  unit_price: {type: money, copy_from: product.price}
  amount: {type: money, formula: "qty * unit_price"}
---
entity: ticket
title_field: subject
fields:
  subject: {type: string, required: true}
  answer: text
workflow:
  initial: open
  states:
    open: {color: blue}
    answered: {color: green}
    closed: {final: true}
  transitions:
    reply: {label: {en: Reply, zh: 回复}, from: open, to: answered, requires: [answer]}
    close: {from: [open, answered], to: closed, comment: required, roles: [admin]}
    reopen: {from: answered, to: open}
---
view: ticket_board
entity: ticket
label: Ticket board
type: kanban
kanban: {by: status, card: [subject]}
---
view: oslo_customers
entity: customer
label: {en: Oslo customers, zh: 奥斯陆客户}
columns: [name, tier]
filters: {city: Oslo}
---
view: orders_with_city
entity: order
label: Orders with city
columns: [number, customer, customer.city, total]
---
view: by_tier
entity: customer
label: By tier
type: kanban
kanban: {by: tier, card: [city]}
---
role: clerk
permissions:
  customer:
    read: true
    export: true
    fields: {credit_limit: hidden}
    rows: {city: Oslo}
  order: {read: true}
  product: {read: true}
  ticket: {read: true, update: true, transitions: [reply]}
"""


@pytest.fixture
def site(runner, tmp_path, database_url):
    return make_site(runner, tmp_path / "shop", database_url, SHOP)


@pytest.fixture
def opened(site):
    runtime = Runtime.open(site)
    add_user(
        runtime, email="ada@example.com", name="Ada", password=PASSWORD, roles=["admin"]
    )
    add_user(
        runtime,
        email="carl@example.com",
        name="Carl",
        password=PASSWORD,
        roles=["clerk"],
    )
    yield runtime
    runtime.close()


@pytest.fixture
def app(opened):
    app = create_app(runtime_=opened, config={"TESTING": True})
    yield app
    # A pack page swaps in a new runtime; the test's own is closed by `opened`.
    current = app.extensions["officina"].current
    if current is not opened:
        current.close()


@pytest.fixture
def browser(app):
    return Browser(app.test_client())


@pytest.fixture
def admin(browser):
    response = browser.sign_in("ada@example.com")
    assert response.status_code == 302, response.get_data(as_text=True)
    return browser


@pytest.fixture
def clerk(app):
    browser = Browser(app.test_client())
    response = browser.sign_in("carl@example.com")
    assert response.status_code == 302
    return browser


@pytest.fixture
def shop(opened):
    """Customers in two cities, products and an order, written by the system."""
    records = opened.records
    made = {
        "oslo": records.create(
            "customer", {"name": "Fjord AS", "city": "Oslo", "credit_limit": "500"}
        ),
        "bergen": records.create(
            "customer", {"name": "Rain Ltd", "city": "Bergen", "credit_limit": "900"}
        ),
        "pen": records.create(
            "product", {"sku": "PEN", "name": "Pen", "price": "1.50"}
        ),
        "ink": records.create(
            "product", {"sku": "INK", "name": "Ink", "price": "4.00"}
        ),
    }
    made["order"] = records.create(
        "order",
        {
            "customer": made["oslo"]["id"],
            "lines": [{"product": made["pen"]["id"], "qty": 2}],
        },
    )
    return made


@pytest.fixture(scope="session")
def demo(tmp_path_factory, demo_site):
    """A runtime on a copy of the session's demo site (`officina demo`: every
    shipped pack, its demo data and a user for every role), for the pages
    that read it."""
    runtime = Runtime.open(demo_site.copy(tmp_path_factory.mktemp("demo") / "site"))
    yield runtime
    runtime.close()
