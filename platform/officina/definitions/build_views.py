"""Views (list, kanban, calendar), reports, dashboards, roles and seed data."""

from __future__ import annotations

from officina.definitions import language as lang
from officina.definitions.context import BuildContext, names_list
from officina.definitions.filters import build_filters, resolve_path
from officina.definitions.model import (
    Dashboard,
    Label,
    Measure,
    Permission,
    Report,
    Role,
    Seed,
    View,
    Widget,
    frozen_map,
)
from officina.definitions.seed_values import check_record
from officina.definitions.source import Mapping
from officina.errors import a, one_of, suggest
from officina.expressions import types as t


def _entity(ctx: BuildContext, raw: Mapping, what: str) -> str | None:
    entity = raw["entity"]
    if entity not in ctx.entity_names:
        ctx.unknown(raw.value_at("entity"), "entity", entity, ctx.entity_names, what)
        return None
    return entity


def _fields_with_system(ctx, entity) -> dict:
    return ctx.types.get(entity, {})


def _check_fields(ctx, raw: Mapping, key: str, entity: str, what: str) -> tuple:
    names = names_list(raw.get(key))
    available = _fields_with_system(ctx, entity)
    for index, name in enumerate(names):
        location = (
            raw[key].item_at(index)
            if not isinstance(raw[key], str)
            else raw.value_at(key)
        )
        if "." in name:
            resolve_path(ctx, entity, tuple(name.split(".")), location, what)
        elif name not in available:
            ctx.unknown(location, "field", name, available, f"'{key}' of {what}")
    return names


def _check_sort(ctx, raw: Mapping, entity, what) -> tuple:
    value = raw.get("sort")
    if value is None:
        return ()
    keys = (value,) if isinstance(value, str) else tuple(value)
    available = _fields_with_system(ctx, entity)
    measures = raw.get("measures") or {}
    for key in keys:
        name = key.lstrip("-+")
        if name not in available and name not in measures:
            ctx.unknown(
                raw.value_at("sort"),
                "field",
                name,
                [*available, *measures],
                f"the sort of {what}",
            )
    return keys


def _roles(ctx, raw: Mapping, what: str) -> tuple:
    roles = names_list(raw.get("roles"))
    for role in roles:
        if role not in ctx.roles:
            ctx.unknown(raw.value_at("roles"), "role", role, ctx.roles, what)
    return roles


def _filter_scope() -> dict:
    return {"user": t.Record("user")}


def build_view(ctx: BuildContext, raw: Mapping, pack: str) -> View | None:
    name = raw["view"]
    what = f"view '{name}'"
    entity = _entity(ctx, raw, what)
    if entity is None:
        return None
    kind = raw.get("type", "kanban" if "kanban" in raw else "list")
    columns = (
        _check_fields(ctx, raw, "columns", entity, what) if "columns" in raw else ()
    )
    filters = build_filters(
        ctx, entity, raw.get("filters"), _filter_scope(), f"the filters of {what}"
    )
    group_by = raw.get("group_by")
    if group_by is not None:
        _check_fields(ctx, raw, "group_by", entity, what)
    kanban_by = card = None
    if kind == "kanban":
        settings = raw.get("kanban")
        if not isinstance(settings, Mapping):
            ctx.error(
                raw.key_at("type"),
                f"{what} is a kanban board but does not say what its columns are",
                "add kanban: {by: status}",
            )
        else:
            kanban_by = settings["by"]
            spec = resolve_path(
                ctx, entity, (kanban_by,), settings.value_at("by"), what
            )
            if spec is not None and spec.get("type") != "choice":
                ctx.error(
                    settings.value_at("by"),
                    f"{what}: a kanban board groups by a "
                    f"choice or workflow state, and '{kanban_by}' is a "
                    f"{spec.get('type')} field",
                )
            card = (
                _check_fields(ctx, settings, "card", entity, what)
                if "card" in settings
                else ()
            )
    elif "kanban" in raw:
        ctx.error(
            raw.key_at("kanban"),
            f"{what} has kanban settings but is {a(kind)} view",
            "set 'type: kanban' or remove 'kanban:'",
        )
    calendar_date = calendar_end = None
    if kind == "calendar":
        settings = raw.get("calendar")
        if not isinstance(settings, Mapping):
            ctx.error(
                raw.key_at("type"),
                f"{what} is a calendar but names no date",
                "add calendar: {date: due_date}",
            )
        else:
            calendar_date = settings["date"]
            for key in ("date", "end"):
                if key in settings:
                    spec = resolve_path(
                        ctx, entity, (settings[key],), settings.value_at(key), what
                    )
                    if spec is not None and spec.get("type") not in (
                        "date",
                        "datetime",
                    ):
                        ctx.error(
                            settings.value_at(key),
                            f"{what}: '{settings[key]}' is not a date",
                        )
            calendar_end = settings.get("end")
    return View(
        name=name,
        entity=entity,
        label=ctx.label(raw.get("label"), name),
        pack=pack,
        type=kind,
        columns=columns,
        filters=filters,
        sort=_check_sort(ctx, raw, entity, what),
        group_by=group_by,
        page_size=raw.get("page_size", 50),
        roles=_roles(ctx, raw, what),
        kanban_by=kanban_by,
        card=card or (),
        calendar_date=calendar_date,
        calendar_end=calendar_end,
        source=raw,
    )


