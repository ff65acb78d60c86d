"""A pack's with/<pack>/ files apply only while the site has that pack too,
in a version inside the pack's `enhances:` range: a real site, real pack
commands, a real database.

The packs: `stock` (a ledger of stock entries) and `till` (sales), which
works with stock: its with/stock/ files give a sale a reference to the
entry it books, a rule booking it, and a seed record.
"""

from __future__ import annotations

import json

import pytest
from pack_sites import officina
from sqlalchemy import inspect

from officina.cli import main
from officina.runtime import Runtime
from officina.site import Site
from pack_files import write_pack

STOCK = {
    "stock.yaml": """
        entity: stock_entry
        label: {en: Stock entry, zh: 库存记录}
        title_field: item
        fields:
          item: {type: string, required: true, unique: true}
          qty: {type: integer, default: 0}
        """,
}

TILL = {
    "sale.yaml": """
        entity: sale
        label: {en: Sale, zh: 销售}
        fields:
          item: {type: string, required: true}
          qty: {type: integer, default: 1}
          booked: {type: boolean, default: false}
        """,
    "with/stock/sale_stock.yaml": """
        extend: sale
        fields:
          stock_entry: {type: reference, to: stock_entry}
        rules:
          book_stock:
            on: created
            do:
              - create:
                  entity: stock_entry
                  values: {item: "{{ item }}", qty: "=0 - qty"}
              - set:
                  booked: true
                  stock_entry: "=lookup('stock_entry', 'item', item, 'id')"
        """,
    "with/stock/seed/entries.yaml": """
        seed: stock_entry
        key: item
        records:
          - {item: OPENING, qty: 0}
        """,
}


def write_stock(site, version: str = "1.0.0"):
    return write_pack(site / "packs", STOCK, name="stock", version=version)


def write_till(site, files: dict | None = None):
    return write_pack(site / "packs", files or TILL, name="till", version="1.0.0")


def add_enhances(folder, text: str = "stock: '^1.0'") -> None:
    manifest = folder / "pack.yaml"
    manifest.write_text(manifest.read_text("utf-8") + f"enhances:\n  {text}\n", "utf-8")


@pytest.fixture
def site(runner, tmp_path, database_url):
    folder = tmp_path / "shop"
    result = runner.invoke(main, ["init", str(folder), "--database", database_url])
    assert result.exit_code == 0, result.output
    write_stock(folder)
    add_enhances(write_till(folder))
    return folder


def sell(site, item: str, qty: int = 1) -> dict:
    runtime = Runtime.open(site)
    try:
        made = runtime.records.create("sale", {"item": item, "qty": qty})
        return runtime.records.get("sale", made["id"])
    finally:
        runtime.close()


def entries(site) -> dict[str, int]:
    runtime = Runtime.open(site)
    try:
        found = runtime.records.list("stock_entry", limit=100).records
        return {entry["item"]: entry["qty"] for entry in found}
    finally:
        runtime.close()


def sale_columns(site) -> set[str]:
    runtime = Runtime.open(site, check_schema=False)
    try:
        with runtime.engine.connect() as connection:
            columns = inspect(connection).get_columns("sale")
            return {column["name"] for column in columns}
    finally:
        runtime.close()


def test_the_pack_alone_runs_without_its_with_folder(runner, site):
    installed = officina(runner, site, "pack", "install", "till")
    assert "Installing till 1.0.0" in installed.output
    assert "till/with/stock/" not in installed.output
    assert "OK:" in officina(runner, site, "validate").output
    sale = sell(site, "Pen", 2)
    assert sale["booked"] is False
    assert "stock_entry" not in sale
    assert "stock_entry" not in sale_columns(site)


def test_installing_the_other_pack_later_brings_the_folder_in(runner, site):
    officina(runner, site, "pack", "install", "till")
    before = sell(site, "Pen", 2)

    installed = officina(runner, site, "pack", "install", "stock")
    assert (
        "The definitions till has for stock (till/with/stock/) now apply."
        in installed.output
    )
    assert "Seed data: 1 added" in installed.output
    assert "stock_entry" in sale_columns(site)
    assert entries(site) == {"OPENING": 0}

    sale = sell(site, "Ink", 3)
    assert sale["booked"] is True
    assert entries(site) == {"OPENING": 0, "Ink": -3}
    runtime = Runtime.open(site)
    try:
        booked = runtime.records.get("stock_entry", sale["stock_entry"])
        assert booked["item"] == "Ink"
        # A sale made before stock came is kept as it was.
        assert runtime.records.get("sale", before["id"])["booked"] is False
    finally:
        runtime.close()


