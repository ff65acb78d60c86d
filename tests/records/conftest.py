"""A records service over a real database (SQLite, or PostgreSQL in CI's
second run), built from a small pack written for each test."""

from __future__ import annotations

import pytest
from shop_pack import SHOP

from officina.database import create_database_engine
from officina.records import RecordsService
from officina.schema.migrate import migrate
from officina.schema.tables import build_schema


@pytest.fixture
def engine(database_url):
    engine = create_database_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def records_service(load_files, engine, tmp_path):
    """`records_service(files, **options)`: a records service over the
    test's database with the tables of the pack `files` ({path: YAML});
    `options` go to RecordsService (hooks, clock...)."""

    def make(files: dict[str, str], *arguments, **options) -> RecordsService:
        definitions = load_files(files)
        schema = build_schema(definitions)
        migrate(engine, schema, backup_dir=tmp_path / "backups")
        return RecordsService(definitions, schema, engine, *arguments, **options)

    return make


@pytest.fixture
def shop(records_service):
    return records_service(SHOP)
