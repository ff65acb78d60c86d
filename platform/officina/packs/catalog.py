"""Finding packs: folders with a `pack.yaml`, shipped or the site's own."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from officina.definitions.model import Label, PackInfo, frozen_map
from officina.definitions.schema_check import validate
from officina.definitions.source import Mapping, read_documents
from officina.errors import Location, Problem
from officina.packs.enhancements import ENHANCEMENTS, enhancement_problems
from officina.packs.versions import Version, VersionError, VersionRange
from officina.resources import shipped_definitions

MANIFEST = "pack.yaml"
DATA_FOLDERS = ("seed", "demo")


@dataclass(frozen=True)
class PackSource:
    """A pack on disk: its manifest and the definitions files it holds."""

    info: PackInfo
    folder: Path
    manifest: Mapping = field(default=None, compare=False, repr=False)

    def depends_location(self, name: str) -> Location:
        depends = self.manifest.get("depends") if self.manifest else None
        if isinstance(depends, Mapping) and name in depends:
            return depends.value_at(name)
        return Location(str(self.folder / MANIFEST), 1, 1)

    def files(self) -> list[Path]:
        """The pack's own definitions files (its with/ folders left out)."""
        return definition_files(self.folder, skip=(ENHANCEMENTS,))

    def enhancement_folder(self, name: str) -> Path:
        """The folder of the files that apply when the pack `name` is installed."""
        return self.folder / ENHANCEMENTS / name

    def enhances_location(self, name: str) -> Location:
        enhances = self.manifest.get("enhances") if self.manifest else None
        if isinstance(enhances, Mapping) and name in enhances:
            return enhances.key_at(name)
        return Location(str(self.folder / MANIFEST), 1, 1)


def definition_files(folder: Path, skip: tuple[str, ...] = ()) -> list[Path]:
    """Every YAML file of a definitions folder, in a stable order; `skip`
    names top-level folders left out."""
    found = [
        path
        for pattern in ("*.yaml", "*.yml")
        for path in folder.rglob(pattern)
        if path.name != MANIFEST
        and "templates" not in path.relative_to(folder).parts
        and path.relative_to(folder).parts[0] not in skip
    ]
    return sorted(found, key=lambda p: p.relative_to(folder).as_posix())


def read_manifest(folder: Path) -> tuple[PackSource | None, list[Problem]]:
    path = folder / MANIFEST
    documents, problems = read_documents(path)
    if problems:
        return None, problems
    if len(documents) != 1 or not isinstance(documents[0], Mapping):
        return None, [
            Problem(
                Location(str(path), 1, 1),
                "pack.yaml must hold one mapping",
                "write name:, version:, title: ... lines",
            )
        ]
    manifest = documents[0]
    problems = validate(manifest, "pack")
    if problems:
        return None, problems
    if manifest["name"] != folder.name:
        problems.append(
            Problem(
                manifest.value_at("name"),
                f"the pack is called '{manifest['name']}' but its folder "
                f"is '{folder.name}'",
                "give the folder the pack's name",
            )
        )
    depends = manifest.get("depends") or {}
    for name, text in depends.items():
        try:
            VersionRange.parse(text)
        except VersionError as error:
            problems.append(
                Problem(
                    depends.value_at(name),
                    str(error),
                    "write a range such as '>=1.0, <2' or '^1.2'",
                )
            )
        if name == manifest["name"]:
            problems.append(
                Problem(depends.key_at(name), "a pack cannot depend on itself")
            )
    enhances = manifest.get("enhances") or {}
    problems += enhancement_problems(folder, manifest["name"], depends, enhances)
    if problems:
        return None, problems
    info = PackInfo(
        name=manifest["name"],
        version=manifest["version"],
        title=Label.of(manifest["title"]),
        description=Label.of(manifest.get("description")),
        depends=frozen_map(depends),
        enhances=frozen_map(enhances),
        author=manifest.get("author"),
        license=manifest.get("license"),
        homepage=manifest.get("homepage"),
        path=str(folder),
    )
    return PackSource(info, folder, manifest), []


class Catalog:
    """The packs available to a site, by name (later folders win)."""

    def __init__(self, folders: list[Path] | None = None):
        self.folders = folders if folders is not None else [shipped_definitions()]
        self.packs: dict[str, PackSource] = {}
        self.problems: list[Problem] = []
        for root in self.folders:
            if not root.is_dir():
                continue
            for manifest in sorted(root.glob(f"*/{MANIFEST}")):
                source, problems = read_manifest(manifest.parent)
                self.problems.extend(problems)
                if source is not None:
                    self.packs[source.info.name] = source

    def get(self, name: str) -> PackSource | None:
        return self.packs.get(name)

    def version(self, name: str) -> Version | None:
        source = self.packs.get(name)
        return Version.parse(source.info.version) if source else None
