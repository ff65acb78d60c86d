"""Records as JSON: a page encoded as it is (`response`) reads exactly as
the converted copy (`jsonify(jsonable(...))`) would, and pages that need
keys dropped still get them dropped."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from flask import jsonify

from officina.web.api.encoding import flat, jsonable, response

RECORDS = [
    {
        "id": 1,
        "name": "Pen 笔",
        "price": Decimal("1.10"),
        "stock": None,
        "vip": True,
        "ratio": 0.5,
        "placed_on": dt.date(2026, 3, 1),
        "opens": dt.time(9, 30),
        "created_at": dt.datetime(2026, 3, 1, 12, 0, 5, 7, tzinfo=dt.UTC),
        "tags": ["a", "b"],
        "seen": {"x"},
    },
    {
        "id": 2,
        "name": None,
        "price": Decimal("-0.00"),
        "stock": 3,
        "vip": False,
        "ratio": None,
        "placed_on": None,
        "opens": None,
        "created_at": dt.datetime(2026, 3, 1, 12, 0),
        "tags": [],
        "seen": frozenset(),
    },
]


@pytest.mark.parametrize("debug", [False, True])
def test_a_page_as_it_is_reads_as_its_converted_copy(app, debug):
    app.debug = debug
    body = {"data": RECORDS, "next_cursor": None, "total": 2}
    with app.test_request_context():
        fast = response(body)
        slow = jsonify(jsonable(body))
    assert fast.get_data() == slow.get_data()
    assert fast.mimetype == slow.mimetype == "application/json"
    assert fast.status_code == slow.status_code == 200


def test_only_flat_pages_skip_the_copy(opened):
    entities = opened.definitions.entities
    product, order = entities["product"], entities["order"]
    assert flat(product, [{"id": 1}, {"id": 2}], ())
    assert flat(product, [], ())
    assert not flat(product, [{"id": 1}], ("lines",))  # expanded
    assert not flat(order, [{"id": 1}], ())  # child rows inside
    assert not flat(product, [{"id": 1, "parent_id": 4}], ())
    assert not flat(product, [{"id": 1, "_given": set()}], ())
    assert not flat(product, [{"id": 1}, {"id": 2, "x": 1}], ())


def test_listed_rows_still_lose_their_parent_id(client, shop):
    body = client.get("/api/v1/order?expand=lines").get_json()
    lines = body["data"][0]["lines"]
    assert len(lines) == 2 and all("parent_id" not in line for line in lines)
    products = client.get("/api/v1/product?sort=sku").get_json()["data"]
    assert [p["price"] for p in products] == ["4.50", "1.10"]
    assert all(p["created_at"].endswith("+00:00") for p in products)
