"""The audit trail: every create, update, delete, transition and adjustment,
append-only, with who, when, and each changed field's old and new value."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Connection, Table, select

from officina.schema.tables import AUDIT, USERS


def jsonable(value):
    """A value as it is kept in the audit trail's JSON."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    return value


def diff(old: dict, new: dict, fields) -> dict:
    """{field: [old, new]} for the fields whose value changed."""
    changes = {}
    for name in fields:
        before, after = old.get(name), new.get(name)
        if before != after and name in new:
            changes[name] = [jsonable(before), jsonable(after)]
    return changes


def record_entry(
    connection: Connection,
    tables,
    *,
    entity: str,
    record_id: int,
    action: str,
    changes: dict,
    version: int,
    user_id,
    at,
    comment: str | None = None,
    statement=None,
    deferred=None,
) -> None:
    """Append one entry; `statement` is `tables[AUDIT].insert()` if the
    caller keeps one (built once, so only the values are bound per write).
    With `deferred` (the transaction's DeferredWrites) it is written with
    the transaction's other entries when the transaction ends."""
    values = {
        "entity": entity,
        "record_id": record_id,
        "action": action,
        "changes": changes,
        "version": version,
        "user_id": user_id,
        "at": at,
        "comment": comment,
    }
    statement = tables[AUDIT].insert() if statement is None else statement
    if deferred is not None:
        deferred.execute(statement, values)
    else:
        connection.execute(statement, values)


def history(connection: Connection, tables, entity: str, record_id: int) -> list[dict]:
    """The audit entries of one record, oldest first, with the user's name."""
    audit: Table = tables[AUDIT]
    users: Table = tables[USERS]
    rows = connection.execute(
        select(audit, users.c.name.label("user_name"))
        .select_from(audit.outerjoin(users, users.c.id == audit.c.user_id))
        .where(audit.c.entity == entity, audit.c.record_id == record_id)
        .order_by(audit.c.id)
    ).mappings()
    return [dict(row) for row in rows]


def entries(
    connection: Connection,
    tables,
    *,
    entity: str | None = None,
    record_id: int | None = None,
    user_id: int | None = None,
    action: str | None = None,
    since=None,
    until=None,
    limit: int = 100,
) -> list[dict]:
    """Audit entries across records, newest first, filtered as asked."""
    audit: Table = tables[AUDIT]
    query = select(audit).order_by(audit.c.id.desc()).limit(limit)
    for column, value in (
        (audit.c.entity, entity),
        (audit.c.record_id, record_id),
        (audit.c.user_id, user_id),
        (audit.c.action, action),
    ):
        if value is not None:
            query = query.where(column == value)
    if since is not None:
        query = query.where(audit.c.at >= since)
    if until is not None:
        query = query.where(audit.c.at < until)
    return [dict(row) for row in connection.execute(query).mappings()]
