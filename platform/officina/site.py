"""A site: a folder with `site.yaml`, the site's own definitions and files.

`Site.load` reads and checks site.yaml; `site_layers` turns the installed
packs and the site's definitions folder into loader layers, dependencies
first, then the with/<pack>/ files of packs whose optional pack is installed
too, and the site last, so the site's `extend:` documents win.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from jsonschema import Draft7Validator

from officina import timezones
from officina.automation.extensions import extensions
from officina.automation.plugins import load_plugins
from officina.definitions import Definitions, Layer, load
from officina.definitions.loader import SITE_LAYER
from officina.definitions.model import frozen_map
from officina.definitions.schema_check import validate_with
from officina.definitions.source import Mapping, read_documents
from officina.errors import DefinitionErrors, Location, Problem, SiteError
from officina.packs.catalog import Catalog, definition_files
from officina.packs.enhancements import in_effect, unavailable
from officina.packs.resolve import dependency_closure, resolve
from officina.resources import shipped_definitions, shipped_templates

SITE_FILE = "site.yaml"
DEFAULT_DATABASE = "sqlite:///officina.sqlite3"

SITE_SCHEMA = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name"],
    "properties": {
        "name": {"type": "string", "minLength": 1},
        "database": {"type": "string", "minLength": 1},
        "language": {"type": "string"},
        "languages": {"type": "array", "items": {"type": "string"}},
        "timezone": {"type": "string"},
        "packs": {
            "type": "object",
            "additionalProperties": {"type": "string"},
            "x-hint": "map each installed pack to its version, e.g. commerce: 1.0.0",
        },
        "plugins": {"type": "array", "items": {"type": "string"}},
        "mail": {"type": "object"},
        "webhooks": {"type": "object"},
        "settings": {"type": "object"},
    },
}
_SITE_VALIDATOR = Draft7Validator(SITE_SCHEMA)

SITE_TEMPLATE = """\
# An Officina site. Edit with care: `officina validate` checks this file too.
name: {name}
# Where records are stored. A relative SQLite path lives inside this folder;
# for production use e.g. postgresql+psycopg://user:password@host/dbname
database: {database}
language: en
languages: [en, zh]
# The site's timezone (an IANA name such as Asia/Shanghai): when cron
# schedules fire, which days are weekends for SLAs, what today() is.
# Times are stored in UTC whatever it is.
timezone: UTC
# Installed template packs and their versions (`officina pack install NAME`).
packs:{packs}
# Python plugins to enable, by name.
plugins: []
# E-mail: 'outbox' keeps messages inside the site (shown in the UI);
# use {{backend: smtp, host: ..., port: 587, username: ..., password: ...}} to send.
mail:
  backend: outbox
"""

DEFINITIONS_README = """\
# This site's own definitions

YAML files here add to the installed packs or change them, and survive pack
upgrades. For example, to add a field to the `order` entity of a pack:

    extend: order
    fields:
      gift_wrap: {type: boolean, label: {en: Gift wrap, zh: 礼品包装}}

