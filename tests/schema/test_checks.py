"""Checks before changes: refusals are all reported at once, nothing is
applied while any remains, and constraints hold on the converted values."""

from __future__ import annotations

import datetime as dt

import pytest
from migration_helpers import contents, seed, table_names
from sqlalchemy import column, insert, table, update
from sqlalchemy.exc import IntegrityError

from officina.schema.migrate import MigrationRefused, migrate, schema_status

PERSON = """
entity: person
fields:
  name: string
"""


def item(
    extra: str = "", code: str = "{type: string, unique: true}", owner="integer"
) -> dict[str, str]:
    """The definitions: `item` with its code and owner fields, and more."""
    text = f"entity: item\nfields:\n  code: {code}\n  owner: {owner}\n{extra}"
    return {"item.yaml": text, "person.yaml": PERSON}


@pytest.fixture
def items(engine, definitions):
    schema = definitions(item())
    migrate(engine, schema)
    seed(engine, schema, "person", [{"name": "Ann"}, {"name": "Ben"}])
    seed(
        engine,
        schema,
        "item",
        [
            {"code": "01", "owner": 1},
            {"code": "1", "owner": 2},
            {"code": "2", "owner": 7},
            {"code": None, "owner": None},
        ],
    )
    return schema


def test_every_refusal_is_reported_and_nothing_is_applied(items, engine, definitions):
    before = contents(engine, items, "item")
    schema = definitions(
        item(
            "  label: {type: string, required: true}\n  added: text\n",
            code="{type: integer, unique: true}",
            owner="{type: reference, to: person}",
        )
    )
    plan = schema_status(engine, schema)
    assert plan.lines() == [
        "add column `label` to `item` (its 4 records would have no value)",
        "add column `added` to `item`",
        "change `code` of `item` from string to integer (all 3 values convert)",
        "index `owner` of `item` for faster searches",
        "link `owner` of `item` to `person` records (1 record points at missing "
        "records)",
    ]
    assert plan.refusals == [
        "cannot add the required field `label` to `item`: its 4 records would "
        "have no value. Hint: give the field a default (it is filled into the "
        "existing records), or add the field as optional first and fill it in.",
        "cannot keep `code` of `item` unique once its values are converted: 1 "
        "value is used more than once (1 by ids 1, 2). Hint: change those records "
        "so that each value is used once, then migrate again.",
        "cannot link `owner` of `item` to `person` records: 1 record points at "
        "`person` records that do not exist (id 3: 7). Hint: correct or empty "
        "those values first.",
    ]
    with pytest.raises(MigrationRefused) as refused:
        migrate(engine, schema)
    assert refused.value.refusals == plan.refusals
    assert contents(engine, items, "item") == before
    assert "label" not in [c.name for c in items.table("item").columns]


def test_constraints_follow_a_converted_column(items, engine, definitions):
    item_table = table("item", column("id"), column("code"), column("owner"))
    with engine.begin() as connection:
        connection.execute(
            update(item_table).where(item_table.c.id == 1).values(code="3")
        )
        connection.execute(
            update(item_table).where(item_table.c.id == 3).values(owner=None)
        )
    schema = definitions(
        item(
            code="{type: integer, unique: true}", owner="{type: reference, to: person}"
        )
    )
    done = migrate(engine, schema)
    assert done.plan.lines() == [
        "change `code` of `item` from string to integer (all 3 values convert)",
        "index `owner` of `item` for faster searches",
        "link `owner` of `item` to `person` records (all 2 values point at "
        "existing records)",
    ]
    assert [row["code"] for row in contents(engine, schema, "item")] == [3, 1, 2, None]
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(insert(item_table).values(code=3, owner=None))
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(insert(item_table).values(code=9, owner=99))
    assert not schema_status(engine, schema)
    assert "item" in table_names(engine)


def test_a_new_required_field_takes_its_default(items, engine, definitions):
    schema = definitions(
        item("  status: {type: choice, options: [new, old], default: old}\n")
    )
    done = migrate(engine, schema)
    assert done.plan.lines() == [
        "add column `status` to `item` (its 4 records get the default 'old')"
    ]
    assert [row["status"] for row in contents(engine, schema, "item")] == ["old"] * 4


