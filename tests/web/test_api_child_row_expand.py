"""A reference to a child row (a customer's address) expanded by the API for
a role whose row filter limits the parent records: the rows of the parents
the role may read are expanded, the others stay ids."""

from __future__ import annotations

import pytest

from officina.app import create_app
from officina.auth import add_user, create_token
from officina.runtime import Runtime
from pack_files import make_site

SHOP = """\
entity: customer
title_field: name
fields:
  name: {type: string, required: true}
  city: string
  addresses: {type: table, of: address}
---
entity: address
fields:
  street: {type: string, required: true}
---
entity: parcel
fields:
  customer: {type: reference, to: customer, required: true}
  ship_to: {type: reference, to: address}
---
role: oslo_clerk
permissions:
  customer: {read: true, rows: {city: Oslo}}
  parcel: read
"""


@pytest.fixture
def clerk(runner, tmp_path, database_url):
    runtime = Runtime.open(make_site(runner, tmp_path / "shop", database_url, SHOP))
    add_user(
        runtime,
        email="olga@example.com",
        name="Olga",
        password=None,
        roles=["oslo_clerk"],
    )
    secret, _ = create_token(runtime, "olga@example.com", "tests")
    client = create_app(runtime_=runtime, config={"TESTING": True}).test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    yield runtime, client
    runtime.close()


def test_expanded_rows_follow_the_row_filter_of_their_parent(clerk):
    runtime, client = clerk
    create = runtime.records.create
    for name, city, street in (
        ("Fjord AS", "Oslo", "1 Harbour Street"),
        ("Rain Ltd", "Bergen", "5 Harbour Street"),
    ):
        customer = create(
            "customer", {"name": name, "city": city, "addresses": [{"street": street}]}
        )
        create(
            "parcel",
            {"customer": customer["id"], "ship_to": customer["addresses"][0]["id"]},
        )
    response = client.get(
        "/api/v1/parcel", query_string={"expand": "ship_to", "sort": "id"}
    )
    assert response.status_code == 200, response.get_json()
    shown = [parcel["ship_to"] for parcel in response.get_json()["data"]]
    assert [ship_to.get("street") for ship_to in shown] == ["1 Harbour Street", None]
    assert set(shown[1]) == {"id"}
