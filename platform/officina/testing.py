"""Databases for tests, for Officina's own suite and for plugins' suites.

A test gets a fresh, empty database: a SQLite file in a folder of its own,
or, when OFFICINA_TEST_DATABASE_URL names a PostgreSQL server, a schema of
its own in that database (made for the test and dropped after it). The
same test thus runs on either engine, and many can share one server.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

TEST_DATABASE_VARIABLE = "OFFICINA_TEST_DATABASE_URL"


def on_postgresql() -> bool:
    """Whether the tests run on the PostgreSQL server the environment names."""
    return bool(os.environ.get(TEST_DATABASE_VARIABLE))


@contextmanager
def test_database(folder: str | Path, name: str = "test") -> Iterator[str]:
    """The URL of a fresh database, removed afterwards: `folder/name.sqlite3`,
    or a schema of its own on the server of OFFICINA_TEST_DATABASE_URL."""
    base = os.environ.get(TEST_DATABASE_VARIABLE)
    if not base:
        yield f"sqlite:///{Path(folder) / f'{name}.sqlite3'}"
        return
    import sqlalchemy as sa

    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base)
    try:
        with admin.begin() as connection:
            connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
        separator = "&" if "?" in base else "?"
        try:
            yield f"{base}{separator}options=-csearch_path%3D{schema}"
        finally:
            with admin.begin() as connection:
                connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    finally:
        admin.dispose()


test_database.__test__ = False  # a helper, not a test for pytest to collect
