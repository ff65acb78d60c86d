"""Record numbers that carry a date ({YYYY}, {MM}, {DD}) carry the date where
the site is, the one today() answers: an invoice made at 07:00 on New Year's
Day in Shanghai is numbered in the new year."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from officina.database import create_database_engine
from officina.records import RecordsService
from officina.schema.migrate import migrate
from officina.schema.tables import build_schema

PACK = {
    "billing.yaml": """
        entity: invoice
        number: "INV-{YYYY}{MM}{DD}-{###}"
        fields:
          issued_on: {type: date, default: "=today()"}
    """
}

# 23:00 UTC on 31 December is 07:00 on 1 January in Shanghai.
NEW_YEAR_IN_SHANGHAI = dt.datetime(2026, 12, 31, 23, 0, tzinfo=dt.UTC)


@pytest.fixture
def open_service(load_files, database_url, tmp_path):
    definitions = load_files(PACK)
    schema = build_schema(definitions)
    engine = create_database_engine(database_url)
    migrate(engine, schema, backup_dir=tmp_path / "backups")

    def service(zone: str) -> RecordsService:
        return RecordsService(
            definitions,
            schema,
            engine,
            clock=lambda: NEW_YEAR_IN_SHANGHAI,
            timezone=ZoneInfo(zone),
        )

    yield service
    engine.dispose()


def test_the_number_has_the_sites_date(open_service):
    invoice = open_service("Asia/Shanghai").create("invoice", {})
    assert invoice["issued_on"] == dt.date(2027, 1, 1)
    assert invoice["number"] == "INV-20270101-001"


def test_on_a_utc_site_the_number_has_the_utc_date(open_service):
    invoice = open_service("UTC").create("invoice", {})
    assert invoice["issued_on"] == dt.date(2026, 12, 31)
    assert invoice["number"] == "INV-20261231-001"
