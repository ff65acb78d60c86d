"""The OpenAPI 3.1 document of a site's API, made from its definitions.

One schema per entity for what the API returns and one for what it accepts
(computed and system fields are returned, never accepted); child rows are
arrays of the child entity's schemas. Every error is a problem document.
"""

from __future__ import annotations

from officina.automation.sla import has_sla
from officina.definitions import Definitions
from officina.definitions.language import RELATIVE_PERIODS
from officina.definitions.model import Entity, Field, Label
from officina.records.listing import MAX_LIMIT
from officina.web.api import clocks
from officina.web.api.query import (
    BIGINT,
    DEFAULT_LIMIT,
    DOCUMENT_TYPES,
    SYSTEM_FIELDS,
    filter_operators,
    filterable,
    integer_limit,
)

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
# Not a name an entity can take (entity schemas are PascalCase words).
STATE_CLOCK = "officina.StateClock"
_DECIMAL = r"^-?[0-9]+(\.[0-9]+)?$"
_ERRORS = {
    400: "The request cannot be used (a parameter, header or body); "
    "`parameter` names a bad query parameter.",
    401: "No valid token.",
    403: "The token's user may not do this.",
    404: "No such entity or record.",
    409: "The record changed since the given version.",
    415: "The body is not JSON.",
    422: "The values are not valid; `errors` lists every problem.",
}


def build_document(definitions: Definitions, title: str = "Officina") -> dict:
    """The OpenAPI 3.1 document for `definitions`."""
    entities = [e for e in definitions.entities.values() if not e.is_child]
    schemas: dict = {"Problem": _problem_schema()}
    if any(has_sla(entity) for entity in entities):
        schemas[STATE_CLOCK] = clocks.SCHEMA
    for entity in definitions.entities.values():
        schemas[_name(entity)] = _record_schema(entity)
        accepted = _input_schema(entity)
        schemas[_name(entity) + "Input"] = accepted
        if not entity.is_child:
            schemas[_name(entity) + "Patch"] = _patch_schema(accepted)
    paths = {}
    for entity in entities:
        paths[f"/api/v1/{entity.name}"] = _collection(entity)
        paths[f"/api/v1/{entity.name}/{{id}}"] = _item(entity)
        if entity.workflow is not None:
            paths[f"/api/v1/{entity.name}/{{id}}/transitions"] = _choices(entity)
            paths[f"/api/v1/{entity.name}/{{id}}/transitions/{{name}}"] = _step(entity)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": f"{title} API",
            "version": definitions.version[:12],
            "description": "Records of every entity. Send "
            "`Authorization: Bearer <token>`; errors are RFC 9457 problem "
            "documents.",
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
    }


def _name(entity: Entity) -> str:
    return "".join(part.capitalize() for part in entity.name.split("_"))


def _problem_schema() -> dict:
    return {
        "type": "object",
        "description": "An RFC 9457 problem document.",
        "required": ["type", "title", "status", "detail"],
        "properties": {
            "type": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string"},
            "parameter": {"type": "string"},
            "errors": {
                "type": "object",
                "properties": {
                    "fields": {"type": "object"},
                    "rows": {"type": "object"},
                    "record": {"type": "array", "items": {"type": "string"}},
                },
            },
        },
    }


