"""Roles from the definitions, enforced for every route of the API: entity
actions, hidden and read-only fields, and row filters."""

from __future__ import annotations

import pytest

from officina.app import create_app
from officina.auth import add_user, create_token
from officina.cli import main
from officina.runtime import Runtime

DEFINITIONS = """\
entity: seller_account
fields:
  name: {type: string, required: true}
  login: {type: reference, to: user}
---
entity: sale
fields:
  title: {type: string, required: true}
  seller: {type: reference, to: seller_account}
  cost: money
  price: money
---
role: clerk
permissions:
  sale: {read: true, export: true, fields: {cost: hidden}}
---
role: seller
permissions:
  sale:
    read: true
    create: true
    update: true
    rows: {seller.login: "=user.id"}
    fields: {price: read_only, cost: hidden}
"""


@pytest.fixture
def world(runner, tmp_path, database_url):
    folder = tmp_path / "shop"
    assert (
        runner.invoke(main, ["init", str(folder), "--database", database_url]).exit_code
        == 0
    )
    (folder / "definitions" / "sales.yaml").write_text(DEFINITIONS)
    assert runner.invoke(main, ["migrate", "--site", str(folder)]).exit_code == 0
    runtime = Runtime.open(folder)
    tokens = {}
    for email, roles in (
        ("clerk@example.com", ["clerk"]),
        ("sam@example.com", ["seller"]),
        ("sue@example.com", ["seller"]),
        ("nobody@example.com", []),
    ):
        add_user(
            runtime, email=email, name=email.split("@")[0], password=None, roles=roles
        )
        tokens[email.split("@")[0]] = create_token(runtime, email, "t")[0]
    records = runtime.records
    users = {row["email"]: row["id"] for row in _users(runtime)}
    sam = records.create(
        "seller_account", {"name": "Sam", "login": users["sam@example.com"]}
    )
    sue = records.create(
        "seller_account", {"name": "Sue", "login": users["sue@example.com"]}
    )
    sales = {
        "sam": records.create(
            "sale", {"title": "Sam's", "seller": sam["id"], "cost": "5", "price": "9"}
        ),
        "sue": records.create(
            "sale", {"title": "Sue's", "seller": sue["id"], "cost": "6", "price": "8"}
        ),
    }
    app = create_app(runtime_=runtime, config={"TESTING": True})
    yield app, tokens, sales, sam
    runtime.close()


def _users(runtime):
    from sqlalchemy import select

    table = runtime.schema.metadata.tables["officina_user"]
    with runtime.engine.connect() as connection:
        return connection.execute(select(table.c.id, table.c.email)).mappings().all()


def call(app, token, method, path, **options):
    client = app.test_client()
    return client.open(
        path, method=method, headers={"Authorization": f"Bearer {token}"}, **options
    )


def test_a_reader_cannot_write_and_never_sees_hidden_fields(world):
    app, tokens, sales, _ = world
    listed = call(app, tokens["clerk"], "GET", "/api/v1/sale").get_json()["data"]
    assert {sale["title"] for sale in listed} == {"Sam's", "Sue's"}
    assert all("cost" not in sale and "price" in sale for sale in listed)
    one = call(app, tokens["clerk"], "GET", f"/api/v1/sale/{sales['sam']['id']}")
    assert one.status_code == 200 and "cost" not in one.get_json()
    refused = call(app, tokens["clerk"], "POST", "/api/v1/sale", json={"title": "x"})
    assert refused.status_code == 403
    assert refused.get_json()["detail"] == "you may not create Sale records"
    refused = call(app, tokens["clerk"], "DELETE", f"/api/v1/sale/{sales['sam']['id']}")
    assert refused.status_code == 403


def test_row_filters_hide_other_peoples_records_on_every_route(world):
    app, tokens, sales, sam = world
    listed = call(app, tokens["sam"], "GET", "/api/v1/sale?count=true").get_json()
    assert [sale["title"] for sale in listed["data"]] == ["Sam's"]
    assert listed["total"] == 1
    other = sales["sue"]["id"]
    for method, options in (
        ("GET", {}),
        ("PATCH", {"json": {"title": "mine"}}),
        ("DELETE", {}),
    ):
        response = call(app, tokens["sam"], method, f"/api/v1/sale/{other}", **options)
        assert response.status_code in (403, 404), (method, response.get_json())
        assert "Sue" not in str(response.get_json())
    filtered = call(app, tokens["sam"], "GET", "/api/v1/sale?title=Sue's").get_json()
    assert filtered["data"] == []
    changed = call(
        app,
        tokens["sam"],
        "PATCH",
        f"/api/v1/sale/{sales['sam']['id']}",
        json={"title": "Sam's best"},
    )
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["title"] == "Sam's best"
    assert "cost" not in changed.get_json()


def test_read_only_fields_cannot_be_changed(world):
    app, tokens, sales, _ = world
    response = call(
        app,
        tokens["sam"],
        "PATCH",
        f"/api/v1/sale/{sales['sam']['id']}",
        json={"price": "1"},
    )
    assert response.status_code == 403
    assert response.get_json()["detail"] == "you may not change price of Sale"


def test_no_role_no_access(world):
    app, tokens, _, _ = world
    response = call(app, tokens["nobody"], "GET", "/api/v1/sale")
    assert response.status_code == 403
    assert response.get_json()["detail"] == "you may not see Sale records"
    response = call(app, tokens["nobody"], "GET", "/api/v1/seller_account/1")
    assert response.status_code == 403
