"""References to child rows (a customer's address, a line of an order): the
record page names the row with its parent and links to the parent's page,
and the picker finds rows by their own words or their parent's title,
among the parents the user may read."""

from __future__ import annotations

import pytest
from ui_client import PASSWORD, Browser

from officina.app import create_app
from officina.auth import add_user
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
title_field: street
fields:
  street: {type: string, required: true}
  postcode: string
---
entity: parcel
fields:
  customer: {type: reference, to: customer, required: true}
  ship_to: {type: reference, to: address, label: Ship to}
---
role: oslo_clerk
permissions:
  customer: {read: true, rows: {city: Oslo}}
  parcel: [create, read, update]
---
role: parcels_only
permissions:
  parcel: [create, read, update]
"""


@pytest.fixture
def shop(runner, tmp_path, database_url):
    runtime = Runtime.open(make_site(runner, tmp_path / "shop", database_url, SHOP))
    for email, role in (
        ("ada@example.com", "admin"),
        ("olga@example.com", "oslo_clerk"),
        ("pat@example.com", "parcels_only"),
    ):
        add_user(runtime, email=email, name=email, password=PASSWORD, roles=[role])
    create = runtime.records.create
    made = {
        "fjord": create(
            "customer",
            {
                "name": "Fjord AS",
                "city": "Oslo",
                "addresses": [
                    {"street": "1 Harbour Street"},
                    {"street": "9 Hill Road"},
                ],
            },
        ),
        "rain": create(
            "customer",
            {
                "name": "Rain Ltd",
                "city": "Bergen",
                "addresses": [{"street": "5 Harbour Street"}],
            },
        ),
    }
    made["parcel"] = create(
        "parcel",
        {
            "customer": made["fjord"]["id"],
            "ship_to": made["fjord"]["addresses"][1]["id"],
        },
    )
    yield runtime, made
    runtime.close()


def signed_in(runtime, email: str) -> Browser:
    browser = Browser(
        create_app(runtime_=runtime, config={"TESTING": True}).test_client()
    )
    assert browser.sign_in(email, PASSWORD).status_code == 302
    return browser


def titles(browser, text: str) -> list[str]:
    response = browser.get("/parcel/_lookup/ship_to", query_string={"q": text})
    assert response.status_code == 200, response.get_data(as_text=True)
    return [found["title"] for found in response.get_json()["results"]]


def test_the_page_names_the_row_and_links_to_its_parent(shop):
    runtime, made = shop
    page = signed_in(runtime, "ada@example.com").get(f"/parcel/{made['parcel']['id']}")
    assert page.status_code == 200
    assert (
        f'<a href="/customer/{made["fjord"]["id"]}">Fjord AS · 9 Hill Road</a>'
        in page.get_data(as_text=True)
    )


def test_the_picker_finds_rows_by_their_words_or_their_parent(shop):
    runtime, _made = shop
    admin = signed_in(runtime, "ada@example.com")
    assert titles(admin, "harbour") == [
        "Rain Ltd · 5 Harbour Street",
        "Fjord AS · 1 Harbour Street",
    ]
    assert titles(admin, "fjord") == [
        "Fjord AS · 9 Hill Road",
        "Fjord AS · 1 Harbour Street",
    ]
    assert titles(admin, "100% nothing") == []
    assert titles(admin, "9" * 40) == []
    assert len(titles(admin, "")) == 3


def test_the_picker_offers_only_rows_of_parents_the_user_may_read(shop):
    runtime, made = shop
    clerk = signed_in(runtime, "olga@example.com")
    assert titles(clerk, "harbour") == ["Fjord AS · 1 Harbour Street"]
    assert titles(clerk, "") == [
        "Fjord AS · 9 Hill Road",
        "Fjord AS · 1 Harbour Street",
    ]
    hidden = made["rain"]["addresses"][0]["id"]
    assert titles(clerk, str(hidden)) == []
    assert titles(signed_in(runtime, "pat@example.com"), "harbour") == []
    # Nor does the page show the title of a row whose parent is out of reach.
    page = signed_in(runtime, "pat@example.com").get(f"/parcel/{made['parcel']['id']}")
    assert "Hill Road" not in page.get_data(as_text=True)
