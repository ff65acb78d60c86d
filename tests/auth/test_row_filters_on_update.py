"""A role limited to some rows cannot edit a record out of them (hand a
ticket over to another customer); a workflow step that moves it out of the
rows the role sees is still theirs to take."""

from __future__ import annotations

import pytest

from officina.app import create_app
from officina.auth import add_user, create_token
from officina.runtime import Runtime
from pack_files import make_site

DEFINITIONS = """\
entity: account
fields:
  name: {type: string, required: true}
  login: {type: reference, to: user}
---
entity: ticket
fields:
  subject: {type: string, required: true}
  account: {type: reference, to: account, required: true}
workflow:
  initial: open
  states:
    open:
    closed: {final: true}
  transitions:
    close: {from: open, to: closed}
---
role: holder
permissions:
  ticket:
    read: true
    update: true
    rows: {account.login: "=user.id"}
---
role: triage
permissions:
  ticket:
    read: true
    update: true
    rows: {status: open}
    transitions: [close]
"""


@pytest.fixture
def desk(runner, tmp_path, database_url):
    site = make_site(runner, tmp_path / "site", database_url, DEFINITIONS)
    runtime = Runtime.open(site)
    ann = add_user(
        runtime, email="ann@example.com", name="Ann", password=None, roles=["holder"]
    )
    add_user(
        runtime, email="tom@example.com", name="Tom", password=None, roles=["triage"]
    )
    records = runtime.records
    own = records.create("account", {"name": "Ann", "login": ann["id"]})
    other = records.create("account", {"name": "Bob"})
    ticket = records.create("ticket", {"subject": "Late", "account": own["id"]})
    app = create_app(runtime_=runtime, config={"TESTING": True})

    def client_of(email: str):
        token, _ = create_token(runtime, email, "t")
        client = app.test_client()
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        return client

    yield runtime, client_of, ticket, own, other
    runtime.close()


def test_a_record_cannot_be_edited_out_of_the_roles_rows(desk):
    runtime, client_of, ticket, own, other = desk
    ann = client_of("ann@example.com")
    url = f"/api/v1/ticket/{ticket['id']}"
    response = ann.patch(url, json={"account": other["id"]})
    assert response.status_code == 403
    assert "may not change it so" in response.get_json()["detail"]
    assert runtime.records.get("ticket", ticket["id"])["account"] == own["id"]

    response = ann.patch(url, json={"subject": "Very late"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["subject"] == "Very late"


def test_a_transition_may_move_a_record_out_of_the_roles_rows(desk):
    runtime, client_of, ticket, _own, _other = desk
    tom = client_of("tom@example.com")
    response = tom.post(f"/api/v1/ticket/{ticket['id']}/transitions/close")
    assert response.status_code == 200, response.get_json()
    assert runtime.records.get("ticket", ticket["id"])["status"] == "closed"
