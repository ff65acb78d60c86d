"""The JSON Schema of the definition language, built from `language`.

The same schema is shipped as `schemas/officina.schema.json` for editors
(regenerate it with ``officina schema > .../officina.schema.json``); a
test keeps the file and this module in step. `x-hint` entries are Officina's
own: the loader shows them when a value breaks that part of the schema.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from officina.definitions import language as lang

SCHEMAS = Path(__file__).parent / "schemas"
SCHEMA_FILE = SCHEMAS / "officina.schema.json"
PACK_SCHEMA_FILE = SCHEMAS / "pack.schema.json"
SCHEMA_ID = "https://officina.dev/schemas/officina.schema.json"

NAME_HINT = (
    "names use lowercase letters, digits and underscores and start with a "
    "letter, e.g. 'order_line'"
)


def _ref(name: str) -> dict:
    return {"$ref": f"#/definitions/{name}"}


def _object(properties: dict, required: tuple = (), **extra) -> dict:
    schema = {
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
    }
    if required:
        schema["required"] = list(required)
    schema.update(extra)
    return schema


def _patch(schema: dict) -> dict:
    """The same object schema with no required keys."""
    patched = dict(schema)
    patched.pop("required", None)
    patched["properties"] = dict(schema["properties"])
    return patched


def _form_patch(form: dict, section: dict, tab: dict) -> dict:
    """A form in an `extend:` document: a whole form, or sections and tabs
    added to the pack's (a section placed `after` a field of the form)."""
    patched = _patch(form)
    placed_section = dict(section)
    placed_section["properties"] = {**section["properties"], "after": _ref("name")}
    patched["properties"]["add_sections"] = _list_of(placed_section, minItems=1)
    patched["properties"]["add_tabs"] = _list_of(tab, minItems=1)
    return patched


def _list_of(item: dict, **extra) -> dict:
    return {"type": "array", "items": item, **extra}


def _names() -> dict:
    return _list_of(_ref("name"))


