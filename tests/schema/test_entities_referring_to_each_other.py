"""Two entities referring to each other — an order to its return request,
the return request to its order — get both their tables and both foreign
keys: from an empty database, when the reference closing the circle is
added to tables holding data, and through a pack's removal (archived,
restored, purged). Records point at each other through the records
service, and a record still referred to is not deleted."""

from __future__ import annotations

import pytest
from migration_helpers import contents, seed, table_names
from sqlalchemy import column, insert, inspect, table, update
from sqlalchemy.exc import IntegrityError

from officina.cli import main
from officina.records import RecordInvalid, RecordsService
from officina.runtime import Runtime
from officina.schema.migrate import migrate, schema_status
from pack_files import make_site, write_pack

SALES_ORDER = """
entity: sales_order
fields:
  number: {type: string, required: true, unique: true}
"""
CLOSING = """
  return_request: {type: reference, to: return_request, on_delete: restrict}
"""
RETURN_REQUEST = """
entity: return_request
fields:
  code: {type: string, unique: true}
  reason: {type: string, required: true}
  sales_order: {type: reference, to: sales_order, required: true}
"""
NOTE = """
entity: note
fields:
  text: string
"""
PAIR = {"sales_order.yaml": SALES_ORDER + CLOSING, "returns.yaml": RETURN_REQUEST}


def foreign_keys(engine, table_name: str) -> dict[str, str]:
    """{column: referred table} of the live table."""
    with engine.connect() as connection:
        return {
            fk["constrained_columns"][0]: fk["referred_table"]
            for fk in inspect(connection).get_foreign_keys(table_name)
        }


def test_both_tables_and_both_keys_are_made_from_an_empty_database(
    engine, definitions, tmp_path
):
    pair = definitions(PAIR)
    done = migrate(engine, pair, backup_dir=tmp_path / "backups")
    lines = done.plan.lines()
    assert "add the table `sales_order`" in lines
    assert "add the table `return_request`" in lines
    assert foreign_keys(engine, "sales_order")["return_request"] == "return_request"
    assert foreign_keys(engine, "return_request")["sales_order"] == "sales_order"
    assert not schema_status(engine, pair)

    # The database itself refuses a reference to a missing record, both ways.
    seed(engine, pair, "sales_order", [{"number": "SO-1"}])
    orders = table("sales_order", column("return_request"))
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(update(orders).values(return_request=99))
    returns = table("return_request", column("reason"), column("sales_order"))
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(insert(returns).values(reason="Lost", sales_order=99))


def test_the_same_definitions_give_the_same_tables_whatever_the_file_order(
    definitions,
):
    one = definitions(PAIR)
    other = definitions(
        {"a.yaml": RETURN_REQUEST, "b.yaml": NOTE, "c.yaml": SALES_ORDER + CLOSING}
    )

    def added_later(schema) -> set[str]:
        return {
            f"{name}.{fk.parent.name}"
            for name, entity_table in schema.tables.items()
            for fk in entity_table.foreign_keys
            if fk.use_alter
        }

    assert added_later(one) == added_later(other)
    assert len(added_later(one)) == 1


def test_the_reference_closing_the_circle_is_added_to_tables_with_data(
    engine, definitions, tmp_path
):
    before = definitions(
        {"sales_order.yaml": SALES_ORDER, "returns.yaml": RETURN_REQUEST}
    )
    migrate(engine, before, backup_dir=tmp_path / "backups")
    seed(engine, before, "sales_order", [{"number": "SO-1"}, {"number": "SO-2"}])
    seed(engine, before, "return_request", [{"reason": "Too big", "sales_order": 2}])

    pair = definitions(PAIR)
    plan = schema_status(engine, pair)
    assert plan.lines() == [
        "add column `return_request` to `sales_order`",
        "index `return_request` of `sales_order` for faster searches",
        "link `return_request` of `sales_order` to `return_request` records",
    ]
    migrate(engine, pair)
    assert foreign_keys(engine, "sales_order")["return_request"] == "return_request"
    assert [row["return_request"] for row in contents(engine, pair, "sales_order")] == [
        None,
        None,
    ]
    assert [row["reason"] for row in contents(engine, pair, "return_request")] == [
        "Too big"
    ]
    assert not schema_status(engine, pair)


