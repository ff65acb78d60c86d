"""Fixtures of the payments plugin's tests: a fresh database (SQLite, or a
schema of its own on the PostgreSQL server OFFICINA_TEST_DATABASE_URL
names) and a shop site with the shipped commerce and orders packs."""

from __future__ import annotations

import pytest

from officina.testing import test_database


@pytest.fixture
def shop_database_url(tmp_path):
    with test_database(tmp_path, "shop") as url:
        yield url


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
