"""The site's timezone (`timezone:` in site.yaml): cron schedules fire at
its local times, business-day SLAs skip its weekends, today() is its date,
and now()/today() inside a write follow the records service's clock."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from sqlalchemy import select

from officina.automation.scheduler import Scheduler
from officina.automation.sla import due_at
from officina.cli import main
from officina.definitions.model import Duration, Filter
from officina.errors import DefinitionErrors
from officina.runtime import Runtime
from officina.schema.tables import SCHEDULES, STATE_CLOCKS
from officina.site import Site
from pack_files import make_site

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")
# Friday 20:00 UTC is already Saturday 04:00 in Shanghai.
FRIDAY_EVENING = dt.datetime(2025, 3, 7, 20, 0, tzinfo=dt.UTC)
ONE_DAY = Duration("1 business day", 86400, business_days=1)

DESK = """\
entity: ticket
title_field: subject
fields:
  subject: {type: string, required: true}
  opened_on: {type: date, default: '=today()'}
  opened_at: {type: datetime, default: '=now()'}
  closed_on: date
  pings: {type: integer, default: 0}
workflow:
  initial: open
  states:
    open: {sla: 1 business day}
    closed: {final: true}
  transitions:
    close: {from: open, to: closed, set: {closed_on: '=today()'}}
rules:
  morning_ping:
    on: {schedule: '0 9 * * *'}
    when: "status == 'open'"
    do:
      - set: {pings: '=pings + 1'}
