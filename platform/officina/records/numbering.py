"""Record numbers such as ORD-2026-00042: never duplicated, across processes.

Each entity keeps one counter per period (the date parts of its pattern), so
`ORD-{YYYY}-{#####}` starts again each year and inserts of different
entities never wait for each other. On PostgreSQL the counter is taken in a
short transaction of its own, so no lock is held while the record's own
transaction runs (a rolled-back record leaves a gap, as invoices in most
systems do); on SQLite, where one writer works at a time anyway, it is
taken inside the record's write transaction.

A number given rather than drawn (seed data of the past: `number:
ORD-2026-000042`) moves its counter past it (`given_value`,
`advance_counters`), so the counter never hands it out again. A transaction
given many numbers moves each counter once, to the highest of them, before
it draws a number from that counter and as it ends (records.deferred).
"""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import Connection, Engine, Table, bindparam, case
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
    name = counter_key(counter, period(pattern, moment))
    if connection.dialect.name == "postgresql":
        with engine.connect() as own:
            own = own.execution_options(isolation_level="AUTOCOMMIT")
            value = own.execute(statement, {"counter": name}).scalar_one()
    else:
        value = connection.execute(statement, {"counter": name}).scalar_one()
    return render(pattern, moment, value)


def advance_statement(counters: Table, dialect: str):
    """A counter raised to a value (created at it if new), never lowered."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(counters).values(
        name=bindparam("counter"), value=bindparam("value")
    )
    return statement.on_conflict_do_update(
        index_elements=[counters.c.name],
        set_={
            "value": case(
                (counters.c.value < statement.excluded.value, statement.excluded.value),
                else_=counters.c.value,
            )
        },
    )


def parse(pattern: str, number: str) -> tuple[str, int] | None:
    """(period, value) of a number written after `pattern`; None when it
    does not follow the pattern."""
    parts, tokens, position = [], [], 0
    for match in _TOKEN.finditer(pattern):
        parts.append(re.escape(pattern[position : match.start()]))
        token = match.group(1)
        parts.append(r"(\d+)" if token.startswith("#") else rf"(\d{{{len(token)}}})")
        tokens.append(token)
        position = match.end()
    parts.append(re.escape(pattern[position:]))
    found = re.fullmatch("".join(parts), number)
    if found is None:
        return None
    values = dict(zip(tokens, found.groups(), strict=True))
    period_parts = []
    if "YYYY" in values:
        period_parts.append(values["YYYY"])
    elif "YY" in values:
        period_parts.append(f"20{values['YY']}")
    period_parts += [values[token] for token in ("MM", "DD") if token in values]
    counted = [value for token, value in values.items() if token.startswith("#")]
    if not counted:
        return None
    return "-".join(period_parts), int(counted[-1])


def counter_key(counter: str, period_text: str) -> str:
    """The row of `officina_counter` that counts `counter` in a period."""
    return f"{counter}:{period_text}"


def given_value(counter: str, pattern: str, number: str) -> tuple[str, int] | None:
    """(counter row, value) that a number given rather than drawn takes;
    None when it does not follow the pattern (then it cannot clash)."""
    parsed = parse(pattern, number)
    if parsed is None:
        return None
    period_text, value = parsed
    return counter_key(counter, period_text), value


def advance_counters(
    engine: Engine, connection: Connection, statement, values: dict[str, int]
) -> None:
    """Raise each counter row to its value (never lowering one), in one
    statement. On PostgreSQL in a short transaction of its own, as
    `next_number` draws, so no lock on a counter is held while the
    caller's transaction runs."""
    if not values:
        return
    parameters = [
        {"counter": name, "value": value} for name, value in sorted(values.items())
    ]
    if connection.dialect.name == "postgresql":
        with engine.connect() as own:
            own = own.execution_options(isolation_level="AUTOCOMMIT")
            own.execute(statement, parameters)
    else:
        connection.execute(statement, parameters)
