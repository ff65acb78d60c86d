"""Entities: fields, record numbers, keys, sort, search, forms, workflow, rules."""

from __future__ import annotations

from dataclasses import replace

from officina.definitions import language as lang
from officina.definitions.build_actions import build_rules
from officina.definitions.build_fields import build_field, check_number_format
from officina.definitions.build_workflow import build_workflow
from officina.definitions.context import BuildContext, names_list
from officina.definitions.model import (
    Entity,
    Field,
    Form,
    Label,
    Option,
    Section,
    Tab,
    Validation,
    frozen_map,
)
from officina.definitions.source import Mapping, Sequence
from officina.errors import a

_UNINDEXABLE = {"table", "json", "text", "attachment", "multi_choice"}


def check_field_name(ctx: BuildContext, entity: str, name, location) -> bool:
    if not ctx.check_name(name, location, "field"):
        return False
    if name in lang.SYSTEM_FIELDS or name in lang.CHILD_SYSTEM_FIELDS:
        ctx.error(
            location,
            f"'{name}' is kept by the system on every record of '{entity}'",
            f"choose another name, e.g. '{entity}_{name}'",
        )
        return False
    if name in lang.EXPRESSION_WORDS:
        ctx.error(
            location,
            f"'{name}' is a word of the expression language and cannot name a field",
            f"choose another name, e.g. '{name}_value'",
        )
        return False
    return True


def build_entity(ctx: BuildContext, raw: Mapping, pack: str) -> Entity:
    name = raw["entity"]
    fields: dict[str, Field] = {}
    number_format, number_label = _number(raw)
    if number_format:
        location = raw.value_at("number")
        if isinstance(raw["number"], Mapping):
            location = raw["number"].value_at("format")
        check_number_format(ctx, number_format, location, "number")
        if "number" in (raw.get("fields") or {}):
            ctx.error(
                raw["fields"].key_at("number"),
                f"'{name}' has a record number "
                "pattern, which keeps its value in 'number'",
                "rename this field, or remove 'number:' from the entity",
            )
        else:
            fields["number"] = Field(
                name="number",
                type="autonumber",
                label=ctx.label(number_label, "number"),
                unique=True,
                read_only=True,
                format=number_format,
                max_length=64,
                system=True,
                source=raw,
            )
    raw_fields = raw.get("fields") or {}
    renamed_sources: dict[str, str] = {}
    for field_name, spec in raw_fields.items():
        location = raw_fields.key_at(field_name)
        if not check_field_name(ctx, name, field_name, location):
            continue
        spec = ctx.raw_fields(name)[field_name]
        field = build_field(ctx, name, field_name, spec)
        if field is None:
            continue
        for old in field.renamed_from:
            if old in raw_fields:
                ctx.error(
                    spec.value_at("renamed_from"),
                    f"'{field_name}' is renamed from "
                    f"'{old}', but '{old}' is still a field",
                    f"remove the field '{old}' (its data moves to '{field_name}')",
                )
            elif old in renamed_sources:
                ctx.error(
                    spec.value_at("renamed_from"),
                    f"both '{renamed_sources[old]}' "
                    f"and '{field_name}' are renamed from '{old}'",
                    "a field's data can move to one new field only",
                )
            renamed_sources[old] = field_name
        fields[field_name] = field
    workflow = None
    if isinstance(raw.get("workflow"), Mapping):
        workflow = build_workflow(ctx, name, raw["workflow"])
        if workflow is not None and workflow.field not in fields:
            fields[workflow.field] = Field(
                name=workflow.field,
                type="choice",
                label=workflow.label or ctx.label(None, workflow.field),
                options=tuple(
                    Option(s.name, s.label, s.color) for s in workflow.states.values()
                ),
                read_only=True,
                index=True,
                system=True,
                max_length=64,
                default=workflow.initial,
                source=raw["workflow"],
            )
        if name in ctx.parents:
            ctx.error(
                raw.key_at("workflow"),
                f"'{name}' holds rows of "
                f"'{ctx.parents[name][0]}' and cannot have its own workflow",
                "move the workflow to the parent entity",
            )
    all_names = set(fields) | set(lang.SYSTEM_FIELDS)
    title_field = raw.get("title_field")
    if title_field is not None and title_field not in all_names:
        ctx.unknown(
            raw.value_at("title_field"), "field", title_field, fields, "title_field"
        )
    if title_field is None:
        title_field = _default_title(fields)
    unique = _key_lists(ctx, raw, "unique", fields)
    indexes = _key_lists(ctx, raw, "indexes", fields)
    sort = _sort(ctx, raw, all_names)
    search = names_list(raw.get("search"))
    for field_name in search:
        field = fields.get(field_name)
        if field is None:
            ctx.unknown(raw.value_at("search"), "field", field_name, fields, "search")
        elif field.type not in lang.TEXT_TYPES | {"autonumber", "choice"}:
            ctx.error(
                raw.value_at("search"),
                f"'{field_name}' is {a(field.type)} field "
                "and cannot be searched as text",
                "search takes text fields such as string, text, email or phone",
            )
    forms = _forms(ctx, name, raw.get("forms"), fields, workflow)
    rules = build_rules(ctx, name, raw.get("rules"))
    validations = _validations(ctx, name, raw.get("validations"), fields)
    return Entity(
        name=name,
        label=ctx.label(raw.get("label"), name),
        plural_label=Label.of(raw.get("plural_label"))
        or ctx.label(raw.get("label"), name),
        description=Label.of(raw.get("description")),
        icon=raw.get("icon"),
        fields=frozen_map(fields),
        pack=pack,
        title_field=title_field,
        number_format=number_format,
        unique=unique,
        indexes=indexes,
        sort=sort,
        search=search,
        forms=frozen_map(forms),
        workflow=workflow,
        rules=frozen_map(rules),
        validations=validations,
        parent=ctx.parents.get(name, (None,))[0],
        source=raw,
    )


