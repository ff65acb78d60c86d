"""Records that were in a state before its SLA was declared — or before
state clocks existed, or put into the table without the records service —
get a clock started when they entered the state (by the audit trail, else
their last update), and their breach fires exactly once."""

from __future__ import annotations

import datetime as dt

import pytest
from outbox_helpers import T0
from sqlalchemy import delete, select

from officina.automation.scheduler import CLOCKS_KEY, SLA_KEY, Scheduler
from officina.cli import main
from officina.runtime import Runtime
from officina.schema.tables import NOTIFICATIONS, STATE_CLOCKS
from pack_files import make_site

HOUR = dt.timedelta(hours=1)
MINUTE = dt.timedelta(minutes=1)

BEFORE = """\
entity: ticket
title_field: subject
fields:
  subject: {type: string, required: true}
workflow:
  initial: new
  states:
    new:
    open:
    closed: {final: true}
  transitions:
    start: {from: new, to: open}
    close: {from: [new, open], to: closed}
---
role: agent
permissions:
  ticket: {read: true}
"""

# The same, with an SLA on `open` declared afterwards.
AFTER = BEFORE.replace(
    "    open:\n",
    "    open:\n"
    "      sla: 2h\n"
    "      on_breach:\n"
    "        - notify: {roles: [agent], message: 'Ticket {{ id }} is overdue'}\n",
)


@pytest.fixture
def site(runner, tmp_path, database_url):
    return make_site(runner, tmp_path / "desk", database_url, BEFORE, file="desk.yaml")


def at(runtime, moment):
    runtime.records.clock = lambda: moment


def clocks(runtime) -> dict:
    table = runtime.schema.metadata.tables[STATE_CLOCKS]
    with runtime.engine.connect() as connection:
        rows = connection.execute(select(table)).mappings()
        return {row["record_id"]: dict(row) for row in rows}


def overdue_messages(runtime) -> list[str]:
    table = runtime.schema.metadata.tables[NOTIFICATIONS]
    with runtime.engine.connect() as connection:
        return list(
            connection.execute(select(table.c.message).order_by(table.c.id)).scalars()
        )


def declare_the_sla(site, runner) -> Runtime:
    (site / "definitions" / "desk.yaml").write_text(AFTER, "utf-8")
    result = runner.invoke(main, ["migrate", "--site", str(site)])
    assert result.exit_code == 0, result.output
    return Runtime.open(site)


def test_records_waiting_before_the_sla_get_clocks_and_breach_once(site, runner):
    before = Runtime.open(site)
    try:
        records = before.records
        at(before, T0)
        waited = records.create("ticket", {"subject": "Opened, clock kept"})["id"]
        fresh = records.create("ticket", {"subject": "Still new"})["id"]
        at(before, T0 + HOUR)
        records.transition("ticket", waited, "start")
        at(before, T0 + 2 * HOUR)
        old = records.create("ticket", {"subject": "Opened before clocks"})["id"]
        at(before, T0 + 3 * HOUR)
        records.transition("ticket", old, "start")
        table = before.schema.metadata.tables[STATE_CLOCKS]
        ticket = before.schema.table("ticket")
        with before.engine.begin() as connection:
            # as if it predated the clocks
            connection.execute(delete(table).where(table.c.record_id == old))
            # put in by a database import: no audit trail, no clock
            imported = connection.execute(
                ticket.insert()
                .values(
                    subject="Imported",
                    status="open",
                    created_at=T0 - 24 * HOUR,
                    updated_at=T0 + 4 * HOUR,
                    version=1,
                )
                .returning(ticket.c.id)
            ).scalar_one()
        assert clocks(before)[waited]["due_at"] is None  # no SLA yet
    finally:
        before.close()

    runtime = declare_the_sla(site, runner)
    try:
        scheduler = Scheduler(runtime)
        now = T0 + 5 * HOUR
        assert scheduler.run_due(now) == [CLOCKS_KEY, SLA_KEY]
        found = clocks(runtime)
        assert (found[waited]["entered_at"], found[waited]["due_at"]) == (
            T0 + HOUR,
            T0 + 3 * HOUR,
        )
        # the audit trail says when it entered `open`
        assert (found[old]["entered_at"], found[old]["due_at"]) == (
            T0 + 3 * HOUR,
            T0 + 5 * HOUR,
        )
        # no trail: its last update
        assert found[imported]["entered_at"] == T0 + 4 * HOUR
        assert found[fresh]["due_at"] is None  # `new` has no SLA
        assert overdue_messages(runtime) == [  # by due time
            f"Ticket {waited} is overdue",
            f"Ticket {old} is overdue",
        ]
        assert found[old]["breached_at"] == found[waited]["breached_at"] == now
        assert found[imported]["breached_at"] is None

        scheduler.run_due(now + MINUTE)  # nothing new is due
        assert len(overdue_messages(runtime)) == 2
        later = T0 + 6 * HOUR + MINUTE
        scheduler.run_due(later)
        scheduler.run_due(later + 11 * MINUTE)  # missing clocks looked for again
        scheduler.run_due(later + 12 * MINUTE)
        assert overdue_messages(runtime)[2:] == [f"Ticket {imported} is overdue"]
    finally:
        runtime.close()


def test_a_state_that_loses_its_sla_loses_its_due_times(site, runner):
    runtime = declare_the_sla(site, runner)
    try:
        at(runtime, T0)
        ticket = runtime.records.create("ticket", {"subject": "Printer"})["id"]
        runtime.records.transition("ticket", ticket, "start")
        assert clocks(runtime)[ticket]["due_at"] == T0 + 2 * HOUR
    finally:
        runtime.close()
    # The SLA moves from `open` to `new` (so the SLA check still runs).
    (site / "definitions" / "desk.yaml").write_text(
        BEFORE.replace("    new:\n", "    new: {sla: 1d}\n"), "utf-8"
    )
    runtime = Runtime.open(site)
    try:
        Scheduler(runtime).run_due(T0 + 3 * HOUR)
        assert clocks(runtime)[ticket]["due_at"] is None  # not shown overdue
        assert overdue_messages(runtime) == []
    finally:
        runtime.close()


def test_new_clocks_are_not_made_twice_by_two_schedulers(site, runner):
    before = Runtime.open(site)
    try:
        at(before, T0)
        made = before.records.create("ticket", {"subject": "Printer"})["id"]
        before.records.transition("ticket", made, "start")
        table = before.schema.metadata.tables[STATE_CLOCKS]
        with before.engine.begin() as connection:
            connection.execute(delete(table))
    finally:
        before.close()
    runtime = declare_the_sla(site, runner)
    try:
        first, second = Scheduler(runtime), Scheduler(runtime)
        assert first.start_clocks().startswith("1 clock(s) started")
        assert second.start_clocks().startswith("0 clock(s) started")
        assert list(clocks(runtime)) == [made]
    finally:
        runtime.close()
