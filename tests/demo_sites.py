"""The demo site of the shipped packs, made once per test session by
`officina demo --no-serve` (it takes a while: thousands of records), and
copied for each test that changes it."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner

from officina.cli import main


@dataclass(frozen=True)
class DemoSite:
    folder: Path
    output: str  # what the command printed

    def copy(self, target: Path) -> Path:
        """A copy to change (its SQLite database lives inside the folder)."""
        shutil.copytree(self.folder, target)
        return target


def make_demo_site(folder: Path, database_url: str | None = None) -> DemoSite:
    """`officina demo` into `folder`: on a site made first with
    `database_url` when one is given (PostgreSQL), else on its own SQLite."""
    runner = CliRunner()
    if database_url:
        made = runner.invoke(main, ["init", str(folder), "--database", database_url])
        assert made.exit_code == 0, made.output
    result = runner.invoke(main, ["demo", "--site", str(folder), "--no-serve"])
    assert result.exit_code == 0, result.output
    return DemoSite(folder, result.output)