def build_report(ctx: BuildContext, raw: Mapping, pack: str) -> Report | None:
    name = raw["report"]
    what = f"report '{name}'"
    entity = _entity(ctx, raw, what)
    if entity is None:
        return None
    filters = build_filters(
        ctx, entity, raw.get("filters"), _filter_scope(), f"the filters of {what}"
    )
    group_by = []
    raw_groups = raw.get("group_by") or ()
    for index, item in enumerate(raw_groups):
        location = raw_groups.item_at(index)
        field, _, bucket = str(item).partition(":")
        spec = resolve_path(ctx, entity, tuple(field.split(".")), location, what)
        if bucket:
            if bucket not in lang.DATE_BUCKETS:
                ctx.error(
                    location,
                    f"'{bucket}' is not a date grouping in {what}",
                    suggest(bucket, lang.DATE_BUCKETS) or one_of(lang.DATE_BUCKETS),
                )
            elif spec is not None and spec.get("type") not in ("date", "datetime"):
                ctx.error(
                    location,
                    f"{what} groups '{field}' by {bucket}, but it is not a date",
                )
        group_by.append((field, bucket or None))
    measures = []
    raw_measures = raw["measures"]
    fields = ctx.raw_fields(entity)
    for measure_name, spec in raw_measures.items():
        location = raw_measures.value_at(measure_name)
        ctx.check_name(measure_name, raw_measures.key_at(measure_name), "measure")
        if spec == "count":
            measures.append(Measure(measure_name, "count", None))
            continue
        function, field = next(iter(spec.items()))
        if function == "count" and field == "*":
            measures.append(Measure(measure_name, "count", None))
            continue
        named = list(field) if function == "percent" else [field]
        for field_name in named:
            field_spec = fields.get(field_name)
            if field_spec is None and field_name not in lang.SYSTEM_FIELDS:
                ctx.unknown(
                    location, "field", field_name, fields, f"measure '{measure_name}'"
                )
                break
            kind = (
                field_spec.get("type") if field_spec else lang.SYSTEM_FIELDS[field_name]
            )
            if function in ("sum", "avg", "percent") and kind not in lang.NUMERIC_TYPES:
                ctx.error(
                    location,
                    f"measure '{measure_name}' takes the {function} of "
                    f"'{field_name}', which is {a(kind)} field, not a number",
                )
        else:
            over = named[1] if function == "percent" else None
            measures.append(Measure(measure_name, function, named[0], over))
    chart = raw.get("chart", "table")
    if chart in ("bar", "line", "area", "pie") and not group_by:
        ctx.error(
            raw.value_at("chart"),
            f"{what} draws {a(chart)} chart but has no 'group_by'",
            "add group_by: [created_at:day], or use chart: number",
        )
    return Report(
        name=name,
        entity=entity,
        label=ctx.label(raw.get("label"), name),
        pack=pack,
        description=Label.of(raw.get("description")),
        measures=tuple(measures),
        filters=filters,
        group_by=tuple(group_by),
        chart=chart,
        sort=_check_sort(ctx, raw, entity, what),
        limit=raw.get("limit"),
        roles=_roles(ctx, raw, what),
        source=raw,
    )


