"""Load layers of definitions files into one checked, frozen `Definitions`.

A layer is a pack (or the site's own definitions folder, always last). Files
are read, each document checked against the JSON Schema, `extend:` documents
laid over their entities, and the whole model built and checked. Every
problem found on the way is reported together in one `DefinitionErrors`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from officina.definitions import language as lang
from officina.definitions.build_entities import build_entity
from officina.definitions.build_views import (
    build_dashboard,
    build_report,
    build_role,
    build_seed,
    build_view,
    check_seed_records_once,
)
from officina.definitions.checks import check_definitions
from officina.definitions.context import USER_FIELDS, BuildContext, field_type
from officina.definitions.dashboard_layers import (
    check_home_dashboards,
    extend_dashboards,
)
from officina.definitions.field_types import PluginFieldType
from officina.definitions.form_merge import (
    FormProvenance,
    extend_forms,
    note_provenance,
)
from officina.definitions.merge import (
    apply_extension,
    copy_mapping,
    drop_incomplete,
    empty_mapping,
    may_extend,
    merged,
)
from officina.definitions.model import Definitions, PackInfo, frozen_map
from officina.definitions.role_merge import merge_permissions
from officina.definitions.schema_check import validate
from officina.definitions.source import Mapping, decode, read_documents
from officina.errors import Location, Problem, one_of, suggest
from officina.expressions import types as t
from officina.expressions.environment import ExpressionEnvironment
from officina.expressions.functions import BUILTIN_FUNCTIONS

SITE_LAYER = "site"
TEMPLATE_SUFFIXES = (".html", ".txt", ".json", ".md")


@dataclass(frozen=True)
class Layer:
    """One source of definitions: a pack folder, or the site's own folder."""

    name: str
    files: tuple[Path, ...]
    info: PackInfo | None = None
    template_folders: tuple[Path, ...] = ()
    # Packs this one may build on (its dependencies, transitively).
    depends_on: frozenset[str] = frozenset()
    # The files of a pack's with/<pack>/ folder: the pack they need.
    enhances: str | None = None
    texts: dict = field(default_factory=dict, compare=False)  # path -> text override


@dataclass
class _Document:
    kind: str
    body: Mapping
    layer: Layer
    demo: bool = False


def load(
    layers: Iterable[Layer],
    *,
    functions=BUILTIN_FUNCTIONS,
    plugin_actions: set[str] | None = None,
    filters=(),
    field_types: dict[str, PluginFieldType] | None = None,
    demo: bool = True,
) -> Definitions:
    """The checked model of `layers`, or `DefinitionErrors` listing every problem.

    What the site's plugins provide comes in as `functions` (built-in ones
    included), template `filters`, `field_types` ({name: PluginFieldType})
    and, to refuse a `call:` of an action none provides, `plugin_actions`.
    With `demo` False the files of demo/ folders are not read (a running
    site needs none of their records; a demo data set is large), though
    they count in the definitions' version all the same.
    """
    layers = list(layers)
    ctx = BuildContext(ExpressionEnvironment(functions, filters=filters))
    ctx.plugin_actions = plugin_actions
    ctx.field_types = dict(field_types or {})
    digest = hashlib.sha256()
    documents: list[_Document] = []
    for layer in layers:
        for path in layer.files:
            documents.extend(_read(ctx, layer, path, digest, demo))
    by_kind: dict[str, list[_Document]] = {kind: [] for kind in lang.DOCUMENT_KINDS}
    for document in documents:
        by_kind[document.kind].append(document)

    entity_docs = _unique(ctx, by_kind["entity"], "entity")
    for name, document in entity_docs.items():
        if name in lang.RESERVED_ENTITIES or name.startswith("officina"):
            ctx.error(
                document.body.value_at("entity"),
                f"the entity name '{name}' is kept for Officina's own tables",
                f"choose another, e.g. '{name}_record'",
            )
    raw = {name: document.body for name, document in entity_docs.items()}
    packs = {name: document.layer.name for name, document in entity_docs.items()}
    extended = set()
    for document in by_kind["extend"]:
        if _extend(ctx, document, raw, packs):
            extended.add(document.body["extend"])
    for name in sorted(extended):
        # New fields, rules and transitions must be complete once merged.
        problems = validate(raw[name], "entity", ctx.field_types)
        if problems:
            ctx.problems.extend(problems)
            drop_incomplete(raw[name])
    _plugin_field_types(ctx, raw)
    ctx.raw = raw
    ctx.entity_names = set(raw)
    _find_parents(ctx, raw, packs, layers)
    _type_table(ctx, raw)
    role_docs = _unique(ctx, by_kind["role"], "role")
    for document in by_kind["extend_role"]:
        _extend_role(ctx, document, role_docs)
    for name, document in role_docs.items():
        if name in lang.BUILTIN_ROLES:
            ctx.error(
                document.body.value_at("role"),
                f"'{name}' is a built-in role",
                "choose another name",
            )
    ctx.roles |= set(role_docs)
    for layer in layers:
        for folder in layer.template_folders:
            _collect_templates(ctx, folder, digest)

    entities = {name: build_entity(ctx, raw[name], packs[name]) for name in raw}
    roles = {
        name: build_role(ctx, d.body, d.layer.name, entities)
        for name, d in role_docs.items()
    }
    views = {}
    for name, document in _unique(ctx, by_kind["view"], "view").items():
        view = build_view(ctx, document.body, document.layer.name)
        if view is not None:
            views[name] = view
    reports = {}
    for name, document in _unique(ctx, by_kind["report"], "report").items():
        report = build_report(ctx, document.body, document.layer.name)
        if report is not None:
            reports[name] = report
    dashboard_docs = _unique(ctx, by_kind["dashboard"], "dashboard")
    extend_dashboards(
        ctx, dashboard_docs, by_kind["extend_dashboard"], views, reports, SITE_LAYER
    )
    dashboards = {
        name: build_dashboard(ctx, d.body, d.layer.name, views, reports)
        for name, d in dashboard_docs.items()
    }
    check_home_dashboards(ctx, roles, dashboards)
    seeds, built = [], []
    for document in by_kind["seed"]:
        seed = build_seed(
            ctx, document.body, document.layer.name, document.demo, entities
        )
        if seed is not None:
            seeds.append(seed)
            built.append((seed, document.body))
    check_seed_records_once(ctx, built)
    check_definitions(ctx, entities, layers)
    ctx.problems.raise_if_any()
    return Definitions(
        packs=frozen_map(
            (layer.info.name, layer.info) for layer in layers if layer.info
        ),
        entities=frozen_map(entities),
        roles=frozen_map(roles),
        views=frozen_map(views),
        reports=frozen_map(reports),
        dashboards=frozen_map(dashboards),
        seeds=tuple(seeds),
        templates=frozen_map(ctx.templates),
        version=digest.hexdigest()[:16],
    )


