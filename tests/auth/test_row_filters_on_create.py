"""A role limited to some rows creates records only inside them; rules,
which act for the site, are not limited."""

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
entity: note
fields:
  text: {type: string, required: true}
  account: {type: reference, to: account, required: true}
rules:
  copy_for_audit:
    on: created
    when: "text == 'audit me'"
    do:
      - create:
          entity: note
          values: {text: 'copy', account: "=lookup('account', 'name', 'Auditor', 'id')"}
---
role: holder
permissions:
  note:
    create: true
    read: true
    rows: {account.login: "=user.id"}
"""


@pytest.fixture
def world(runner, tmp_path, database_url):
    site = make_site(runner, tmp_path / "site", database_url, DEFINITIONS)
    runtime = Runtime.open(site)
    user = add_user(
        runtime, email="ann@example.com", name="Ann", password=None, roles=["holder"]
    )
    token, _ = create_token(runtime, "ann@example.com", "t")
    records = runtime.records
    accounts = {
        "own": records.create("account", {"name": "Ann", "login": user["id"]}),
        "other": records.create("account", {"name": "Bob"}),
        "auditor": records.create("account", {"name": "Auditor"}),
    }
    client = create_app(runtime_=runtime, config={"TESTING": True}).test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    yield runtime, client, accounts
    runtime.close()


def test_a_record_outside_the_roles_rows_is_refused_and_not_written(world):
    runtime, client, accounts = world
    response = client.post(
        "/api/v1/note", json={"text": "hi", "account": accounts["other"]["id"]}
    )
    assert response.status_code == 403
    assert "may not create it" in response.get_json()["detail"]
    assert runtime.records.list("note").records == []

    response = client.post(
        "/api/v1/note", json={"text": "hi", "account": accounts["own"]["id"]}
    )
    assert response.status_code == 201, response.get_json()


def test_rules_create_records_outside_the_users_rows(world):
    runtime, client, accounts = world
    response = client.post(
        "/api/v1/note", json={"text": "audit me", "account": accounts["own"]["id"]}
    )
    assert response.status_code == 201, response.get_json()
    texts = {
        (note["text"], note["account"]) for note in runtime.records.list("note").records
    }
    assert texts == {
        ("audit me", accounts["own"]["id"]),
        ("copy", accounts["auditor"]["id"]),
    }
