"""Seed data that tells the past: values written as expressions evaluated
when loaded (`=add_hours(now(), -30)`), `created_at`, records written with
`rules: false` (no rule runs, nothing in the outbox), `update: true` records
of another pack, rows of a table named by their record, record numbers that
the counter then skips, formulas that count records loaded after them, and
demo files a running site leaves unread. On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from pack_sites import officina
from sqlalchemy import func, select

from officina.cli import main
from officina.definitions.model import Filter
from officina.runtime import Runtime
from officina.schema.tables import JOBS, RULE_RUNS
from officina.site import Site, load_site_definitions
from pack_files import write_pack

DESK = {
    "desk.yaml": """
        entity: ticket
        number: "TCK-{YYYY}-{####}"
        fields:
          code: {type: string, required: true, unique: true}
          subject: {type: string, required: true}
          opened_at: datetime
          due_on: date
          notes: {type: table, of: ticket_note}
          replies: {type: integer, formula: "count_of('reply', {'ticket': id})"}
          hours_open:
            type: decimal
            formula: "round(hours_between(created_at, opened_at), 1)"
        workflow:
          initial: new
          states: {new: {}, answered: {}, closed: {final: true}}
          transitions:
            answer: {from: new, to: answered}
            close: {from: answered, to: closed}
        rules:
          tell_the_helpdesk:
            on: created
            do:
              - webhook:
                  url: https://helpdesk.example.com/hooks
                  body: {code: "=code"}
        ---
        entity: ticket_note
        fields:
          text: {type: string, required: true}
        ---
        entity: reply
        fields:
          ticket: {type: reference, to: ticket, required: true}
          note: {type: reference, to: ticket_note}
          body: string
        """,
    "seed/live.yaml": """
        seed: ticket
        key: code
        records:
          - {code: T-9, subject: Asked today}
        """,
    "demo/history.yaml": """
        seed: ticket
        key: code
        rules: false
        records:
          - code: T-1
            number: TCK-2026-0007
            subject: Printer jammed
            status: answered
            opened_at: "=add_hours(now(), -30)"
            due_on: "=add_days(today(), 2)"
            created_at: "=add_hours(now(), -30)"
            notes: [{text: First look}, {text: Second look}]
        ---
        seed: reply
        records:
          - {ticket: T-1, note: {ticket: T-1, text: Second look}, body: Fixed it}
        """,
}
CRM = {
    "crm.yaml": """
        extend: ticket
        fields:
          score: integer
        """,
    "demo/scores.yaml": """
        seed: ticket
        key: code
        update: true
        rules: false
        records:
          - {code: T-1, score: 5}
        """,
}


@pytest.fixture
def site(runner, tmp_path, database_url):
    folder = tmp_path / "site"
    result = runner.invoke(main, ["init", str(folder), "--database", database_url])
    assert result.exit_code == 0, result.output
    write_pack(folder / "packs", DESK, name="desk")
    write_pack(folder / "packs", CRM, name="crm", depends={"desk": "^1.0"})
    return folder


def ticket(runtime: Runtime, code: str) -> dict:
    page = runtime.records.list("ticket", filters=[Filter(("code",), "eq", code)])
    return runtime.records.get("ticket", page.records[0]["id"])


def count(runtime: Runtime, table: str) -> int:
    rows = runtime.schema.metadata.tables[table]
    with runtime.engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(rows)).scalar()


def test_history_is_dated_from_the_load_and_runs_no_rule(runner, site):
    before = dt.datetime.now(dt.UTC)
    installed = officina(runner, site, "pack", "install", "crm", "--demo").output
    after = dt.datetime.now(dt.UTC)
    assert "Seed data: 4 added, 0 updated, 0 unchanged." in installed
    runtime = Runtime.open(site)
    try:
        old = ticket(runtime, "T-1")
        hours = dt.timedelta(hours=30)
        assert before - hours <= old["opened_at"] <= after - hours
        assert before - hours <= old["created_at"] <= after - hours
        assert old["due_on"] in {
            (before + dt.timedelta(days=2)).date(),
            (after + dt.timedelta(days=2)).date(),
        }
        assert old["hours_open"] == 0  # made when it was opened
        assert old["status"] == "answered"
        assert old["number"] == "TCK-2026-0007"
        assert old["score"] == 5  # crm's field, written in the same load
        assert old["replies"] == 1  # counted although loaded after it
        reply = runtime.records.list("reply").records[0]
        assert reply["note"] == old["notes"][1]["id"]  # the row "Second look"
        # The live seed record ran its rule; the history ran none.
        assert count(runtime, JOBS) == 1
        with runtime.engine.connect() as connection:
            runs = runtime.schema.metadata.tables[RULE_RUNS]
            ran = connection.execute(select(runs.c.record_id)).scalars().all()
        assert ran == [ticket(runtime, "T-9")["id"]]
        made = runtime.records.create("ticket", {"code": "T-10", "subject": "New"})
    finally:
        runtime.close()
    year = dt.datetime.now(dt.UTC).year
    # The counter went past the number the seed data gave.
    assert made["number"] == ("TCK-2026-0008" if year == 2026 else f"TCK-{year}-0001")


def test_loading_again_keeps_the_times_of_the_first_load(runner, site):
    officina(runner, site, "pack", "install", "crm", "--demo")
    runtime = Runtime.open(site)
    try:
        first = ticket(runtime, "T-1")["opened_at"]
    finally:
        runtime.close()
    again = officina(runner, site, "pack", "upgrade", "desk").output
    assert "Seed data: 0 added, 0 updated, 3 unchanged." in again
    runtime = Runtime.open(site)
    try:
        assert ticket(runtime, "T-1")["opened_at"] == first
    finally:
        runtime.close()


def test_a_pack_installed_later_updates_the_records_of_another(runner, site):
    officina(runner, site, "pack", "install", "desk", "--demo")
    installed = officina(runner, site, "pack", "install", "crm", "--demo").output
    assert "Seed data: 0 added, 1 updated" in installed
    runtime = Runtime.open(site)
    try:
        assert ticket(runtime, "T-1")["score"] == 5
        assert count(runtime, JOBS) == 1  # the live record's, from the first install
    finally:
        runtime.close()


def test_a_running_site_leaves_the_demo_files_unread(runner, site):
    officina(runner, site, "pack", "install", "desk")
    runtime = Runtime.open(site)
    try:
        running = runtime.definitions
    finally:
        runtime.close()
    everything = load_site_definitions(Site.load(site), demo=True)
    assert [seed.entity for seed in running.seeds] == ["ticket"]
    assert {seed.entity for seed in everything.seeds if seed.demo} == {
        "ticket",
        "reply",
    }
    assert running.version == everything.version


def test_a_row_that_is_not_there_is_named(runner, site):
    history = DESK["demo/history.yaml"].replace(
        "text: Second look}, body", "text: Third}, body"
    )
    write_pack(site / "packs", {**DESK, "demo/history.yaml": history}, name="desk")
    result = officina(runner, site, "pack", "install", "desk", "--demo", ok=False)
    assert result.exit_code == 1
    assert (
        "'note' names the row {ticket: T-1, text: Third}, but ticket T-1 has no "
        "such row. Hint: give values of the row that tell it apart from the others."
    ) in result.output
