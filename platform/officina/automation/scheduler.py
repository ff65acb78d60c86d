"""The scheduler: runs cron and interval rules, and the SLA check, once per
due time however many workers run it.

Each scheduled thing has a row in `officina_schedule` (made on first
sight) with its next run. A worker runs a due one only if it moves
`next_run_at` from the value it read to the next one
(`UPDATE ... WHERE key = :key AND next_run_at = :seen`): of several
workers, exactly one wins. Runs missed while no worker ran are not
repeated: one run, then the next time after now.

Cron schedules fire at the times of the site's timezone (`timezone:` in
site.yaml): '0 9 * * *' in Asia/Shanghai is due at 01:00 UTC. Times are
stored in UTC.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import exc, select

from officina.automation.missing_clocks import start_missing
from officina.automation.sla import has_sla
from officina.database import WRITE
from officina.schema.tables import SCHEDULES, STATE_CLOCKS

log = logging.getLogger("officina.worker")

SLA_KEY = "sla"
SLA_INTERVAL = dt.timedelta(minutes=1)
# Clocks for records without one (see missing_clocks): rarely any, so looked
# for less often than the SLA check, and before it when both are due.
CLOCKS_KEY = "sla_clocks"
CLOCKS_INTERVAL = dt.timedelta(minutes=10)
MAX_OUTCOME = 2000


class SchedulerError(Exception):
    pass


def _automation(runtime, given=None):
    automation = given or getattr(runtime, "automation", None)
    if automation is None:
        raise SchedulerError(
            "the rules engine is not set up on this runtime (runtime.automation), "
            "so scheduled rules and SLA breach actions cannot run"
        )
    return automation


class Scheduler:
    def __init__(self, runtime, automation=None):
        self.runtime = runtime
        self.automation = automation  # else runtime.automation
        self.table = runtime.schema.metadata.tables[SCHEDULES]
        self.clocks = runtime.schema.metadata.tables[STATE_CLOCKS]
        self.zone = runtime.records.timezone
        self.entries = self._entries()

    def _entries(self) -> dict:
        """{key: rule, or None for the SLA check and the missing clocks}."""
        entries = {}
        for rule in self.runtime.definitions.rules:
            if rule.enabled and rule.trigger.kind in ("schedule", "every"):
                entries[f"rule:{rule.name}"] = rule
        if any(map(has_sla, self.runtime.definitions.entities.values())):
            entries[CLOCKS_KEY] = None
            entries[SLA_KEY] = None
        return entries

    def next_after(self, key: str, moment: dt.datetime) -> dt.datetime:
        rule = self.entries[key]
        if key == CLOCKS_KEY:
            return moment + CLOCKS_INTERVAL
        if rule is None:
            return moment + SLA_INTERVAL
        if rule.trigger.kind == "every":
            return moment + dt.timedelta(seconds=max(rule.trigger.every.seconds, 1))
        from croniter import croniter

        # croniter walks the local calendar of an aware start (DST included).
        start = moment.astimezone(self.zone)
        following = croniter(rule.trigger.schedule, start).get_next(dt.datetime)
        return following.astimezone(dt.UTC)

    def _connection(self):
        return self.runtime.engine.connect().execution_options(**{WRITE: True})

    # -- which are due ----------------------------------------------------
    def due(self, now: dt.datetime) -> list[tuple[str, dt.datetime]]:
        """(key, next_run_at as read) of each entry due at `now`; rows are
        made for entries seen the first time (an interval rule first runs
        one interval later, the SLA check and the missing clocks at once).
        The missing clocks come first, so that their breaches fire in the
        same pass."""
        with self.runtime.engine.connect() as connection:
            known = {
                key: seen
                for key, seen in connection.execute(
                    select(self.table.c.key, self.table.c.next_run_at)
                )
            }
        for key in self.entries.keys() - known.keys():
            first = now if self.entries[key] is None else self.next_after(key, now)
            try:
                with self._connection() as connection, connection.begin():
                    connection.execute(
                        self.table.insert().values(key=key, next_run_at=first)
                    )
                known[key] = first
            except exc.IntegrityError:  # another worker made it first
                with self.runtime.engine.connect() as connection:
                    known[key] = connection.execute(
                        select(self.table.c.next_run_at).where(self.table.c.key == key)
                    ).scalar_one()
        return sorted(
            (
                (key, seen)
                for key, seen in known.items()
                if key in self.entries and seen <= now
            ),
            key=lambda item: (item[0] != CLOCKS_KEY, item[0]),
        )

    def claim(self, key: str, seen: dt.datetime, now: dt.datetime) -> bool:
        """Move the entry's next run on; True for the one worker that did."""
        table = self.table
        with self._connection() as connection, connection.begin():
            return bool(
                connection.execute(
                    table.update()
                    .where(table.c.key == key, table.c.next_run_at == seen)
                    .values(next_run_at=self.next_after(key, now), last_run_at=now)
                ).rowcount
            )

    # -- running ----------------------------------------------------------
    def run_due(self, now: dt.datetime | None = None) -> list[str]:
        """Run what is due at `now`; the keys this scheduler ran."""
        now = now or dt.datetime.now(dt.UTC)
        return self.run(self.due(now), now)

    def run(self, due, now: dt.datetime) -> list[str]:
        ran = []
        for key, seen in due:
            if not self.claim(key, seen, now):
                continue
            ran.append(key)
            try:
                if key == CLOCKS_KEY:
                    outcome = self.start_clocks()
                elif self.entries[key] is None:
                    outcome = self.check_slas(now)
                else:
                    name = self.entries[key].name
                    automation = _automation(self.runtime, self.automation)
                    acted = automation.run_scheduled(self.runtime, name, now)
                    outcome = "done" if acted is None else f"done: {acted} record(s)"
                log.info("schedule %s: %s", key, outcome)
            except Exception as error:  # one failing schedule stops no other
                outcome = f"failed: {type(error).__name__}: {error}"[:MAX_OUTCOME]
                log.error("schedule %s: %s", key, outcome)
            with self._connection() as connection, connection.begin():
                connection.execute(
                    self.table.update()
                    .where(self.table.c.key == key)
                    .values(last_outcome=outcome)
                )
        return ran

    def start_clocks(self) -> str:
        """Clocks for the records in SLA states that have none."""
        runtime = self.runtime
        done = start_missing(
            runtime.engine, runtime.definitions, runtime.schema, self.zone
        )
        return (
            f"{done['started']} clock(s) started, {done['timed']} given a due "
            f"time, {done['untimed']} without SLA now"
        )

    def check_slas(self, now: dt.datetime) -> str:
        """Fire each ran-out state clock's breach, exactly once."""
        automation = _automation(self.runtime, self.automation)
        clocks = self.clocks
        with self.runtime.engine.connect() as connection:
            overdue = connection.execute(
                select(clocks.c.entity, clocks.c.record_id, clocks.c.state)
                .where(clocks.c.breached_at.is_(None), clocks.c.due_at <= now)
                .order_by(clocks.c.due_at)
            ).all()
        fired, failed = 0, 0
        for entity, record_id, state in overdue:
            with self._connection() as connection, connection.begin():
                won = connection.execute(
                    clocks.update()
                    .where(
                        clocks.c.entity == entity,
                        clocks.c.record_id == record_id,
                        clocks.c.state == state,
                        clocks.c.breached_at.is_(None),
                    )
                    .values(breached_at=now)
                ).rowcount
            if not won:
                continue
            try:
                automation.run_breach(self.runtime, entity, record_id, state, now)
                fired += 1
            except Exception as error:  # noted; the other breaches still fire
                failed += 1
                log.error(
                    "SLA breach of %s %s in %s: %s: %s",
                    entity,
                    record_id,
                    state,
                    type(error).__name__,
                    error,
                )
        return f"{fired} breach(es) fired" + (f", {failed} failed" if failed else "")
