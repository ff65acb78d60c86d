"""Fields: from their YAML spec to `model.Field`, checking every setting."""

from __future__ import annotations

import datetime as dt
import re
import warnings

from officina.definitions import language as lang
from officina.definitions.context import BuildContext
from officina.definitions.filters import build_filters
from officina.definitions.model import Field, Label, Option
from officina.definitions.source import Mapping
from officina.errors import a, one_of, suggest
from officina.expressions import Expression
from officina.expressions import types as t

_HEX_COLOR = re.compile(r"^#[0-9a-fA-F]{3}([0-9a-fA-F]{3})?$")
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(B|KB|MB|GB)?\s*$", re.IGNORECASE)
_SIZE_UNITS = {"b": 1, "kb": 1024, "mb": 1024**2, "gb": 1024**3}
NUMBER_TOKEN = re.compile(r"\{(#+|YYYY|YY|MM|DD)\}")
_NUMBER_LITERAL = re.compile(r"^[A-Za-z0-9\-_/.]*$")

_DEFAULT_PRECISION = {"decimal": (18, 4), "money": (18, 2), "percent": (9, 4)}


def check_color(ctx: BuildContext, color, location, what: str) -> None:
    if color is None:
        return
    if isinstance(color, str) and (
        color in lang.CHOICE_COLORS or _HEX_COLOR.match(color)
    ):
        return
    ctx.error(
        location,
        f"'{color}' is not a colour for {what}",
        suggest(color, lang.CHOICE_COLORS)
        or f"{one_of(lang.CHOICE_COLORS)}, or '#rrggbb'",
    )


def check_number_format(ctx: BuildContext, text, location, what: str) -> None:
    """`ORD-{YYYY}-{#####}`: one counter, known date parts, plain characters."""
    if not isinstance(text, str):
        return
    counters = re.findall(r"\{#+\}", text)
    unknown = [
        token
        for token in re.findall(r"\{[^}]*\}", text)
        if not NUMBER_TOKEN.fullmatch(token)
    ]
    for token in unknown:
        ctx.error(
            location,
            f"'{token}' in the {what} '{text}' is not known",
            "use {YYYY}, {YY}, {MM}, {DD} and one counter such as {#####}",
        )
    if len(counters) != 1:
        ctx.error(
            location,
            f"the {what} '{text}' needs exactly one counter",
            "add one counter such as {#####} (five digits)",
        )
    rest = re.sub(r"\{[^}]*\}", "", text)
    if not _NUMBER_LITERAL.match(rest):
        ctx.error(
            location,
            f"the {what} '{text}' contains characters that do not "
            "belong in a record number",
            "use letters, digits and - _ / . around the {...} parts",
        )