def _definitions(field_types: tuple[str, ...] = ()) -> dict:
    """The schema's parts; `field_types` are the plugins' extra type names."""
    type_names = [*lang.FIELD_TYPES, *field_types]
    name = {
        "type": "string",
        "pattern": lang.NAME_PATTERN,
        "maxLength": lang.NAME_MAX_LENGTH,
        "x-hint": NAME_HINT,
    }
    path = {
        "type": "string",
        "pattern": r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$",
        "x-hint": "write a field name, or a path through references such as "
        "'customer.email'",
    }
    label = {
        "x-hint": "write a text, or one text per language: {en: Order, zh: 订单}",
        "anyOf": [
            {"type": "string"},
            {
                "type": "object",
                "propertyNames": {
                    "pattern": lang.LANGUAGES_PATTERN,
                    "x-noun": "a language code",
                    "x-hint": "write a text, or one text per language: "
                    "{en: Order, zh: 订单}; put quotes around a text that "
                    "contains a comma",
                },
                "additionalProperties": {"type": "string"},
                "minProperties": 1,
            },
        ],
    }
    expression = {
        "type": "string",
        "minLength": 1,
        "x-hint": "write an expression in quotes, e.g. \"status == 'paid'\"",
    }
    names_or_name = {"anyOf": [_ref("name"), _names()]}
    duration = {
        "type": "string",
        "x-hint": "write a duration such as '30m', '24h', '2d' or '2 business days'",
    }
    actions = _list_of(_ref("action"), minItems=1)
    filters = {
        "type": "object",
        "propertyNames": {"pattern": r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$"},
        "x-hint": "write 'field: value' or 'field: {operator: value}'",
    }
    option = {
        "anyOf": [
            {"type": ["string", "integer"]},
            _object(
                {
                    "value": {"type": ["string", "integer"]},
                    "label": _ref("label"),
                    "color": {"type": "string"},
                },
                required=("value",),
            ),
        ]
    }
    options = {
        "x-hint": "list the options, or map each to {label: ..., color: ...}",
        "anyOf": [
            _list_of(option, minItems=1),
            {
                "type": "object",
                "minProperties": 1,
                "additionalProperties": {
                    "anyOf": [
                        {"type": "null"},
                        {"type": "string"},
                        _object({"label": _ref("label"), "color": {"type": "string"}}),
                    ]
                },
            },
        ],
    }
    field_properties = {
        "type": {"enum": type_names},
        "label": _ref("label"),
        "help": _ref("label"),
        "placeholder": _ref("label"),
        "required": {"type": "boolean"},
        "unique": {"type": "boolean"},
        "index": {"type": "boolean"},
        "default": {},
        "min": {"type": ["number", "string"]},
        "max": {"type": ["number", "string"]},
        "min_length": {"type": "integer", "minimum": 0},
        "max_length": {"type": "integer", "minimum": 1},
        "pattern": {"type": "string"},
        "read_only": {"type": "boolean"},
        "hidden": {"type": "boolean"},
        "visible_when": _ref("expression"),
        "required_when": _ref("expression"),
        "readonly_when": _ref("expression"),
        "copy_from": {
            "type": "string",
            "pattern": r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$",
            "x-hint": "write reference_field.field, e.g. 'product.price'",
        },
        "renamed_from": {"anyOf": [_ref("name"), _names()]},
        "precision": {"type": "integer", "minimum": 1, "maximum": 38},
        "scale": {"type": "integer", "minimum": 0, "maximum": 18},
        "currency": {
            "type": "string",
            "pattern": "^[A-Z]{3}$",
            "x-hint": "write a three-letter currency code such as 'USD'",
        },
        "options": _ref("options"),
        "to": _ref("name"),
        "on_delete": {"enum": list(lang.ON_DELETE)},
        "of": _ref("name"),
        "min_rows": {"type": "integer", "minimum": 0},
        "max_rows": {"type": "integer", "minimum": 1},
        "formula": _ref("expression"),
        "filter": _ref("filters"),
        "format": {"type": "string"},
        "max_size": {
            "type": ["string", "integer"],
            "x-hint": "write a size such as '5MB' or '200KB'",
        },
        "accept": _list_of({"type": "string"}),
        "multiple": {"type": "boolean"},
    }
    field = {
        "x-hint": "write a type name such as 'string', or a mapping with 'type:'",
        "anyOf": [
            {"enum": type_names},
            _object(field_properties, required=("type",)),
        ],
    }
    section = _object(
        {
            "label": _ref("label"),
            "description": _ref("label"),
            "columns": {"type": "integer", "minimum": 1, "maximum": 4},
            "collapsible": {"type": "boolean"},
            "collapsed": {"type": "boolean"},
            "fields": _names(),
        },
        required=("fields",),
    )
    tab = _object(
        {
            "label": _ref("label"),
            "columns": {"type": "integer", "minimum": 1, "maximum": 4},
            "sections": _list_of(_ref("section"), minItems=1),
            "fields": _names(),
        },
        required=("label",),
    )
    form = _object(
        {
            "label": _ref("label"),
            "roles": _names(),
            "states": _names(),
            "columns": {"type": "integer", "minimum": 1, "maximum": 4},
            "fields": _names(),
            "sections": _list_of(_ref("section"), minItems=1),
            "tabs": _list_of(tab, minItems=1),
            "show_other_fields": {"type": "boolean"},
        }
    )
    state = {
        "x-hint": "write the state's settings as a mapping, e.g. done: {final: true}, "
        "or leave it empty",
        "anyOf": [
            {"type": "null"},
            _object(
                {
                    "label": _ref("label"),
                    "description": _ref("label"),
                    "color": {"type": "string"},
                    "final": {"type": "boolean"},
                    "editable": {"anyOf": [{"enum": ["all", "none"]}, _names()]},
                    "edit_roles": _names(),
                    "sla": _ref("duration"),
                    "on_breach": _ref("actions"),
                    "on_enter": _ref("actions"),
                    "on_exit": _ref("actions"),
                }
            ),
        ],
    }
    transition = _object(
        {
            "label": _ref("label"),
            "from": {"anyOf": [_ref("name"), _names(), {"const": "*"}]},
            "to": _ref("name"),
            "roles": _names(),
            "when": _ref("expression"),
            "requires": _names(),
            "set": _ref("assignments"),
            "confirm": _ref("label"),
            "comment": {"enum": ["none", "optional", "required"]},
            "do": _ref("actions"),
        },
        required=("from", "to"),
    )
    workflow = _object(
        {
            "field": _ref("name"),
            "label": _ref("label"),
            "initial": _ref("name"),
            "states": {
                "type": "object",
                "minProperties": 1,
                "additionalProperties": _ref("state"),
            },
            "transitions": {
                "type": "object",
                "additionalProperties": _ref("transition"),
            },
        },
        required=("initial", "states"),
    )
    trigger = {
        "x-hint": "write one of "
        + ", ".join(lang.TRIGGER_WORDS)
        + ", or a mapping with one of "
        + ", ".join(lang.TRIGGER_KEYS),
        "anyOf": [
            {"enum": list(lang.TRIGGER_WORDS)},
            _object(
                {
                    "changed": {
                        "anyOf": [
                            _ref("name"),
                            _names(),
                            {
                                "type": "object",
                                "additionalProperties": {
                                    "anyOf": [
                                        {"type": "null"},
                                        _object({"from": {}, "to": {}}),
                                    ]
                                },
                            },
                        ]
                    },
                    "transition": names_or_name,
                    "entered": names_or_name,
                    "schedule": {"type": "string"},
                    "every": _ref("duration"),
                    "threshold": _ref("expression"),
                },
                minProperties=1,
            ),
        ],
    }
    rule = _object(
        {
            "label": _ref("label"),
            "description": _ref("label"),
            "on": _ref("trigger"),
            "when": _ref("expression"),
            "where": _ref("filters"),
            "run": {"enum": ["now", "later"]},
            "do": _ref("actions"),
            "enabled": {"type": "boolean"},
            "retrigger": {"type": "boolean"},
            "order": {"type": "integer"},
        },
        required=("on", "do"),
    )
    rows = {
        "type": "object",
        "additionalProperties": {
            "anyOf": [
                _list_of(_ref("assignments")),
                _object(
                    {
                        "for_each": {"type": "string"},
                        "as": _ref("name"),
                        "values": _ref("assignments"),
                    },
                    required=("for_each", "values"),
                ),
            ]
        },
    }
    action = _object(
        {
            "when": _ref("expression"),
            "label": _ref("label"),
            "set": _ref("assignments"),
            "create": _object(
                {"entity": _ref("name"), "values": _ref("assignments"), "rows": rows},
                required=("entity",),
            ),
            "update": _object(
                {
                    "entity": _ref("name"),
                    "where": _ref("filters"),
                    "set": _ref("assignments"),
                },
                required=("entity", "where", "set"),
            ),
            "adjust": _object(
                {
                    "entity": _ref("name"),
                    "match": _ref("filters"),
                    "record": {"type": "string"},
                    "field": _ref("name"),
                    "by": {"type": ["number", "string"]},
                    "min": {"type": ["number", "string"]},
                    "max": {"type": ["number", "string"]},
                    "message": _ref("label"),
                },
                required=("field", "by"),
            ),
            "transition": {
                "anyOf": [
                    _ref("name"),
                    _object(
                        {"name": _ref("name"), "record": {"type": "string"}},
                        required=("name",),
                    ),
                ]
            },
            "send_email": _object(
                {
                    "to": {"type": "string"},
                    "cc": {"type": "string"},
                    "subject": {"type": "string"},
                    "template": {"type": "string"},
                    "body": {"type": "string"},
                },
                required=("to", "subject"),
            ),
            "notify": _object(
                {
                    "users": {"type": "string"},
                    "roles": _names(),
                    "message": {"type": "string"},
                },
                required=("message",),
            ),
            "webhook": _object(
                {
                    "url": {"type": "string"},
                    "method": {"enum": ["POST", "PUT", "PATCH"]},
                    "headers": {
                        "type": "object",
                        "additionalProperties": {"type": "string"},
                    },
                    "body": {},
                    "secret": {"type": "string"},
                },
                required=("url",),
            ),
            "call": _object(
                {
                    "action": {
                        "type": "string",
                        "pattern": r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$",
                        "x-hint": "write plugin.action, e.g. 'payments.capture'",
                    },
                    "with": {"type": "object"},
                },
                required=("action",),
            ),
            "for_each": {"type": "string"},
            "as": _ref("name"),
            "do": _ref("actions"),
            "attempt": _ref("actions"),
            "otherwise": _ref("actions"),
        },
        minProperties=1,
    )
    entity_properties = {
        "label": _ref("label"),
        "plural_label": _ref("label"),
        "description": _ref("label"),
        "icon": {"type": "string"},
        "title_field": _ref("name"),
        "number": {
            "x-hint": "write a pattern such as 'ORD-{YYYY}-{#####}', or "
            "{format: 'ORD-{YYYY}-{#####}', label: {en: Order number}}",
            "anyOf": [
                {"type": "string"},
                _object(
                    {"format": {"type": "string"}, "label": _ref("label")},
                    required=("format",),
                ),
            ],
        },
        "unique": _list_of(names_or_name),
        "indexes": _list_of(names_or_name),
        "sort": {"anyOf": [{"type": "string"}, _list_of({"type": "string"})]},
        "search": _names(),
        "fields": {"type": "object", "additionalProperties": _ref("field")},
        "forms": {"type": "object", "additionalProperties": _ref("form")},
        "workflow": _ref("workflow"),
        "rules": {"type": "object", "additionalProperties": _ref("rule")},
        "validations": _list_of(
            _object(
                {
                    "check": _ref("expression"),
                    "message": _ref("label"),
                    "fields": _names(),
                },
                required=("check", "message"),
            )
        ),
    }
    # An extension patches what exists and adds what is new, so nothing in it
    # is required by the schema; the merged entity is checked as a whole.
    field_patch = {"anyOf": [field["anyOf"][0], _patch(field["anyOf"][1])]}
    extend_workflow = _patch(workflow)
    del extend_workflow["properties"]["field"]
    extend_workflow["properties"]["transitions"] = {
        "type": "object",
        "additionalProperties": _patch(transition),
    }
    extend_properties = dict(entity_properties)
    extend_properties.update(
        fields={"type": "object", "additionalProperties": field_patch},
        workflow=extend_workflow,
        rules={"type": "object", "additionalProperties": _patch(rule)},
        forms={
            "type": "object",
            "additionalProperties": _form_patch(form, section, tab),
        },
    )
    permission = {
        "x-hint": "write 'all', an action such as 'read', a list of actions, "
        "or a mapping",
        "anyOf": [
            {"enum": ["all", "none", *lang.PERMISSION_ACTIONS]},
            _list_of({"enum": list(lang.PERMISSION_ACTIONS)}),
            _object(
                {
                    **{
                        action: {"type": "boolean"}
                        for action in lang.PERMISSION_ACTIONS
                    },
                    "transitions": {"anyOf": [{"enum": ["all"]}, _names()]},
                    "fields": {
                        "type": "object",
                        "additionalProperties": {"enum": list(lang.FIELD_ACCESS)},
                    },
                    "rows": _ref("filters"),
                }
            ),
        ],
    }
    measure = {
        "anyOf": [
            {"const": "count"},
            _object(
                {m: _ref("name") for m in lang.MEASURES if m != "count"}
                | {"count": {"anyOf": [{"const": "*"}, _ref("name")]}}
                | {
                    "percent": {
                        **_list_of(_ref("name"), minItems=2, maxItems=2),
                        "x-hint": "write the part and the whole: "
                        "[units_returned, units_delivered]",
                    }
                },
                minProperties=1,
                maxProperties=1,
            ),
        ]
    }
    return {
        "name": name,
        "path": path,
        "label": label,
        "expression": expression,
        "duration": duration,
        "filters": filters,
        "assignments": {
            "type": "object",
            "x-hint": "write 'field: value'; a value starting with '=' "
            "is an expression",
        },
        "options": options,
        "field": field,
        "section": section,
        "form": form,
        "state": state,
        "transition": transition,
        "workflow": workflow,
        "trigger": trigger,
        "rule": rule,
        "action": action,
        "actions": actions,
        "permission": permission,
        "pack": _object(
            {
                "name": _ref("name"),
                "version": {
                    "type": "string",
                    "pattern": r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
                    r"(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$",
                    "x-hint": "write a semantic version such as '1.2.0'",
                },
                "title": _ref("label"),
                "description": _ref("label"),
                "author": {"type": "string"},
                "license": {"type": "string"},
                "homepage": {"type": "string"},
                "depends": {
                    "type": "object",
                    "additionalProperties": {"type": "string"},
                    "x-hint": "map each pack name to a version range "
                    "such as '>=1.0, <2'",
                },
                "enhances": {
                    "type": "object",
                    "additionalProperties": {"type": "string"},
                    "x-hint": "map each optional pack's name to a version range "
                    "such as '^1.0'; its files go in the folder with/<name>/",
                },
            },
            required=("name", "version", "title"),
        ),
        "entity": _object(
            {"entity": _ref("name"), **entity_properties}, required=("entity", "fields")
        ),
        "extend": _object(
            {
                "extend": _ref("name"),
                **extend_properties,
            },
            required=("extend",),
        ),
        "role": _object(
            {
                "role": _ref("name"),
                "label": _ref("label"),
                "description": _ref("label"),
                "home": _ref("name"),
                "permissions": {
                    "type": "object",
                    "additionalProperties": _ref("permission"),
                },
            },
            required=("role",),
        ),
        "extend_role": _object(
            {
                "extend_role": _ref("name"),
                "label": _ref("label"),
                "description": _ref("label"),
                "home": _ref("name"),
                "permissions": {
                    "type": "object",
                    "additionalProperties": _ref("permission"),
                },
            },
            required=("extend_role", "permissions"),
        ),
        "view": _object(
            {
                "view": _ref("name"),
                "entity": _ref("name"),
                "label": _ref("label"),
                "type": {"enum": list(lang.VIEW_TYPES)},
                "columns": _list_of(_ref("path")),
                "filters": _ref("filters"),
                "sort": {"anyOf": [{"type": "string"}, _list_of({"type": "string"})]},
                "group_by": _ref("path"),
                "page_size": {"type": "integer", "minimum": 1, "maximum": 500},
                "roles": _names(),
                "kanban": _object(
                    {"by": _ref("name"), "card": _list_of(_ref("path"))},
                    required=("by",),
                ),
                "calendar": _object(
                    {"date": _ref("name"), "end": _ref("name")}, required=("date",)
                ),
            },
            required=("view", "entity"),
        ),
        "report": _object(
            {
                "report": _ref("name"),
                "entity": _ref("name"),
                "label": _ref("label"),
                "description": _ref("label"),
                "filters": _ref("filters"),
                "group_by": _list_of({"type": "string"}),
                "measures": {
                    "type": "object",
                    "minProperties": 1,
                    "additionalProperties": measure,
                },
                "chart": {"enum": list(lang.CHART_TYPES)},
                "sort": {"anyOf": [{"type": "string"}, _list_of({"type": "string"})]},
                "limit": {"type": "integer", "minimum": 1},
                "roles": _names(),
            },
            required=("report", "entity", "measures"),
        ),
        "dashboard": _object(
            {
                "dashboard": _ref("name"),
                "label": _ref("label"),
                "roles": _names(),
                "widgets": _ref("widgets"),
            },
            required=("dashboard", "widgets"),
        ),
        "extend_dashboard": _object(
            {"extend_dashboard": _ref("name"), "widgets": _ref("widgets")},
            required=("extend_dashboard", "widgets"),
        ),
        "widgets": _list_of(
            _object(
                {
                    "report": _ref("name"),
                    "view": _ref("name"),
                    "title": _ref("label"),
                    "width": {"type": "integer", "minimum": 1, "maximum": 12},
                    "limit": {"type": "integer", "minimum": 1, "maximum": 100},
                },
                minProperties=1,
            ),
            minItems=1,
        ),
        "seed": _object(
            {
                "seed": _ref("name"),
                "key": names_or_name,
                "rules": {"type": "boolean"},
                "update": {"type": "boolean"},
                "records": _list_of({"type": "object"}),
            },
            required=("seed", "records"),
        ),
    }


@cache
def schema(field_types: tuple[str, ...] = ()) -> dict:
    """The whole schema: one definitions document, chosen by its first key.

    `field_types` (sorted) names the field types plugins add; the schema
    shipped for editors has none."""
    definitions = _definitions(field_types)
    branches = []
    for kind in lang.DOCUMENT_KINDS:
        condition: dict = {"required": [kind]}
        if kind == "entity":
            # view: and report: documents name their entity with `entity:`.
            condition["not"] = {
                "anyOf": [{"required": [k]} for k in lang.KINDS_WITH_ENTITY]
            }
        branches.append({"if": condition, "then": {"$ref": f"#/definitions/{kind}"}})
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": SCHEMA_ID,
        "title": "Officina definitions",
        "description": "One YAML document of an Officina pack or site: an entity, "
        "an extension of one, a role, a view, a report, a dashboard or seed data. "
        "pack.yaml files follow pack.schema.json.",
        "type": "object",
        "allOf": branches,
        "definitions": definitions,
    }


@cache
def pack_schema() -> dict:
    """The schema of pack.yaml files."""
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": SCHEMA_ID.replace("officina.schema", "pack.schema"),
        "title": "Officina pack manifest (pack.yaml)",
        "allOf": [{"$ref": "#/definitions/pack"}],
        "definitions": _definitions(),
    }


def schema_json(pack: bool = False) -> str:
    """The schema as the JSON text shipped in `schemas/`."""
    document = pack_schema() if pack else schema()
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
