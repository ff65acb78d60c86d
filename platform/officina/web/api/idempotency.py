"""Idempotent creates: `Idempotency-Key` makes a retried POST safe.

The first response to a key is stored with a hash of its request, in the
same transaction as the record it created, so a retry after a lost response
gets that response again and creates nothing. The same key with another
request is refused: it is a client bug, not a retry.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import Connection, select

from officina.schema.tables import IDEMPOTENCY

MAX_KEY_LENGTH = 255


@dataclass(frozen=True)
class Stored:
    request_hash: str
    status: int
    response: dict


def request_hash(method: str, path: str, body: bytes) -> str:
    """A fingerprint of the request a key was first used with."""
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def find(runtime, user_id: int, key: str) -> Stored | None:
    """The stored answer to `key` of this user, if any."""
    table = runtime.schema.metadata.tables[IDEMPOTENCY]
    with runtime.engine.connect() as connection:
        row = connection.execute(
            select(table.c.request_hash, table.c.status, table.c.response).where(
                table.c.user_id == user_id, table.c.key == key
            )
        ).first()
    return Stored(row.request_hash, row.status, row.response) if row else None


def remember(
    connection: Connection,
    runtime,
    *,
    user_id: int,
    key: str,
    hash_: str,
    status: int,
    response: dict,
) -> None:
    """Store the answer inside the transaction that made it; a concurrent
    request with the same key then fails on the unique key and rolls back."""
    table = runtime.schema.metadata.tables[IDEMPOTENCY]
    connection.execute(
        table.insert().values(
            key=key,
            user_id=user_id,
            request_hash=hash_,
            status=status,
            # Round-trip through JSON text: the column holds plain JSON.
            response=json.loads(json.dumps(response)),
            created_at=dt.datetime.now(dt.UTC),
        )
    )