def value_schema(field: Field, *, accepting: bool = False) -> dict:
    """The JSON schema of one field's value (without null)."""
    kind = field.type
    described = {"description": field.label.get()}
    if kind in ("string", "email", "phone", "url", "autonumber"):
        schema = {"type": "string", "maxLength": field.max_length or 255}
        if kind == "autonumber":
            schema["maxLength"] = 64
        if field.pattern and accepting:
            schema["pattern"] = f"^(?:{field.pattern})$"
        if kind in ("email", "url"):
            schema["format"] = {"email": "email", "url": "uri"}[kind]
    elif kind == "text":
        schema = {"type": "string"}
    elif kind in ("integer", "rating"):
        schema = {"type": "integer", "format": "int64"}
        if accepting:
            low, high = (-BIGINT, BIGINT) if kind == "integer" else (0, 32767)
            schema["minimum"] = _bound(field.min, low)
            schema["maximum"] = _bound(field.max, high)
    elif kind in ("decimal", "money", "percent"):
        schema = {"type": "string", "pattern": _DECIMAL, "format": "decimal"}
        if accepting:
            schema = {"anyOf": [schema, {"type": "number"}]}
    elif kind == "boolean":
        schema = {"type": "boolean"}
    elif kind in ("date", "datetime", "time"):
        schema = {"type": "string", "format": {"datetime": "date-time"}.get(kind, kind)}
    elif kind == "choice":
        schema = {"enum": list(field.option_values)}
    elif kind == "multi_choice":
        schema = {"type": "array", "items": {"enum": list(field.option_values)}}
    elif kind == "reference":
        schema = {
            "type": "integer",
            "format": "int64",
            "description": f"The id of a {field.to}",
        }
        if accepting:
            schema |= {"minimum": 1, "maximum": BIGINT}
        else:
            schema = {"anyOf": [schema, {"type": "object", "description": "expanded"}]}
    elif kind == "attachment":
        schema = {"type": "array", "items": {"type": "object"}}
    else:  # json
        schema = {}
    return described | schema