def _read(
    ctx: BuildContext, layer: Layer, path: Path, digest, demo: bool = True
) -> list[_Document]:
    text = layer.texts.get(path)
    if text is None:
        try:
            content = path.read_bytes()
        except OSError as error:
            ctx.error(Location(str(path), 1, 1), f"cannot read file: {error.strerror}")
            return []
        text, problem = decode(str(path), content)
        if problem:
            ctx.problems.extend([problem])
            return []
    digest.update(path.name.encode() + b"\0" + text.encode("utf-8", "replace"))
    in_demo = _in_demo_folder(layer, path)
    if in_demo and not demo:
        return []
    values, problems = read_documents(path, text)
    ctx.problems.extend(problems)
    result = []
    for value in values:
        if not isinstance(value, Mapping):
            ctx.error(
                getattr(value, "location", Location(str(path), 1, 1)),
                "a definitions document must be a mapping",
                "start it with what it defines, e.g. 'entity: order'",
            )
            continue
        kinds = document_kinds(value)
        if len(kinds) != 1:
            _kind_problem(ctx, value, kinds)
            continue
        kind = kinds[0]
        problems = validate(value, kind, ctx.field_types)
        if problems:
            ctx.problems.extend(problems)
            continue
        result.append(_Document(kind, value, layer, in_demo))
    return result


def _in_demo_folder(layer: Layer, path: Path) -> bool:
    """Whether a file holds demo data: it is in a demo/ folder of its pack
    (a folder above the pack, such as a site called 'demo', does not count)."""
    if layer.info is not None:
        try:
            return "demo" in path.relative_to(layer.info.path).parts[:-1]
        except ValueError:
            pass  # a file given from elsewhere
    return "demo" in path.parts[-3:-1]


def document_kinds(value: Mapping) -> list[str]:
    """The kinds a document claims to be; `view:` and `report:` documents
    name their entity with `entity:`, which is not a second kind."""
    kinds = [key for key in lang.DOCUMENT_KINDS if key in value]
    if "entity" in kinds and any(kind in lang.KINDS_WITH_ENTITY for kind in kinds):
        kinds.remove("entity")
    return kinds


def _kind_problem(ctx: BuildContext, value: Mapping, kinds: list[str]) -> None:
    if kinds:
        ctx.error(
            value.key_at(kinds[1]),
            f"one document defines one thing, but this one "
            f"has both '{kinds[0]}' and '{kinds[1]}'",
            "separate documents with a line of three dashes: ---",
        )
        return
    first = next(iter(value), "")
    hint = suggest(first, lang.DOCUMENT_KINDS) or (
        "start the document with one of: " + ", ".join(lang.DOCUMENT_KINDS)
    )
    ctx.error(
        value.key_at(first) if first else value.location,
        "the document does not say what it defines",
        hint,
    )


def _unique(ctx: BuildContext, documents: list[_Document], kind: str) -> dict:
    result: dict[str, _Document] = {}
    for document in documents:
        name = document.body[kind]
        if name in result:
            first = result[name].body.value_at(kind)
            ctx.error(
                document.body.value_at(kind),
                f"the {kind} '{name}' is defined twice (first at {first})",
                "rename one; to change a pack's entity, use 'extend:'"
                if kind == "entity"
                else "rename or remove one",
            )
            continue
        result[name] = document
    return result