def test_a_new_entity_and_the_reference_back_to_it_come_in_one_migration(
    engine, definitions, tmp_path
):
    orders_only = definitions({"sales_order.yaml": SALES_ORDER})
    migrate(engine, orders_only, backup_dir=tmp_path / "backups")
    seed(engine, orders_only, "sales_order", [{"number": "SO-1"}])

    pair = definitions(PAIR)
    lines = migrate(engine, pair).plan.lines()
    assert "add the table `return_request`" in lines
    assert "add column `return_request` to `sales_order`" in lines
    assert foreign_keys(engine, "sales_order")["return_request"] == "return_request"
    assert foreign_keys(engine, "return_request")["sales_order"] == "sales_order"
    assert [row["number"] for row in contents(engine, pair, "sales_order")] == ["SO-1"]
    assert not schema_status(engine, pair)


TRIANGLE = """
entity: carrier
fields:
  name: {type: string, required: true}
  main_depot: {type: reference, to: depot}
---
entity: depot
fields:
  name: {type: string, required: true}
  owner: {type: reference, to: shipper}
---
entity: shipper
fields:
  name: {type: string, required: true}
  carrier: {type: reference, to: carrier}
  first_parcel: {type: reference, to: parcel}
  parcels: {type: table, of: parcel}
---
entity: parcel
fields:
  weight: {type: decimal, scale: 2}
"""


def test_the_migrate_command_makes_longer_circles_and_rows_referred_to(
    runner, tmp_path, database_url
):
    site = make_site(runner, tmp_path / "site", database_url, TRIANGLE)
    planned = runner.invoke(main, ["plan", "--site", str(site)])
    assert planned.exit_code == 0, planned.output
    assert "The database matches the definitions." in planned.output
    runtime = Runtime.open(site)
    try:
        engine = runtime.engine
        assert foreign_keys(engine, "carrier")["main_depot"] == "depot"
        assert foreign_keys(engine, "depot")["owner"] == "shipper"
        assert foreign_keys(engine, "shipper")["carrier"] == "carrier"
        assert foreign_keys(engine, "shipper")["first_parcel"] == "parcel"
        assert foreign_keys(engine, "parcel")["parent_id"] == "shipper"
        records = runtime.records
        carrier = records.create("carrier", {"name": "Swift"})
        shipper = records.create(
            "shipper",
            {"name": "Acme", "carrier": carrier["id"], "parcels": [{"weight": "1.5"}]},
        )
        depot = records.create("depot", {"name": "North", "owner": shipper["id"]})
        records.update("carrier", carrier["id"], {"main_depot": depot["id"]})
        parcel_id = shipper["parcels"][0]["id"]
        shipper = records.update("shipper", shipper["id"], {"first_parcel": parcel_id})
        assert shipper["first_parcel"] == parcel_id
        assert records.get("carrier", carrier["id"])["main_depot"] == depot["id"]
    finally:
        runtime.close()


def test_records_point_at_each_other_and_are_not_deleted_while_referred_to(
    engine, definitions, load_files, tmp_path
):
    pair = definitions(PAIR)
    migrate(engine, pair, backup_dir=tmp_path / "backups")
    records = RecordsService(load_files(PAIR), pair, engine)
    order = records.create("sales_order", {"number": "SO-7"})
    request = records.create(
        "return_request", {"reason": "Broken", "sales_order": order["id"]}
    )
    order = records.update(
        "sales_order", order["id"], {"return_request": request["id"]}
    )
    assert order["return_request"] == request["id"]
    assert records.get("return_request", request["id"])["sales_order"] == order["id"]

    with pytest.raises(RecordInvalid) as caught:
        records.delete("sales_order", order["id"])
    assert caught.value.problems.record == [
        "this Sales order is still used by other records: Return request (sales_order)"
    ]
    with pytest.raises(RecordInvalid) as caught:
        records.delete("return_request", request["id"])
    assert caught.value.problems.record == [
        "this Return request is still used by other records: Sales order "
        "(return_request)"
    ]
    assert records.get("sales_order", order["id"])["number"] == "SO-7"

    records.update("sales_order", order["id"], {"return_request": None})
    records.delete("return_request", request["id"])
    records.delete("sales_order", order["id"])
    assert records.list("sales_order").records == []


