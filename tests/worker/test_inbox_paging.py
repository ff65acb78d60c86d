"""The inbox, the outbox and a rule's run log show pages of a fixed size,
newest first, with links to the next (older) and previous (newer) page."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from outbox_helpers import PASSWORD, T0, Browser
from sqlalchemy import insert

from officina.app import create_app
from officina.auth import add_user
from officina.automation.outbox import DEAD
from officina.schema.tables import JOBS, NOTIFICATIONS, RULE_RUNS
from officina.web.ui.paging import PAGE

_LINK = re.compile(r'id="(next|previous)-page"[^>]*href="([^"]+)"')


@pytest.fixture
def app(opened):
    for email, roles in (
        ("ada@example.com", ["admin"]),
        ("bob@example.com", ["agent"]),
    ):
        add_user(opened, email=email, name=email[:3], password=PASSWORD, roles=roles)
    return create_app(runtime_=opened, config={"TESTING": True})


def signed_in(app, email) -> Browser:
    browser = Browser(app.test_client())
    assert browser.sign_in(email).status_code == 302
    return browser


def add_rows(runtime, table_name: str, rows: list[dict]) -> None:
    with runtime.engine.begin() as connection:
        connection.execute(insert(runtime.schema.metadata.tables[table_name]), rows)


def links(page: str) -> dict:
    return {kind: url.replace("&amp;", "&") for kind, url in _LINK.findall(page)}


def shown(page: str, pattern: str) -> list[int]:
    return [int(number) for number in re.findall(pattern, page)]


def test_the_inbox_pages_through_more_messages_than_a_page(opened, app):
    count = PAGE + 5
    add_rows(
        opened,
        NOTIFICATIONS,
        [
            {"role": "agent", "message": f"Message {n}", "created_at": T0}
            for n in range(1, count + 1)
        ],
    )
    bob = signed_in(app, "bob@example.com")
    first = bob.get("/inbox").get_data(as_text=True)
    numbers = shown(first, r"<div>Message (\d+)</div>")
    assert numbers == list(range(count, count - PAGE, -1))  # newest first
    assert set(links(first)) == {"next"}
    second = bob.get(links(first)["next"]).get_data(as_text=True)
    assert shown(second, r"<div>Message (\d+)</div>") == [5, 4, 3, 2, 1]
    assert set(links(second)) == {"previous"}
    back = bob.get(links(second)["previous"]).get_data(as_text=True)
    assert shown(back, r"<div>Message (\d+)</div>") == numbers
    assert "previous" not in links(back)  # the newest page again


def test_a_message_arriving_meanwhile_does_not_shift_the_older_page(opened, app):
    add_rows(
        opened,
        NOTIFICATIONS,
        [
            {"role": "agent", "message": f"Message {n}", "created_at": T0}
            for n in range(1, PAGE + 3)
        ],
    )
    bob = signed_in(app, "bob@example.com")
    first = bob.get("/inbox").get_data(as_text=True)
    add_rows(
        opened,
        NOTIFICATIONS,
        [{"role": "agent", "message": "Message new", "created_at": T0}],
    )
    second = bob.get(links(first)["next"]).get_data(as_text=True)
    assert shown(second, r"<div>Message (\d+)</div>") == [2, 1]
    back = bob.get(links(second)["previous"]).get_data(as_text=True)
    assert "Message new" not in back  # one page up, not the newest
    assert "previous" in links(back)


def test_the_outbox_pages_each_status_and_caps_its_counts(opened, app):
    now = dt.datetime(2025, 3, 3, tzinfo=dt.UTC)
    job = {
        "kind": "fax",
        "payload": {},
        "status": DEAD,
        "attempts": 1,
        "max_attempts": 8,
        "next_attempt_at": now,
        "created_at": now,
        "finished_at": now,
    }
    add_rows(
        opened,
        JOBS,
        [{**job, "idempotency_key": f"fax-{n}"} for n in range(PAGE + 2)],
    )
    ada = signed_in(app, "ada@example.com")
    first = ada.get("/admin/jobs?status=dead").get_data(as_text=True)
    ids = shown(first, r'<tr data-id="(\d+)">')
    assert len(ids) == PAGE and ids == sorted(ids, reverse=True)
    assert f">{PAGE + 2}</span>" in first  # the dead letters' count
    following = links(first)["next"]
    assert "status=dead" in following  # the tab is kept
    second = ada.get(following).get_data(as_text=True)
    assert len(shown(second, r'<tr data-id="(\d+)">')) == 2


def test_a_rules_run_log_pages_too(opened, app):
    add_rows(
        opened,
        RULE_RUNS,
        [
            {
                "rule": "hourly_ping",
                "entity": "ticket",
                "record_id": n,
                "trigger": "every: 1h",
                "outcome": "done",
                "duration_ms": 1,
                "chain": ["hourly_ping"],
                "at": T0,
            }
            for n in range(1, PAGE + 4)
        ],
    )
    ada = signed_in(app, "ada@example.com")
    first = ada.get("/admin/rules/hourly_ping").get_data(as_text=True)
    assert len(shown(first, r'href="/ticket/(\d+)"')) == PAGE
    second = ada.get(links(first)["next"]).get_data(as_text=True)
    assert shown(second, r'href="/ticket/(\d+)"') == [3, 2, 1]


def test_the_page_links_are_translated(opened, app):
    add_user(
        opened,
        email="wu@example.com",
        name="Wu",
        password=PASSWORD,
        roles=["agent"],
        language="zh",
    )
    add_rows(
        opened,
        NOTIFICATIONS,
        [
            {"role": "agent", "message": f"Message {n}", "created_at": T0}
            for n in range(PAGE + 1)
        ],
    )
    wu = signed_in(app, "wu@example.com")
    first = wu.get("/inbox").get_data(as_text=True)
    assert "下一页" in first
    assert "上一页" in wu.get(links(first)["next"]).get_data(as_text=True)
