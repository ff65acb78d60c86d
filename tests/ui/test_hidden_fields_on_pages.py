"""A field declared `hidden: true` is kept by the records service but shown
on no page: not on the record page or the form of an entity without forms,
not in the columns of a child-row table, not in the list's columns, the
export or the record's history."""

from __future__ import annotations

import csv
import io

import pytest
from ui_client import PASSWORD, Browser

from officina.app import create_app
from officina.auth import add_user
from officina.runtime import Runtime
from pack_files import make_site

SUPPLIES = """\
entity: supplier
title_field: name
fields:
  name: {type: string, required: true}
  city: {type: string}
  audit_code: {type: string, label: Audit code, hidden: true}
---
entity: purchase
fields:
  supplier: {type: reference, to: supplier, required: true}
  items: {type: table, of: purchase_item}
  total: {type: money, formula: "sum(items.amount)"}
---
entity: purchase_item
fields:
  article: {type: string, required: true}
  qty: {type: integer, required: true, default: 1}
  unit_cost: {type: money, required: true}
  amount: {type: money, formula: "qty * unit_cost"}
  bin_code:
    type: string
    label: Bin code
    default: BIN-7
    hidden: true
  cost_basis:
    type: money
    label: Cost basis
    formula: "qty * unit_cost * 2"
    hidden: true
"""


@pytest.fixture
def supplies(runner, tmp_path, database_url):
    runtime = Runtime.open(
        make_site(runner, tmp_path / "supplies", database_url, SUPPLIES)
    )
    add_user(
        runtime,
        email="ada@example.com",
        name="Ada",
        password=PASSWORD,
        roles=["admin"],
    )
    yield runtime
    runtime.close()


@pytest.fixture
def buyer(supplies):
    browser = Browser(
        create_app(runtime_=supplies, config={"TESTING": True}).test_client()
    )
    assert browser.sign_in("ada@example.com").status_code == 302
    return browser


@pytest.fixture
def acme(supplies):
    return supplies.records.create(
        "supplier", {"name": "Acme", "city": "Lyon", "audit_code": "AUD-4711"}
    )


@pytest.fixture
def purchase(supplies, acme):
    return supplies.records.create(
        "purchase",
        {
            "supplier": acme["id"],
            "items": [{"article": "Bolts", "qty": 3, "unit_cost": "2.00"}],
        },
    )


def page_of(browser: Browser, url: str) -> str:
    response = browser.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def test_the_record_page_of_an_entity_without_forms_leaves_it_off(buyer, acme):
    page = page_of(buyer, f"/supplier/{acme['id']}")
    assert "Lyon" in page
    assert "Audit code" not in page and "AUD-4711" not in page


def test_the_default_form_leaves_it_off_and_saving_keeps_its_value(
    buyer, supplies, acme
):
    form = page_of(buyer, f"/supplier/{acme['id']}/edit")
    assert 'name="city"' in form
    assert 'name="audit_code"' not in form and "Audit code" not in form
    response = buyer.post(
        f"/supplier/{acme['id']}/edit",
        {"version": str(acme["version"]), "name": "Acme", "city": "Paris"},
    )
    assert response.status_code == 302
    saved = supplies.records.get("supplier", acme["id"])
    assert saved["city"] == "Paris"
    assert saved["audit_code"] == "AUD-4711"
    assert 'name="audit_code"' not in page_of(buyer, "/supplier/new")


def test_the_child_row_table_leaves_it_off(buyer, purchase):
    page = page_of(buyer, f"/purchase/{purchase['id']}")
    table = page.split('data-field="items"')[1].split("</table>")[0]
    assert "Bolts" in table and "Unit cost" in table
    assert "Bin code" not in table and "BIN-7" not in table
    assert "Cost basis" not in table and "12.00" not in table
    form = page_of(buyer, f"/purchase/{purchase['id']}/edit")
    assert 'name="items-0-qty"' in form
    assert "bin_code" not in form and "Bin code" not in form
    assert "cost_basis" not in form and "Cost basis" not in form


def test_rows_saved_from_the_form_keep_and_fill_in_its_value(buyer, supplies, purchase):
    row = purchase["items"][0]
    assert row["bin_code"] == "BIN-7"
    response = buyer.post(
        f"/purchase/{purchase['id']}/edit",
        {
            "version": str(purchase["version"]),
            "supplier": str(purchase["supplier"]),
            "items-0-id": str(row["id"]),
            "items-0-article": "Bolts",
            "items-0-qty": "4",
            "items-0-unit_cost": "2.00",
            "items-1-article": "Nuts",
            "items-1-qty": "10",
            "items-1-unit_cost": "0.50",
        },
    )
    assert response.status_code == 302
    kept, added = supplies.records.get("purchase", purchase["id"])["items"]
    assert (kept["qty"], kept["bin_code"], kept["cost_basis"]) == (4, "BIN-7", 16)
    assert (added["article"], added["bin_code"], added["cost_basis"]) == (
        "Nuts",
        "BIN-7",
        10,
    )


def test_the_list_its_export_and_the_history_leave_it_off(buyer, supplies, acme):
    supplies.records.update("supplier", acme["id"], {"audit_code": "AUD-4712"})
    listing = page_of(buyer, "/supplier/")
    assert "Acme" in listing and "Lyon" in listing
    assert "Audit code" not in listing and "AUD-471" not in listing
    exported = page_of(buyer, "/supplier/export?format=csv").lstrip("\ufeff")
    header, *rows = csv.reader(io.StringIO(exported))
    assert header == ["id", "Name", "City"]
    assert rows == [[str(acme["id"]), "Acme", "Lyon"]]
    history = page_of(buyer, f"/supplier/{acme['id']}").split('id="history"')[1]
    history = history.split("</ol>")[0]
    assert "update" in history
    assert "Audit code" not in history and "AUD-471" not in history
