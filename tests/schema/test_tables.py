"""Whole entities: removed (archived), restored, and their references."""

from __future__ import annotations

import pytest
from migration_helpers import contents, seed, table_names
from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    column,
    delete,
    insert,
    literal_column,
    select,
    table,
    update,
)
from sqlalchemy.exc import IntegrityError

from officina.schema.migrate import MigrationRefused, migrate, schema_status

CUSTOMER = """
entity: customer
fields:
  name: {type: string, required: true}
"""
ORDERS = """
entity: order
fields:
  customer: {type: reference, to: customer, required: true}
  lines: {type: table, of: order_line}
  note: text
---
entity: order_line
fields:
  product: {type: string, required: true}
  qty: {type: integer, required: true}
"""


@pytest.fixture
def shop(engine, definitions, tmp_path):
    schema = definitions({"customer.yaml": CUSTOMER, "order.yaml": ORDERS})
    migrate(engine, schema, backup_dir=tmp_path / "backups")
    seed(engine, schema, "customer", [{"name": "Ada"}, {"name": "Bob"}])
    seed(
        engine,
        schema,
        "order",
        [{"customer": 1, "note": "first"}, {"customer": 2}, {"customer": 1}],
    )
    seed(
        engine,
        schema,
        "order_line",
        [
            {"parent_id": 1, "row_order": 0, "product": "tea", "qty": 2},
            {"parent_id": 1, "row_order": 1, "product": "cup", "qty": 1},
            {"parent_id": 3, "row_order": 0, "product": "pot", "qty": 1},
        ],
    )
    return schema


def test_a_removed_entity_is_archived_then_restored_with_its_records(
    shop, engine, definitions, tmp_path
):
    orders = contents(engine, shop, "order")
    lines = contents(engine, shop, "order_line")
    customers_only = definitions({"customer.yaml": CUSTOMER})

    with pytest.raises(MigrationRefused) as refused:
        migrate(engine, customers_only)
    assert [text.split(":")[0] for text in refused.value.refusals] == [
        "cannot remove the entity `order` without --allow-destructive",
        "cannot remove the entity `order_line` without --allow-destructive",
    ]
    assert "its table holds 3 records" in refused.value.refusals[0]
    assert contents(engine, shop, "order") == orders

    done = migrate(engine, customers_only, allow_destructive=True)
    assert [line.split(":")[0] for line in done.plan.lines()] == [
        "archive the table `order` (3 records)",
        "archive the table `order_line` (3 records)",
    ]
    names = table_names(engine)
    assert "order" not in names and "order_line" not in names
    archived = sorted(name for name in names if name.startswith("_archived_"))
    assert [name.rsplit("_", 1)[0] for name in archived] == [
        "_archived_order",
        "_archived_order_line",
    ]
    text = schema_status(engine, customers_only).render()
    assert text.startswith("The database matches the definitions.")
    assert f"archived: table `order` kept as `{archived[0]}` (3 records)" in text

    # Archived records neither block nor follow changes to live ones.
    with engine.begin() as connection:
        customer = table("customer", column("id"))
        connection.execute(delete(customer).where(customer.c.id == 1))
    assert len(_rows(engine, archived[0])) == 3

    # Coming back, the orders of the deleted customer are named.
    with pytest.raises(MigrationRefused) as refused:
        migrate(engine, shop)
    assert refused.value.refusals == [
        "cannot link `customer` of `order` to `customer` records: 2 records point "
        "at `customer` records that do not exist (id 1: 1, id 3: 1). Hint: "
        "correct or empty those values first."
    ]
    with engine.begin() as connection:
        archived_order = table(archived[0], column("customer"))
        connection.execute(update(archived_order).values(customer=2))

    done = migrate(engine, shop)
    assert done.plan.lines()[:2] == [
        f"restore the table `order` from `{archived[0]}` (3 records)",
        f"restore the table `order_line` from `{archived[1]}` (3 records)",
    ]
    assert contents(engine, shop, "order") == [{**row, "customer": 2} for row in orders]
    assert contents(engine, shop, "order_line") == lines
    assert not any(name.startswith("_archived_") for name in table_names(engine))
    # Keys and constraints are back too.
    with pytest.raises(IntegrityError), engine.begin() as connection:
        order = table("order", column("customer"), column("note"))
        connection.execute(insert(order).values(customer=99))


def test_copying_a_parent_table_on_sqlite_keeps_its_child_rows(
    shop, engine, definitions
):
    """SQLite alters a table by copying it; with foreign keys enforced, the
    old copy's removal would cascade to the order lines."""
    lines = contents(engine, shop, "order_line")
    required = ORDERS.replace(
        "note: text", "note: {type: text, required: true, default: '-'}"
    )
    schema = definitions({"customer.yaml": CUSTOMER, "order.yaml": required})
    done = migrate(engine, schema)
    assert done.plan.lines() == [
        "make `note` required in `order` (fills 2 empty values with '-')"
    ]
    assert contents(engine, schema, "order_line") == lines
    assert [row["note"] for row in contents(engine, schema, "order")] == [
        "first",
        "-",
        "-",
    ]


def test_tables_that_are_not_officinas_are_left_alone(shop, engine):
    other = Table(
        "legacy_invoices",
        MetaData(),
        Column("number", Integer, primary_key=True),
        Column("text", String(20)),
    )
    with engine.begin() as connection:
        other.create(connection)
        connection.execute(insert(other).values(number=1, text="kept"))
    plan = schema_status(engine, shop)
    assert plan.render() == "The database matches the definitions."
    migrate(engine, shop, allow_destructive=True)
    assert _rows(engine, "legacy_invoices") == [(1, "kept")]


def _rows(engine, name):
    with engine.connect() as connection:
        query = select(literal_column("*")).select_from(table(name))
        return connection.execute(query).all()