"""


def set_timezone(site, name: str) -> None:
    path = site / "site.yaml"
    text = path.read_text("utf-8")
    assert "timezone: UTC" in text  # officina init writes the default
    path.write_text(text.replace("timezone: UTC", f"timezone: {name}"), "utf-8")


@pytest.fixture
def desk(runner, tmp_path, database_url):
    return make_site(runner, tmp_path / "desk", database_url, DESK, file="desk.yaml")


@pytest.fixture
def shanghai(desk):
    set_timezone(desk, "Asia/Shanghai")
    runtime = Runtime.open(desk)
    yield runtime
    runtime.close()


@pytest.fixture
def utc(desk):
    runtime = Runtime.open(desk)
    yield runtime
    runtime.close()


def at(runtime, moment):
    runtime.records.clock = lambda: moment


# -- site.yaml ------------------------------------------------------------


def test_the_timezone_is_utc_unless_site_yaml_names_one(desk):
    assert Site.load(desk).zone == dt.UTC
    set_timezone(desk, "Asia/Shanghai")
    site = Site.load(desk)
    assert (site.timezone, site.zone) == ("Asia/Shanghai", SHANGHAI)


@pytest.mark.parametrize(
    ("written", "hint"),
    [
        ("Asia/Shangai", "did you mean 'Asia/Shanghai'?"),
        ("shanghai", "did you mean 'Asia/Shanghai'?"),
        ("Beijing", "did you mean 'Asia/Shanghai'?"),
        ("Europe/Berln", "did you mean 'Europe/Berlin'?"),
        ("Mars/Olympus_Mons", "e.g. Asia/Shanghai, Europe/Berlin"),
    ],
)
def test_an_unknown_timezone_is_refused_with_its_place_and_a_hint(
    desk, runner, written, hint
):
    set_timezone(desk, written)
    with pytest.raises(DefinitionErrors) as refused:
        Site.load(desk)
    line = next(
        number
        for number, text in enumerate(
            (desk / "site.yaml").read_text("utf-8").splitlines(), 1
        )
        if text.startswith("timezone:")
    )
    message = str(refused.value)
    assert f"site.yaml:{line}:11: '{written}' is not a timezone." in message
    assert hint in message
    result = runner.invoke(main, ["validate", "--site", str(desk)])
    assert result.exit_code == 1
    assert "is not a timezone" in result.output and "Traceback" not in result.output


# -- cron ------------------------------------------------------------------


def schedule_row(runtime, key):
    table = runtime.schema.metadata.tables[SCHEDULES]
    with runtime.engine.connect() as connection:
        return (
            connection.execute(select(table).where(table.c.key == key)).mappings().one()
        )


def test_nine_every_morning_in_shanghai_is_one_in_the_morning_utc(shanghai):
    at(shanghai, dt.datetime(2025, 3, 2, 12, 0, tzinfo=dt.UTC))
    ticket = shanghai.records.create("ticket", {"subject": "Printer"})
    scheduler = Scheduler(shanghai)
    key = "rule:morning_ping"
    midnight = dt.datetime(2025, 3, 3, 0, 0, tzinfo=dt.UTC)  # 08:00 in Shanghai
    assert key not in scheduler.run_due(midnight)
    assert schedule_row(shanghai, key)["next_run_at"] == midnight.replace(hour=1)
    assert key not in scheduler.run_due(midnight.replace(minute=59))
    assert key in scheduler.run_due(midnight.replace(hour=1))
    assert shanghai.records.get("ticket", ticket["id"])["pings"] == 1
    following = schedule_row(shanghai, key)["next_run_at"]
    assert following == dt.datetime(2025, 3, 4, 1, 0, tzinfo=dt.UTC)


def test_the_same_cron_line_on_a_utc_site_runs_at_nine_utc(utc):
    scheduler = Scheduler(utc)
    midnight = dt.datetime(2025, 3, 3, 0, 0, tzinfo=dt.UTC)
    scheduler.run_due(midnight)
    assert schedule_row(utc, "rule:morning_ping")["next_run_at"] == midnight.replace(
        hour=9
    )


# -- business days ----------------------------------------------------------


def test_business_days_are_counted_on_the_sites_calendar():
    # Saturday 04:00 in Shanghai: one business day is Monday 04:00 there,
    # which is Sunday 20:00 UTC; counted in UTC it would be Monday 20:00.
    assert due_at(FRIDAY_EVENING, ONE_DAY, SHANGHAI) == dt.datetime(
        2025, 3, 9, 20, 0, tzinfo=dt.UTC
    )
    assert due_at(FRIDAY_EVENING, ONE_DAY) == dt.datetime(
        2025, 3, 10, 20, 0, tzinfo=dt.UTC
    )
    # Thursday 17:00 UTC is Friday 01:00 in Shanghai: due Monday 01:00 there.
    thursday = dt.datetime(2025, 3, 6, 17, 0, tzinfo=dt.UTC)
    assert due_at(thursday, ONE_DAY, SHANGHAI) == dt.datetime(
        2025, 3, 9, 17, 0, tzinfo=dt.UTC
    )


def test_a_ticket_opened_on_a_shanghai_saturday_is_due_on_monday_there(shanghai):
    at(shanghai, FRIDAY_EVENING)
    ticket = shanghai.records.create("ticket", {"subject": "Weekend"})
    table = shanghai.schema.metadata.tables[STATE_CLOCKS]
    with shanghai.engine.connect() as connection:
        clock = connection.execute(
            select(table.c.entered_at, table.c.due_at).where(
                table.c.record_id == ticket["id"]
            )
        ).one()
    assert clock.entered_at == FRIDAY_EVENING
    assert clock.due_at == dt.datetime(2025, 3, 9, 20, 0, tzinfo=dt.UTC)
    assert clock.due_at.astimezone(SHANGHAI).strftime("%a %H:%M") == "Mon 04:00"


# -- today() and now() -------------------------------------------------------


def test_today_and_now_in_a_write_are_the_writes_time_and_the_sites_date(
    shanghai,
):
    at(shanghai, FRIDAY_EVENING)
    ticket = shanghai.records.create("ticket", {"subject": "Late call"})
    assert ticket["opened_at"] == FRIDAY_EVENING
    assert ticket["opened_on"] == dt.date(2025, 3, 8)  # Saturday in Shanghai
    later = dt.datetime(2025, 4, 1, 15, 30, tzinfo=dt.UTC)  # 23:30 there
    at(shanghai, later)
    closed = shanghai.records.transition("ticket", ticket["id"], "close")
    assert closed["closed_on"] == dt.date(2025, 4, 1)
    at(shanghai, later + dt.timedelta(hours=1))  # past midnight in Shanghai
    again = shanghai.records.create("ticket", {"subject": "After midnight"})
    assert again["opened_on"] == dt.date(2025, 4, 2)


def test_on_a_utc_site_today_is_the_utc_date(utc):
    at(utc, FRIDAY_EVENING)
    ticket = utc.records.create("ticket", {"subject": "Late call"})
    assert (ticket["opened_on"], ticket["opened_at"]) == (
        dt.date(2025, 3, 7),
        FRIDAY_EVENING,
    )


def test_a_today_filter_means_the_sites_day(shanghai):
    at(shanghai, dt.datetime(2025, 3, 7, 15, 0, tzinfo=dt.UTC))  # 23:00 Friday
    friday = shanghai.records.create("ticket", {"subject": "Friday"})
    at(shanghai, FRIDAY_EVENING)  # 04:00 Saturday there
    saturday = shanghai.records.create("ticket", {"subject": "Saturday"})
    today = [Filter(("created_at",), "within", "today")]
    found = shanghai.records.list("ticket", filters=today).records
    assert [record["id"] for record in found] == [saturday["id"]]
    at(shanghai, dt.datetime(2025, 3, 7, 16, 30, tzinfo=dt.UTC))  # 00:30 Saturday
    found = shanghai.records.list("ticket", filters=today).records
    assert [record["id"] for record in found] == [saturday["id"]]
    yesterday = [Filter(("created_at",), "within", "yesterday")]
    found = shanghai.records.list("ticket", filters=yesterday).records
    assert [record["id"] for record in found] == [friday["id"]]
