"""`officina pack list|install|upgrade|remove` on a real site and database:
dependencies, seed data loaded once, site.yaml kept as written, data
archived on removal and back on reinstall, or dropped after a backup."""

from __future__ import annotations

import json

import pytest
from pack_sites import (
    BASICS,
    new_site,
    officina,
    table_names,
    write_basics,
    write_orders,
)

from officina.definitions.model import Filter
from officina.runtime import Runtime
from officina.site import Site


@pytest.fixture
def site(runner, tmp_path, database_url):
    return new_site(runner, tmp_path / "shop", database_url)


def records(site, entity: str, **filters) -> list[dict]:
    runtime = Runtime.open(site)
    try:
        conditions = [Filter((name,), "eq", value) for name, value in filters.items()]
        page = runtime.records.list(entity, filters=conditions, limit=100)
        return [runtime.records.get(entity, found["id"]) for found in page.records]
    finally:
        runtime.close()


def test_list_shows_available_and_installed_packs(runner, site):
    shown = officina(runner, site, "pack", "list").output
    assert "basics" in shown and "not installed" in shown
    assert "needs: basics ^1.0" in shown
    officina(runner, site, "pack", "install", "basics")
    rows = json.loads(officina(runner, site, "pack", "list", "--format", "json").output)
    by_name = {row["name"]: row for row in rows}
    assert by_name["basics"]["installed"] == "1.0.0"
    assert by_name["basics"]["status"] == "installed"
    assert by_name["orders"]["status"] == "available"
    assert by_name["orders"]["depends"] == {"basics": "^1.0"}
    assert by_name["orders"]["title"] == "Orders"


def test_install_brings_its_dependencies_and_seed_data_once(runner, site):
    yaml_file = site / "site.yaml"
    text = yaml_file.read_text("utf-8")
    yaml_file.write_text(
        text.replace("packs: {}", "packs: {}  # managed by 'officina pack'")
        + "# my own closing remark\nsettings: {currency: EUR}  # kept\n",
        "utf-8",
    )
    result = officina(runner, site, "pack", "install", "orders")
    assert "Also installing basics 1.0.0, which orders needs." in result.output
    assert "add the table `order`" in result.output
    assert "Seed records to add: 5 records (category 2, channel 3)." in result.output
    assert "Seed data: 5 added, 0 updated, 0 unchanged." in result.output
    after = yaml_file.read_text("utf-8")
    assert after == text.replace(
        "packs: {}",
        "packs:  # managed by 'officina pack'\n  basics: 1.0.0\n  orders: 1.0.0",
    ) + ("# my own closing remark\nsettings: {currency: EUR}  # kept\n")
    assert Site.load(site).packs.keys() == {"basics", "orders"}

    phones = records(site, "category", code="PHONE")
    electronics = records(site, "category", code="ELEC")
    assert phones[0]["parent_category"] == electronics[0]["id"]
    assert not records(site, "order")  # demo data only on request

    again = officina(runner, site, "pack", "install", "orders", ok=False)
    assert again.exit_code == 1
    assert "'orders' 1.0.0 is already installed" in again.output
    upgrade = officina(runner, site, "pack", "upgrade", "basics")
    assert "Seed data: 0 added, 0 updated, 5 unchanged." in upgrade.output
    assert len(records(site, "channel")) == 3


def test_demo_data_is_loaded_on_request_in_its_state(runner, site):
    result = officina(runner, site, "pack", "install", "orders", "--demo")
    assert "Seed data: 6 added" in result.output
    (order,) = records(site, "order")
    assert order["status"] == "shipped"
    assert [line["item"] for line in order["lines"]] == ["Pen", "Ink"]
    assert order["channel"] == records(site, "channel", code="WEB")[0]["id"]
    again = officina(runner, site, "pack", "upgrade", "orders")
    assert "Seed data: 0 added, 0 updated, 1 unchanged." in again.output
    assert len(records(site, "order")) == 1


def test_a_broken_seed_record_loads_nothing_and_says_where(runner, site):
    broken = dict(BASICS)
    broken["seed/categories.yaml"] = BASICS["seed/categories.yaml"].replace(
        "parent_category: ELEC", "parent_category: NOPE"
    )
    write_basics(site, files=broken)
    result = officina(runner, site, "pack", "install", "basics", ok=False)
    assert result.exit_code == 1
    assert "Internal error" not in result.output
    assert "categories.yaml:4:" in result.output
    assert "'parent_category' names 'NOPE', but there is no category" in result.output
    assert "none of the seed data was loaded" in result.output
    assert records(site, "channel") == [] and records(site, "category") == []
    write_basics(site)
    fixed = officina(runner, site, "pack", "upgrade", "basics")
    assert "Seed data: 5 added" in fixed.output