def build_field(
    ctx: BuildContext, entity: str, name: str, spec: Mapping
) -> Field | None:
    kind = spec.get("type")
    where = f"field '{name}'"
    if kind not in lang.FIELD_TYPES:
        known = [*lang.FIELD_TYPES, *ctx.field_types]
        ctx.error(
            spec.value_at("type"),
            f"unknown field type '{kind}'",
            suggest(kind, known) or one_of(known),
        )
        return None
    plugin_type = ctx.plugin_fields.get((entity, name))
    for key in spec:
        allowed_types = lang.KEYS_FOR_TYPES.get(key)
        if allowed_types is not None and kind not in allowed_types:
            ctx.error(
                spec.key_at(key),
                f"'{key}' does not apply to {a(kind)} field ('{name}')",
                f"'{key}' is for {', '.join(sorted(allowed_types))} fields; remove it",
            )
    scope = ctx.scope(entity)
    options = _options(ctx, spec, name) if kind in ("choice", "multi_choice") else ()
    precision, scale = spec.get("precision"), spec.get("scale")
    if kind in _DEFAULT_PRECISION:
        default_precision, default_scale = _DEFAULT_PRECISION[kind]
        precision = precision or default_precision
        scale = default_scale if scale is None else scale
        if scale > precision:
            ctx.error(
                spec.key_at("scale"),
                f"'scale' ({scale}) of '{name}' cannot be "
                f"larger than its precision ({precision})",
                "precision counts all digits, scale those after the point",
            )
    max_length = spec.get("max_length")
    if kind == "string" and max_length is None:
        max_length = 255
    if kind in ("email", "url", "phone") and max_length is None:
        max_length = {"email": 254, "url": 2048, "phone": 32}[kind]
    min_length = spec.get("min_length")
    if min_length is not None and max_length is not None and min_length > max_length:
        ctx.error(
            spec.key_at("min_length"),
            f"'min_length' of '{name}' is larger than its max_length ({max_length})",
        )
    pattern = spec.get("pattern")
    if pattern is None and plugin_type is not None:
        pattern = plugin_type.pattern  # checked when the plugin was loaded
    elif pattern is not None:
        try:
            with warnings.catch_warnings():
                # Python warns of patterns whose meaning will change (such as
                # nested sets '[[a]]'): refused now rather than later.
                warnings.simplefilter("error")
                re.compile(pattern)
        except (re.error, FutureWarning, DeprecationWarning) as error:
            ctx.error(
                spec.value_at("pattern"),
                f"the pattern of '{name}' is not a valid regular expression: {error}",
                "check the brackets and escapes; write a literal [ as \\[",
            )
    formula = None
    if "formula" in spec:
        formula = ctx.expression(
            spec["formula"], spec.value_at("formula"), scope, f"the formula of '{name}'"
        )
        _check_result(ctx, formula, kind, spec.value_at("formula"), name)
        for clash in ("default", "copy_from"):
            if clash in spec:
                ctx.error(
                    spec.key_at(clash),
                    f"'{name}' has a formula, so '{clash}' has no effect",
                    f"remove '{clash}' or the formula",
                )
    default = None
    if "default" in spec:
        default = ctx.value(
            spec["default"], spec.value_at("default"), scope, f"the default of '{name}'"
        )
        if not isinstance(default, Expression):
            _check_literal(ctx, default, kind, spec, name, options)
    bounds = {}
    for key in ("min", "max"):
        if key in spec:
            bounds[key] = _bound(ctx, entity, spec, key, kind, name)
    if kind == "rating" and bounds.get("max") is None:
        bounds["max"] = 5
    if (
        isinstance(bounds.get("min"), int | float)
        and isinstance(bounds.get("max"), int | float)
        and bounds["min"] > bounds["max"]
    ):
        ctx.error(spec.key_at("min"), f"'min' of '{name}' is larger than its 'max'")
    conditions = {}
    for key in ("visible_when", "required_when", "readonly_when"):
        if key in spec:
            conditions[key] = ctx.expression(
                spec[key], spec.value_at(key), scope, f"'{key}' of '{name}'"
            )
    copy_from = None
    if "copy_from" in spec:
        copy_from = _copy_from(ctx, entity, name, spec)
    to = spec.get("to")
    on_delete = spec.get("on_delete")
    if kind == "reference":
        if to is None:
            ctx.error(
                spec.key_at("type"),
                f"the reference '{name}' does not say what it refers to",
                "add 'to: <entity>'",
            )
        elif to not in ctx.entity_names and to != "user":
            ctx.unknown(
                spec.value_at("to"), "entity", to, ctx.entity_names | {"user"}, where
            )
        on_delete = on_delete or (
            "set_null" if not spec.get("required") else "restrict"
        )
        if on_delete == "set_null" and spec.get("required"):
            ctx.error(
                spec.value_at("on_delete"),
                f"'{name}' is required, so it cannot be "
                "emptied when the referenced record is deleted",
                "use 'on_delete: restrict' or 'cascade'",
            )
    filters = ()
    if "filter" in spec and to in ctx.entity_names:
        filters = build_filters(
            ctx, to, spec["filter"], scope, f"the filter of '{name}'"
        )
    if kind == "table":
        _table(ctx, entity, name, spec)
    if kind == "autonumber":
        if "format" not in spec:
            ctx.error(
                spec.key_at("type"),
                f"the autonumber '{name}' needs a format",
                "add e.g. format: 'RMA-{#####}'",
            )
        else:
            check_number_format(ctx, spec["format"], spec.value_at("format"), "format")
    max_size = None
    if "max_size" in spec:
        max_size = _size(ctx, spec, name)
    if kind in ("table", "json", "attachment", "multi_choice", "text"):
        for key in ("unique", "index"):
            if spec.get(key):
                ctx.error(
                    spec.key_at(key),
                    f"{a(kind)} field ('{name}') cannot be "
                    f"{'unique' if key == 'unique' else 'indexed'}",
                    f"remove '{key}'",
                )
    if (
        spec.get("min_rows") is not None
        and spec.get("max_rows") is not None
        and spec["min_rows"] > spec["max_rows"]
    ):
        ctx.error(
            spec.key_at("min_rows"), f"'min_rows' of '{name}' is larger than 'max_rows'"
        )
    renamed = spec.get("renamed_from")
    renamed_from = (renamed,) if isinstance(renamed, str) else tuple(renamed or ())
    return Field(
        name=name,
        type=kind,
        label=ctx.label(spec.get("label"), name),
        help=Label.of(spec.get("help")),
        placeholder=Label.of(spec.get("placeholder")),
        required=bool(spec.get("required")),
        unique=bool(spec.get("unique")),
        index=bool(spec.get("index")),
        default=default,
        min=bounds.get("min"),
        max=bounds.get("max"),
        min_length=min_length,
        max_length=max_length,
        pattern=pattern,
        read_only=bool(spec.get("read_only"))
        or formula is not None
        or kind == "autonumber",
        hidden=bool(spec.get("hidden")),
        visible_when=conditions.get("visible_when"),
        required_when=conditions.get("required_when"),
        readonly_when=conditions.get("readonly_when"),
        copy_from=copy_from,
        renamed_from=renamed_from,
        precision=precision,
        scale=scale,
        currency=spec.get("currency"),
        options=options,
        to=to,
        on_delete=on_delete,
        of=spec.get("of"),
        min_rows=spec.get("min_rows"),
        max_rows=spec.get("max_rows"),
        formula=formula,
        format=spec.get("format"),
        max_size=max_size,
        accept=tuple(spec.get("accept") or ()),
        multiple=bool(spec.get("multiple")),
        filter=filters,
        plugin_type=plugin_type.name if plugin_type else None,
        check=plugin_type.check if plugin_type else None,
        source=spec,
    )


