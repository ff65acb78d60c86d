"""Users: who may sign in, with which roles and language."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from officina.errors import OfficinaError, one_of, suggest
from officina.records import Actor
from officina.schema.tables import USERS

MIN_PASSWORD = 10
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class UserError(OfficinaError):
    """A user cannot be added or found; the message says why."""


def _users(runtime):
    return runtime.schema.metadata.tables[USERS]


def _setting_problems(runtime, roles, password, language) -> list[str]:
    """What is wrong with a user's roles, password and language."""
    problems = []
    known = set(runtime.definitions.roles) | {"admin"}
    for role in roles:
        if role not in known:
            problems.append(
                f"there is no role '{role}' ("
                + (suggest(role, known) or one_of(known))
                + ")"
            )
    if password is not None and len(password) < MIN_PASSWORD:
        problems.append(f"the password must have at least {MIN_PASSWORD} characters")
    if language not in runtime.site.languages:
        problems.append(
            f"the language '{language}' is not one of the site's "
            f"({', '.join(runtime.site.languages)})"
        )
    return problems


def add_user(
    runtime,
    *,
    email: str,
    name: str,
    password: str | None,
    roles: list[str],
    language: str = "en",
) -> dict:
    """Add a user; every problem (e-mail, roles, password) is reported at once."""
    problems = []
    email = email.strip().lower()
    if not _EMAIL.match(email):
        problems.append(f"'{email}' is not an e-mail address")
    problems += _setting_problems(runtime, roles, password, language)
    table = _users(runtime)
    with runtime.engine.begin() as connection:
        if connection.execute(select(table.c.id).where(table.c.email == email)).first():
            problems.append(f"there is already a user '{email}'")
        if problems:
            raise UserError("the user cannot be added: " + "; ".join(problems) + ".")
        values = {
            "email": email,
            "name": name.strip() or email,
            "roles": list(roles),
            "password_hash": generate_password_hash(password) if password else None,
            "language": language,
            "active": True,
            "created_at": dt.datetime.now(dt.UTC),
        }
        values["id"] = connection.execute(
            table.insert().values(**values).returning(table.c.id)
        ).scalar_one()
    values.pop("password_hash")
    return values


def find_user(runtime, email: str) -> dict | None:
    table = _users(runtime)
    with runtime.engine.connect() as connection:
        row = (
            connection.execute(
                select(table).where(table.c.email == email.strip().lower())
            )
            .mappings()
            .first()
        )
    return dict(row) if row else None


def check_password(runtime, email: str, password: str) -> Actor | None:
    """The actor for a correct e-mail and password of an active user."""
    user = find_user(runtime, email)
    if user is None or not user["active"] or not user["password_hash"]:
        # Hash anyway, so a missing user takes as long as a wrong password.
        check_password_hash(generate_password_hash("x" * MIN_PASSWORD), password)
        return None
    if not check_password_hash(user["password_hash"], password):
        return None
    return actor_of(user)


def actor_of(user: dict) -> Actor:
    return Actor(
        id=user["id"],
        name=user["name"],
        roles=tuple(user["roles"] or ()),
        language=user["language"],
    )


def set_language(runtime, user_id: int, language: str) -> None:
    """Change the language a user's pages are shown in."""
    if language not in runtime.site.languages:
        raise UserError(
            f"the language '{language}' is not one of the site's "
            f"({', '.join(runtime.site.languages)})"
        )
    table = _users(runtime)
    with runtime.engine.begin() as connection:
        connection.execute(
            table.update().where(table.c.id == user_id).values(language=language)
        )


def list_users(runtime) -> list[dict]:
    table = _users(runtime)
    columns = [c for c in table.c if c.name != "password_hash"]
    with runtime.engine.connect() as connection:
        rows = connection.execute(select(*columns).order_by(table.c.email)).mappings()
        return [dict(row) for row in rows]


def get_user(runtime, user_id: int) -> dict | None:
    table = _users(runtime)
    columns = [c for c in table.c if c.name != "password_hash"]
    with runtime.engine.connect() as connection:
        row = (
            connection.execute(select(*columns).where(table.c.id == user_id))
            .mappings()
            .first()
        )
    return dict(row) if row else None


def update_user(
    runtime,
    user_id: int,
    *,
    name: str,
    roles: list[str],
    language: str,
    active: bool,
    password: str | None = None,
    acting_user_id: int | None = None,
) -> dict:
    """Change a user; every problem is reported at once. An administrator
    cannot take away their own admin role or deactivate themselves (so a site
    always keeps someone who can manage it)."""
    problems = []
    problems += _setting_problems(runtime, roles, password, language)
    if not name.strip():
        problems.append("the name may not be empty")
    if acting_user_id == user_id and ("admin" not in roles or not active):
        problems.append(
            "you cannot remove your own admin role or deactivate yourself; "
            "ask another administrator"
        )
    if problems:
        raise UserError("the user cannot be changed: " + "; ".join(problems) + ".")
    values = {
        "name": name.strip()[:200],
        "roles": list(dict.fromkeys(roles)),
        "language": language,
        "active": bool(active),
    }
    if password is not None:
        values["password_hash"] = generate_password_hash(password)
    table = _users(runtime)
    with runtime.engine.begin() as connection:
        result = connection.execute(
            table.update().where(table.c.id == user_id).values(**values)
        )
        if result.rowcount != 1:
            raise UserError(f"there is no user with id {user_id}")
    values.pop("password_hash", None)
    return {"id": user_id, **values}
