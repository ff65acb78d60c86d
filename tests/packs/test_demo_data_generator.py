"""The demo data files the packs ship are what scripts/make_demo_data.py
writes: the generator is deterministic (a fixed seed, no hash order) and
its output is committed, so edit the generator, not the files."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKS = ("commerce", "orders", "inventory", "shipping", "aftersales")


def demo_files(definitions: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(definitions)): path.read_bytes()
        for pack in PACKS
        for path in sorted((definitions / pack / "demo").glob("*.yaml"))
    }


def test_the_shipped_demo_data_is_what_the_generator_writes(tmp_path):
    definitions = tmp_path / "definitions"
    shutil.copytree(ROOT / "definitions", definitions)
    for pack in PACKS:  # written from nothing
        shutil.rmtree(definitions / pack / "demo")
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "make_demo_data.py"),
            "--definitions",
            str(definitions),
        ],
        check=True,
        capture_output=True,
        env={**os.environ, "PYTHONHASHSEED": "random"},
    )
    written, shipped = demo_files(definitions), demo_files(ROOT / "definitions")
    assert sorted(written) == sorted(shipped)
    changed = [name for name in written if written[name] != shipped[name]]
    assert not changed, (
        f"{', '.join(changed)} differ from what the generator writes: run "
        "scripts/make_demo_data.py and commit its output"
    )