def _options(ctx: BuildContext, spec: Mapping, name: str) -> tuple[Option, ...]:
    raw = spec.get("options")
    if raw is None:
        ctx.error(
            spec.key_at("type"),
            f"the choice '{name}' has no options",
            "add options: [first, second]",
        )
        return ()
    result: list[Option] = []
    seen: set = set()
    if isinstance(raw, dict):
        entries = [(value, raw[value], raw.value_at(value)) for value in raw]
    else:
        entries = []
        for index, item in enumerate(raw):
            item_location = raw.item_at(index)
            if isinstance(item, dict):
                entries.append((item.get("value"), item, item_location))
            else:
                entries.append((item, None, item_location))
    for value, details, item_location in entries:
        if value in seen:
            ctx.error(
                item_location, f"the option '{value}' of '{name}' is listed twice"
            )
            continue
        seen.add(value)
        label = color = None
        if isinstance(details, dict):
            label, color = details.get("label"), details.get("color")
            check_color(
                ctx,
                color,
                details.value_at("color") if "color" in details else item_location,
                f"option '{value}'",
            )
        elif isinstance(details, str):
            label = details
        text = str(value)
        result.append(Option(value, ctx.label(label, text), color))
    return tuple(result)


def _check_literal(ctx, value, kind, spec, name, options) -> None:
    if value is None:
        return
    location = spec.value_at("default")
    problem = literal_problem(value, kind, tuple(o.value for o in options))
    if problem:
        ctx.error(
            location,
            f"the default of '{name}' {problem}",
            "a default that starts with '=' is an expression, e.g. '=today()'",
        )


def literal_problem(value, kind: str, options: tuple = ()) -> str:
    """Why `value` cannot be stored in a field of `kind`, or ''."""
    if kind in ("integer", "rating") and (
        isinstance(value, bool) or not isinstance(value, int)
    ):
        return f"must be a whole number, not {value!r}"
    if kind in ("decimal", "money", "percent") and (
        isinstance(value, bool) or not isinstance(value, int | float)
    ):
        return f"must be a number, not {value!r}"
    if kind == "boolean" and not isinstance(value, bool):
        return f"must be true or false, not {value!r}"
    if kind in lang.TEXT_TYPES and not isinstance(value, str | int | float):
        return f"must be text, not {value!r}"
    if kind == "choice" and options and value not in options:
        return f"'{value}' is not one of its options ({', '.join(map(str, options))})"
    if kind == "multi_choice" and options:
        values = value if isinstance(value, list) else [value]
        wrong = [v for v in values if v not in options]
        if wrong:
            return f"has values that are not options: {', '.join(map(str, wrong))}"
    parsers = {
        "date": dt.date.fromisoformat,
        "datetime": dt.datetime.fromisoformat,
        "time": dt.time.fromisoformat,
    }
    if kind in parsers:
        try:
            parsers[kind](str(value))
        except ValueError:
            examples = {
                "date": "2026-01-31",
                "datetime": "2026-01-31T09:30:00",
                "time": "09:30",
            }
            return f"'{value}' is not {a(kind)} like {examples[kind]}"
    return ""


