"""Fixtures of the payments plugin's tests: a fresh database (SQLite, or a
schema of its own on the PostgreSQL server OFFICINA_TEST_DATABASE_URL
names) and a shop site with the shipped commerce and orders packs."""

from __future__ import annotations

import os
import uuid

import pytest


@pytest.fixture
def shop_database_url(tmp_path):
    base = os.environ.get("OFFICINA_TEST_DATABASE_URL")
    if not base:
        yield f"sqlite:///{tmp_path / 'shop.sqlite3'}"
        return
    import sqlalchemy as sa

    schema = f"p_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in base else "?"
    yield f"{base}{separator}options=-csearch_path%3D{schema}"
    with admin.begin() as connection:
        connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def shop(tmp_path, shop_database_url):
    """An opened runtime of a site with the commerce and orders packs."""
    from click.testing import CliRunner

    from officina.cli import main
    from officina.packs.catalog import Catalog
    from officina.runtime import Runtime
    from officina.site import default_pack_folders, init_site

    catalog = Catalog(default_pack_folders())
    packs = {name: catalog.get(name).info.version for name in ("commerce", "orders")}
    folder = tmp_path / "shop"
    init_site(folder, name="Shop", database=shop_database_url, packs=packs)
    result = CliRunner().invoke(main, ["migrate", "--site", str(folder)])
    assert result.exit_code == 0, result.output
    runtime = Runtime.open(folder)
    yield runtime
    runtime.close()
