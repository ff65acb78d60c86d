"""`officina plan` and `officina migrate` as a user runs them."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest
from migration_helpers import NOW, table_names
from sqlalchemy import JSON, column, insert, select, table

from officina.cli import main
from officina.database import create_database_engine
from officina.schema.column_types import UTCDateTime
from officina.schema.history import read_history
from officina.schema.tables import build_schema
from officina.site import Site, init_site, load_site_definitions

SHOP = """
entity: customer
fields:
  name: {type: string, required: true}
  phone: string
  email: email
---
entity: order_line
fields:
  qty: text
"""
EDITED = """
entity: customer
fields:
  name: {type: string, required: true}
  mobile: {type: string, renamed_from: phone}
  email: {type: email, required: true}
---
entity: order
fields:
  gift_note: text
---
entity: order_line
fields:
  qty: integer
  gift_note: text
"""


@pytest.fixture
def site(tmp_path, database_url) -> Path:
    folder = tmp_path / "shop"
    init_site(folder, database=database_url)
    write(folder, SHOP)
    return folder


def write(site: Path, text: str) -> None:
    (site / "definitions" / "shop.yaml").write_text(text, "utf-8")


def run(runner, *arguments):
    return runner.invoke(main, list(arguments))


def seed_customers(site: Path) -> None:
    """Three customers and two order lines, written with SQLAlchemy Core."""
    loaded = Site.load(site)
    schema = build_schema(load_site_definitions(loaded))
    engine = create_database_engine(loaded.database, site_path=loaded.path)
    stamp = {"created_at": NOW, "updated_at": NOW, "version": 1}
    with engine.begin() as connection:
        connection.execute(
            insert(schema.table("customer")),
            [
                {**stamp, "name": "Ada", "phone": "555-01", "email": "a@example.com"},
                {**stamp, "name": "Bob", "phone": None, "email": "b@example.com"},
                {**stamp, "name": "Cy", "phone": "555-03", "email": "c@example.com"},
            ],
        )
        connection.execute(
            insert(schema.table("order_line")),
            [{**stamp, "qty": "2"}, {**stamp, "qty": " 10"}],
        )
    engine.dispose()


def test_plan_of_a_new_site_then_migrate(runner, site):
    result = run(runner, "plan", "--site", str(site))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == (
        "The database does not match the definitions: 3 changes."
    )
    assert "  1. set up Officina's own tables (" in result.stdout
    assert "  2. add the table `customer`" in result.stdout
    assert result.stdout.endswith(f"Apply with: officina migrate --site {site}\n")

    result = run(runner, "migrate", "--site", str(site))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Applied 3 changes:\n  1. set up")

    for command in ("plan", "migrate"):
        result = run(runner, command, "--site", str(site))
        assert result.exit_code == 0, result.output
        assert result.stdout == "The database matches the definitions.\n"


def test_plan_says_what_changes_in_words(runner, site):
    assert run(runner, "migrate", "--site", str(site)).exit_code == 0
    seed_customers(site)
    write(site, EDITED)
    result = run(runner, "plan", "--site", str(site))
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "The database does not match the definitions: 5 changes.\n"
        "  1. rename `phone` to `mobile` in `customer` (moves 2 values)\n"
        "  2. add the table `order`\n"
        "  3. add column `gift_note` to `order_line`\n"
        "  4. change `qty` of `order_line` from text to integer (all 2 values "
        "convert)\n"
        "  5. make `email` required in `customer` (all 3 records have a value)\n"
        "\n"
        f"Apply with: officina migrate --site {site}\n"
    )


def test_migrate_refuses_and_changes_nothing(runner, site):
    assert run(runner, "migrate", "--site", str(site)).exit_code == 0
    seed_customers(site)
    vat = "  email: email\n  vat: {type: string, required: true}"
    write(site, SHOP.replace("  email: email", vat))
    result = run(runner, "migrate", "--site", str(site))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        "Refused: cannot add the required field `vat` to `customer`: its 3 records "
        "would have no value. Hint: give the field a default (it is filled into "
        "the existing records), or add the field as optional first and fill it "
        "in.\n"
        "Nothing was changed: 1 change cannot be applied. Run 'officina plan "
        f"--site {site}' to see the whole plan.\n"
    )
    plan = run(runner, "plan", "--site", str(site))
    assert plan.exit_code == 0
    assert "1 change cannot be applied (nothing is applied until all can):" in (
        plan.stdout
    )
    assert "Apply with" not in plan.stdout


def test_removing_a_field_needs_allow_destructive(runner, site):
    assert run(runner, "migrate", "--site", str(site)).exit_code == 0
    seed_customers(site)
    write(site, SHOP.replace("  phone: string\n", ""))
    result = run(runner, "migrate", "--site", str(site))
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "Refused: cannot remove the field `phone` of `customer` without "
        "--allow-destructive: it holds 2 values."
    )
    plan = run(runner, "plan", "--site", str(site)).stdout
    assert "  1. archive column `phone` of `customer` (2 values): kept as " in plan
    assert plan.endswith(
        f"Apply with: officina migrate --site {site} --allow-destructive (removed "
        "data is archived)\n"
    )

    result = run(runner, "migrate", "--site", str(site), "--allow-destructive")
    assert result.exit_code == 0, result.output
    assert "  1. archive column `phone` of `customer` (2 values): kept as " in (
        result.stdout
    )
    plan = run(runner, "plan", "--site", str(site)).stdout
    assert plan.startswith("The database matches the definitions.\n\n")
    assert "  - archived: column `phone` of `customer` kept as `_archived_phone_" in (
        plan
    )


def test_sqlite_backup_holds_the_data_before_the_migration(runner, tmp_path):
    # Backups are files of SQLite sites: this test always uses one.
    site = tmp_path / "embedded"
    init_site(site)
    write(site, SHOP)
    assert run(runner, "migrate", "--site", str(site)).exit_code == 0
    seed_customers(site)
    write(site, EDITED)
    result = run(runner, "migrate", "--site", str(site))
    assert result.exit_code == 0, result.output
    line = result.stdout.splitlines()[-1]
    assert line.startswith("Backup of the database before the changes: ")
    backup = Path(line.split(": ", 1)[1]).resolve()
    assert backup.parent == site.resolve() / "backups"
    assert backup.name.startswith("officina-") and backup.suffix == ".sqlite3"
    with sqlite3.connect(backup) as copy:
        assert copy.execute("SELECT phone FROM customer ORDER BY id").fetchall() == [
            ("555-01",),
            (None,),
            ("555-03",),
        ]
        assert copy.execute("SELECT qty FROM order_line").fetchall() == [
            ("2",),
            (" 10",),
        ]


def test_applied_migrations_are_recorded(runner, site):
    assert run(runner, "migrate", "--site", str(site)).exit_code == 0
    write(site, EDITED)
    assert run(runner, "migrate", "--site", str(site)).exit_code == 0
    loaded = Site.load(site)
    engine = create_database_engine(loaded.database, site_path=loaded.path)
    migrations = table(
        "officina_migration",
        column("id"),
        column("applied_at", UTCDateTime()),
        column("definitions_version"),
        column("steps", JSON()),
        column("backup"),
    )
    with engine.connect() as connection:
        rows = connection.execute(select(migrations).order_by(migrations.c.id)).all()
        history = read_history(connection)
    engine.dispose()
    version = build_schema(load_site_definitions(loaded)).definitions_version
    assert len(rows) == 2
    assert rows[1].definitions_version == version == history.version
    steps = rows[1].steps
    assert steps[0]["kind"] == "rename_column"
    assert steps[0]["description"] == (
        "rename `phone` to `mobile` in `customer` (moves 0 values)"
    )
    assert {"old": "phone", "column": "mobile"}.items() <= steps[0].items()
    if loaded.database.startswith("sqlite"):
        assert Path(rows[1].backup).is_file()
    else:
        assert rows[1].backup is None
    assert history.column_types["order_line"]["qty"] == {
        "storage": "integer(64)",
        "type": "integer",
    }
    assert rows[0].applied_at <= rows[1].applied_at <= dt.datetime.now(dt.UTC)


def test_a_new_site_first_migrate_creates_every_table_of_its_packs(
    runner, tmp_path, database_url
):
    folder = tmp_path / "store"
    init_site(
        folder,
        database=database_url,
        packs={"commerce": "1.0.0", "orders": "1.0.0"},
    )
    result = run(runner, "migrate", "--site", str(folder))
    assert result.exit_code == 0, result.output
    loaded = Site.load(folder)
    definitions = load_site_definitions(loaded)
    for entity in definitions.entities:
        assert f"add the table `{entity}`" in result.stdout
    assert {"order", "order_line", "customer", "product"} <= set(definitions.entities)
    engine = create_database_engine(loaded.database, site_path=loaded.path)
    assert set(definitions.entities) | {"officina_migration"} <= table_names(engine)
    engine.dispose()
    result = run(runner, "plan", "--site", str(folder))
    assert result.stdout == "The database matches the definitions.\n"


def test_an_unusable_database_is_a_message_not_a_traceback(runner, tmp_path):
    folder = tmp_path / "shop"
    init_site(folder, database="sqlite:////nonexistent/folder/officina.sqlite3")
    result = run(runner, "plan", "--site", str(folder))
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "Error: cannot use the database of the site 'shop' (unable to open "
        "database file). Hint: check 'database:' in site.yaml"
    )
