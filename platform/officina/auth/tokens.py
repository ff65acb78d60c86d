"""API tokens: `Authorization: Bearer <token>`.

A token is shown once when created; only its SHA-256 is stored, so a copy of
the database gives no one access. Tokens are revoked, never reused.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets

from sqlalchemy import Engine, bindparam, select

from officina.auth.users import UserError, find_user
from officina.records import Actor
from officina.schema.tables import TOKENS, USERS

PREFIX = "ofc_"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(runtime, email: str, name: str) -> tuple[str, dict]:
    """A new token for a user: (the token, its record without the secret)."""
    user = find_user(runtime, email)
    if user is None:
        raise UserError(
            f"there is no user '{email}'. Hint: add one with 'officina user add'."
        )
    token = PREFIX + secrets.token_urlsafe(32)
    values = {
        "user_id": user["id"],
        "name": name.strip() or "token",
        "prefix": token[: len(PREFIX) + 6],
        "token_hash": _hash(token),
        "created_at": dt.datetime.now(dt.UTC),
        "revoked_at": None,
    }
    table = runtime.schema.metadata.tables[TOKENS]
    with runtime.engine.begin() as connection:
        values["id"] = connection.execute(
            table.insert().values(**values).returning(table.c.id)
        ).scalar_one()
    values.pop("token_hash")
    return token, values


def list_tokens(runtime, email: str | None = None) -> list[dict]:
    tokens = runtime.schema.metadata.tables[TOKENS]
    users = runtime.schema.metadata.tables[USERS]
    query = (
        select(
            tokens.c.id,
            tokens.c.name,
            tokens.c.prefix,
            tokens.c.created_at,
            tokens.c.revoked_at,
            users.c.email,
        )
        .join(users, users.c.id == tokens.c.user_id)
        .order_by(tokens.c.id)
    )
    if email:
        query = query.where(users.c.email == email.strip().lower())
    with runtime.engine.connect() as connection:
        return [dict(row) for row in connection.execute(query).mappings()]


def revoke_token(runtime, token_id: int) -> None:
    table = runtime.schema.metadata.tables[TOKENS]
    with runtime.engine.begin() as connection:
        result = connection.execute(
            table.update()
            .where(table.c.id == token_id, table.c.revoked_at.is_(None))
            .values(revoked_at=dt.datetime.now(dt.UTC))
        )
    if result.rowcount != 1:
        raise UserError(
            f"there is no active token with id {token_id}. Hint: "
            "'officina token list' shows them."
        )


def authenticate_token(runtime, header: str | None) -> Actor | None:
    """The actor of an `Authorization: Bearer ...` header, or None.

    One indexed query per request (token and user joined), built and
    compiled once per runtime; nothing is remembered between requests, so a
    revoked token or a deactivated user is refused by every process at once.
    """
    if not header or not header.startswith("Bearer "):
        return None
    token = header[len("Bearer ") :].strip()
    if not token.startswith(PREFIX):
        return None
    lookup = runtime.records.statements.built(
        "auth.actor",
        lambda: ActorLookup(runtime.engine, runtime.schema.metadata.tables),
    )
    row = lookup(_hash(token))
    if row is None:
        return None
    user_id, name, roles, language = row
    if isinstance(roles, str | bytes):  # SQLite keeps JSON as text
        roles = json.loads(roles)
    return Actor(id=user_id, name=name, roles=tuple(roles or ()), language=language)


class ActorLookup:
    """The token query, compiled once for the engine's dialect and run on
    the driver's own cursor.

    It runs before every API request, and SQLAlchemy's execution machinery
    (result objects, events, cache lookups) costs several times the query
    itself. Anything unusual (a driver error, a logging engine) goes the
    ordinary SQLAlchemy way, which wraps errors and replaces lost
    connections as everywhere else.
    """

    def __init__(self, engine: Engine, tables):
        self.engine = engine
        self.statement = _actor_query(tables)
        compiled = self.statement.compile(dialect=engine.dialect)
        self.sql = compiled.string
        self.positional = compiled.positional
        self.dbapi_error = engine.dialect.loaded_dbapi.Error

    def __call__(self, token_hash: str):
        if self.engine.echo:
            return self.through_sqlalchemy(token_hash)
        connection = self.engine.raw_connection()
        try:
            cursor = connection.cursor()
            try:
                cursor.execute(
                    self.sql,
                    (token_hash,) if self.positional else {"token_hash": token_hash},
                )
                return cursor.fetchone()
            finally:
                cursor.close()
        except self.dbapi_error:
            connection.invalidate()
            return self.through_sqlalchemy(token_hash)
        finally:
            connection.close()

    def through_sqlalchemy(self, token_hash: str):
        with self.engine.connect() as connection:
            row = connection.execute(self.statement, {"token_hash": token_hash}).first()
        return None if row is None else tuple(row)


def _actor_query(tables):
    """Built once per definitions version (held by its records service)."""
    tokens, users = tables[TOKENS], tables[USERS]
    return (
        select(users.c.id, users.c.name, users.c.roles, users.c.language)
        .join(tokens, tokens.c.user_id == users.c.id)
        .where(
            tokens.c.token_hash == bindparam("token_hash"),
            tokens.c.revoked_at.is_(None),
            users.c.active.is_(True),
        )
    )
