"""lookup() reads of a user only what an expression may see of one (name,
e-mail, language, roles), never the password hash; it works as a call and
as a filter alike."""

from __future__ import annotations

import datetime as dt

import pytest

from officina.errors import DefinitionErrors
from officina.records import RecordsService
from officina.schema.migrate import migrate
from officina.schema.tables import USERS, build_schema

PACK = {
    "desk.yaml": """
        entity: note
        fields:
          email: string
          author: {type: string, formula: "lookup('user', 'email', email, 'name')"}
          author_again:
            type: string
            formula: "'user' | lookup('email', email, 'name')"
    """,
}


@pytest.fixture
def desk(load_files, engine, tmp_path):
    definitions = load_files(PACK)
    schema = build_schema(definitions)
    migrate(engine, schema, backup_dir=tmp_path / "backups")
    users = schema.metadata.tables[USERS]
    with engine.begin() as connection:
        connection.execute(
            users.insert().values(
                email="ada@example.com",
                name="Ada",
                password_hash="secret-hash",
                roles=[],
                language="en",
                active=True,
                created_at=dt.datetime.now(dt.UTC),
            )
        )
    return RecordsService(definitions, schema, engine)


def test_a_users_name_is_found_by_a_call_and_by_a_filter(desk):
    note = desk.create("note", {"email": "ada@example.com"})
    assert (note["author"], note["author_again"]) == ("Ada", "Ada")


@pytest.mark.parametrize(
    ("formula", "message"),
    [
        (
            "lookup('user', 'email', email, 'password_hash')",
            "lookup(): 'user' has no field 'password_hash'",
        ),
        (
            "lookup('user', 'email', email, 'password' ~ '_hash')",
            "lookup() needs the fields to match and to give as quoted text",
        ),
    ],
)
def test_no_expression_reads_a_password_hash(load_files, formula, message):
    pack = {
        "desk.yaml": f"""
            entity: note
            fields:
              email: string
              secret: {{type: string, formula: "{formula}"}}
        """
    }
    with pytest.raises(DefinitionErrors) as raised:
        load_files(pack)
    assert [problem.message for problem in raised.value.problems] == [
        f"the formula of 'secret': {message}"
    ]


def test_a_user_reached_from_a_record_carries_no_password_hash(desk):
    # What `created_by` and `user` fields of records are read from, for
    # expressions and e-mail templates alike.
    with desk.transaction() as transaction:
        ada = transaction.cache.get("user", 1)
    assert ada["name"] == "Ada"
    assert "password_hash" not in ada
