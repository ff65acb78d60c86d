"""`_sla` tells a record's workflow state, so the API leaves it out for a
user whose role hides the state field, in one record and in a page alike."""

from __future__ import annotations

import pytest
from outbox_helpers import T0, TICKETS, write_site

from officina.app import create_app
from officina.auth import add_user, create_token
from officina.runtime import Runtime

OUTSIDER = """\
---
role: outsider
permissions:
  ticket: {read: true, fields: {status: hidden}}
"""


@pytest.fixture
def opened(runner, tmp_path, database_url):
    site = write_site(runner, tmp_path / "desk", database_url, TICKETS + OUTSIDER)
    runtime = Runtime.open(site)
    yield runtime
    runtime.close()


def client_of(runtime, email: str, role: str):
    add_user(runtime, email=email, name=role, password=None, roles=[role])
    secret, _ = create_token(runtime, email, "tests")
    client = create_app(runtime_=runtime, config={"TESTING": True}).test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    return client


def test_a_user_who_may_not_see_the_state_gets_no_sla(opened):
    opened.records.clock = lambda: T0
    ticket = opened.records.create("ticket", {"subject": "Printer"})["id"]
    agent = client_of(opened, "agent@example.com", "agent")
    outsider = client_of(opened, "outsider@example.com", "outsider")

    assert agent.get(f"/api/v1/ticket/{ticket}").get_json()["_sla"]["state"] == "open"
    seen = outsider.get(f"/api/v1/ticket/{ticket}").get_json()
    assert seen["subject"] == "Printer"
    assert "status" not in seen and "_sla" not in seen
    (listed,) = outsider.get("/api/v1/ticket").get_json()["data"]
    assert "status" not in listed and "_sla" not in listed
