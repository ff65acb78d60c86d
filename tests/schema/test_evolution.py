"""One entity holding data, evolved through a series of definition edits.

After every edit, either the migration is refused and the table is exactly
as it was, or every stored value is still there: under its new name, in its
new type, or kept in an archived column. Values change only where the plan
says so (a default filling empty values, a conversion).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from migration_helpers import column_names, column_values, contents, seed
from sqlalchemy import column, table, update

from officina.schema.migrate import MigrationRefused, migrate, schema_status

FIRST = {
    "name": "{type: string, required: true}",
    "phone": "string",
    "email": "email",
    "stock": "text",
    "score": "text",
    "code": "string",
    "price": "integer",
    "note": "text",
}

ROWS = [
    dict(name="Ada", phone="555-01", email="ada@example.com", stock="12",
         score="10", code="A", price=5, note="first"),
    dict(name="Bob", phone=None, email=None, stock=" 7 ", score="ten",
         code="B", price=None, note=None),
    dict(name="Cy", phone="555-03", email="cy@example.com", stock=None,
         score="3", code="A", price=0, note="third"),
    dict(name="Di", phone="555-04", email=None, stock="0", score="",
         code=None, price=120, note=""),
    dict(name="Eve", phone="555-05", email="eve@example.com", stock="-3",
         score="-1", code=None, price=-7, note="fifth"),
    dict(name="Francesca", phone=None, email="fran@example.com", stock=None,
         score=None, code="F", price=None, note=None),
]  # fmt: skip


def files(fields: dict[str, str]) -> dict[str, str]:
    lines = "".join(f"  {name}: {spec}\n" for name, spec in fields.items())
    return {"customer.yaml": f"entity: customer\nfields:\n{lines}"}


def expected(before, *, rename=None, convert=None, add=None, remove=()):
    """`before`, with only the announced changes applied."""
    after = []
    for row in before:
        row = dict(row)
        for old, new in (rename or {}).items():
            row[new] = row.pop(old)
        for name, change in (convert or {}).items():
            row[name] = change(row[name])
        row.update(add or {})
        for name in remove:
            del row[name]
        after.append(row)
    return after


class Shop:
    """The customer table through its versions."""

    def __init__(self, engine, definitions, tmp_path):
        self.engine = engine
        self.definitions = definitions
        self.backups = tmp_path / "backups"
        self.fields = dict(FIRST)
        self.schema = definitions(files(self.fields))

    def edit(self, **changes: str | None):
        """The schema with fields changed (None removes one); not migrated."""
        fields = dict(self.fields)
        for name, spec in changes.items():
            if spec is None:
                fields.pop(name)
            else:
                fields[name] = spec
        return fields, self.definitions(files(fields))

    def migrate(self, changes: dict, *, allow_destructive=False) -> list[str]:
        """Apply an edit; returns the plan's lines."""
        fields, schema = self.edit(**changes)
        done = migrate(
            self.engine,
            schema,
            allow_destructive=allow_destructive,
            backup_dir=self.backups,
        )
        self.fields, self.schema = fields, schema
        assert not schema_status(self.engine, schema), "still differs"
        return done.plan.lines()

    def refused(self, changes: dict, **options) -> list[str]:
        """Try an edit that must be refused; the table must not change."""
        before, names = self.rows(), column_names(self.engine, "customer")
        _, schema = self.edit(**changes)
        with pytest.raises(MigrationRefused) as refused:
            migrate(self.engine, schema, backup_dir=self.backups, **options)
        assert self.rows() == before
        assert column_names(self.engine, "customer") == names
        return refused.value.refusals

    def rows(self) -> list[dict]:
        return contents(self.engine, self.schema, "customer")

    def set(self, record_id: int, **values) -> None:
        customer = table("customer", column("id"), *map(column, values))
        with self.engine.begin() as connection:
            connection.execute(
                update(customer).where(customer.c.id == record_id).values(values)
            )


@pytest.fixture
def shop(engine, definitions, tmp_path):
    shop = Shop(engine, definitions, tmp_path)
    assert "add the table `customer`" in shop.migrate({})
    seed(engine, shop.schema, "customer", ROWS)
    return shop


