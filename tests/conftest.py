"""Fixtures shared by the whole suite: packs written into tmp_path, loading
them, and the command line runner."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from officina.definitions import load
from officina.testing import on_postgresql, test_database
from pack_files import pack_layer, write_pack


@pytest.fixture
def make_pack(tmp_path):
    def make(files: dict[str, str], **options) -> Path:
        return write_pack(tmp_path / "packs", files, **options)

    return make


@pytest.fixture
def load_files(make_pack):
    """Load a one-pack set of definitions from {relative path: YAML text}."""

    def load_them(files: dict[str, str], **options):
        return load([pack_layer(make_pack(files, **options))])

    return load_them


@pytest.fixture(name="pack_layer")
def pack_layer_fixture():
    return pack_layer


@pytest.fixture
def database_url(tmp_path):
    """A fresh, empty database for one test: a SQLite file, or (when
    OFFICINA_TEST_DATABASE_URL names a PostgreSQL server) a schema of its own
    in that database, dropped afterwards."""
    with test_database(tmp_path) as url:
        yield url


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture(scope="session")
def shipped_demo(tmp_path_factory):
    """The demo site of every shipped pack on SQLite, made once (tests use
    `demo_site`, which is this one on SQLite)."""
    from demo_sites import make_demo_site

    return make_demo_site(tmp_path_factory.mktemp("shipped-demo") / "site")


@pytest.fixture(scope="session")
def demo_site(request, tmp_path_factory):
    """The demo site on the database the suite runs on: `shipped_demo` on
    SQLite; on PostgreSQL one made once in a schema of its own. Tests that
    change it take a copy of the folder and leave the database as they
    found it (on PostgreSQL the copy shares the database)."""
    from demo_sites import make_demo_site

    if not on_postgresql():
        yield request.getfixturevalue("shipped_demo")
        return
    folder = tmp_path_factory.mktemp("demo-pg")
    with test_database(folder) as url:
        yield make_demo_site(folder / "site", url)