def _extend(ctx, document: _Document, raw, packs) -> bool:
    target = document.body["extend"]
    if target not in raw:
        ctx.error(
            document.body.value_at("extend"),
            f"there is no entity '{target}' to extend",
            suggest(target, raw) or one_of(raw),
        )
        return False
    if not may_extend(
        ctx.problems,
        document.body.value_at("extend"),
        document.layer,
        f"'{target}'",
        packs[target],
        SITE_LAYER,
    ):
        return False
    entity = raw[target]
    raw[target] = apply_extension(entity, document.body, ctx.problems)
    extend_forms(entity, document.body, raw[target], ctx.problems)
    provenance = ctx.form_provenance.setdefault(target, FormProvenance(packs[target]))
    note_provenance(provenance, entity, document.body, document.layer)
    return True


def _extend_role(ctx: BuildContext, document: _Document, role_docs: dict) -> None:
    """Another pack (or the site) grants an existing role more permissions."""
    body = document.body
    target = body["extend_role"]
    base = role_docs.get(target)
    if base is None:
        ctx.error(
            body.value_at("extend_role"),
            f"there is no role '{target}' to extend",
            suggest(target, role_docs) or one_of(role_docs),
        )
        return
    if not may_extend(
        ctx.problems,
        body.value_at("extend_role"),
        document.layer,
        f"the role '{target}'",
        base.layer.name,
        SITE_LAYER,
    ):
        return
    merged_body = merged(base.body, body, keys=("label", "description", "home"))
    merged_body["permissions"] = merge_permissions(
        base.body.get("permissions") or empty_mapping(body), body["permissions"]
    )
    merged_body.key_locations.setdefault("permissions", body.key_at("permissions"))
    role_docs[target] = _Document("role", merged_body, base.layer, base.demo)


def _plugin_field_types(ctx: BuildContext, raw) -> None:
    """A field of a plugin's type becomes a field of the type's base, the
    plugin type remembered for its check: from here on, columns, widgets,
    coercion and the API see the base type."""
    if not ctx.field_types:
        return
    for entity, body in list(raw.items()):
        fields = body.get("fields")
        if not isinstance(fields, Mapping):
            continue
        plain = None
        for name, spec in fields.items():
            kind = spec.get("type") if isinstance(spec, Mapping) else spec
            plugin_type = ctx.field_types.get(kind) if isinstance(kind, str) else None
            if plugin_type is None:
                continue
            if plain is None:
                plain = copy_mapping(fields)
            if isinstance(spec, Mapping):
                spec = copy_mapping(spec)
                spec["type"] = plugin_type.base
                plain[name] = spec
            else:
                plain[name] = plugin_type.base
            ctx.plugin_fields[(entity, name)] = plugin_type
        if plain is not None:
            raw[entity] = copy_mapping(body)
            raw[entity]["fields"] = plain


def _find_parents(ctx: BuildContext, raw, packs, layers) -> None:
    for name, _body in raw.items():
        for field_name, spec in ctx.raw_fields(name).items():
            if spec.get("type") != "table" or spec.get("of") not in raw:
                continue
            child = spec["of"]
            if child in ctx.parents and ctx.parents[child] != (name, field_name):
                other, other_field = ctx.parents[child]
                ctx.error(
                    spec.value_at("of"),
                    f"'{child}' already holds the rows of "
                    f"'{other}.{other_field}'; rows belong to one table only",
                    f"create a separate entity for the rows of '{field_name}'",
                )
                continue
            ctx.parents[child] = (name, field_name)


def _type_table(ctx: BuildContext, raw) -> None:
    for name, body in raw.items():
        types: dict[str, t.Type] = {
            field: (
                t.Record("user")
                if kind == "reference"
                else t.Value(lang.VALUE_KINDS[kind])
            )
            for field, kind in lang.SYSTEM_FIELDS.items()
        }
        if body.get("number"):
            types["number"] = t.Value("text")
        workflow_field = ctx.workflow_field(name)
        if workflow_field:
            types[workflow_field] = t.Value(
                "text", frozenset(ctx.workflow_states(name)), workflow_field
            )
        for field_name, spec in ctx.raw_fields(name).items():
            kind = field_type(spec, raw)
            if isinstance(kind, t.Value) and kind.options:
                kind = t.Value(kind.kind, kind.options, field_name)
            types[field_name] = kind
        ctx.types[name] = types
    ctx.types["user"] = dict(USER_FIELDS)


def _collect_templates(ctx: BuildContext, folder: Path, digest) -> None:
    if not folder.is_dir():
        return
    for path in sorted(folder.rglob("*")):
        if path.suffix in TEMPLATE_SUFFIXES and path.is_file():
            name = path.relative_to(folder).with_suffix("").as_posix()
            ctx.templates[name] = str(path)
            digest.update(name.encode() + b"\0" + path.read_bytes())


__all__ = ["Layer", "load", "SITE_LAYER", "Problem"]