Run `officina validate` after editing; see docs/definitions.md for the language.
"""


@dataclass(frozen=True)
class Site:
    path: Path
    name: str
    database: str
    packs: dict = field(default_factory=dict)  # name -> (version, location)
    plugins: tuple[str, ...] = ()
    language: str = "en"
    languages: tuple[str, ...] = ("en",)
    settings: Mapping = field(default_factory=lambda: frozen_map({}))
    # Outgoing e-mail (backend outbox or smtp) and webhook settings (secret).
    mail: Mapping = field(default_factory=lambda: frozen_map({}))
    webhooks: Mapping = field(default_factory=lambda: frozen_map({}))
    # Where the site's days begin and end (an IANA name); stored times are UTC.
    timezone: str = timezones.DEFAULT

    @property
    def zone(self) -> dt.tzinfo:
        return timezones.zone(self.timezone)

    @property
    def definitions_dir(self) -> Path:
        return self.path / "definitions"

    @property
    def templates_dir(self) -> Path:
        return self.path / "templates"

    @property
    def packs_dir(self) -> Path:
        """Packs copied into the site itself (beside the shipped ones)."""
        return self.path / "packs"

    @classmethod
    def load(cls, path: str | Path) -> Site:
        folder = Path(path)
        file = folder / SITE_FILE
        if not file.is_file():
            where = "this folder" if str(path) in (".", "") else f"'{path}'"
            raise SiteError(
                f"there is no {SITE_FILE} in {where}. Hint: create a site with "
                f"'officina init {path if str(path) not in ('.', '') else 'mysite'}', "
                "or pass --site PATH."
            )
        documents, problems = read_documents(file)
        if not problems and (len(documents) != 1 or not isinstance(documents[0], dict)):
            problems = [
                Problem(
                    Location(str(file), 1, 1),
                    "site.yaml must hold one mapping",
                    "write 'name: my-shop' and the other settings",
                )
            ]
        if not problems:
            problems = validate_with(_SITE_VALIDATOR, documents[0])
        if not problems and "timezone" in documents[0]:
            wrong = timezones.unknown(documents[0]["timezone"])
            if wrong:
                problems = [Problem(documents[0].value_at("timezone"), *wrong)]
        if problems:
            raise DefinitionErrors(problems)
        raw = documents[0]
        packs_raw = raw.get("packs") or {}
        return cls(
            path=folder,
            name=raw["name"],
            database=raw.get("database", DEFAULT_DATABASE),
            packs={
                name: (str(version), packs_raw.value_at(name))
                for name, version in packs_raw.items()
            },
            plugins=tuple(raw.get("plugins") or ()),
            language=raw.get("language", "en"),
            languages=tuple(raw.get("languages") or ("en",)),
            settings=frozen_map(raw.get("settings") or {}),
            mail=frozen_map(raw.get("mail") or {}),
            webhooks=frozen_map(raw.get("webhooks") or {}),
            timezone=raw.get("timezone", timezones.DEFAULT),
        )


def init_site(
    path: str | Path,
    *,
    name: str | None = None,
    database: str | None = None,
    packs: dict[str, str] | None = None,
) -> Site:
    """Create a site folder; refuses to overwrite an existing site."""
    folder = Path(path)
    if (folder / SITE_FILE).exists():
        raise SiteError(
            f"'{folder}' is already a site (it has a {SITE_FILE}). Hint: "
            "choose another folder, or edit the existing site.yaml."
        )
    if folder.exists() and not folder.is_dir():
        raise SiteError(
            f"'{folder}' exists and is not a folder. Hint: choose another path."
        )
    folder.mkdir(parents=True, exist_ok=True)
    for sub in ("definitions", "templates", "files"):
        (folder / sub).mkdir(exist_ok=True)
    (folder / "definitions" / "README.md").write_text(DEFINITIONS_README, "utf-8")
    pack_lines = "".join(f"\n  {n}: {v}" for n, v in (packs or {}).items()) or " {}"
    site_name = name or folder.resolve().name
    text = SITE_TEMPLATE.format(
        name=_yaml_text(site_name),
        database=_yaml_text(database or DEFAULT_DATABASE),
        packs=pack_lines,
    )
    temporary = folder / (SITE_FILE + ".tmp")
    temporary.write_text(text, "utf-8")
    temporary.replace(folder / SITE_FILE)
    return Site.load(folder)


def _yaml_text(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def site_layers(
    site: Site | None, catalog: Catalog, extra_packs=(), extra_files=()
) -> tuple[list[Layer], list[Problem]]:
    """Loader layers for a site (optional), extra pack folders and loose files."""
    requested = dict(site.packs) if site else {}
    sources, problems = resolve(requested, catalog, list(extra_packs))
    problems = list(catalog.problems) + problems
    closure = dependency_closure(sources)
    layers = [
        Layer(
            name=source.info.name,
            files=tuple(source.files()),
            info=source.info,
            template_folders=(source.folder / "templates",),
            depends_on=frozenset(closure.get(source.info.name, ())),
        )
        for source in sources
    ]
    # A pack being checked must name packs that exist (a misspelt name's
    # files would never apply); an installed one may name a pack this site
    # cannot have: its files just do not apply.
    available = {*catalog.packs, *(source.info.name for source in sources)}
    problems += unavailable(extra_packs, available)
    by_name = {source.info.name: source for source in sources}
    active, _left_out = in_effect(sources)
    layers.extend(
        Layer(
            name=enhancement.pack,
            files=tuple(definition_files(enhancement.folder)),
            info=by_name[enhancement.pack].info,
            template_folders=(enhancement.folder / "templates",),
            depends_on=frozenset(
                closure.get(enhancement.pack, set())
                | {enhancement.target}
                | closure.get(enhancement.target, set())
            ),
            enhances=enhancement.target,
        )
        for enhancement in active
    )
    shipped = Layer(name="officina", files=(), template_folders=(shipped_templates(),))
    layers.insert(0, shipped)
    site_files: list[Path] = []
    template_folders: tuple[Path, ...] = ()
    if site is not None:
        site_files.extend(
            definition_files(site.definitions_dir)
            if site.definitions_dir.is_dir()
            else []
        )
        template_folders = (site.templates_dir,)
    site_files.extend(Path(file) for file in extra_files)
    if site_files or template_folders:
        layers.append(
            Layer(
                name=SITE_LAYER,
                files=tuple(site_files),
                template_folders=template_folders,
            )
        )
    return layers, problems


def load_site_definitions(
    site: Site, catalog: Catalog | None = None, plugins=None, *, demo: bool = False
) -> Definitions:
    """The checked definitions a site runs on; DefinitionErrors otherwise.

    `plugins` (a plugin manager; the site's own when not given) adds
    expression functions, template filters, field types and pack folders.
    A `call:` of an action no plugin provides is let through here (the
    runtime reports it); `officina validate` refuses it. The packs' demo
    data is read only with `demo` (to load it): it plays no part in the
    schema, and reading the shipped demo shop takes seconds (see
    `definitions.load`).
    """
    provided = extensions(plugins if plugins is not None else load_plugins(site))
    catalog = catalog or Catalog(pack_folders(site, provided))
    layers, problems = site_layers(site, catalog)
    if problems:
        raise DefinitionErrors(problems)
    return load(layers, demo=demo, **definition_extensions(provided))


def pack_folders(site: Site | None, provided) -> list[Path]:
    """Where a site's packs come from, later folders winning: the shipped
    packs, the plugins' pack folders, the site's own packs/ folder."""
    folders = [*default_pack_folders(), *provided.pack_folders]
    return folders + ([site.packs_dir] if site is not None else [])


def definition_extensions(provided) -> dict:
    """The loader's arguments for what plugins add to the language."""
    return {
        "functions": provided.functions,
        "filters": provided.filters,
        "field_types": dict(provided.field_types),
    }


def default_pack_folders() -> list[Path]:
    return [shipped_definitions()]
