"""Fixtures of the carriers plugin's tests: a fresh database (SQLite, or a
schema of its own on the PostgreSQL server OFFICINA_TEST_DATABASE_URL
names)."""

from __future__ import annotations

import os
import uuid

import pytest


@pytest.fixture
def carriers_database_url(tmp_path):
    base = os.environ.get("OFFICINA_TEST_DATABASE_URL")
    if not base:
        yield f"sqlite:///{tmp_path / 'carriers.sqlite3'}"
        return
    import sqlalchemy as sa

    schema = f"c_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in base else "?"
    yield f"{base}{separator}options=-csearch_path%3D{schema}"
    with admin.begin() as connection:
        connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()
