"""Login throttling: too many failed sign-ins lock an account (and a client)
for a while.

Counts live in a table, not in a process, so every web process of a site
sees the same count. A success clears the account's count.
"""

from __future__ import annotations

import datetime as dt
import math

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from officina.schema.tables import LOGIN_THROTTLE

# Failed attempts allowed within WINDOW before the key is locked for LOCK.
ACCOUNT_LIMIT = 5
CLIENT_LIMIT = 20
WINDOW = dt.timedelta(minutes=15)
LOCK = dt.timedelta(minutes=15)


def _table(runtime):
    return runtime.schema.metadata.tables[LOGIN_THROTTLE]


def keys(email: str, client: str | None) -> dict[str, int]:
    """The throttle keys of one attempt and the failures each may have."""
    found = {f"email:{email.strip().lower()}"[:300]: ACCOUNT_LIMIT}
    if client:
        found[f"ip:{client}"[:300]] = CLIENT_LIMIT
    return found


def locked_for(runtime, email: str, client: str | None, now=None) -> int:
    """Whole minutes until sign-in is allowed again (0: allowed now)."""
    now = now or dt.datetime.now(dt.UTC)
    table = _table(runtime)
    with runtime.engine.connect() as connection:
        rows = connection.execute(
            select(table.c.locked_until).where(
                table.c.key.in_(list(keys(email, client))),
                table.c.locked_until > now,
            )
        ).all()
    if not rows:
        return 0
    until = max(row.locked_until for row in rows)
    return max(1, math.ceil((until - now).total_seconds() / 60))


def record_failure(runtime, email: str, client: str | None, now=None) -> None:
    now = now or dt.datetime.now(dt.UTC)
    table = _table(runtime)
    with runtime.engine.begin() as connection:
        for key, limit in keys(email, client).items():
            row = connection.execute(select(table).where(table.c.key == key)).first()
            if row is None or now - row.first_failure_at > WINDOW:
                values = {"failures": 1, "first_failure_at": now, "locked_until": None}
                if row is None:
                    try:
                        with connection.begin_nested():
                            connection.execute(table.insert().values(key=key, **values))
                        continue
                    except IntegrityError:
                        pass  # another process counted first: add to its count
                else:
                    connection.execute(
                        update(table).where(table.c.key == key).values(**values)
                    )
                    continue
            failures = table.c.failures + 1
            connection.execute(
                update(table).where(table.c.key == key).values(failures=failures)
            )
            count = connection.execute(
                select(table.c.failures).where(table.c.key == key)
            ).scalar_one()
            if count >= limit:
                connection.execute(
                    update(table)
                    .where(table.c.key == key)
                    .values(locked_until=now + LOCK, failures=0, first_failure_at=now)
                )


def record_success(runtime, email: str) -> None:
    table = _table(runtime)
    with runtime.engine.begin() as connection:
        connection.execute(
            delete(table).where(table.c.key.in_(list(keys(email, None))))
        )
