"""The token lookup of every API request: the same answer on the driver's
fast path and SQLAlchemy's ordinary one, and nothing remembered between
requests (a revoked token or a deactivated user is refused at once)."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from officina.auth import add_user, authenticate_token, create_token, revoke_token
from officina.cli import main
from officina.runtime import Runtime
from officina.schema.tables import USERS

ROLES = """\
role: clerk
permissions:
  '*': read
"""


@pytest.fixture
def opened(runner, tmp_path, database_url):
    folder = tmp_path / "shop"
    result = runner.invoke(main, ["init", str(folder), "--database", database_url])
    assert result.exit_code == 0, result.output
    (folder / "definitions" / "roles.yaml").write_text(ROLES)
    result = runner.invoke(main, ["migrate", "--site", str(folder)])
    assert result.exit_code == 0, result.output
    runtime = Runtime.open(folder)
    yield runtime
    runtime.close()


@pytest.fixture
def bearer(opened):
    add_user(
        opened,
        email="bo@example.com",
        name="Bo",
        password=None,
        roles=["clerk", "admin"],
        language="zh",
    )
    secret, record = create_token(opened, "bo@example.com", "tests")
    return f"Bearer {secret}", record["id"]


def lookup(runtime):
    authenticate_token(runtime, "Bearer ofc_warm")  # builds the lookup
    return runtime.records.statements.built("auth.actor", None)


def test_the_actor_of_a_token(opened, bearer):
    actor = authenticate_token(opened, bearer[0])
    assert (actor.name, actor.roles, actor.language) == ("Bo", ("clerk", "admin"), "zh")
    assert isinstance(actor.id, int)
    for header in (None, "", "Basic x", "Bearer ", "Bearer nope", "Bearer ofc_no"):
        assert authenticate_token(opened, header) is None


def test_both_ways_give_the_same_answer(opened, bearer):
    fast = authenticate_token(opened, bearer[0])
    opened.engine.echo = True  # a logging engine takes SQLAlchemy's way
    try:
        assert authenticate_token(opened, bearer[0]) == fast
        assert authenticate_token(opened, "Bearer ofc_forged") is None
    finally:
        opened.engine.echo = False


def test_a_driver_error_falls_back_to_sqlalchemy(opened, bearer, monkeypatch):
    expected = authenticate_token(opened, bearer[0])
    monkeypatch.setattr(lookup(opened), "sql", "SELEC nothing")
    assert authenticate_token(opened, bearer[0]) == expected
    assert authenticate_token(opened, "Bearer ofc_forged") is None


def test_revoked_tokens_and_inactive_users_are_refused_at_once(opened, bearer):
    header, token_id = bearer
    assert authenticate_token(opened, header) is not None
    users = opened.schema.metadata.tables[USERS]
    with opened.engine.begin() as connection:
        connection.execute(update(users).values(active=False))
    assert authenticate_token(opened, header) is None
    with opened.engine.begin() as connection:
        connection.execute(update(users).values(active=True))
    assert authenticate_token(opened, header) is not None
    revoke_token(opened, token_id)
    assert authenticate_token(opened, header) is None