def build_dashboard(
    ctx: BuildContext, raw: Mapping, pack: str, views, reports
) -> Dashboard:
    name = raw["dashboard"]
    what = f"dashboard '{name}'"
    widgets = []
    raw_widgets = raw["widgets"]
    for index, item in enumerate(raw_widgets):
        location = raw_widgets.item_at(index)
        kinds = [key for key in ("report", "view") if key in item]
        if len(kinds) != 1:
            ctx.error(location, f"a widget of {what} shows one 'report' or one 'view'")
            continue
        kind = kinds[0]
        target = item[kind]
        known = reports if kind == "report" else views
        if target not in known:
            ctx.unknown(item.value_at(kind), kind, target, known, what)
            continue
        widgets.append(
            Widget(
                kind,
                target,
                ctx.label(item.get("title")) or known[target].label,
                item.get("width", 6),
                item.get("limit", 10),
            )
        )
    return Dashboard(
        name=name,
        label=ctx.label(raw.get("label"), name),
        widgets=tuple(widgets),
        pack=pack,
        roles=_roles(ctx, raw, what),
        source=raw,
    )


def build_role(ctx: BuildContext, raw: Mapping, pack: str, entities) -> Role:
    name = raw["role"]
    what = f"role '{name}'"
    permissions = {}
    raw_permissions = raw.get("permissions") or {}
    for entity, spec in raw_permissions.items():
        location = raw_permissions.key_at(entity)
        if entity != "*" and entity not in ctx.entity_names:
            ctx.unknown(location, "entity", entity, ctx.entity_names, what)
            continue
        permissions[entity] = _permission(
            ctx, entity, spec, raw_permissions.value_at(entity), what, entities
        )
    return Role(
        name=name,
        label=ctx.label(raw.get("label"), name),
        pack=pack,
        description=Label.of(raw.get("description")),
        permissions=frozen_map(permissions),
        home=raw.get("home"),
        source=raw,
    )


def _permission(ctx, entity, spec, location, what, entities) -> Permission:
    if isinstance(spec, str):
        actions = {"all": lang.PERMISSION_ACTIONS, "none": ()}.get(spec, (spec,))
        return Permission(
            entity=entity,
            actions=frozenset(actions),
            transitions="all" if spec == "all" else (),
        )
    if isinstance(spec, list):
        return Permission(entity=entity, actions=frozenset(spec))
    actions = frozenset(a for a in lang.PERMISSION_ACTIONS if spec.get(a))
    transitions = spec.get("transitions", ())
    target = entities.get(entity)
    if entity == "*" and (
        "fields" in spec or "rows" in spec or isinstance(transitions, list)
    ):
        ctx.error(
            location,
            f"{what}: '*' grants actions on every entity; field, row "
            "and transition rules need a named entity",
        )
    if isinstance(transitions, list) and target is not None:
        known = target.workflow.transitions if target.workflow else {}
        for transition in transitions:
            if transition not in known:
                ctx.unknown(
                    spec.value_at("transitions"),
                    "transition",
                    transition,
                    known,
                    f"{what}, {entity}",
                )
    fields = {}
    for field, access in (spec.get("fields") or {}).items():
        if target is not None and field not in target.fields:
            ctx.unknown(
                spec["fields"].key_at(field),
                "field",
                field,
                target.fields,
                f"{what}, {entity}",
            )
            continue
        fields[field] = access
    rows = ()
    if "rows" in spec and entity != "*":
        rows = build_filters(
            ctx, entity, spec["rows"], _filter_scope(), f"the row filter of {what}"
        )
    return Permission(
        entity=entity,
        actions=actions,
        transitions=transitions if isinstance(transitions, str) else tuple(transitions),
        fields=frozen_map(fields),
        rows=rows,
    )


