"""State clocks: since when each workflow record is in its state, and when
the state's `sla` runs out.

`trigger` is an `after_write` hook of the records service: on create, on
every change of state, and on delete it keeps `officina_state_clock` in
the write's own transaction. The scheduler (key "sla") finds the clocks
that ran out and fires each breach once; the UI shows the time left.

Business days skip Saturdays and Sundays of the site's timezone: a stay
that begins on Friday evening in Shanghai and lasts one business day ends
on Monday evening there, whatever the date in UTC. Times are stored in UTC.

Records that were in a state before its SLA was declared (or before the
clocks existed) get their clock from `officina.automation.missing_clocks`.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import bindparam, select
from sqlalchemy.dialects import postgresql, sqlite

from officina.schema.tables import STATE_CLOCKS


def due_at(
    entered_at: dt.datetime, sla, zone: dt.tzinfo = dt.UTC
) -> dt.datetime | None:
    """When a stay that began at `entered_at` breaches `sla` (a Duration):
    business days are counted on the calendar of `zone`, at the same local
    time of day; the answer is in UTC."""
    if sla is None:
        return None
    if not sla.business_days:
        return entered_at + dt.timedelta(seconds=sla.seconds)
    local = entered_at.astimezone(zone)
    day, left = local.date(), sla.business_days
    while left:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            left -= 1
    return dt.datetime.combine(day, local.time(), zone).astimezone(dt.UTC)


def trigger(definitions, schema):
    """The after_write hook that keeps the state clocks.

    Nothing reads the clocks inside the transaction of a write, so they are
    written with the transaction's deferred writes (see records.deferred):
    the clocks of many records loaded together cost one executemany."""
    table = schema.metadata.tables[STATE_CLOCKS]
    # Built once: a write runs them with its own values.
    forget = table.delete().where(
        (table.c.entity == bindparam("clock_entity"))
        & (table.c.record_id == bindparam("clock_record"))
    )
    starts: dict = {}  # dialect name -> the statement below

    def start(dialect: str):
        """The record's clock set to a new stay: one row per record, so
        one statement (and the next record's joins the same batch)."""
        if dialect not in starts:
            insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
            statement = insert(table)
            starts[dialect] = statement.on_conflict_do_update(
                index_elements=[table.c.entity, table.c.record_id],
                set_={
                    "state": statement.excluded.state,
                    "entered_at": statement.excluded.entered_at,
                    "due_at": statement.excluded.due_at,
                    "breached_at": None,
                },
            )
        return starts[dialect]

    def keep_state_clock(event) -> None:
        entity = definitions.entities.get(event.entity)
        workflow = entity.workflow if entity is not None else None
        if workflow is None:
            return
        connection = event.transaction.connection
        deferred = getattr(event.transaction, "deferred", None)
        execute = connection.execute if deferred is None else deferred.execute
        key = {"clock_entity": event.entity, "clock_record": event.record_id}
        if event.action == "delete":
            execute(forget, key)
            return
        state = (event.new or {}).get(workflow.field)
        before = (event.old or {}).get(workflow.field) if event.old else None
        if event.action != "create" and state == before:
            return
        if state is None:
            execute(forget, key)
            return
        now = getattr(event.transaction, "now", None) or dt.datetime.now(dt.UTC)
        model = workflow.states.get(state)
        zone = event.transaction.service.timezone
        execute(
            start(connection.dialect.name),
            {
                "entity": event.entity,
                "record_id": event.record_id,
                "state": state,
                "entered_at": now,
                "due_at": due_at(now, model.sla if model else None, zone),
                "breached_at": None,
            },
        )

    return keep_state_clock


def has_sla(entity) -> bool:
    """Whether a state of the entity's workflow has an SLA."""
    workflow = getattr(entity, "workflow", None)
    return workflow is not None and any(
        state.sla is not None for state in workflow.states.values()
    )


def install(hooks, definitions, schema):
    hooks.after_write.append(trigger(definitions, schema))
    return hooks


def _describe(row, now: dt.datetime) -> dict:
    left = (row.due_at - now).total_seconds() if row.due_at else None
    return {
        "state": row.state,
        "entered_at": row.entered_at,
        "due_at": row.due_at,
        "breached_at": row.breached_at,
        "seconds_left": left,
        # The moment the scheduler fires the breach (due_at <= now).
        "overdue": left is not None and left <= 0,
    }


def time_left_many(runtime, entity: str, record_ids, now=None) -> dict:
    """{record id: clock} for the records of `entity` whose state has an SLA."""
    ids = [record_id for record_id in record_ids if record_id is not None]
    if not ids:
        return {}
    now = now or runtime.records.clock()
    table = runtime.schema.metadata.tables[STATE_CLOCKS]
    with runtime.engine.connect() as connection:
        rows = connection.execute(
            select(table).where(
                table.c.entity == entity,
                table.c.record_id.in_(ids),
                table.c.due_at.is_not(None),
            )
        ).all()
    return {row.record_id: _describe(row, now) for row in rows}


def time_left(runtime, entity: str, record_id, now=None) -> dict | None:
    """The clock of one record (None when its state has no SLA): its state,
    entered_at, due_at, breached_at, seconds_left (negative when overdue)."""
    return time_left_many(runtime, entity, [record_id], now).get(record_id)


def humanize(seconds: float) -> str:
    """`2d 3h`, `45m`, `30s`: a span for people, at most two parts."""
    seconds = int(abs(seconds))
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    if not parts:
        parts.append(f"{seconds}s")
    return " ".join(parts[:2])
