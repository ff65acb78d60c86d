"""Fixtures shared by the whole suite: packs written into tmp_path, loading
them, and the command line runner."""

from __future__ import annotations

import os
import textwrap
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner

from officina.definitions import Layer, load
from officina.packs.catalog import read_manifest


def write_pack(
    root: Path,
    files: dict[str, str],
    *,
    name: str = "shop",
    version: str = "1.0.0",
    depends: dict[str, str] | None = None,
) -> Path:
    """A pack folder under `root` holding `files` (dedented) and a pack.yaml."""
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    manifest = f"name: {name}\nversion: {version}\ntitle: {name.title()}\n"
    if depends:
        manifest += "depends:\n" + "".join(
            f"  {dep}: '{wanted}'\n" for dep, wanted in depends.items()
        )
    (folder / "pack.yaml").write_text(manifest, "utf-8")
    for relative, text in files.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), "utf-8")
    return folder


def pack_layer(folder: Path, depends_on=()) -> Layer:
    source, problems = read_manifest(folder)
    assert not problems, problems
    return Layer(
        name=source.info.name,
        files=tuple(source.files()),
        info=source.info,
        template_folders=(folder / "templates",),
        depends_on=frozenset(depends_on),
    )


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
