"""A site with a small shop, its application, and a token to call the API."""

from __future__ import annotations

import pytest

from officina.app import create_app
from officina.auth import add_user, create_token
from officina.runtime import Runtime
from pack_files import make_site

SHOP = """\
entity: customer
fields:
  name: {type: string, required: true, max_length: 40}
  city: string
  vip: boolean
  tier: {type: choice, options: [bronze, silver, gold], default: bronze}
---
entity: product
fields:
  sku: {type: string, required: true, unique: true, pattern: "[A-Z]{3}-[0-9]+"}
  name: {type: string, required: true}
  price: {type: money, required: true, min: 0}
  stock: {type: integer, default: 0, min: 0}
---
entity: order
number: "ORD-{#####}"
fields:
  customer: {type: reference, to: customer, required: true}
  lines: {type: table, of: order_line}
  subtotal: {type: money, formula: "sum(lines.amount)"}
  placed_on: {type: date}
  note: text
---
entity: ticket
fields:
  subject: {type: string, required: true}
  answer: text
workflow:
  initial: open
  states:
    open: {sla: 2h}
    answered:
    closed: {final: true}
  transitions:
    reply: {from: open, to: answered, requires: [answer]}
    close: {from: [open, answered], to: closed, comment: required}
---
entity: order_line
fields:
  product: {type: reference, to: product, required: true}
  qty: {type: integer, required: true, min: 1, default: 1}
  unit_price: {type: money, copy_from: product.price}
  amount: {type: money, formula: "qty * unit_price"}
"""


@pytest.fixture
def site(runner, tmp_path, database_url):
    return make_site(runner, tmp_path / "shop", database_url, SHOP)


@pytest.fixture
def opened(site):
    runtime = Runtime.open(site)
    yield runtime
    runtime.close()


@pytest.fixture
def app(opened):
    return create_app(runtime_=opened, config={"TESTING": True})


@pytest.fixture
def token(opened):
    add_user(
        opened, email="ada@example.com", name="Ada", password=None, roles=["admin"]
    )
    secret, _ = create_token(opened, "ada@example.com", "tests")
    return secret


@pytest.fixture
def client(app, token):
    """A test client that sends the token with every request."""
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


@pytest.fixture
def shop(client):
    """Two customers, two products and an order of two lines, made by the API."""

    def post(entity: str, values: dict) -> dict:
        response = client.post(f"/api/v1/{entity}", json=values)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    made = {
        "acme": post("customer", {"name": "Acme", "city": "Oslo", "vip": True}),
        "bolt": post("customer", {"name": "Bolt", "city": "Bergen", "tier": "gold"}),
        "pen": post("product", {"sku": "PEN-1", "name": "Pen", "price": "1.10"}),
        "ink": post("product", {"sku": "INK-2", "name": "Ink", "price": 4.5}),
    }
    made["order"] = post(
        "order",
        {
            "customer": made["acme"]["id"],
            "placed_on": "2026-03-01",
            "lines": [
                {"product": made["pen"]["id"], "qty": 11},
                {"product": made["ink"]["id"], "qty": 2},
            ],
        },
    )
    return made