def _number(raw: Mapping) -> tuple[str | None, object]:
    """The record number format and label: `number:` as text or a mapping."""
    value = raw.get("number")
    if isinstance(value, Mapping):
        return value.get("format"), value.get("label")
    return value, None


def _validations(ctx, entity: str, raw, fields) -> tuple[Validation, ...]:
    result = []
    scope = ctx.scope(entity, old=True)
    for index, item in enumerate(raw or ()):
        what = f"validation {index + 1}"
        check = ctx.expression(
            item["check"], item.value_at("check"), scope, f"the check of {what}"
        )
        for field_name in names_list(item.get("fields")):
            if field_name not in fields:
                ctx.unknown(
                    item.value_at("fields"),
                    "field",
                    field_name,
                    fields,
                    f"'fields' of {what}",
                )
        if check is not None:
            result.append(
                Validation(
                    check, ctx.label(item["message"]), names_list(item.get("fields"))
                )
            )
    return tuple(result)


def _default_title(fields: dict[str, Field]) -> str:
    for preferred in ("number", "name", "title", "code", "subject"):
        if preferred in fields:
            return preferred
    for field in fields.values():
        if field.type in ("string", "autonumber"):
            return field.name
    return "id"


def _key_lists(ctx, raw: Mapping, key: str, fields) -> tuple[tuple[str, ...], ...]:
    result = []
    entries = raw.get(key) or ()
    for index, entry in enumerate(entries):
        location = entries.item_at(index)
        names = names_list(entry)
        valid = True
        for field_name in names:
            field = fields.get(field_name)
            if field is None and field_name not in lang.SYSTEM_FIELDS:
                ctx.unknown(location, "field", field_name, fields, f"'{key}'")
                valid = False
            elif field is not None and field.type in _UNINDEXABLE:
                ctx.error(
                    location,
                    f"'{field_name}' is {a(field.type)} field and cannot "
                    f"be part of '{key}'",
                )
                valid = False
        if len(set(names)) != len(names):
            ctx.error(location, f"a field is named twice in this entry of '{key}'")
            valid = False
        if valid and names in result:
            ctx.error(location, f"this entry of '{key}' repeats an earlier one")
            valid = False
        if valid:
            result.append(names)
    return tuple(result)