def test_missing_and_conflicting_dependencies_are_refused(runner, site):
    unknown = officina(runner, site, "pack", "install", "ordres", ok=False)
    assert unknown.exit_code == 1
    assert "the pack 'ordres' is not available. Hint: did you mean 'orders'?" in (
        unknown.output
    )
    write_orders(site, depends={"basics": "^1.0", "payments": "^1.0"})
    missing = officina(runner, site, "pack", "install", "orders", ok=False)
    assert missing.exit_code == 1
    assert "pack.yaml" in missing.output
    assert "the pack 'payments' is not available" in missing.output
    write_orders(site, depends={"basics": ">=2.0"})
    conflict = officina(runner, site, "pack", "install", "orders", ok=False)
    assert "'basics' 1.0.0 does not satisfy '>=2.0' (needed by 'orders')" in (
        conflict.output
    )
    wrong_version = officina(
        runner, site, "pack", "install", "basics", "--version", "^2", ok=False
    )
    assert "'basics' 1.0.0 is available, which is not in '^2'" in wrong_version.output
    assert Site.load(site).packs == {}
    assert "basics" not in table_names(site) and "channel" not in table_names(site)


def test_remove_archives_the_data_and_reinstalling_brings_it_back(runner, site):
    officina(runner, site, "pack", "install", "orders")
    runtime = Runtime.open(site)
    try:
        made = runtime.records.create("order", {"reference": "A-1", "amount": "9.99"})
    finally:
        runtime.close()

    needed = officina(runner, site, "pack", "remove", "basics", ok=False)
    assert needed.exit_code == 1
    assert "cannot remove 'basics': 'orders' depends on it" in needed.output

    removed = officina(runner, site, "pack", "remove", "orders")
    assert "archive the table `order` (1 record)" in removed.output
    assert Site.load(site).packs.keys() == {"basics"}
    assert "order" not in table_names(site)
    runtime = Runtime.open(site)
    assert "order" not in runtime.definitions.entities
    runtime.close()

    back = officina(runner, site, "pack", "install", "orders")
    assert "restore the table `order`" in back.output
    (order,) = records(site, "order")
    assert order["id"] == made["id"] and order["reference"] == "A-1"
    assert len(records(site, "channel")) == 3  # seeds not loaded twice


def test_purge_drops_the_tables_after_saving_their_rows(runner, site):
    officina(runner, site, "pack", "install", "orders")
    runtime = Runtime.open(site)
    try:
        runtime.records.create("order", {"reference": "B-2", "lines": [{"item": "X"}]})
    finally:
        runtime.close()
    result = officina(runner, site, "pack", "remove", "orders", "--purge")
    assert "Dropped" in result.output
    (saved,) = (site / "backups").glob("pack-orders-*.json")
    tables = json.loads(saved.read_text("utf-8"))["tables"]
    order_rows = next(rows for name, rows in tables.items() if "_order_" in name)
    assert [row["reference"] for row in order_rows] == ["B-2"]
    names = table_names(site)
    assert not [name for name in names if "order" in name]
    back = officina(runner, site, "pack", "install", "orders")
    assert "restore" not in back.output
    assert records(site, "order") == []


def test_a_site_extension_of_a_removed_pack_is_reported(runner, site):
    officina(runner, site, "pack", "install", "orders")
    (site / "definitions" / "mine.yaml").write_text(
        "extend: order\nfields:\n  gift_note: string\n", "utf-8"
    )
    officina(runner, site, "migrate")
    before = (site / "site.yaml").read_text("utf-8")
    result = officina(runner, site, "pack", "remove", "orders", ok=False)
    assert result.exit_code == 1
    assert "Internal error" not in result.output
    assert "cannot remove 'orders': the site's own definitions use what it" in (
        result.output
    )
    assert "mine.yaml:1:" in result.output
    assert "Nothing was changed." in result.output
    assert (site / "site.yaml").read_text("utf-8") == before
    assert "order" in table_names(site)
