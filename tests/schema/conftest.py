"""Migrations on a real database (SQLite, or PostgreSQL in CI's second run):
definitions written as a small pack per version, data seeded with SQLAlchemy
Core, table contents read back exactly."""

from __future__ import annotations

import shutil

import pytest

from officina.database import create_database_engine
from officina.schema.tables import Schema, build_schema


@pytest.fixture
def engine(database_url):
    engine = create_database_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def definitions(load_files, tmp_path):
    """The schema of `{file name: YAML}`, as one pack `shop` (each call
    replaces the pack's files)."""

    def build(files: dict[str, str]) -> Schema:
        shutil.rmtree(tmp_path / "packs" / "shop", ignore_errors=True)
        return build_schema(load_files(files))

    return build