def _bound(value, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _nullable(schema: dict) -> dict:
    return {"anyOf": [schema, {"type": "null"}]}


def _record_schema(entity: Entity) -> dict:
    properties: dict = {"id": {"type": "integer", "format": "int64"}}
    for name, field in entity.fields.items():
        if field.type == "table":
            properties[name] = {
                "type": "array",
                "items": {"$ref": f"#/components/schemas/{_child_name(field)}"},
            }
        else:
            properties[name] = (
                _nullable(value_schema(field)) | {"readOnly": True}
                if field.formula is not None
                else _nullable(value_schema(field))
            )
    if entity.is_child:
        properties["row_order"] = {"type": "integer"}
    properties |= {
        "created_at": {"type": "string", "format": "date-time", "readOnly": True},
        "created_by": {"type": ["integer", "null"], "readOnly": True},
        "updated_at": {"type": "string", "format": "date-time", "readOnly": True},
        "updated_by": {"type": ["integer", "null"], "readOnly": True},
        "version": {"type": "integer", "readOnly": True},
    }
    if not entity.is_child and has_sla(entity):
        properties[clocks.KEY] = {
            "anyOf": [
                {"$ref": f"#/components/schemas/{STATE_CLOCK}"},
                {"type": "null"},
            ],
            "readOnly": True,
            "description": "The SLA of the workflow state the record is in; "
            "null while that state has none.",
        }
    return {
        "type": "object",
        "title": entity.label.get(),
        "required": ["id", "created_at", "updated_at", "version"],
        "properties": properties,
    }


def _child_name(field: Field) -> str:
    return "".join(part.capitalize() for part in (field.of or "").split("_"))


def _input_schema(entity: Entity) -> dict:
    properties: dict = {}
    required = []
    workflow = entity.workflow.field if entity.workflow else None
    for name, field in entity.fields.items():
        if field.formula is not None or field.type == "autonumber":
            continue
        if field.read_only or name == workflow or field.system:
            continue
        if field.type == "table":
            properties[name] = {
                "type": "array",
                "items": {"$ref": f"#/components/schemas/{_child_name(field)}Input"},
            }
            continue
        schema = value_schema(field, accepting=True)
        if field.required and field.required_when is None and field.default is None:
            required.append(name)
        else:
            schema = _nullable(schema)
        properties[name] = schema
    if entity.is_child:
        properties["id"] = {
            "type": "integer",
            "format": "int64",
            "description": "An existing row to keep or change",
        }
    schema = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        schema["required"] = required
    return schema


def _collection(entity: Entity) -> dict:
    name = _name(entity)
    record = {"$ref": f"#/components/schemas/{name}"}
    return {
        "get": {
            "operationId": f"list_{entity.name}",
            "summary": f"List {entity.plural_label.get()}",
            "tags": [entity.name],
            "parameters": list_parameters(entity),
            "responses": {
                "200": _json(
                    "A page of records",
                    {
                        "type": "object",
                        "required": ["data", "next_cursor"],
                        "properties": {
                            "data": {"type": "array", "items": record},
                            "next_cursor": {"type": ["string", "null"]},
                            "total": {"type": "integer"},
                        },
                    },
                ),
                **_problems(400, 401, 403, 404),
            },
        },
        "post": {
            "operationId": f"create_{entity.name}",
            "summary": f"Create {entity.label.get()}",
            "tags": [entity.name],
            "parameters": [
                {
                    "name": "Idempotency-Key",
                    "in": "header",
                    "required": False,
                    "description": "Makes a retried create return the first answer.",
                    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
                }
            ],
            "requestBody": _body(name, required=True),
            "responses": {
                "201": _json("Created", record)
                | {"headers": {"Location": {"schema": {"type": "string"}}}},
                **_problems(400, 401, 403, 404, 409, 415, 422),
            },
        },
    }


def _item(entity: Entity) -> dict:
    name = _name(entity)
    record = {"$ref": f"#/components/schemas/{name}"}
    identifier = {
        "name": "id",
        "in": "path",
        "required": True,
        "schema": {"type": "integer", "minimum": 0},
    }
    if_match = {
        "name": "If-Match",
        "in": "header",
        "required": False,
        "description": "The version the change is based on.",
        "schema": {"type": "string", "pattern": "^[0-9]{1,18}$"},
    }
    return {
        "parameters": [identifier],
        "get": {
            "operationId": f"get_{entity.name}",
            "summary": f"Read {entity.label.get()} with its rows",
            "tags": [entity.name],
            "responses": {
                "200": _json("The record", record),
                **_problems(401, 403, 404),
            },
        },
        "patch": {
            "operationId": f"update_{entity.name}",
            "summary": f"Change {entity.label.get()}",
            "tags": [entity.name],
            "parameters": [if_match],
            "requestBody": _body(name, required=False, patch=True),
            "responses": {
                "200": _json("The changed record", record),
                **_problems(400, 401, 403, 404, 409, 415, 422),
            },
        },
        "delete": {
            "operationId": f"delete_{entity.name}",
            "summary": f"Delete {entity.label.get()}",
            "tags": [entity.name],
            "parameters": [if_match],
            "responses": {
                "204": {"description": "Deleted"},
                **_problems(400, 401, 403, 404, 409, 422),
            },
        },
    }


_IDENTIFIER = {
    "name": "id",
    "in": "path",
    "required": True,
    "schema": {"type": "integer", "minimum": 0},
}


def _choices(entity: Entity) -> dict:
    choice = {
        "type": "object",
        "required": ["name", "label", "to", "allowed", "reason", "comment"],
        "properties": {
            "name": {"type": "string"},
            "label": {"type": "string"},
            "to": {"type": "string"},
            "allowed": {"type": "boolean"},
            "reason": {"type": ["string", "null"]},
            "comment": {"enum": ["none", "optional", "required"]},
        },
    }
    return {
        "parameters": [_IDENTIFIER],
        "get": {
            "operationId": f"transitions_of_{entity.name}",
            "summary": f"The workflow steps out of the state of {entity.label.get()}",
            "tags": [entity.name],
            "responses": {
                "200": _json(
                    "Each step, allowed now or with the reason it is not",
                    {
                        "type": "object",
                        "required": ["data"],
                        "properties": {"data": {"type": "array", "items": choice}},
                    },
                ),
                **_problems(401, 403, 404),
            },
        },
    }


def _step(entity: Entity) -> dict:
    name = _name(entity)
    record = {"$ref": f"#/components/schemas/{name}"}
    step = {
        "name": "name",
        "in": "path",
        "required": True,
        "schema": {"enum": list(entity.workflow.transitions)},
    }
    body = {
        "type": "object",
        "properties": {
            "comment": {"type": ["string", "null"], "maxLength": 10_000},
            "version": {"type": "integer", "minimum": 1, "maximum": BIGINT},
            "values": {"$ref": f"#/components/schemas/{name}Patch"},
        },
        "additionalProperties": False,
    }
    return {
        "parameters": [_IDENTIFIER, step],
        "post": {
            "operationId": f"transition_{entity.name}",
            "summary": f"Take a workflow step of {entity.label.get()}",
            "tags": [entity.name],
            "requestBody": {
                "required": False,
                "content": {"application/json": {"schema": body}},
            },
            "responses": {
                "200": _json("The record after the step", record),
                **_problems(400, 401, 403, 404, 409, 415, 422),
            },
        },
    }


def _patch_schema(accepted: dict) -> dict:
    """Any of the accepted fields, and the version the change is based on."""
    properties = dict(accepted["properties"])
    properties["version"] = {"type": "integer", "minimum": 1, "maximum": BIGINT}
    return {"type": "object", "properties": properties, "additionalProperties": False}


def _body(name: str, *, required: bool, patch: bool = False) -> dict:
    suffix = "Patch" if patch else "Input"
    schema = {"$ref": f"#/components/schemas/{name}{suffix}"}
    return {"required": required, "content": {"application/json": {"schema": schema}}}


def _json(description: str, schema: dict) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": schema}},
    }


