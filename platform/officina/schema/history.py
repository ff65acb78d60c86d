"""What earlier migrations left behind: their records and the archived data.

Every applied migration adds a row to `officina_migration`: when, for which
definitions version, its steps in words and as data, the backup taken, and
how every column stores its values afterwards (`column_types`). Removed
fields and entities are never dropped: they are renamed
`_archived_<name>_<YYYYMMDDHHMMSS>` and stay in the database, recoverable.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field

from sqlalchemy import JSON, Connection, column, desc, insert, inspect, select, table

from officina.schema.column_types import UTCDateTime
from officina.schema.storage import Storage
from officina.schema.tables import ARCHIVE_PREFIX, MAX_IDENTIFIER, MIGRATIONS

STAMP = "%Y%m%d%H%M%S"
_STAMP_LENGTH = 14
_ARCHIVED = re.compile(rf"^{ARCHIVE_PREFIX}(.+)_(\d{{{_STAMP_LENGTH}}})$")

# {table: {column: {"storage": "decimal(18,2)", "type": "money"}}}
ColumnTypes = dict[str, dict[str, dict[str, str]]]


@dataclass
class History:
    """The latest migration's definitions version and column types."""

    version: str | None = None
    column_types: ColumnTypes = field(default_factory=dict)

    def storage(self, table: str, column: str) -> tuple[Storage | None, str | None]:
        """The recorded storage and field type of a column, if any."""
        entry = self.column_types.get(table, {}).get(column)
        if not entry:
            return None, None
        return Storage.parse(entry.get("storage", "")), entry.get("type")


def read_history(connection: Connection) -> History:
    """The last recorded migration, or an empty history."""
    inspector = inspect(connection)
    if not inspector.has_table(MIGRATIONS):
        return History()
    columns = {column["name"] for column in inspector.get_columns(MIGRATIONS)}
    migrations = _migrations()
    wanted = [migrations.c.definitions_version]
    if "column_types" in columns:
        wanted.append(migrations.c.column_types)
    row = connection.execute(
        select(*wanted).order_by(desc(migrations.c.id)).limit(1)
    ).first()
    if row is None:
        return History()
    types = row[1] if len(row) > 1 and isinstance(row[1], dict) else {}
    return History(row[0], types)


def last_version(connection: Connection) -> str | None:
    """The definitions version of the latest migration (one cheap query)."""
    if not inspect(connection).has_table(MIGRATIONS):
        return None
    migrations = _migrations()
    return connection.execute(
        select(migrations.c.definitions_version)
        .order_by(desc(migrations.c.id))
        .limit(1)
    ).scalar()


def record_migration(
    connection: Connection,
    *,
    applied_at: dt.datetime,
    version: str,
    steps: list[dict],
    backup: str | None,
    column_types: ColumnTypes,
) -> None:
    connection.execute(
        insert(_migrations()).values(
            applied_at=applied_at,
            definitions_version=version,
            steps=steps,
            backup=backup,
            column_types=column_types,
        )
    )


def _migrations():
    """Just the columns this module reads and writes (see tables.py)."""
    return table(
        MIGRATIONS,
        column("id"),
        column("applied_at", UTCDateTime()),
        column("definitions_version"),
        column("steps", JSON()),
        column("backup"),
        column("column_types", JSON()),
    )


def archived_name(name: str, when: dt.datetime) -> str:
    """`_archived_phone_20261127101500`, shortened with a hash to fit 63."""
    stamp = when.strftime(STAMP)
    text = f"{ARCHIVE_PREFIX}{name}_{stamp}"
    if len(text) <= MAX_IDENTIFIER:
        return text
    return f"{_stem(name)}_{stamp}"


def _stem(name: str) -> str:
    plain = f"{ARCHIVE_PREFIX}{name}"
    if len(plain) + 1 + _STAMP_LENGTH <= MAX_IDENTIFIER:
        return plain
    digest = hashlib.sha1(name.encode()).hexdigest()[:8]
    keep = MAX_IDENTIFIER - len(ARCHIVE_PREFIX) - len(digest) - 2 - _STAMP_LENGTH
    return f"{ARCHIVE_PREFIX}{name[:keep]}_{digest}"


def is_archived(name: str) -> bool:
    return name.startswith(ARCHIVE_PREFIX)


def original_name(archived: str) -> str:
    """The name an archived table or column had (shortened if it was long)."""
    match = _ARCHIVED.match(archived)
    return match.group(1) if match else archived[len(ARCHIVE_PREFIX) :]


def latest_archive(name: str, candidates) -> str | None:
    """The most recently archived copy of `name` among `candidates`."""
    stem = _stem(name)
    found = [
        candidate
        for candidate in candidates
        if _ARCHIVED.match(candidate) and candidate[: -(_STAMP_LENGTH + 1)] == stem
    ]
    return max(found, key=lambda text: text[-_STAMP_LENGTH:], default=None)
