"""Fixtures shared by the whole suite: packs written into tmp_path, loading
them, and the command line runner."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner

from officina.definitions import load
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
    base = os.environ.get("OFFICINA_TEST_DATABASE_URL")
    if not base:
        yield f"sqlite:///{tmp_path / 'test.sqlite3'}"
        return
    import sqlalchemy as sa

    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in base else "?"
    yield f"{base}{separator}options=-csearch_path%3D{schema}"
    with admin.begin() as connection:
        connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture(scope="session")
def shipped_demo(tmp_path_factory):
    """The demo site of every shipped pack (SQLite), made once: tests that
    change it take a copy (`shipped_demo.copy(tmp_path / "site")`)."""
    from demo_sites import make_demo_site

    return make_demo_site(tmp_path_factory.mktemp("shipped-demo") / "site")
