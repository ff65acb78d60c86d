"""JSON Schema validation, with every failure turned into a located problem.

jsonschema finds what is wrong; this module says it the way a business user
needs to hear it: the key or value at fault, its line and column, and a hint
(a close spelling, the allowed words, or the `x-hint` of that schema part).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from jsonschema import Draft7Validator
from jsonschema.exceptions import ValidationError

from officina.definitions.schema_document import schema
from officina.definitions.source import Mapping, Sequence
from officina.errors import Location, Problem, one_of, suggest

_TYPE_WORDS = {
    "object": "a mapping (key: value lines)",
    "array": "a list",
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "null": "empty",
}


@cache
def _validator(kind: str, field_types: tuple[str, ...] = ()) -> Draft7Validator:
    whole = schema(field_types)
    return Draft7Validator(
        {
            "allOf": [{"$ref": f"#/definitions/{kind}"}],
            "definitions": whole["definitions"],
        }
    )


def validate(
    document: Mapping, kind: str, field_types: Iterable[str] = ()
) -> list[Problem]:
    """Problems of `document` against the schema of its `kind`, which
    accepts the field types plugins add (`field_types`, by name)."""
    return validate_with(_validator(kind, tuple(sorted(field_types))), document)


def validate_with(validator: Draft7Validator, document: Mapping) -> list[Problem]:
    """Problems of `document` against any schema, explained the same way."""
    problems: list[Problem] = []
    for error in validator.iter_errors(document):
        problems.extend(_explain(error, document))
    return problems


def _explain(error: ValidationError, document) -> list[Problem]:
    if error.validator in ("anyOf", "oneOf"):
        chosen = _branch_errors(error)
        if chosen:
            problems = []
            for sub in chosen:
                problems.extend(_explain(sub, document))
            return problems
    path = list(error.absolute_path)
    where = _describe(path)
    hint = error.schema.get("x-hint", "") if isinstance(error.schema, dict) else ""
    instance = error.instance
    container, key = _parent(document, path)
    value_location = _value_location(container, key, document)
    key_location = _key_location(container, key, document)
    validator = error.validator

    if "propertyNames" in error.relative_schema_path:
        # The key itself is wrong (e.g. a language code in a label).
        owner = _at(document, path)
        location = (
            owner.key_at(instance) if isinstance(owner, Mapping) else value_location
        )
        noun = error.schema.get("x-noun", "an allowed key")
        return [
            Problem(location, f"'{instance}' is not {noun} in {_subject(where)}", hint)
        ]
    if validator == "additionalProperties" and isinstance(instance, dict):
        allowed = list(error.schema.get("properties", {}))
        problems = []
        for extra in instance:
            if extra in allowed:
                continue
            location = (
                instance.key_at(extra)
                if isinstance(instance, Mapping)
                else value_location
            )
            problems.append(
                Problem(
                    location,
                    f"unknown key '{extra}'" + (f" in {where}" if where else ""),
                    suggest(extra, allowed) or one_of(allowed),
                )
            )
        if problems:
            return problems
        # additionalProperties with a schema: the error lies in a value.
    if validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        return [
            Problem(
                key_location,
                f"'{missing}' is missing" + (f" in {where}" if where else ""),
                f"add '{missing}: ...'",
            )
        ]
    if validator == "type":
        expected = error.validator_value
        words = (
            " or ".join(_TYPE_WORDS.get(e, e) for e in expected)
            if isinstance(expected, list)
            else _TYPE_WORDS.get(expected, expected)
        )
        return [
            Problem(
                value_location,
                f"{_subject(where)} must be {words}, not {_shown(instance)}",
                hint,
            )
        ]
    if validator in ("enum", "const"):
        allowed = (
            error.validator_value if validator == "enum" else [error.validator_value]
        )
        names = [str(a) for a in allowed]
        if path and (path[-1] == "type" or (len(path) > 1 and path[-2] == "fields")):
            return [
                Problem(
                    value_location,
                    f"unknown field type {_shown(instance)} in {where}",
                    suggest(str(instance), names) or one_of(names),
                )
            ]
        return [
            Problem(
                value_location,
                f"{_shown(instance)} is not allowed for {_subject(where)}",
                suggest(str(instance), names) or one_of(names),
            )
        ]
    if validator == "pattern":
        return [
            Problem(
                value_location, f"{_shown(instance)} is not a valid {_noun(path)}", hint
            )
        ]
    if validator == "maxLength":
        return [
            Problem(
                value_location,
                f"{_shown(instance)} is longer than {error.validator_value} characters",
                hint or "shorten it",
            )
        ]
    if validator in ("minItems", "maxItems") and instance:
        side = "at least" if validator == "minItems" else "at most"
        count = error.validator_value
        return [
            Problem(
                value_location,
                f"{_subject(where)} takes {side} {count} "
                f"{'item' if count == 1 else 'items'}, not {len(instance)}",
                hint,
            )
        ]
    if validator in ("minLength", "minItems", "minProperties"):
        return [Problem(value_location, f"{_subject(where)} must not be empty", hint)]
    if validator == "maxProperties":
        return [
            Problem(value_location, f"{_subject(where)} takes exactly one entry", hint)
        ]
    if validator in ("minimum", "maximum"):
        side = "at least" if validator == "minimum" else "at most"
        return [
            Problem(
                value_location,
                f"{_subject(where)} must be {side} "
                f"{error.validator_value}, not {_shown(instance)}",
            )
        ]
    if validator in ("anyOf", "oneOf"):
        forms = [_form(branch) for branch in error.validator_value]
        expected = " or ".join(form for form in forms if form)
        return [
            Problem(
                value_location,
                f"{_subject(where)} must be {expected}, not {_shown(instance)}"
                if expected
                else f"{_subject(where)} has the wrong form: {_shown(instance)}",
                hint,
            )
        ]
    return [Problem(value_location, f"{_subject(where)}: {error.message}", hint)]


def _at(document, path):
    node = document
    for step in path:
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            return None
    return node


def _form(branch: dict) -> str:
    """How one anyOf branch reads in a message: 'a list', 'empty', ..."""
    if "$ref" in branch:
        name = branch["$ref"].rsplit("/", 1)[-1]
        return {"name": "a name", "label": "a text"}.get(name, "")
    kind = branch.get("type")
    if isinstance(kind, str):
        return _TYPE_WORDS.get(kind, kind)
    if "enum" in branch:
        return "one of " + ", ".join(map(str, branch["enum"]))
    if "const" in branch:
        return f"'{branch['const']}'"
    return ""


def _branch_errors(error: ValidationError) -> list[ValidationError]:
    """Of an anyOf's branches, the errors of the one the value was meant for."""
    branches: dict[int, list[ValidationError]] = {}
    for sub in error.context or ():
        branches.setdefault(sub.relative_schema_path[0], []).append(sub)
    candidates = []
    for _index, errors in sorted(branches.items()):
        top_level = [e for e in errors if not e.relative_path]
        if any(e.validator in ("type", "const") for e in top_level):
            continue
        if any(e.validator == "enum" for e in top_level) and not isinstance(
            error.instance, str
        ):
            continue
        candidates.append(errors)
    if len(candidates) == 1:
        return candidates[0]
    return []


def _parent(document, path):
    if not path:
        return None, None
    container = document
    for step in path[:-1]:
        try:
            container = container[step]
        except (KeyError, IndexError, TypeError):
            return None, None
    return container, path[-1]


def _value_location(container, key, document) -> Location:
    if isinstance(container, Mapping):
        return container.value_at(key)
    if isinstance(container, Sequence):
        return container.item_at(key)
    return document.location


def _key_location(container, key, document) -> Location:
    if isinstance(container, Mapping):
        return container.key_at(key)
    if isinstance(container, Sequence):
        return container.item_at(key)
    return document.location


def _describe(path) -> str:
    parts = []
    for step in path:
        if isinstance(step, int):
            parts.append(f"[{step + 1}]")
        else:
            parts.append(("." if parts else "") + str(step))
    return "".join(parts)


def _subject(where: str) -> str:
    return f"'{where}'" if where else "the document"


def _noun(path) -> str:
    last = next((step for step in reversed(path) if isinstance(step, str)), "")
    return {
        "version": "version",
        "currency": "currency code",
        "copy_from": "'copy_from' value",
        "action": "plugin action name",
    }.get(last, "name")


def _shown(value) -> str:
    if isinstance(value, str):
        return f"'{value}'"
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return str(value)