def _bound(ctx, entity, spec, key, kind, name):
    value = spec[key]
    if isinstance(value, str) and value.startswith("="):
        return ctx.value(
            value, spec.value_at(key), ctx.scope(entity), f"'{key}' of '{name}'"
        )
    if kind in lang.NUMERIC_TYPES:
        if isinstance(value, bool) or not isinstance(value, int | float):
            ctx.error(spec.value_at(key), f"'{key}' of '{name}' must be a number")
            return None
        return value
    if kind in ("date", "datetime", "time"):
        if isinstance(value, str) and value.startswith("="):
            return ctx.value(
                value, spec.value_at(key), ctx.scope(entity), f"'{key}' of '{name}'"
            )
        problem = literal_problem(value, kind)
        if problem:
            ctx.error(spec.value_at(key), f"'{key}' of '{name}' {problem}")
            return None
    return value


def _copy_from(ctx: BuildContext, entity: str, name: str, spec: Mapping):
    reference, _, target_field = spec["copy_from"].partition(".")
    location = spec.value_at("copy_from")
    fields = ctx.types.get(entity, {})
    raw_fields = ctx.raw_fields(entity)
    reference_spec = raw_fields.get(reference)
    if reference not in fields:
        ctx.unknown(location, "field", reference, raw_fields, f"copy_from of '{name}'")
        return None
    reference_type = (
        reference_spec.get("type") if isinstance(reference_spec, dict) else None
    )
    if reference_type != "reference":
        ctx.error(
            location,
            f"copy_from of '{name}': '{reference}' is not a reference",
            "copy_from takes a value from a referenced record: write "
            "reference_field.field, e.g. 'product.price'",
        )
        return None
    target = reference_spec.get("to")
    target_fields = ctx.types.get(target)
    if target_fields is not None and target_field not in target_fields:
        ctx.unknown(
            location,
            "field",
            target_field,
            target_fields,
            f"copy_from of '{name}'",
            owner=target,
        )
        return None
    source = target_fields.get(target_field) if target_fields else None
    produced = getattr(source, "kind", None)
    if isinstance(source, t.Record):
        produced = "record"
    if produced and value_mismatch(produced, spec.get("type", "")):
        ctx.error(
            location,
            f"copy_from of '{name}': '{target}.{target_field}' holds "
            f"{a(produced)} value, but '{name}' is {a(spec.get('type'))} field",
            "copy from a field of the same kind",
        )
        return None
    return (reference, target_field)


def _table(ctx: BuildContext, entity: str, name: str, spec: Mapping) -> None:
    child = spec.get("of")
    if child is None:
        ctx.error(
            spec.key_at("type"),
            f"the table '{name}' does not say what its rows are",
            "add 'of: <entity>' naming the entity of the rows",
        )
        return
    if child not in ctx.entity_names:
        ctx.unknown(
            spec.value_at("of"), "entity", child, ctx.entity_names, f"table '{name}'"
        )
        return
    if child == entity:
        ctx.error(
            spec.value_at("of"),
            f"the table '{name}' of '{entity}' cannot hold rows of '{entity}' itself",
            "create a separate entity for the rows",
        )


def _size(ctx: BuildContext, spec: Mapping, name: str) -> int | None:
    match = _SIZE.match(str(spec["max_size"]))
    if not match:
        ctx.error(
            spec.value_at("max_size"),
            f"'{spec['max_size']}' is not a size for '{name}'",
            "write a size such as '5MB' or '200KB'",
        )
        return None
    unit = (match.group(2) or "B").lower()
    return int(float(match.group(1)) * _SIZE_UNITS[unit])


def value_mismatch(produced: str, kind: str) -> bool:
    """Whether a value of kind `produced` cannot be stored in a `kind` field."""
    expected = lang.VALUE_KINDS.get(kind, "any")
    compatible = {
        ("number", "text"),
        ("number", "record"),  # a reference takes the id of a record
        ("date", "datetime"),
        ("datetime", "date"),
    }
    if "any" in (produced, expected) or produced == expected:
        return False
    return (produced, expected) not in compatible


def _check_result(ctx, formula, kind, location, name) -> None:
    if formula is None or formula.result is None:
        return
    produced = getattr(formula.result, "kind", "any")
    if value_mismatch(produced, kind):
        ctx.error(
            location,
            f"the formula of '{name}' gives {a(produced)} value, but "
            f"'{name}' is {a(kind)} field",
            "change the field's type or the formula",
        )


__all__ = [
    "build_field",
    "check_color",
    "check_number_format",
    "literal_problem",
    "value_mismatch",
]
