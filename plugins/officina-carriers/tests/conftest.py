"""Fixtures of the carriers plugin's tests: a fresh database (SQLite, or a
schema of its own on the PostgreSQL server OFFICINA_TEST_DATABASE_URL
names)."""

from __future__ import annotations

import pytest

from officina.testing import test_database


@pytest.fixture
def carriers_database_url(tmp_path):
    with test_database(tmp_path, "carriers") as url:
        yield url