def test_removing_the_pair_archives_both_and_bringing_it_back_restores_them(
    engine, definitions, tmp_path
):
    pair = definitions({**PAIR, "note.yaml": NOTE})
    migrate(engine, pair, backup_dir=tmp_path / "backups")
    seed(engine, pair, "sales_order", [{"number": "SO-1"}])
    seed(engine, pair, "return_request", [{"reason": "Scratched", "sales_order": 1}])
    with engine.begin() as connection:
        orders = table("sales_order", column("return_request"))
        connection.execute(update(orders).values(return_request=1))
    kept_orders = contents(engine, pair, "sales_order")
    kept_requests = contents(engine, pair, "return_request")

    notes_only = definitions({"note.yaml": NOTE})
    removed = migrate(engine, notes_only, allow_destructive=True)
    assert [line.split(":")[0] for line in removed.plan.lines()] == [
        "archive the table `return_request` (1 record)",
        "archive the table `sales_order` (1 record)",
    ]
    names = table_names(engine)
    assert "sales_order" not in names and "return_request" not in names
    assert len([name for name in names if name.startswith("_archived_")]) == 2
    assert not schema_status(engine, notes_only)

    back = migrate(engine, pair)
    lines = back.plan.lines()
    assert any(line.startswith("restore the table `sales_order`") for line in lines)
    assert any(line.startswith("restore the table `return_request`") for line in lines)
    assert contents(engine, pair, "sales_order") == kept_orders
    assert contents(engine, pair, "return_request") == kept_requests
    assert foreign_keys(engine, "sales_order")["return_request"] == "return_request"
    assert foreign_keys(engine, "return_request")["sales_order"] == "sales_order"
    assert not any(name.startswith("_archived_") for name in table_names(engine))


# A pack of orders, and a pack of returns that gives the orders a reference
# back to their return (as after-sales does): the order is loaded first, and
# the update naming its return once the return exists.
SHOP_PACK = {
    "sales_order.yaml": SALES_ORDER,
    "seed/orders.yaml": """
        seed: sales_order
        key: number
        records:
          - {number: SO-0}
        """,
}
RETURNS_PACK = {
    "returns.yaml": RETURN_REQUEST + "---\nextend: sales_order\nfields:" + CLOSING,
    "seed/returns.yaml": """
        seed: return_request
        key: code
        records:
          - {code: RMA-0, reason: Seeded, sales_order: SO-0}
        ---
        seed: sales_order
        key: number
        update: true
        records:
          - {number: SO-0, return_request: RMA-0}
        """,
}


def officina(runner, site, *arguments: str) -> str:
    result = runner.invoke(main, [*arguments, "--site", str(site)])
    assert result.exit_code == 0, result.output
    return result.output


def linked_orders(site) -> dict[str, int | None]:
    """{order number: the id of its return request}."""
    runtime = Runtime.open(site)
    try:
        orders = runtime.records.list("sales_order").records
        return {order["number"]: order["return_request"] for order in orders}
    finally:
        runtime.close()


def test_a_pack_closing_the_circle_is_installed_removed_and_purged(
    runner, tmp_path, database_url
):
    site = tmp_path / "site"
    made = runner.invoke(main, ["init", str(site), "--database", database_url])
    assert made.exit_code == 0, made.output
    write_pack(site / "packs", SHOP_PACK, name="shop")
    write_pack(site / "packs", RETURNS_PACK, name="returns", depends={"shop": "^1.0"})
    installed = officina(runner, site, "pack", "install", "returns")
    assert "add the table `return_request`" in installed
    runtime = Runtime.open(site)
    try:
        records = runtime.records
        (seeded,) = records.list("return_request").records
        assert seeded["code"] == "RMA-0"
        order = records.create("sales_order", {"number": "SO-1"})
        request = records.create(
            "return_request", {"reason": "Late", "sales_order": order["id"]}
        )
        records.update("sales_order", order["id"], {"return_request": request["id"]})
    finally:
        runtime.close()
    linked = {"SO-0": seeded["id"], "SO-1": request["id"]}
    assert linked_orders(site) == linked

    removed = officina(runner, site, "pack", "remove", "returns")
    assert "archive the table `return_request` (2 records)" in removed
    assert "archive column `return_request` of `sales_order` (2 values)" in removed
    runtime = Runtime.open(site)
    try:
        assert "return_request" not in runtime.definitions.entities
        assert len(runtime.records.list("sales_order").records) == 2
    finally:
        runtime.close()

    back = officina(runner, site, "pack", "install", "returns")
    assert "restore the table `return_request`" in back
    assert linked_orders(site) == linked

    purged = officina(runner, site, "pack", "remove", "returns", "--purge")
    assert "Dropped" in purged
    runtime = Runtime.open(site)
    try:
        with runtime.engine.connect() as connection:
            left = set(inspect(connection).get_table_names())
        assert len(runtime.records.list("sales_order").records) == 2
    finally:
        runtime.close()
    assert not [name for name in left if "return_request" in name]
