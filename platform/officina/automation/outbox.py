"""The outbox: external effects as jobs, written in the transaction of the
change that causes them.

A job is delivered by `officina worker` after that transaction commits; if
it rolls back, the job was never there. Each job carries an idempotency
key that the receiver sees (the e-mail's Message-ID, a webhook header), so
a delivery repeated after a crash can be recognised.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import Connection

from officina.schema.tables import JOBS

PENDING, RUNNING, DONE, DEAD = "pending", "running", "done", "dead"
DEFAULT_ATTEMPTS = 8


class RetryLater(Exception):
    """Raised by a job handler for a temporary failure (a server down, a
    timeout, a 5xx answer): the worker tries again later, with backoff."""


def new_key(*parts) -> str:
    """An idempotency key: from `parts` when given (the same effect of the
    same change gets the same key), else random."""
    if parts:
        text = "\x1f".join(str(part) for part in parts)
        return hashlib.sha256(text.encode()).hexdigest()[:40]
    return secrets.token_hex(20)


def enqueue(
    connection: Connection,
    tables,
    kind: str,
    payload: dict,
    *,
    key: str | None = None,
    rule: str | None = None,
    entity: str | None = None,
    record_id: int | None = None,
    run_after: dt.datetime | None = None,
    max_attempts: int = DEFAULT_ATTEMPTS,
    now: dt.datetime | None = None,
) -> dict:
    """Add a job in the caller's transaction; the row written."""
    now = now or dt.datetime.now(dt.UTC)
    values = {
        "kind": kind,
        "payload": payload,
        "idempotency_key": key or new_key(),
        "status": PENDING,
        "attempts": 0,
        "max_attempts": max_attempts,
        "next_attempt_at": run_after or now,
        "rule": rule,
        "entity": entity,
        "record_id": record_id,
        "created_at": now,
    }
    table = tables[JOBS]
    values["id"] = connection.execute(
        table.insert().values(**values).returning(table.c.id)
    ).scalar_one()
    return values
