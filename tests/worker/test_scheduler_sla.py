"""The scheduler (each due run once, however many workers) and SLA state
clocks (kept through transitions, each breach fired once)."""

from __future__ import annotations

import datetime as dt
import threading

from outbox_helpers import T0
from sqlalchemy import select

from officina.automation.scheduler import SLA_KEY, Scheduler
from officina.automation.sla import due_at, humanize, time_left, time_left_many
from officina.definitions.model import Duration
from officina.schema.tables import SCHEDULES, STATE_CLOCKS

HOUR = dt.timedelta(hours=1)


class FakeAutomation:
    """Stands in for the rules engine: records what it was asked to run."""

    def __init__(self):
        self.scheduled, self.breaches = [], []
        self.lock = threading.Lock()

    def run_scheduled(self, runtime, rule_name, now):
        with self.lock:
            self.scheduled.append((rule_name, now))

    def run_breach(self, runtime, entity, record_id, state, now):
        with self.lock:
            self.breaches.append((entity, record_id, state, now))


def at(runtime, moment):
    runtime.records.clock = lambda: moment


def clock(runtime, record_id):
    table = runtime.schema.metadata.tables[STATE_CLOCKS]
    with runtime.engine.connect() as connection:
        row = connection.execute(
            select(table).where(table.c.record_id == record_id)
        ).mappings()
        found = row.first()
        return dict(found) if found else None


def schedule(runtime, key):
    table = runtime.schema.metadata.tables[SCHEDULES]
    with runtime.engine.connect() as connection:
        return dict(
            connection.execute(select(table).where(table.c.key == key)).mappings().one()
        )