def _sort(ctx, raw: Mapping, all_names) -> tuple[str, ...]:
    value = raw.get("sort")
    if value is None:
        return ("-created_at",)
    keys = (value,) if isinstance(value, str) else tuple(value)
    for key in keys:
        field_name = key.lstrip("-+")
        if field_name not in all_names:
            ctx.unknown(raw.value_at("sort"), "field", field_name, all_names, "sort")
    return keys


def _forms(
    ctx, entity: str, raw, fields: dict[str, Field], workflow
) -> dict[str, Form]:
    forms: dict[str, Form] = {}
    if not isinstance(raw, Mapping):
        return forms
    states = set(workflow.states) if workflow else set()
    for name, spec in raw.items():
        if not ctx.check_name(name, raw.key_at(name), "form"):
            continue
        what = f"form '{name}'"
        for role in names_list(spec.get("roles")):
            if role not in ctx.roles:
                ctx.unknown(spec.value_at("roles"), "role", role, ctx.roles, what)
        for state in names_list(spec.get("states")):
            if not workflow:
                ctx.error(
                    spec.key_at("states"),
                    f"{what} is chosen by state, but '{entity}' has no workflow",
                )
                break
            if state not in states:
                ctx.unknown(spec.value_at("states"), "state", state, states, what)
        tabs = _tabs(ctx, spec, fields, what)
        form = Form(
            name=name,
            label=ctx.label(spec.get("label"), name),
            tabs=tabs,
            roles=names_list(spec.get("roles")),
            states=names_list(spec.get("states")),
            source=spec,
        )
        if spec.get("show_other_fields", True):
            provenance = ctx.form_provenance.get(entity)
            later = provenance.other_fields(name) if provenance else ()
            other = tuple(
                field_name
                for field_name in dict.fromkeys(later)
                if field_name in fields
                and field_name not in form.fields
                and not fields[field_name].hidden
            )
            form = replace(form, other_fields=other)
        forms[name] = form
    return forms


def _tabs(ctx, spec: Mapping, fields, what) -> tuple[Tab, ...]:
    layout_keys = [key for key in ("tabs", "sections", "fields") if key in spec]
    if len(layout_keys) != 1:
        ctx.error(
            spec.location,
            f"{what} needs exactly one of 'tabs', 'sections' or "
            f"'fields'" + (f", not {' and '.join(layout_keys)}" if layout_keys else ""),
            "a form lists its fields directly, in sections, or in tabs",
        )
        return ()
    seen: dict[str, object] = {}
    columns = spec.get("columns", 1)
    if "fields" in spec:
        section = _section(ctx, spec, fields, what, seen, columns)
        return (Tab(Label(()), (section,)),)
    if "sections" in spec:
        sections = tuple(
            _section(ctx, item, fields, what, seen, columns)
            for item in spec["sections"]
        )
        return (Tab(Label(()), sections),)
    tabs = []
    for tab in spec["tabs"]:
        if ("sections" in tab) == ("fields" in tab):
            ctx.error(
                tab.location, f"a tab of {what} needs either 'sections' or 'fields'"
            )
            continue
        tab_columns = tab.get("columns", columns)
        if "fields" in tab:
            sections = (_section(ctx, tab, fields, what, seen, tab_columns),)
        else:
            sections = tuple(
                _section(ctx, item, fields, what, seen, tab_columns)
                for item in tab["sections"]
            )
        tabs.append(Tab(ctx.label(tab.get("label")), sections))
    return tuple(tabs)


def _section(ctx, spec: Mapping, fields, what, seen, columns) -> Section:
    names = spec.get("fields") or Sequence()
    for index, field_name in enumerate(names):
        location = names.item_at(index)
        if field_name not in fields:
            ctx.unknown(location, "field", field_name, fields, what)
        elif field_name in seen:
            ctx.error(
                location,
                f"'{field_name}' appears twice in {what}",
                "a field can be placed once per form",
            )
        seen[field_name] = location
    return Section(
        label=ctx.label(spec.get("label")),
        fields=tuple(names),
        description=Label.of(spec.get("description")),
        columns=spec.get("columns", columns),
        collapsible=bool(spec.get("collapsible")),
        collapsed=bool(spec.get("collapsed")),
    )