def test_a_required_field_stays_required_through_a_conversion(
    items, engine, definitions
):
    extra = "  amount: {type: text, required: true, default: '0'}\n"
    schema = definitions(item(extra))
    migrate(engine, schema)
    amounts = table("item", column("id"), column("amount"))
    with engine.begin() as connection:
        connection.execute(update(amounts).values(amount="5"))
        connection.execute(update(amounts).where(amounts.c.id == 2).values(amount=" "))
    converted = definitions(item("  amount: {type: integer, required: true}\n"))
    with pytest.raises(MigrationRefused) as refused:
        migrate(engine, converted)
    assert refused.value.refusals == [
        "cannot keep `amount` of `item` required once its values are converted: "
        "1 record would have no value (id 2). Hint: give the field a default, or "
        "fill in those records first."
    ]
    with engine.begin() as connection:
        connection.execute(update(amounts).where(amounts.c.id == 2).values(amount="6"))
    migrate(engine, converted)
    assert [row["amount"] for row in contents(engine, converted, "item")] == [
        5,
        6,
        5,
        5,
    ]
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(insert(amounts).values(amount=None))


def test_a_field_renamed_and_retyped_at_once(items, engine, definitions):
    schema = definitions(item("  size: text\n"))
    migrate(engine, schema)
    sizes = table("item", column("id"), column("size"))
    with engine.begin() as connection:
        connection.execute(update(sizes).values(size="40"))
    renamed = definitions(item("  width: {type: integer, renamed_from: size}\n"))
    done = migrate(engine, renamed)
    assert done.plan.lines() == [
        "rename `size` to `width` in `item` (moves 4 values)",
        "change `width` of `item` from text to integer (all 4 values convert)",
    ]
    assert [row["width"] for row in contents(engine, renamed, "item")] == [40] * 4


def test_a_unique_combination_is_checked_over_its_columns(engine, definitions):
    price = "entity: price\nfields:\n  product: string\n  day: date\n"
    schema = definitions({"price.yaml": price})
    migrate(engine, schema)
    seed(
        engine,
        schema,
        "price",
        [
            {"product": "tea", "day": dt.date(2026, 1, 1)},
            {"product": "tea", "day": dt.date(2026, 1, 2)},
            {"product": "tea", "day": dt.date(2026, 1, 1)},
            {"product": None, "day": dt.date(2026, 1, 1)},
            {"product": None, "day": dt.date(2026, 1, 1)},
        ],
    )
    unique = definitions({"price.yaml": price + "unique:\n  - [product, day]\n"})
    with pytest.raises(MigrationRefused) as refused:
        migrate(engine, unique)
    assert refused.value.refusals == [
        "cannot make each combination of `product`, `day` in `price` unique: 1 "
        "combination is used more than once ('tea' + 2026-01-01 by ids 1, 3). "
        "Hint: change those records so that each value is used once, then "
        "migrate again."
    ]


def test_large_tables_are_checked_and_converted_page_by_page(engine, definitions):
    schema = definitions({"tick.yaml": "entity: tick\nfields:\n  count: text\n"})
    migrate(engine, schema)
    seed(engine, schema, "tick", [{"count": str(n)} for n in range(2500)])
    ticks = table("tick", column("id"), column("count"))
    with engine.begin() as connection:
        connection.execute(update(ticks).where(ticks.c.id == 2400).values(count="x"))
    converted = definitions({"tick.yaml": "entity: tick\nfields:\n  count: integer\n"})
    with pytest.raises(MigrationRefused, match=r"\(id 2400: 'x' is not a whole"):
        migrate(engine, converted)
    with engine.begin() as connection:
        connection.execute(update(ticks).where(ticks.c.id == 2400).values(count="0"))
    migrate(engine, converted)
    counts = [row["count"] for row in contents(engine, converted, "tick")]
    assert counts == [n if n != 2399 else 0 for n in range(2500)]