def _problems(*statuses: int) -> dict:
    return {
        str(status): {
            "description": _ERRORS[status],
            "content": {"application/problem+json": {"schema": PROBLEM_REF}},
        }
        for status in statuses
    }


def list_parameters(entity: Entity) -> list[dict]:
    """Query parameters of a list: options, then filters per field."""
    kinds = filterable(entity)
    sortable = [n for n, kind in kinds.items() if kind not in DOCUMENT_TYPES]
    expandable = [
        n for n, f in entity.fields.items() if f.type in ("reference", "table")
    ]
    parameters = [
        _query(
            "sort",
            _list({"enum": sortable + [f"-{n}" for n in sortable]}),
            "Fields to sort by, comma-separated; `-` for descending, e.g. "
            "`-created_at,name`.",
        ),
        _query(
            "limit",
            {
                "type": "integer",
                "minimum": 1,
                "maximum": MAX_LIMIT,
                "default": DEFAULT_LIMIT,
            },
            "Records per page.",
        ),
        _query("cursor", {"type": "string"}, "`next_cursor` of the previous page."),
        _query("count", {"type": "boolean"}, "Also count every matching record."),
    ]
    if expandable:
        parameters.append(
            _query(
                "expand",
                _list({"enum": expandable}),
                "References and tables to include as objects, comma-separated.",
            )
        )
    for name, kind in kinds.items():
        field = entity.fields.get(name) or Field(
            name=name, type=kind, label=Label.of(name)
        )
        for operator in filter_operators(kind):
            key = name if operator == "eq" else f"{name}__{operator}"
            parameters.append(
                _query(
                    key, _filter_schema(field, operator), _filter_help(name, operator)
                )
            )
    return parameters


def _filter_schema(field: Field, operator: str) -> dict:
    """What a filter's value looks like in the query string."""
    if operator == "empty":
        return {"type": "boolean"}
    if operator == "within":
        return {"enum": list(RELATIVE_PERIODS)}
    if operator in ("contains", "starts_with"):
        return {"type": "string"}
    value = value_schema(field, accepting=True)
    value.pop("description", None)
    if value.get("type") == "integer":
        limit = integer_limit(field)
        value["minimum"] = max(value.get("minimum", -limit), -limit)
        value["maximum"] = min(value.get("maximum", limit), limit)
    if "anyOf" in value:  # decimals: text in a query string
        value = value["anyOf"][0]
    if operator in ("in", "not_in"):
        return _list(value)
    if operator == "between":
        return _list(value) | {"minItems": 2, "maxItems": 2}
    return value


def _list(items: dict) -> dict:
    return {"type": "array", "items": items, "minItems": 1}


def _filter_help(name: str, operator: str) -> str:
    help_ = {
        "in": "one of comma-separated values",
        "not_in": "none of comma-separated values",
        "between": "`low,high`, both included",
        "empty": "`true` or `false`",
        "within": "a period such as `last_30_days`",
    }.get(operator, f"`{operator}` a value")
    where = "system field" if name in SYSTEM_FIELDS else "field"
    return (
        f"Filter on the {where} `{name}`: {help_}. References may be "
        "followed with dots, e.g. `customer.city`."
    )


def _query(name: str, schema: dict, description: str) -> dict:
    parameter = {
        "name": name,
        "in": "query",
        "required": False,
        "schema": schema,
        "description": description,
    }
    if schema.get("type") == "array":
        parameter |= {"style": "form", "explode": False}  # a,b,c
    return parameter
