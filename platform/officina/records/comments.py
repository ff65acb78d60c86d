"""Comments on a record: who said what, when.

Comments are Officina's own table, not fields of the record, so they do
not change its version; anyone who may read a record may comment on it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from officina.database import WRITE
from officina.errors import OfficinaError
from officina.records.errors import RecordNotFound
from officina.schema.tables import COMMENTS, USERS

MAX_LENGTH = 10_000


class CommentRefused(OfficinaError):
    """A comment that cannot be kept; the message says why."""


def add_comment(service, entity: str, record_id: int, body: str, actor) -> dict:
    body = (body or "").strip()
    if not body:
        raise CommentRefused("write something before adding a comment")
    if len(body) > MAX_LENGTH:
        raise CommentRefused(f"a comment may be at most {MAX_LENGTH} characters long")
    if "\x00" in body:
        raise CommentRefused("a comment may not contain the NUL character")
    model = service.definitions.entities.get(entity)
    if model is None or model.is_child:
        raise RecordNotFound(entity, record_id)
    service.permit(actor, "read", model)
    table = service.schema.metadata.tables[COMMENTS]
    values = {
        "entity": entity,
        "record_id": record_id,
        "user_id": actor.id,
        "body": body,
        "at": dt.datetime.now(dt.UTC),
    }
    with service.engine.connect() as connection:
        connection = connection.execution_options(**{WRITE: True})
        with connection.begin():
            if not service.visible(connection, model, record_id, actor):
                raise RecordNotFound(entity, record_id)
            exists = connection.execute(
                select(service.schema.table(entity).c.id).where(
                    service.schema.table(entity).c.id == record_id
                )
            ).first()
            if exists is None:
                raise RecordNotFound(entity, record_id)
            values["id"] = connection.execute(
                table.insert().values(**values).returning(table.c.id)
            ).scalar_one()
    return values


def list_comments(service, entity: str, record_id: int) -> list[dict]:
    """The comments of a record, oldest first, with their authors' names.
    (The caller has already read the record, so may see them.)"""
    table = service.schema.metadata.tables[COMMENTS]
    users = service.schema.metadata.tables[USERS]
    with service.engine.connect() as connection:
        rows = connection.execute(
            select(table, users.c.name.label("user_name"))
            .select_from(table.outerjoin(users, users.c.id == table.c.user_id))
            .where(table.c.entity == entity, table.c.record_id == record_id)
            .order_by(table.c.id)
        ).mappings()
        return [dict(row) for row in rows]
