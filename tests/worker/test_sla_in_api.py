"""The REST API shows each record's SLA: `_sla` with its state, due time,
seconds left and whether it is overdue, on the records service's clock;
a page of records reads its clocks in one query."""

from __future__ import annotations

import datetime as dt

import pytest
from outbox_helpers import T0
from sqlalchemy import event

from officina.app import create_app
from officina.auth import add_user, create_token
from officina.automation.scheduler import Scheduler
from officina.schema.tables import STATE_CLOCKS

HOUR = dt.timedelta(hours=1)


@pytest.fixture
def client(opened):
    add_user(
        opened, email="ada@example.com", name="Ada", password=None, roles=["admin"]
    )
    secret, _ = create_token(opened, "ada@example.com", "tests")
    client = create_app(runtime_=opened, config={"TESTING": True}).test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    return client


def at(runtime, moment):
    runtime.records.clock = lambda: moment


def test_a_ticket_in_time_shows_the_time_left(opened, client):
    at(opened, T0)
    made = client.post("/api/v1/ticket", json={"subject": "Printer"})
    assert made.status_code == 201
    ticket = made.get_json()
    assert ticket["_sla"]["due_at"] == (T0 + 2 * HOUR).isoformat()
    at(opened, T0 + dt.timedelta(minutes=30))
    body = client.get(f"/api/v1/ticket/{ticket['id']}").get_json()
    assert body["_sla"] == {
        "state": "open",
        "entered_at": T0.isoformat(),
        "due_at": (T0 + 2 * HOUR).isoformat(),
        "seconds_left": 90 * 60,
        "overdue": False,
        "breached_at": None,
    }
    assert body["subject"] == "Printer"  # the record itself is unchanged


def test_an_overdue_ticket_says_so_and_by_how_much(opened, client):
    at(opened, T0)
    ticket = opened.records.create("ticket", {"subject": "Printer"})
    at(opened, T0 + 3 * HOUR)
    clock = client.get(f"/api/v1/ticket/{ticket['id']}").get_json()["_sla"]
    assert (clock["seconds_left"], clock["overdue"]) == (-3600, True)
    assert clock["breached_at"] is None
    Scheduler(opened).check_slas(T0 + 3 * HOUR)  # the breach fires
    clock = client.get(f"/api/v1/ticket/{ticket['id']}").get_json()["_sla"]
    assert clock["breached_at"] == (T0 + 3 * HOUR).isoformat()


def test_a_state_without_an_sla_shows_null_and_a_transition_restarts_it(opened, client):
    at(opened, T0)
    ticket = opened.records.create("ticket", {"subject": "Printer"})
    at(opened, T0 + HOUR)
    moved = client.post(f"/api/v1/ticket/{ticket['id']}/transitions/wait")
    assert moved.status_code == 200
    waiting = moved.get_json()["_sla"]
    assert (waiting["state"], waiting["entered_at"]) == (
        "waiting",
        (T0 + HOUR).isoformat(),
    )
    assert waiting["due_at"] == (T0 + HOUR + dt.timedelta(days=2)).isoformat()
    closed = client.post(f"/api/v1/ticket/{ticket['id']}/transitions/close")
    assert closed.get_json()["_sla"] is None
    assert client.get(f"/api/v1/ticket/{ticket['id']}").get_json()["_sla"] is None


def test_a_page_of_records_reads_its_clocks_in_one_query(opened, client):
    at(opened, T0)
    ids = [
        opened.records.create("ticket", {"subject": f"Ticket {n}"})["id"]
        for n in range(6)
    ]
    opened.records.transition("ticket", ids[0], "close")
    at(opened, T0 + 3 * HOUR)
    statements: list[str] = []

    def seen(connection, cursor, statement, *args):
        statements.append(statement)

    event.listen(opened.engine, "before_cursor_execute", seen)
    try:
        page = client.get("/api/v1/ticket?limit=10").get_json()
    finally:
        event.remove(opened.engine, "before_cursor_execute", seen)
    assert len([s for s in statements if STATE_CLOCKS in s]) == 1
    clocks = {record["id"]: record["_sla"] for record in page["data"]}
    assert set(clocks) == set(ids)
    assert clocks[ids[0]] is None  # closed: no SLA there
    assert all(clocks[i]["overdue"] and clocks[i]["state"] == "open" for i in ids[1:])


def test_the_openapi_document_describes_sla(client):
    document = client.get("/api/openapi.json").get_json()
    ticket = document["components"]["schemas"]["Ticket"]["properties"]["_sla"]
    assert ticket["readOnly"] is True
    reference = ticket["anyOf"][0]["$ref"].rsplit("/", 1)[-1]
    clock = document["components"]["schemas"][reference]
    assert set(clock["required"]) == {
        "state",
        "entered_at",
        "due_at",
        "seconds_left",
        "overdue",
    }
    assert clock["properties"]["seconds_left"]["type"] == "integer"
