"""Opening a site: definitions, database and records service together, and
the refusal to run on a database that does not match the definitions."""

from __future__ import annotations

import pytest

from officina.cli import main
from officina.runtime import Runtime
from officina.schema.migrate import SchemaOutOfDate

SUPPLIER = """\
entity: supplier
number: "SUP-{####}"
fields:
  name: {type: string, required: true}
  email: {type: email, unique: true}
"""


@pytest.fixture
def site(runner, tmp_path, database_url):
    folder = tmp_path / "shop"
    result = runner.invoke(main, ["init", str(folder), "--database", database_url])
    assert result.exit_code == 0, result.output
    (folder / "definitions" / "supplier.yaml").write_text(SUPPLIER)
    return folder


def test_a_site_runs_only_on_a_migrated_database(runner, site):
    with pytest.raises(SchemaOutOfDate, match="run 'officina migrate --site"):
        Runtime.open(site)
    result = runner.invoke(main, ["migrate", "--site", str(site)])
    assert result.exit_code == 0, result.output
    runtime = Runtime.open(site)
    try:
        record = runtime.records.create("supplier", {"name": "Acme"})
        assert record["number"] == "SUP-0001"
    finally:
        runtime.close()


def test_a_changed_definition_needs_a_migration_again(runner, site):
    assert runner.invoke(main, ["migrate", "--site", str(site)]).exit_code == 0
    path = site / "definitions" / "supplier.yaml"
    path.write_text(SUPPLIER + "  phone: phone\n")
    with pytest.raises(SchemaOutOfDate):
        Runtime.open(site)
    assert runner.invoke(main, ["migrate", "--site", str(site)]).exit_code == 0
    runtime = Runtime.open(site)
    runtime.records.create("supplier", {"name": "Acme", "phone": "+47 22 00 00 00"})
    runtime.close()
