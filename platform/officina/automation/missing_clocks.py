"""State clocks for records that have none: records that were in a state
before its `sla` was declared, that predate the clocks, or that were put in
the database without the records service.

The records service keeps a record's clock from its creation on (see
`sla.trigger`). For the others, `start_missing` — run by the scheduler
(key "sla_clocks": at a worker's first sight of an SLA, then every ten
minutes, before the SLA check) — makes up for it in a few set-based
statements per entity:

* a record in a state with an SLA and no clock gets one, started when the
  record entered that state according to the audit trail (its last entry
  that changed the state field to the current state), else at its last
  update;
* a clock without a due time in a state that now has an SLA (the SLA was
  declared while the record stayed there) gets one, from when it entered;
* a clock whose state no longer has an SLA loses its due time, so it is
  not shown overdue and never breaches.

Clocks that ran out fire their breach at the next SLA check, once, like
any other (`scheduler.check_slas`).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, bindparam, exists, select
from sqlalchemy.dialects import postgresql, sqlite

from officina.automation.sla import due_at
from officina.database import WRITE
from officina.schema.tables import AUDIT, STATE_CLOCKS

BATCH = 500


def start_missing(
    engine, definitions, schema, zone: dt.tzinfo = dt.UTC
) -> dict[str, int]:
    """Start the missing clocks of every workflow entity; how many clocks
    were {"started", "timed", "untimed"}."""
    done = {"started": 0, "timed": 0, "untimed": 0}
    for entity in definitions.entities.values():
        if entity.workflow is None or entity.is_child:
            continue
        slas = {
            name: state.sla
            for name, state in entity.workflow.states.items()
            if state.sla is not None
        }
        with engine.connect() as connection:
            connection = connection.execution_options(**{WRITE: True})
            with connection.begin():
                done["untimed"] += _untime(connection, schema, entity, slas)
            if not slas:
                continue
            with connection.begin():
                done["timed"] += _time(connection, schema, entity, slas, zone)
            done["started"] += _start(connection, schema, entity, slas, zone)
    return done


def _untime(connection, schema, entity, slas) -> int:
    clocks = schema.metadata.tables[STATE_CLOCKS]
    return connection.execute(
        clocks.update()
        .where(
            clocks.c.entity == entity.name,
            clocks.c.breached_at.is_(None),
            clocks.c.due_at.is_not(None),
            clocks.c.state.not_in(list(slas)),
        )
        .values(due_at=None)
    ).rowcount


def _time(connection, schema, entity, slas, zone) -> int:
    clocks = schema.metadata.tables[STATE_CLOCKS]
    rows = connection.execute(
        select(clocks.c.record_id, clocks.c.state, clocks.c.entered_at).where(
            clocks.c.entity == entity.name,
            clocks.c.breached_at.is_(None),
            clocks.c.due_at.is_(None),
            clocks.c.state.in_(list(slas)),
        )
    ).all()
    if not rows:
        return 0
    connection.execute(
        clocks.update()
        .where(
            clocks.c.entity == entity.name,
            clocks.c.record_id == bindparam("clock_record"),
            clocks.c.state == bindparam("clock_state"),
            clocks.c.due_at.is_(None),
        )
        .values(due_at=bindparam("clock_due")),
        [
            {
                "clock_record": record_id,
                "clock_state": state,
                "clock_due": due_at(entered_at, slas[state], zone),
            }
            for record_id, state, entered_at in rows
        ],
    )
    return len(rows)


def _start(connection, schema, entity, slas, zone) -> int:
    """Clocks for the records in SLA states that have none, a batch per
    transaction (records without clocks are rare once this has run)."""
    table = schema.table(entity.name)
    clocks = schema.metadata.tables[STATE_CLOCKS]
    state = table.c[entity.workflow.field]
    missing = (
        select(table.c.id, state, table.c.updated_at, table.c.created_at)
        .where(
            state.in_(list(slas)),
            ~exists().where(
                and_(clocks.c.entity == entity.name, clocks.c.record_id == table.c.id)
            ),
        )
        .order_by(table.c.id)
        .limit(BATCH)
    )
    started, last = 0, 0
    while True:
        with connection.begin():
            rows = connection.execute(missing.where(table.c.id > last)).all()
            if not rows:
                return started
            entered = _entered(connection, schema, entity, rows)
            values = []
            for record_id, current, updated_at, created_at in rows:
                since = entered.get(record_id) or updated_at or created_at
                values.append(
                    {
                        "entity": entity.name,
                        "record_id": record_id,
                        "state": current,
                        "entered_at": since,
                        "due_at": due_at(since, slas[current], zone),
                        "breached_at": None,
                    }
                )
            made = connection.execute(_insert_new(connection, clocks), values)
            started += len(made.all())
            last = rows[-1][0]


def _entered(connection, schema, entity, rows) -> dict:
    """{record id: when its audit trail last shows it entering the state
    it is in now} for the records of `rows` whose trail shows that."""
    audit = schema.metadata.tables[AUDIT]
    field = entity.workflow.field
    current = {record_id: state for record_id, state, *_ in rows}
    found: dict = {}
    entries = connection.execute(
        select(audit.c.record_id, audit.c.changes, audit.c.at)
        .where(audit.c.entity == entity.name, audit.c.record_id.in_(list(current)))
        .order_by(audit.c.id.desc())
    )
    for record_id, changes, at in entries:
        if record_id in found:
            continue
        change = (changes or {}).get(field)
        if isinstance(change, list) and len(change) == 2:
            # The newest change of the state decides: when it led elsewhere,
            # the trail does not tell (the record was moved without it).
            found[record_id] = at if change[1] == current[record_id] else None
    return found


def _insert_new(connection, clocks):
    """An INSERT that leaves alone a clock a concurrent write (or another
    worker) made meanwhile; it returns the clocks it made."""
    module = postgresql if connection.dialect.name == "postgresql" else sqlite
    return (
        module.insert(clocks)
        .on_conflict_do_nothing(index_elements=["entity", "record_id"])
        .returning(clocks.c.record_id)
    )
