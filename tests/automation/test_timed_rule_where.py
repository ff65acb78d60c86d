"""`where:` of a `schedule` or `every` rule chooses the records it visits in
the database; `when` is then checked on each of them."""

from __future__ import annotations

import datetime as dt

import pytest

from officina.app import create_app
from officina.auth import add_user
from officina.runtime import Runtime
from pack_files import make_site

INVOICES = """\
entity: invoice
fields:
  reference: {type: string, required: true}
  status: {type: choice, options: [open, paid], default: open}
  due_on: date
  reminders: {type: integer, default: 0}
rules:
  remind:
    on: {every: 1h}
    where:
      status: open
      due_on: {lt: "=today()"}
    when: "reminders < 2"
    do:
      - set: {reminders: "=reminders + 1"}
  count_all:
    on: {schedule: "0 * * * *"}
    when: "status == 'paid'"
    do:
      - set: {reminders: "=reminders + 10"}
"""
NOW = dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC)
PASSWORD = "correct horse battery"


@pytest.fixture
def runtime(runner, tmp_path, database_url):
    opened = Runtime.open(make_site(runner, tmp_path / "site", database_url, INVOICES))
    yield opened
    opened.close()


def reminders(runtime) -> dict[str, int]:
    page = runtime.records.list("invoice", limit=100)
    return {record["reference"]: record["reminders"] for record in page.records}


def test_only_the_records_where_chooses_are_visited(runtime):
    create = runtime.records.create
    create("invoice", {"reference": "overdue", "due_on": dt.date(2026, 3, 1)})
    create("invoice", {"reference": "due_later", "due_on": dt.date(2026, 3, 20)})
    create(
        "invoice",
        {"reference": "paid", "status": "paid", "due_on": dt.date(2026, 3, 1)},
    )
    automation = runtime.automation
    assert automation.run_scheduled(runtime, "remind", NOW) == 1
    assert automation.run_scheduled(runtime, "remind", NOW) == 1
    assert automation.run_scheduled(runtime, "remind", NOW) == 0  # `when` stops it
    assert reminders(runtime) == {"overdue": 2, "due_later": 0, "paid": 0}
    # today() in `where` is the day the scheduler runs the rule.
    later = NOW + dt.timedelta(days=11)
    assert automation.run_scheduled(runtime, "remind", later) == 1
    assert reminders(runtime) == {"overdue": 2, "due_later": 1, "paid": 0}
    # A timed rule without `where` visits every record, as before.
    assert automation.run_scheduled(runtime, "count_all", later) == 1
    assert reminders(runtime)["paid"] == 10


def test_a_rule_test_run_counts_only_the_records_where_chooses(runtime):
    create = runtime.records.create
    create("invoice", {"reference": "overdue", "due_on": dt.date(2020, 1, 1)})
    create("invoice", {"reference": "paid", "status": "paid"})
    replayed = runtime.automation.replay(runtime, "remind", since=NOW)
    assert replayed["changes"] == 1
    assert len(replayed["fired"]) == 1


def test_the_rule_page_shows_the_records_a_rule_visits(runtime):
    add_user(
        runtime, email="ada@example.com", name="Ada", password=PASSWORD, roles=["admin"]
    )
    config = {"TESTING": True, "WTF_CSRF_ENABLED": False}
    client = create_app(runtime_=runtime, config=config).test_client()
    response = client.post(
        "/login", data={"email": "ada@example.com", "password": PASSWORD}
    )
    assert response.status_code == 302
    html = client.get("/admin/rules/remind").get_data(as_text=True)
    assert "Records visited" in html
    assert "<code>status: open, due_on: {lt: =today()}</code>" in html
    other = client.get("/admin/rules/count_all").get_data(as_text=True)
    assert "Records visited" not in other
