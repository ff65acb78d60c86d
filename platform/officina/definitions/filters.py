"""Record filters as definitions write them: `{status: paid, total: {gte: 100}}`.

Views, reports, role row filters and rule actions share this one form (and
the REST API's query string mirrors it), so it is checked in one place.
"""

from __future__ import annotations

from officina.definitions import language as lang
from officina.definitions.context import USER_FIELDS, BuildContext
from officina.definitions.model import Filter
from officina.definitions.source import Mapping, Sequence
from officina.errors import a, one_of, suggest
from officina.expressions import Expression


def resolve_path(
    ctx: BuildContext, entity: str, path: tuple[str, ...], location, what: str
):
    """The raw spec of the field a dotted path ends on, or None (reported)."""
    current = entity
    spec = None
    for index, step in enumerate(path):
        fields = ctx.raw_fields(current)
        system = {
            name: {"type": kind, "to": "user"}
            if kind == "reference"
            else {"type": kind}
            for name, kind in lang.SYSTEM_FIELDS.items()
        }
        workflow = ctx.workflow_field(current)
        if workflow:
            system[workflow] = {
                "type": "choice",
                "options": ctx.workflow_states(current),
            }
        if ctx.raw.get(current, {}).get("number"):
            system["number"] = {"type": "autonumber"}
        available = {**system, **fields}
        if current == "user":
            available = {name: {"type": "string"} for name in USER_FIELDS}
        spec = available.get(step)
        if spec is None:
            ctx.unknown(location, "field", step, available, what, owner=current)
            return None
        if index < len(path) - 1:
            if spec.get("type") != "reference":
                ctx.error(
                    location,
                    f"{what}: '{step}' is not a reference, so "
                    f"'{'.'.join(path)}' cannot go through it",
                )
                return None
            current = spec.get("to")
    return spec


def build_filters(
    ctx: BuildContext, entity: str, raw, scope: dict, what: str
) -> tuple[Filter, ...]:
    filters: list[Filter] = []
    if not isinstance(raw, Mapping):
        return ()
    for key, condition in raw.items():
        location = raw.key_at(key)
        path = tuple(key.split("."))
        spec = resolve_path(ctx, entity, path, location, what)
        if spec is None:
            continue
        kind = spec.get("type", "")
        options = spec.get("options")
        option_values = (
            list(options)
            if isinstance(options, dict)
            else [o.get("value") if isinstance(o, dict) else o for o in options or ()]
        )
        if isinstance(condition, Mapping):
            for operator, value in condition.items():
                filters.extend(
                    _one(
                        ctx,
                        path,
                        operator,
                        value,
                        condition.key_at(operator),
                        condition.value_at(operator),
                        kind,
                        option_values,
                        scope,
                        what,
                    )
                )
        else:
            operator = "in" if isinstance(condition, Sequence) else "eq"
            filters.extend(
                _one(
                    ctx,
                    path,
                    operator,
                    condition,
                    location,
                    raw.value_at(key),
                    kind,
                    option_values,
                    scope,
                    what,
                )
            )
    return tuple(filters)


def _one(
    ctx, path, operator, value, key_location, value_location, kind, options, scope, what
):
    shown = ".".join(path)
    if operator not in lang.FILTER_OPERATORS:
        ctx.error(
            key_location,
            f"unknown filter operator '{operator}' for '{shown}' in {what}",
            suggest(operator, lang.FILTER_OPERATORS) or one_of(lang.FILTER_OPERATORS),
        )
        return []
    applies = lang.FILTER_OPERATORS[operator]
    if applies is not None and kind not in applies:
        ctx.error(
            key_location,
            f"'{operator}' does not apply to '{shown}', {a(kind)} field ({what})",
            "use eq, ne, in, not_in or empty",
        )
        return []
    if operator == "within":
        if value not in lang.RELATIVE_PERIODS:
            ctx.error(
                value_location,
                f"'{value}' is not a period for 'within' on '{shown}'",
                suggest(str(value), lang.RELATIVE_PERIODS)
                or one_of(lang.RELATIVE_PERIODS),
            )
            return []
        return [Filter(path, operator, value)]
    if operator == "empty":
        if not isinstance(value, bool):
            ctx.error(value_location, f"'empty' on '{shown}' takes true or false")
            return []
        return [Filter(path, operator, value)]
    if operator in ("in", "not_in", "between"):
        values = list(value) if isinstance(value, Sequence) else None
        if values is None or (operator == "between" and len(values) != 2):
            wanted = "two values [low, high]" if operator == "between" else "a list"
            ctx.error(value_location, f"'{operator}' on '{shown}' takes {wanted}")
            return []
        compiled = tuple(
            ctx.value(item, value.item_at(i), scope, what)
            for i, item in enumerate(values)
        )
        _check_options(ctx, compiled, options, value_location, shown)
        return [Filter(path, operator, compiled)]
    compiled = ctx.value(value, value_location, scope, what)
    _check_options(ctx, (compiled,), options, value_location, shown)
    return [Filter(path, operator, compiled)]


def _check_options(ctx, values, options, location, shown) -> None:
    if not options:
        return
    for value in values:
        if isinstance(value, Expression) or value is None:
            continue
        if value not in options:
            ctx.error(
                location,
                f"'{value}' is not an option of '{shown}'",
                suggest(str(value), map(str, options)) or one_of(map(str, options)),
            )
