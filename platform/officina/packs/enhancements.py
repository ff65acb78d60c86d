"""Optional packs: the files a pack keeps for when another pack is installed.

A pack names the packs it works with under `enhances:` in its pack.yaml,
each with a version range, and keeps the definitions that need one of them
in `with/<name>/`. Those files are part of the pack (their entities, rules
and seed records are the pack's), loaded after both packs, and only when the
site has a version of <name> inside the range; without it the pack loads as
if they were not there. Installing <name> later brings them into effect,
removing it takes them out again.

Like the catalogue, which imports it to check manifests, this module
imports officina.errors and packs.versions only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from officina.errors import Location, Problem, suggest
from officina.packs.versions import Version, VersionError, VersionRange

ENHANCEMENTS = "with"
RANGE_HINT = "write a range such as '>=1.0, <2' or '^1.2'"


@dataclass(frozen=True)
class Enhancement:
    """The with/<target>/ files of a pack."""

    pack: str  # the pack holding the files
    target: str  # the pack they need
    wanted: str  # the versions of `target` they are written for
    folder: Path

    def __str__(self) -> str:
        return f"{self.pack}/{ENHANCEMENTS}/{self.target}"


def enhancement_problems(folder: Path, name: str, depends, enhances) -> list[Problem]:
    """What is wrong with a manifest's `enhances:` and the pack's with/ folder."""
    problems = []
    for target, text in enhances.items():
        try:
            VersionRange.parse(text)
        except VersionError as error:
            problems.append(Problem(enhances.value_at(target), str(error), RANGE_HINT))
        if target == name:
            problems.append(
                Problem(enhances.key_at(target), "a pack cannot enhance itself")
            )
        elif target in depends:
            problems.append(
                Problem(
                    enhances.key_at(target),
                    f"'{target}' is under both depends: and enhances:; a pack it "
                    "depends on is always installed with it",
                    f"move the files of {ENHANCEMENTS}/{target}/ among the pack's "
                    f"own files and remove '{target}' from enhances:",
                )
            )
    root = folder / ENHANCEMENTS
    for entry in sorted(root.iterdir()) if root.is_dir() else ():
        if entry.is_dir() and entry.name not in enhances:
            close = suggest(entry.name, enhances)
            hint = (
                f"{close} Rename the folder"
                if close
                else f"add it to pack.yaml as 'enhances: {{{entry.name}: ^1.0}}' "
                "(the versions it works with)"
            )
            problems.append(
                Problem(
                    Location(str(entry)),
                    f"the folder {ENHANCEMENTS}/{entry.name}/ is for the pack "
                    f"'{entry.name}', which pack.yaml does not name under enhances:",
                    hint,
                )
            )
        elif entry.is_file() and entry.suffix in (".yaml", ".yml"):
            problems.append(
                Problem(
                    Location(str(entry)),
                    f"a file directly in {ENHANCEMENTS}/ applies with no pack in "
                    "particular",
                    f"move it into {ENHANCEMENTS}/<pack>/, the folder of the pack "
                    "it needs",
                )
            )
    return problems


def enhancements_of(sources: Iterable) -> list[Enhancement]:
    """Every with/ folder the packs `sources` (PackSource) name, in order."""
    return [
        Enhancement(source.info.name, target, wanted, source.enhancement_folder(target))
        for source in sources
        for target, wanted in source.info.enhances.items()
    ]


def in_effect(sources: Iterable) -> tuple[list[Enhancement], dict]:
    """The enhancements of `sources` whose pack is among them at a version
    inside the range, and the others with the reason they are left out."""
    sources = list(sources)
    versions = {source.info.name: source.info.version for source in sources}
    active, left_out = [], {}
    for enhancement in enhancements_of(sources):
        version = versions.get(enhancement.target)
        if version is None:
            left_out[enhancement] = f"'{enhancement.target}' is not installed"
        elif _accepts(enhancement.wanted, version):
            active.append(enhancement)
        else:
            left_out[enhancement] = (
                f"'{enhancement.target}' {version} is not in '{enhancement.wanted}'"
            )
    return active, left_out


def unavailable(sources: Iterable, available: Iterable[str]) -> list[Problem]:
    """An `enhances:` entry naming a pack the site cannot install (a typo,
    most likely: its files could never apply)."""
    known = set(available)
    problems = []
    for source in sources:
        for target in source.info.enhances:
            if target in known:
                continue
            hint = suggest(target, known) or (
                f"remove '{target}' from enhances:, or make it available "
                "(available packs: " + ", ".join(sorted(known)) + ")"
            )
            problems.append(
                Problem(
                    source.enhances_location(target),
                    f"'{source.info.name}' enhances the pack '{target}', which is "
                    "not available",
                    hint,
                )
            )
    return problems


def _accepts(wanted: str, version: str) -> bool:
    try:
        return Version.parse(version) in VersionRange.parse(wanted)
    except VersionError:
        return False
