"""The server's start-up check: cheap when nothing changed, clear when the
database must be migrated first."""

from __future__ import annotations

import pytest
from sqlalchemy import event

from officina.schema.migrate import (
    SchemaOutOfDate,
    ensure_up_to_date,
    migrate,
    schema_status,
)

SHOP = """
entity: customer
label: Customer
fields:
  name: {type: string, required: true}
"""


@pytest.fixture
def statements(engine):
    """The SQL statements the engine runs, from the moment it is read."""
    seen: list[str] = []

    @event.listens_for(engine, "before_cursor_execute")
    def record(connection, cursor, statement, parameters, context, many):
        seen.append(statement)

    return seen


def assert_cheap(statements: list[str]) -> None:
    """Whether migrations table exists, its last version: nothing more."""
    assert len(statements) <= 4, statements
    assert not any("customer" in statement for statement in statements)
    assert any("officina_migration" in statement for statement in statements)


def test_ensure_up_to_date_follows_the_definitions(engine, definitions, statements):
    first = definitions({"shop.yaml": SHOP})
    with pytest.raises(SchemaOutOfDate) as error:
        ensure_up_to_date(engine, first, site="shop")
    assert str(error.value) == (
        "the database does not match the definitions (2 changes): run "
        "'officina migrate --site shop'"
    )
    migrate(engine, first)

    statements.clear()
    ensure_up_to_date(engine, first)
    assert_cheap(statements)

    second = definitions({"shop.yaml": SHOP + "  note: text\n"})
    with pytest.raises(SchemaOutOfDate, match=r"\(1 change\): run 'officina "):
        ensure_up_to_date(engine, second)
    migrate(engine, second)
    ensure_up_to_date(engine, second)


def test_edits_that_change_no_table_need_no_migration(engine, definitions, statements):
    first = definitions({"shop.yaml": SHOP})
    migrate(engine, first)
    relabelled = definitions({"shop.yaml": SHOP.replace("Customer", "Client")})
    assert relabelled.definitions_version != first.definitions_version
    ensure_up_to_date(engine, relabelled)  # compares, finds nothing to do
    done = migrate(engine, relabelled)
    assert done.recorded and not done.plan
    statements.clear()
    ensure_up_to_date(engine, relabelled)
    assert_cheap(statements)


def test_tables_created_without_migrations_are_taken_as_they_are(engine, definitions):
    """A database made with metadata.create_all (as the records service's
    tests do) matches its definitions."""
    schema = definitions({"shop.yaml": SHOP + "  price: money\n"})
    schema.metadata.create_all(engine)
    assert not schema_status(engine, schema)
    ensure_up_to_date(engine, schema)