def test_evolving_an_entity_never_loses_a_value(shop, engine):
    original = shop.rows()
    assert [row["name"] for row in original] == [row["name"] for row in ROWS]

    # 1. New fields: empty, or filled with their default.
    before = shop.rows()
    vip = "{type: boolean, default: false}"
    assert shop.migrate({"gift_note": "text", "vip": vip}) == [
        "add column `gift_note` to `customer`",
        "add column `vip` to `customer` (its 6 records get the default false)",
    ]
    assert shop.rows() == expected(before, add={"gift_note": None, "vip": False})

    # 2. A declared rename moves the values.
    before = shop.rows()
    lines = shop.migrate(
        {"phone": None, "mobile": "{type: string, renamed_from: phone}"}
    )
    assert lines == ["rename `phone` to `mobile` in `customer` (moves 4 values)"]
    assert shop.rows() == expected(before, rename={"phone": "mobile"})

    # 3. Text to integer, every value converting.
    before = shop.rows()
    assert shop.migrate({"stock": "integer"}) == [
        "change `stock` of `customer` from text to integer (all 4 values convert)"
    ]
    assert shop.rows() == expected(
        before, convert={"stock": lambda v: None if v is None else int(v)}
    )

    # 4. Text to integer with a value that does not convert: refused, listed.
    assert shop.refused({"score": "integer"}) == [
        "cannot change `score` of `customer` from text to integer: 1 of 5 values "
        "does not convert (id 2: 'ten' is not a whole number). Hint: correct "
        "those records first, or keep the field's type."
    ]
    shop.set(2, score="11")
    before = shop.rows()
    assert shop.migrate({"score": "integer"}) == [
        "change `score` of `customer` from text to integer (all 5 values "
        "convert; 1 blank text becomes empty)"
    ]
    assert shop.rows() == expected(
        before, convert={"score": lambda v: int(v) if v and v.strip() else None}
    )

    # 5. Required without a default: refused while records have no value.
    assert shop.refused({"email": "{type: email, required: true}"}) == [
        "cannot make `email` of `customer` required: 2 records have no value "
        "(ids 2, 4). Hint: give the field a default, or fill in those records "
        "first."
    ]
    before = shop.rows()
    required = "{type: email, required: true, default: nobody@example.com}"
    assert shop.migrate({"email": required}) == [
        "make `email` required in `customer` (fills 2 empty values with "
        "'nobody@example.com')"
    ]
    assert shop.rows() == expected(
        before, convert={"email": lambda v: v or "nobody@example.com"}
    )

    # 6. Unique over duplicates: refused, listing them; accepted once fixed.
    assert shop.refused({"code": "{type: string, unique: true}"}) == [
        "cannot make `code` of `customer` unique: 1 value is used more than once "
        "('A' by ids 1, 3). Hint: change those records so that each value is "
        "used once, then migrate again."
    ]
    shop.set(3, code="C")
    before = shop.rows()
    assert shop.migrate({"code": "{type: string, unique: true}"}) == [
        "make `code` unique in `customer` (all 4 values are different)"
    ]
    assert shop.rows() == before

    # 7. A removed field: refused unless allowed, then archived, not dropped.
    assert shop.refused({"note": None})[0].startswith(
        "cannot remove the field `note` of `customer` without --allow-destructive: "
        "it holds 4 values. Hint: put the field back in the definitions"
    )
    before = shop.rows()
    lines = shop.migrate({"note": None}, allow_destructive=True)
    assert len(lines) == 1
    assert lines[0].startswith("archive column `note` of `customer` (4 values): ")
    assert shop.rows() == expected(before, remove=["note"])
    names = column_names(engine, "customer")
    archived = [name for name in names if name.startswith("_archived_note_")]
    assert len(archived) == 1 and "note" not in names
    notes = [row["note"] for row in before]
    assert column_values(engine, "customer", archived[0]) == notes
    assert f"archived: column `note` of `customer` kept as `{archived[0]}` " in (
        schema_status(engine, shop.schema).render()
    )

    # 8. The field comes back: so do its values.
    before = shop.rows()
    assert shop.migrate({"note": "text"}) == [
        f"restore `note` in `customer` from `{archived[0]}` (4 values)"
    ]
    assert [row["note"] for row in shop.rows()] == notes
    assert shop.rows() == [
        {**row, "note": note} for row, note in zip(before, notes, strict=True)
    ]

    # 9. Integer to money: exact decimals (on SQLite, rescaled integers).
    before = shop.rows()
    assert shop.migrate({"price": "money"}) == [
        "change `price` of `customer` from integer to money (all 4 values convert)"
    ]
    assert shop.rows() == expected(
        before, convert={"price": lambda v: None if v is None else Decimal(v)}
    )
    assert [row["price"] for row in shop.rows()][:3] == [
        Decimal("5.00"),
        None,
        Decimal("0.00"),
    ]

    # 10. Two decimal places to three: invisible to Alembic on SQLite.
    before = shop.rows()
    assert shop.migrate({"price": "{type: money, scale: 3}"}) == [
        "change `price` of `customer` from money with 2 decimal places to money "
        "with 3 decimal places (all 4 values convert)"
    ]
    assert shop.rows() == before  # Decimal("5.00") == Decimal("5.000")
    assert str(shop.rows()[0]["price"]) == "5.000"

    # 11. A shorter maximum length: refused for a longer value, then fits.
    assert shop.refused({"name": "{type: string, required: true, max_length: 5}"}) == [
        "cannot change `name` of `customer` from string of up to 255 characters "
        "to string of up to 5 characters: 1 of 6 values does not convert (id 6: "
        "'Francesca' is longer than 5 characters). Hint: correct those records "
        "first, or keep the field's type."
    ]  # fmt: skip
    before = shop.rows()
    assert shop.migrate({"name": "{type: string, required: true, max_length: 12}"}) == [
        "change `name` of `customer` from string of up to 255 characters to "
        "string of up to 12 characters (all 6 values convert)"
    ]  # fmt: skip
    assert shop.rows() == before

    # 12. An archived field restored under a new name (renamed_from).
    shop.set(1, gift_note="wrap it")
    before = shop.rows()
    lines = shop.migrate({"gift_note": None}, allow_destructive=True)
    assert lines[0].startswith("archive column `gift_note` of `customer` (1 value)")
    lines = shop.migrate({"memo": "{type: text, renamed_from: gift_note}"})
    assert len(lines) == 1 and lines[0].startswith("restore `memo` in `customer`")
    assert shop.rows() == expected(before, rename={"gift_note": "memo"})

    # Whatever happened, the first values are all still there.
    final = shop.rows()
    assert [row["id"] for row in final] == [row["id"] for row in original]
    assert [row["mobile"] for row in final] == [row["phone"] for row in original]
    assert [row["note"] for row in final] == [row["note"] for row in original]
    assert [row["created_at"] for row in final] == [
        row["created_at"] for row in original
    ]
