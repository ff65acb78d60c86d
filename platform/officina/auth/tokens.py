"""API tokens: `Authorization: Bearer <token>`.

A token is shown once when created; only its SHA-256 is stored, so a copy of
the database gives no one access. Tokens are revoked, never reused.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from functools import lru_cache

from sqlalchemy import bindparam, select

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
    """The actor of an `Authorization: Bearer ...` header, or None."""
    if not header or not header.startswith("Bearer "):
        return None
    token = header[len("Bearer ") :].strip()
    if not token.startswith(PREFIX):
        return None
    statement = _actor_query(
        runtime.schema.metadata.tables[TOKENS], runtime.schema.metadata.tables[USERS]
    )
    with runtime.engine.connect() as connection:
        row = connection.execute(statement, {"token_hash": _hash(token)}).first()
    if row is None:
        return None
    return Actor(
        id=row.id, name=row.name, roles=tuple(row.roles or ()), language=row.language
    )


@lru_cache(maxsize=8)
def _actor_query(tokens, users):
    """Built once per definitions version (its tables), run on every request."""
    return (
        select(users.c.id, users.c.name, users.c.roles, users.c.language)
        .join(tokens, tokens.c.user_id == users.c.id)
        .where(
            tokens.c.token_hash == bindparam("token_hash"),
            tokens.c.revoked_at.is_(None),
            users.c.active.is_(True),
        )
    )
