"""Record numbers such as ORD-2026-00042: never duplicated, across processes.

Each entity keeps one counter per period (the date parts of its pattern), so
`ORD-{YYYY}-{#####}` starts again each year and inserts of different
entities never wait for each other. On PostgreSQL the counter is taken in a
short transaction of its own, so no lock is held while the record's own
transaction runs (a rolled-back record leaves a gap, as invoices in most
systems do); on SQLite, where one writer works at a time anyway, it is
taken inside the record's write transaction.
"""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import Connection, Engine, Table, bindparam
from sqlalchemy.dialects import postgresql, sqlite

_TOKEN = re.compile(r"\{(#+|YYYY|YY|MM|DD)\}")


def period(pattern: str, moment: dt.datetime) -> str:
    """The part of the counter's name that makes it restart: '2026', '2026-11'."""
    parts = []
    if "{YYYY}" in pattern or "{YY}" in pattern:
        parts.append(f"{moment.year:04d}")
    if "{MM}" in pattern:
        parts.append(f"{moment.month:02d}")
    if "{DD}" in pattern:
        parts.append(f"{moment.day:02d}")
    return "-".join(parts)


def render(pattern: str, moment: dt.datetime, value: int) -> str:
    def replace(match: re.Match) -> str:
        token = match.group(1)
        if token.startswith("#"):
            return f"{value:0{len(token)}d}"
        return {
            "YYYY": f"{moment.year:04d}",
            "YY": f"{moment.year % 100:02d}",
            "MM": f"{moment.month:02d}",
            "DD": f"{moment.day:02d}",
        }[token]

    return _TOKEN.sub(replace, pattern)


def increment_statement(counters: Table, dialect: str):
    """`value + 1` for a counter, created at 1 if new; returns the value.

    Built once per service (see `Statements`) and executed with the counter's
    name as its only parameter.
    """
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(counters).values(name=bindparam("counter"), value=1)
    return statement.on_conflict_do_update(
        index_elements=[counters.c.name], set_={"value": counters.c.value + 1}
    ).returning(counters.c.value)


def next_number(
    engine: Engine,
    connection: Connection,
    statement,
    counter: str,
    pattern: str,
    moment: dt.datetime,
) -> str:
    """The next number of `counter` (an entity and field) for `pattern`."""
    name = f"{counter}:{period(pattern, moment)}"
    if connection.dialect.name == "postgresql":
        with engine.connect() as own:
            own = own.execution_options(isolation_level="AUTOCOMMIT")
            value = own.execute(statement, {"counter": name}).scalar_one()
    else:
        value = connection.execute(statement, {"counter": name}).scalar_one()
    return render(pattern, moment, value)
