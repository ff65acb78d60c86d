"""The wheel is self-contained: packs, templates, the JSON Schema and the
`officina` command all ship inside it.

Builds the wheel once with `python -m build --no-isolation`, using the
hatchling the test dependencies install, so no network is needed.
"""

from __future__ import annotations

import configparser
import json
import os
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parent.parent
SHIPPED = "officina/_shipped"
SCHEMA = "officina/definitions/schemas/officina.schema.json"


def shipped_files(folder: str) -> list[str]:
    """Files of a top-level source folder as the wheel should hold them."""
    root = REPOSITORY / folder
    return sorted(
        f"{SHIPPED}/{folder}/{path.relative_to(root).as_posix()}"
        for path in root.rglob("*")
        if path.is_file()
        and not any(part.startswith(".") for part in path.relative_to(root).parts)
        and "__pycache__" not in path.parts
    )


def build_wheel(outdir: Path) -> Path:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "build",
            "--wheel",
            "--no-isolation",
            "--outdir",
            str(outdir),
        ],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        timeout=900,
    )
    output = result.stdout + result.stderr
    if result.returncode != 0:
        pytest.fail("building the wheel failed:\n" + output[-4000:])
    (wheel,) = outdir.glob("officina-*.whl")
    return wheel


def test_the_wheel_ships_packs_templates_schema_and_the_command(tmp_path):
    wheel = build_wheel(tmp_path / "dist")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())

        packs = sorted(
            p.parent.name for p in (REPOSITORY / "definitions").glob("*/pack.yaml")
        )
        for pack in packs:
            assert f"{SHIPPED}/definitions/{pack}/pack.yaml" in names, pack
        missing = [
            name
            for name in shipped_files("definitions") + shipped_files("templates")
            if name not in names
        ]
        assert not missing, f"not in the wheel: {missing}"
        assert any(n.startswith(f"{SHIPPED}/templates/") for n in names)
        for pack in packs:
            inside = archive.read(f"{SHIPPED}/definitions/{pack}/pack.yaml")
            assert (
                inside == (REPOSITORY / "definitions" / pack / "pack.yaml").read_bytes()
            )

        assert SCHEMA in names
        schema = json.loads(archive.read(SCHEMA))
        assert schema["title"] == "Officina definitions"

        # The package itself, at the top of the wheel (not under platform/).
        assert "officina/definitions/loader.py" in names
        assert not any(n.startswith(("platform/", "tests/")) for n in names)

        (entry_points,) = [
            n for n in names if n.endswith(".dist-info/entry_points.txt")
        ]
        parser = configparser.ConfigParser()
        parser.read_string(archive.read(entry_points).decode("utf-8"))
        assert parser["console_scripts"]["officina"].strip() == "officina.cli:main"

        extracted = tmp_path / "extracted"
        archive.extractall(extracted)

    # Run from the unpacked wheel: the shipped packs are found inside it.
    check = textwrap.dedent(
        f"""
        import officina.resources as resources
        from officina.packs.catalog import Catalog
        assert resources.__file__.startswith({str(extracted)!r}), resources.__file__
        folder = resources.shipped_definitions()
        assert str(folder).startswith({str(extracted)!r}), folder
        assert resources.shipped_templates().is_dir()
        catalog = Catalog()
        found = sorted(catalog.packs)
        assert found == {packs!r}, (found, catalog.problems)
        from officina.cli import main
        """
    )
    environment = {**os.environ, "PYTHONPATH": str(extracted)}
    result = subprocess.run(
        [sys.executable, "-c", check],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