def test_installing_the_pack_after_the_other_one_applies_the_folder(runner, site):
    officina(runner, site, "pack", "install", "stock")
    installed = officina(runner, site, "pack", "install", "till")
    assert "till/with/stock/) now apply" in installed.output
    assert sell(site, "Pen")["booked"] is True
    assert entries(site) == {"OPENING": 0, "Pen": -1}


def test_removing_the_other_pack_takes_the_folder_out_cleanly(runner, site):
    officina(runner, site, "pack", "install", "till")
    officina(runner, site, "pack", "install", "stock")
    booked = sell(site, "Pen", 2)

    removed = officina(runner, site, "pack", "remove", "stock")
    assert (
        "The definitions till has for stock (till/with/stock/) do not apply: "
        "'stock' is not installed." in removed.output
    )
    assert Site.load(site).packs.keys() == {"till"}
    assert "The database matches the definitions." in (
        officina(runner, site, "plan").output
    )
    assert "OK:" in officina(runner, site, "validate").output
    assert "stock_entry" not in sale_columns(site)
    later = sell(site, "Ink")
    assert later["booked"] is False
    runtime = Runtime.open(site)
    try:
        assert "stock_entry" not in runtime.definitions.entities
        kept = runtime.records.get("sale", booked["id"])
        assert (kept["item"], kept["qty"], kept["booked"]) == ("Pen", 2, True)
    finally:
        runtime.close()

    # Installing it again brings the archived ledger back.
    back = officina(runner, site, "pack", "install", "stock")
    assert "now apply" in back.output
    assert entries(site) == {"OPENING": 0, "Pen": -2}


def test_a_version_outside_the_range_leaves_the_folder_out(runner, site):
    write_stock(site, version="2.0.0")
    officina(runner, site, "pack", "install", "till")
    installed = officina(runner, site, "pack", "install", "stock")
    assert (
        "The definitions till has for stock (till/with/stock/) do not apply: "
        "'stock' 2.0.0 is not in '^1.0'." in installed.output
    )
    assert "stock_entry" not in sale_columns(site)
    assert sell(site, "Pen")["booked"] is False


def test_the_pack_list_says_what_a_pack_works_with(runner, site):
    shown = officina(runner, site, "pack", "list").output
    assert "works with: stock ^1.0" in shown
    rows = json.loads(officina(runner, site, "pack", "list", "--format", "json").output)
    by_name = {row["name"]: row for row in rows}
    assert by_name["till"]["enhances"] == {"stock": "^1.0"}
    assert by_name["stock"]["enhances"] == {}


def test_validate_checks_the_folder_only_with_the_other_pack(runner, site):
    till = site / "packs" / "till"
    broken = dict(TILL)
    broken["with/stock/sale_stock.yaml"] = TILL["with/stock/sale_stock.yaml"].replace(
        "to: stock_entry", "to: stock_entri"
    )
    add_enhances(write_till(site, broken))

    # The site's packs/ folder makes stock available, not installed.
    alone = runner.invoke(main, ["validate", "--site", str(site), str(till)])
    assert alone.exit_code == 0, alone.output
    assert (
        "Not checked: till/with/stock/ (they apply only with stock ^1.0; "
        "add --with stock)." in alone.output
    )

    both = runner.invoke(
        main, ["validate", "--site", str(site), str(till), "--with", "stock"]
    )
    assert both.exit_code == 1
    assert (
        "with/stock/sale_stock.yaml:3:38: unknown entity 'stock_entri' in field "
        "'stock_entry'. Hint: did you mean 'stock_entry'?" in both.output
    )
    assert "Traceback" not in both.output


@pytest.mark.parametrize("with_inventory", [False, True])
def test_validate_a_shipped_pack_with_and_without_its_optional_pack(
    runner, with_inventory
):
    from officina.site import default_pack_folders

    aftersales = default_pack_folders()[0] / "aftersales"
    # (The demo data is checked with every pack in test_shipped_packs.py.)
    arguments = ["validate", "--no-demo", str(aftersales)]
    if with_inventory:
        arguments += ["--with", "inventory"]
    result = runner.invoke(main, arguments)
    assert result.exit_code == 0, result.output
    note = "Not checked: aftersales/with/inventory/"
    assert (note in result.output) is not with_inventory