def race(*calls):
    """Run the calls in threads released together; their results."""
    start = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        start.wait()
        results[index] = call()

    threads = [
        threading.Thread(target=run, args=(index, call))
        for index, call in enumerate(calls)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


# -- state clocks ---------------------------------------------------------


def test_business_days_skip_the_weekend():
    two = Duration("2 business days", 2 * 86400, business_days=2)
    friday = dt.datetime(2025, 3, 7, 15, 0, tzinfo=dt.UTC)
    assert due_at(friday, two) == dt.datetime(2025, 3, 11, 15, 0, tzinfo=dt.UTC)
    saturday = dt.datetime(2025, 3, 8, 10, 0, tzinfo=dt.UTC)
    one = Duration("1 business day", 86400, business_days=1)
    assert due_at(saturday, one) == dt.datetime(2025, 3, 10, 10, 0, tzinfo=dt.UTC)
    assert due_at(friday, Duration("24h", 86400)) == friday + dt.timedelta(days=1)
    assert due_at(friday, None) is None


def test_the_state_clock_follows_the_record_through_its_transitions(opened):
    records = opened.records
    at(opened, T0)
    ticket = records.create("ticket", {"subject": "Printer"})
    first = clock(opened, ticket["id"])
    assert (first["state"], first["entered_at"], first["due_at"]) == (
        "open",
        T0,
        T0 + 2 * HOUR,
    )
    at(opened, T0 + HOUR)
    records.update("ticket", ticket["id"], {"answer": "Looking"})
    assert clock(opened, ticket["id"]) == first  # same state: same stay
    records.transition("ticket", ticket["id"], "wait")
    waiting = clock(opened, ticket["id"])
    assert waiting["state"] == "waiting"
    assert waiting["entered_at"] == T0 + HOUR
    assert waiting["due_at"] == T0 + HOUR + dt.timedelta(days=2)  # Mon -> Wed
    at(opened, T0 + 3 * HOUR)
    records.transition("ticket", ticket["id"], "close")
    closed = clock(opened, ticket["id"])
    assert (closed["state"], closed["due_at"]) == ("closed", None)
    assert time_left(opened, "ticket", ticket["id"]) is None  # no SLA there
    records.delete("ticket", ticket["id"])
    assert clock(opened, ticket["id"]) is None


def test_a_rolled_back_transition_keeps_the_clock(opened):
    at(opened, T0)
    ticket = opened.records.create("ticket", {"subject": "Printer"})
    before = clock(opened, ticket["id"])
    try:
        with opened.records.transaction() as transaction:
            transaction.transition("ticket", ticket["id"], "wait")
            raise RuntimeError("fails later")
    except RuntimeError:
        pass
    assert clock(opened, ticket["id"]) == before


def test_time_left_and_overdue(opened):
    at(opened, T0)
    one = opened.records.create("ticket", {"subject": "One"})
    two = opened.records.create("ticket", {"subject": "Two"})
    info = time_left(opened, "ticket", one["id"], now=T0 + dt.timedelta(minutes=30))
    assert info["seconds_left"] == 90 * 60 and not info["overdue"]
    many = time_left_many(opened, "ticket", [one["id"], two["id"]], now=T0 + 3 * HOUR)
    assert set(many) == {one["id"], two["id"]}
    assert many[two["id"]]["overdue"] and many[two["id"]]["seconds_left"] == -3600
    assert humanize(-3600) == "1h" and humanize(93784) == "1d 2h"
    assert humanize(45) == "45s"


# -- SLA breaches ---------------------------------------------------------


def test_an_sla_breach_fires_exactly_once(opened):
    automation = FakeAutomation()
    at(opened, T0)
    ticket = opened.records.create("ticket", {"subject": "Printer"})
    scheduler = Scheduler(opened, automation)
    assert SLA_KEY in scheduler.run_due(T0 + HOUR)  # first sight: checks at once
    assert automation.breaches == []
    late = T0 + 2 * HOUR + dt.timedelta(minutes=1)
    assert SLA_KEY in scheduler.run_due(late)
    assert automation.breaches == [("ticket", ticket["id"], "open", late)]
    assert clock(opened, ticket["id"])["breached_at"] == late
    assert schedule(opened, SLA_KEY)["last_outcome"] == "1 breach(es) fired"
    scheduler.run_due(late + dt.timedelta(minutes=1))
    scheduler.run_due(late + dt.timedelta(minutes=5))
    assert len(automation.breaches) == 1
    # a new stay in a state with an SLA can breach again
    at(opened, late)
    opened.records.transition("ticket", ticket["id"], "wait")
    opened.records.transition("ticket", ticket["id"], "reopen")
    scheduler.run_due(late + 3 * HOUR)
    assert len(automation.breaches) == 2


def test_two_schedulers_racing_fire_each_breach_once(opened):
    automation = FakeAutomation()
    at(opened, T0)
    made = [opened.records.create("ticket", {"subject": f"T{n}"}) for n in range(10)]
    late = T0 + 3 * HOUR
    results = race(
        lambda: Scheduler(opened, automation).check_slas(late),
        lambda: Scheduler(opened, automation).check_slas(late),
    )
    assert sorted(b[1] for b in automation.breaches) == sorted(t["id"] for t in made)
    assert len(results) == 2


# -- schedules ------------------------------------------------------------


def test_a_due_interval_rule_runs_once_with_two_schedulers(opened):
    automation = FakeAutomation()
    one, two = Scheduler(opened, automation), Scheduler(opened, automation)
    assert "rule:switched_off" not in one.entries  # disabled rules never run
    one.run_due(T0)  # first sight: the hourly rule is due an hour later
    assert automation.scheduled == []
    assert schedule(opened, "rule:hourly_ping")["next_run_at"] == T0 + HOUR
    # both read the schedule, then both try to run it: one wins
    seen_one, seen_two = one.due(T0 + HOUR), two.due(T0 + HOUR)
    assert ("rule:hourly_ping", T0 + HOUR) in seen_one and seen_one == seen_two
    assert "rule:hourly_ping" in one.run(seen_one, T0 + HOUR)
    assert "rule:hourly_ping" not in two.run(seen_two, T0 + HOUR)
    assert automation.scheduled == [("hourly_ping", T0 + HOUR)]
    row = schedule(opened, "rule:hourly_ping")
    assert (row["next_run_at"], row["last_outcome"]) == (T0 + 2 * HOUR, "done")
    # and in threads
    later = T0 + 2 * HOUR
    race(lambda: one.run_due(later), lambda: two.run_due(later))
    assert automation.scheduled.count(("hourly_ping", later)) == 1


def test_cron_schedules_are_in_utc_and_missed_runs_happen_once(opened):
    automation = FakeAutomation()
    scheduler = Scheduler(opened, automation)
    friday = dt.datetime(2025, 3, 7, 9, 0, tzinfo=dt.UTC)
    monday_8 = dt.datetime(2025, 3, 10, 8, 0, tzinfo=dt.UTC)
    assert scheduler.next_after("rule:weekday_morning", friday) == monday_8
    scheduler.run_due(friday)
    assert schedule(opened, "rule:weekday_morning")["next_run_at"] == monday_8
    # the worker was away for days: the rule runs once, then on schedule
    away = dt.datetime(2025, 3, 12, 12, 0, tzinfo=dt.UTC)
    scheduler.run_due(away)
    assert automation.scheduled.count(("weekday_morning", away)) == 1
    assert schedule(opened, "rule:weekday_morning")["next_run_at"] == dt.datetime(
        2025, 3, 13, 8, 0, tzinfo=dt.UTC
    )


def test_without_the_rules_engine_the_outcome_says_so(opened):
    scheduler = Scheduler(opened)
    scheduler.automation = None
    if getattr(opened, "automation", None) is not None:
        return  # the engine is there: nothing to say
    scheduler.run_due(T0)
    scheduler.run_due(T0 + HOUR)
    outcome = schedule(opened, "rule:hourly_ping")["last_outcome"]
    assert "rules engine is not set up" in outcome
