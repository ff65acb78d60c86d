"""Packs written into a folder for a test, and loaded as layers."""

from __future__ import annotations

import textwrap
from pathlib import Path

from officina.definitions import Layer
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


def make_site(
    runner,
    folder: Path,
    database_url: str,
    definitions: str,
    *,
    file: str = "shop.yaml",
    settings: str = "",
    plugins: tuple[str, ...] = (),
    packs: dict[str, str] | None = None,
) -> Path:
    """A site made by `officina init` with these definitions (dedented) and
    its tables made by `officina migrate`; `settings` is added to site.yaml,
    `plugins` and `packs` fill in its `plugins:` and `packs:`."""
    from officina.cli import main

    result = runner.invoke(main, ["init", str(folder), "--database", database_url])
    assert result.exit_code == 0, result.output
    site_file = folder / "site.yaml"
    text = site_file.read_text("utf-8")
    if plugins:
        text = text.replace("plugins: []", f"plugins: [{', '.join(plugins)}]")
    if packs:
        listed = "".join(f"\n  {name}: '{version}'" for name, version in packs.items())
        text = text.replace("packs: {}", f"packs:{listed}")
    site_file.write_text(text, "utf-8")
    (folder / "definitions" / file).write_text(textwrap.dedent(definitions), "utf-8")
    if settings:
        with open(folder / "site.yaml", "a", encoding="utf-8") as handle:
            handle.write(settings)
    result = runner.invoke(main, ["migrate", "--site", str(folder)])
    assert result.exit_code == 0, result.output
    return folder