def check_seed_records_once(ctx: BuildContext, built: list) -> None:
    """A pack loads each seed record once: the same record (entity and key)
    in two of its seed documents, seed or demo, an `update: true` one
    included, is a problem at the second. `built` holds (Seed, its document
    body) in the order read."""
    first: dict[tuple, object] = {}
    keyless: dict[tuple[str, str], object] = {}
    for seed, raw in built:
        records = raw["records"]
        if not seed.key:
            where = raw.value_at("seed")
            earlier = keyless.setdefault((seed.pack, seed.entity), where)
            if earlier is not where:
                ctx.error(
                    where,
                    f"the pack '{seed.pack}' has another seed document of "
                    f"'{seed.entity}' without a key ({earlier}): records "
                    "without a key are known by their place in their document, "
                    "so the two would be taken for the same records",
                    "give both a 'key:' (a unique field, e.g. 'key: code'), or "
                    "put the records in one document",
                )
            continue
        for index, record in enumerate(seed.records):
            identity = tuple(record.get(name) for name in seed.key)
            if any(isinstance(value, dict | list) for value in identity):
                continue  # reported by build_seed
            name = (seed.pack, seed.entity, seed.key, identity)
            where = records.item_at(index)
            earlier, document = first.setdefault(name, (where, raw))
            if earlier is where or document is raw:
                continue  # (a key repeated in one document: see build_seed)
            shown = identity[0] if len(identity) == 1 else list(identity)
            ctx.error(
                where,
                f"the pack '{seed.pack}' already has the {seed.entity} record "
                f"{shown!r} in its seed data ({earlier}); a pack loads "
                "each record once",
                "write its values in one place (a pack's `update: true` is "
                "for the records of another pack)",
            )


def build_seed(
    ctx: BuildContext, raw: Mapping, pack: str, demo: bool, entities
) -> Seed | None:
    entity_name = raw["seed"]
    what = f"seed data of '{entity_name}'"
    entity = entities.get(entity_name)
    if entity is None:
        if entity_name not in ctx.entity_names:
            ctx.unknown(
                raw.value_at("seed"), "entity", entity_name, ctx.entity_names, "seed"
            )
        return None
    key = names_list(raw.get("key"))
    for field in key:
        if field not in entity.fields:
            ctx.unknown(raw.value_at("key"), "field", field, entity.fields, what)
    if raw.get("update") and not key:
        ctx.error(
            raw.key_at("update"),
            f"{what}: 'update: true' finds the records to update by their key, "
            "but the document has no 'key'",
            "add 'key:' with the field that names them, e.g. 'key: sku'",
        )
    if (
        key
        and not (
            len(key) == 1
            and entity.fields.get(key[0]) is not None
            and entity.fields[key[0]].unique
        )
        and key not in entity.unique
    ):
        ctx.error(
            raw.value_at("key"),
            f"{what}: the key {', '.join(repr(k) for k in key)} is not unique in "
            f"'{entity_name}'",
            "seed keys must be a unique field or a "
            "declared unique combination, so records are never loaded twice",
        )
    records = raw["records"]
    keys_seen: dict = {}
    for index, record in enumerate(records):
        location = records.item_at(index)
        check_record(
            ctx,
            entities,
            entity,
            record,
            location,
            f"{what}, record {index + 1}",
            complete=not raw.get("update"),
        )
        if key:
            identity = tuple(record.get(field) for field in key)
            if any(isinstance(value, dict | list) for value in identity):
                ctx.error(
                    location,
                    f"{what}, record {index + 1}: the key {', '.join(key)} must be "
                    "a single value, not a list or mapping",
                )
                continue
            if None in identity:
                ctx.error(
                    location,
                    f"{what}, record {index + 1} has no value for the "
                    f"key {', '.join(key)}",
                )
            elif identity in keys_seen:
                ctx.error(
                    location,
                    f"{what}, record {index + 1} repeats the key "
                    f"{identity if len(identity) > 1 else identity[0]} of record "
                    f"{keys_seen[identity] + 1}",
                )
            keys_seen[identity] = index
    return Seed(
        entity=entity_name,
        key=key,
        records=tuple(records),
        pack=pack,
        demo=demo,
        file=raw.location.file,
        rules=raw.get("rules", True),
        update=raw.get("update", False),
        expressions=frozen_map(ctx.seed_expressions),
    )
