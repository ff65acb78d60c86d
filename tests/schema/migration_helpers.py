"""Seeding and reading tables directly, for the migration tests."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, column, insert, inspect, select, table

from officina.schema.tables import Schema

NOW = dt.datetime(2026, 11, 27, 10, 0, tzinfo=dt.UTC)


def seed(engine: Engine, schema: Schema, entity: str, rows: list[dict]) -> None:
    """Insert records directly (the records service is not under test)."""
    keys = {key for row in rows for key in row}
    stamped = [
        {"created_at": NOW, "updated_at": NOW, "version": 1} | dict.fromkeys(keys) | row
        for row in rows
    ]
    with engine.begin() as connection:
        connection.execute(insert(schema.table(entity)), stamped)


def contents(engine: Engine, schema: Schema, entity: str) -> list[dict]:
    """Every record of an entity's table, as the schema reads it, by id."""
    entity_table = schema.table(entity)
    with engine.connect() as connection:
        rows = connection.execute(select(entity_table).order_by(entity_table.c.id))
        return [dict(row) for row in rows.mappings()]


def column_values(engine: Engine, table_name: str, column_name: str) -> list:
    """The raw values of one column (e.g. an archived one), by id."""
    source = table(table_name, column("id"), column(column_name))
    with engine.connect() as connection:
        return list(
            connection.execute(
                select(source.c[column_name]).order_by(source.c.id)
            ).scalars()
        )


def column_names(engine: Engine, table_name: str) -> list[str]:
    with engine.connect() as connection:
        return [c["name"] for c in inspect(connection).get_columns(table_name)]


def table_names(engine: Engine) -> set[str]:
    with engine.connect() as connection:
        return set(inspect(connection).get_table_names())
