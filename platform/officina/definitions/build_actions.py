"""Actions (the `do:` steps of rules, transitions and state hooks) and rules."""

from __future__ import annotations

import re

from officina.definitions import language as lang
from officina.definitions.build_fields import literal_problem, value_mismatch
from officina.definitions.context import BuildContext, names_list, option_values
from officina.definitions.filters import build_filters
from officina.definitions.model import Action, Label, Rule, Trigger, frozen_map
from officina.definitions.source import Mapping, Sequence
from officina.errors import a, one_of, suggest
from officina.expressions import Expression
from officina.expressions import types as t

_CRON_FIELD = re.compile(r"^(\*|\d+(-\d+)?)(/\d+)?(,(\*|\d+(-\d+)?)(/\d+)?)*$")
_CRON_NAMED = re.compile(r"^[A-Za-z]{3}(-[A-Za-z]{3})?(,[A-Za-z]{3}(-[A-Za-z]{3})?)*$")
_CRON_RANGES = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 7))
_CRON_WORDS = (
    "@hourly",
    "@daily",
    "@midnight",
    "@weekly",
    "@monthly",
    "@yearly",
    "@annually",
)
# Fields an action may never set directly.
_SYSTEM_WRITES = set(lang.SYSTEM_FIELDS)


def build_actions(
    ctx: BuildContext,
    entity: str,
    raw,
    scope: dict,
    what: str,
) -> tuple[Action, ...]:
    if not isinstance(raw, Sequence):
        return ()
    actions = []
    for index, item in enumerate(raw):
        action = _build_action(
            ctx, entity, item, raw.item_at(index), scope, f"{what}, step {index + 1}"
        )
        if action is not None:
            actions.append(action)
    return tuple(actions)


def _build_action(ctx, entity, item: Mapping, location, scope, what) -> Action | None:
    kinds = [key for key in item if key in lang.ACTIONS]
    if len(kinds) != 1:
        if kinds:
            ctx.error(
                location,
                f"{what} has several actions ({', '.join(kinds)})",
                "write each action as its own '- ' item",
            )
        else:
            ctx.error(location, f"{what} names no action", one_of(lang.ACTIONS))
        return None
    kind = kinds[0]
    extra = [
        k
        for k in item
        if k not in (kind, *lang.ACTION_MODIFIERS)
        and not (kind == "for_each" and k in ("as", "do"))
        and not (kind == "attempt" and k == "otherwise")
    ]
    for key in extra:
        ctx.error(
            item.key_at(key),
            f"'{key}' does not belong to a '{kind}' action",
            suggest(key, lang.ACTIONS) or "remove it",
        )
    when = None
    if "when" in item:
        when = ctx.expression(
            item["when"], item.value_at("when"), scope, f"the condition of {what}"
        )
    value = item[kind]
    value_location = item.value_at(kind)
    nested: tuple[Action, ...] = ()
    builder = _BUILDERS[kind]
    if kind == "for_each":
        options, nested = _for_each(ctx, entity, item, scope, what)
    elif kind == "attempt":
        options, nested = _attempt(ctx, entity, item, scope, what)
    else:
        options = builder(ctx, entity, value, value_location, scope, what)
    if options is None:
        return None
    return Action(kind, frozen_map(options), when, nested, source=item)


def build_assignments(ctx, target: str, raw, location, scope, what) -> dict:
    """`field: value` pairs for records of `target`, checked field by field."""
    result = {}
    if not isinstance(raw, Mapping):
        ctx.error(location, f"{what} needs 'field: value' pairs")
        return result
    fields = ctx.raw_fields(target)
    types = ctx.types.get(target)
    workflow = ctx.workflow_field(target)
    for name, value in raw.items():
        key_location = raw.key_at(name)
        if types is not None and name not in types:
            ctx.unknown(key_location, "field", name, fields, what, owner=target)
            continue
        if name in _SYSTEM_WRITES:
            ctx.error(key_location, f"{what} cannot set '{name}': the system keeps it")
            continue
        if name == workflow:
            ctx.error(
                key_location,
                f"{what} cannot set the workflow state '{name}' directly",
                "take a transition instead: '- transition: <name>'",
            )
            continue
        spec = fields.get(name) or {}
        if isinstance(spec, dict) and "formula" in spec:
            ctx.error(
                key_location,
                f"{what} cannot set '{name}': it is a formula",
                "change the values the formula is computed from",
            )
            continue
        compiled = ctx.text(value, raw.value_at(name), scope, f"{what}, '{name}'")
        kind = spec.get("type", "") if isinstance(spec, dict) else ""
        if isinstance(compiled, Expression) and kind:
            produced = getattr(compiled.result, "kind", "any")
            if value_mismatch(produced, kind):
                ctx.error(
                    raw.value_at(name),
                    f"{what}: '{name}' is {a(kind)} field, but the value given is "
                    f"{'templated text' if compiled.template else a(produced)}",
                    "write an expression that starts with '=', e.g. '=qty * 2'"
                    if compiled.template
                    else "change the expression or the field",
                )
        if not isinstance(compiled, Expression) and isinstance(spec, dict):
            options = _option_values(spec)
            problem = literal_problem(compiled, spec.get("type", ""), options)
            if compiled is not None and problem:
                ctx.error(raw.value_at(name), f"{what}: '{name}' {problem}")
        result[name] = compiled
    return result


def _option_values(spec) -> tuple:
    return tuple(option_values(spec.get("options")))


def _set(ctx, entity, value, location, scope, what):
    return {"values": build_assignments(ctx, entity, value, location, scope, what)}


def _create(ctx, entity, value, location, scope, what):
    target = value.get("entity")
    if target not in ctx.entity_names:
        ctx.unknown(value.value_at("entity"), "entity", target, ctx.entity_names, what)
        return None
    values = build_assignments(
        ctx,
        target,
        value.get("values") or _empty(value),
        location,
        scope,
        f"{what} (create {target})",
    )
    rows = {}
    raw_rows = value.get("rows") or {}
    target_fields = ctx.raw_fields(target)
    for table, spec in raw_rows.items():
        field = target_fields.get(table)
        if not isinstance(field, dict) or field.get("type") != "table":
            tables = [n for n, f in target_fields.items() if f.get("type") == "table"]
            ctx.error(
                raw_rows.key_at(table),
                f"'{table}' is not a table field of '{target}'",
                suggest(table, tables) or one_of(tables),
            )
            continue
        child = field.get("of")
        if isinstance(spec, Sequence):
            rows[table] = tuple(
                frozen_map(
                    build_assignments(
                        ctx,
                        child,
                        row,
                        spec.item_at(i),
                        scope,
                        f"{what}, row {i + 1} of '{table}'",
                    )
                )
                for i, row in enumerate(spec)
            )
        else:
            source = ctx.expression(
                spec["for_each"],
                spec.value_at("for_each"),
                scope,
                f"{what}, rows of '{table}'",
                many=True,
            )
            alias = spec.get("as", "row")
            inner = dict(scope)
            inner[alias] = t.ANY
            if source is not None and isinstance(source.result, t.Rows):
                inner[alias] = t.Record(source.result.entity)
            elif source is not None:
                ctx.error(
                    spec.value_at("for_each"),
                    f"{what}: 'for_each' of '{table}' "
                    "must name child rows, such as 'lines'",
                )
            rows[table] = frozen_map(
                {
                    "for_each": source,
                    "as": alias,
                    "values": frozen_map(
                        build_assignments(
                            ctx,
                            child,
                            spec["values"],
                            spec.value_at("values"),
                            inner,
                            f"{what}, rows of '{table}'",
                        )
                    ),
                }
            )
    _missing_required(ctx, target, set(values), location, what)
    return {"entity": target, "values": frozen_map(values), "rows": frozen_map(rows)}


def _missing_required(ctx, target, given: set, location, what) -> None:
    missing = []
    for name, spec in ctx.raw_fields(target).items():
        if not isinstance(spec, dict) or not spec.get("required") or name in given:
            continue
        if any(key in spec for key in ("default", "formula", "copy_from")):
            continue
        if spec.get("type") in ("autonumber", "table"):
            continue
        missing.append(name)
    if missing:
        ctx.error(
            location,
            f"{what} creates {a(repr(target))} without the required "
            f"{'field' if len(missing) == 1 else 'fields'} {', '.join(missing)}",
            f"add {'it' if len(missing) == 1 else 'them'} under 'values:'",
        )


def _empty(near: Mapping) -> Mapping:
    empty = Mapping()
    empty.location = near.location
    empty.key_locations = {}
    empty.value_locations = {}
    return empty


def _update(ctx, entity, value, location, scope, what):
    target = value.get("entity")
    if target not in ctx.entity_names:
        ctx.unknown(value.value_at("entity"), "entity", target, ctx.entity_names, what)
        return None
    filters = build_filters(ctx, target, value["where"], scope, f"{what}, where")
    values = build_assignments(
        ctx,
        target,
        value["set"],
        value.value_at("set"),
        scope,
        f"{what} (update {target})",
    )
    return {"entity": target, "where": filters, "values": frozen_map(values)}


def _adjust(ctx, entity, value, location, scope, what):
    target = value.get("entity")
    record = None
    filters = ()
    if "record" in value:
        record = ctx.expression(
            value["record"], value.value_at("record"), scope, f"{what}, record"
        )
        if record is None:
            return None
        if record is not None:
            if isinstance(record.result, t.Record):
                target = record.result.entity
            else:
                ctx.error(
                    value.value_at("record"),
                    f"{what}: 'record' must lead to one record, such as 'line.product'",
                )
                return None
    elif target is not None:
        if target not in ctx.entity_names:
            ctx.unknown(
                value.value_at("entity"), "entity", target, ctx.entity_names, what
            )
            return None
        if "match" not in value:
            ctx.error(
                value.location,
                f"{what} needs 'match:' to find the '{target}' record to adjust",
                "e.g. match: {product: '=product'}",
            )
            return None
        filters = build_filters(ctx, target, value["match"], scope, f"{what}, match")
    else:
        target = entity
    field = value["field"]
    fields = ctx.raw_fields(target)
    spec = fields.get(field)
    if spec is None:
        ctx.unknown(value.value_at("field"), "field", field, fields, what, owner=target)
        return None
    if spec.get("type") not in lang.NUMERIC_TYPES:
        ctx.error(
            value.value_at("field"),
            f"{what}: '{field}' is not a number, so it cannot be adjusted",
        )
    result = {"entity": target, "record": record, "match": filters, "field": field}
    for key in ("by", "min", "max"):
        if key in value:
            compiled = ctx.value(
                value[key], value.value_at(key), scope, f"{what}, {key}"
            )
            if isinstance(compiled, str):
                ctx.error(
                    value.value_at(key),
                    f"{what}: '{key}' must be a number or an "
                    "expression starting with '='",
                    "e.g. by: '=-line.qty'",
                )
            result[key] = compiled
    if "message" in value:
        result["message"] = ctx.text(
            value["message"], value.value_at("message"), scope, f"{what}, message"
        )
    return result


def _transition(ctx, entity, value, location, scope, what):
    record = None
    target = entity
    name = value
    if isinstance(value, Mapping):
        name = value["name"]
        if "record" in value:
            record = ctx.expression(
                value["record"], value.value_at("record"), scope, f"{what}, record"
            )
            if record is not None and isinstance(record.result, t.Record):
                target = record.result.entity
            elif record is not None:
                ctx.error(
                    value.value_at("record"),
                    f"{what}: 'record' must lead to one record, such as 'order'",
                )
                return None
    ctx.deferred_transitions.append((target, name, location, what))
    return {"name": name, "record": record, "entity": target}


def _send_email(ctx, entity, value, location, scope, what):
    result = {}
    for key in ("to", "cc", "subject", "body"):
        if key in value:
            result[key] = ctx.text(
                value[key], value.value_at(key), scope, f"{what}, {key}"
            )
    template = value.get("template")
    if template is None and "body" not in value:
        ctx.error(location, f"{what} needs a 'template:' or a 'body:'")
    if template is not None:
        ctx.deferred_templates.append(
            (template, value.value_at("template"), scope, what)
        )
        result["template"] = template
    return result


def _notify(ctx, entity, value, location, scope, what):
    result = {
        "message": ctx.text(
            value["message"], value.value_at("message"), scope, f"{what}, message"
        )
    }
    if "users" in value:
        users = ctx.value(
            value["users"], value.value_at("users"), scope, f"{what}, users"
        )
        if isinstance(users, Expression) and not _gives_users(users.result):
            ctx.error(
                value.value_at("users"),
                f"{what}: 'users' gives {t.describe(users.result)}, not users",
                "name a reference to user, e.g. '=assigned_to' or '=created_by'",
            )
        elif users is not None and not isinstance(users, Expression):
            ctx.error(
                value.value_at("users"),
                f"{what}: 'users' must be an expression starting with '='",
                "e.g. users: '=created_by'",
            )
        result["users"] = users
    roles = names_list(value.get("roles"))
    for role in roles:
        if role not in ctx.roles:
            ctx.unknown(value.value_at("roles"), "role", role, ctx.roles, what)
    if not roles and "users" not in value:
        ctx.error(location, f"{what} says nobody to notify", "add 'roles:' or 'users:'")
    result["roles"] = roles
    return result


def _gives_users(kind) -> bool:
    if isinstance(kind, t.Record):
        return kind.entity == "user"
    if isinstance(kind, t.Column):
        return _gives_users(kind.of)
    return isinstance(kind, t.Value) and kind.kind in ("any", "list", "number")


def _webhook(ctx, entity, value, location, scope, what):
    result = {
        "url": ctx.text(value["url"], value.value_at("url"), scope, f"{what}, url"),
        "method": value.get("method", "POST"),
    }
    if "body" in value:
        result["body"] = _templated_tree(
            ctx, value["body"], value.value_at("body"), scope, f"{what}, body"
        )
    if "headers" in value:
        result["headers"] = frozen_map(
            (
                key,
                ctx.text(
                    text, value["headers"].value_at(key), scope, f"{what}, header {key}"
                ),
            )
            for key, text in value["headers"].items()
        )
    if "secret" in value:
        result["secret"] = value["secret"]
    return result


def _templated_tree(ctx, value, location, scope, what):
    if isinstance(value, Mapping):
        return frozen_map(
            (key, _templated_tree(ctx, item, value.value_at(key), scope, what))
            for key, item in value.items()
        )
    if isinstance(value, Sequence):
        return tuple(
            _templated_tree(ctx, item, value.item_at(i), scope, what)
            for i, item in enumerate(value)
        )
    return ctx.text(value, location, scope, what)


def _call(ctx, entity, value, location, scope, what):
    action = value["action"]
    if ctx.plugin_actions is not None and action not in ctx.plugin_actions:
        provided = set(ctx.plugin_actions) - set(lang.ACTIONS)
        install = (
            "install the plugin that provides it and list it under 'plugins:' "
            "in site.yaml"
        )
        close = suggest(action, provided)
        ctx.error(
            value.value_at("action"),
            f"{what} calls the action '{action}', which no plugin provides",
            f"{close} Otherwise {install}"
            if close
            else f"{install}; plugin actions now: "
            + (", ".join(sorted(provided)) or "none"),
        )
    arguments = value.get("with") or {}
    compiled = {}
    if isinstance(arguments, Mapping):
        for key, item in arguments.items():
            compiled[key] = _templated_tree(
                ctx, item, arguments.value_at(key), scope, f"{what}, {key}"
            )
    return {"action": action, "with": frozen_map(compiled)}


def _for_each(ctx, entity, item, scope, what):
    source = ctx.expression(
        item["for_each"],
        item.value_at("for_each"),
        scope,
        f"{what}, for_each",
        many=True,
    )
    alias = item.get("as", "row")
    inner = dict(scope)
    if source is not None:
        if isinstance(source.result, t.Rows):
            inner[alias] = t.Record(source.result.entity)
        else:
            ctx.error(
                item.value_at("for_each"),
                f"{what}: 'for_each' must name child rows, such as 'lines'",
            )
            inner[alias] = t.ANY
    else:
        inner[alias] = t.ANY
    if "do" not in item:
        ctx.error(item.key_at("for_each"), f"{what}: 'for_each' needs 'do:' steps")
        return None, ()
    nested = build_actions(ctx, entity, item["do"], inner, f"{what} (for each {alias})")
    return {"for_each": source, "as": alias}, nested


def _attempt(ctx, entity, item, scope, what):
    """`attempt:` steps, and the `otherwise:` steps run when one is refused
    (they may read the refusal's message as `refusal`)."""
    steps = item["attempt"]
    if not isinstance(steps, Sequence) or not steps:
        ctx.error(
            item.value_at("attempt"),
            f"{what}: 'attempt' needs a list of steps",
            "e.g. attempt: [{transition: allocate}]",
        )
        return None, ()
    nested = build_actions(ctx, entity, steps, scope, f"{what} (attempt)")
    otherwise: tuple = ()
    if "otherwise" in item:
        inner = {**scope, "refusal": t.Value("text")}
        otherwise = build_actions(
            ctx, entity, item["otherwise"], inner, f"{what} (otherwise)"
        )
    return {"otherwise": otherwise}, nested


# Triggers the scheduler runs; their rules visit the entity's records.
TIMED_TRIGGERS = ("schedule", "every")

_BUILDERS = {
    "set": _set,
    "create": _create,
    "update": _update,
    "adjust": _adjust,
    "transition": _transition,
    "send_email": _send_email,
    "notify": _notify,
    "webhook": _webhook,
    "call": _call,
    "for_each": None,
    "attempt": None,
}


# -- rules ---------------------------------------------------------------------
def build_rules(ctx: BuildContext, entity: str, raw) -> dict[str, Rule]:
    rules: dict[str, Rule] = {}
    if not isinstance(raw, Mapping):
        return rules
    for name, spec in raw.items():
        if not ctx.check_name(name, raw.key_at(name), "rule"):
            continue
        trigger = build_trigger(ctx, entity, spec["on"], spec.value_at("on"), name)
        if trigger is None:
            continue
        old = trigger.kind in (
            "updated",
            "saved",
            "changed",
            "transition",
            "entered",
            "threshold",
        )
        scope = ctx.scope(entity, old=old)
        what = f"rule '{name}'"
        when = None
        if "when" in spec:
            when = ctx.expression(
                spec["when"], spec.value_at("when"), scope, f"the condition of {what}"
            )
        actions = build_actions(ctx, entity, spec["do"], scope, what)
        rules[name] = Rule(
            name=name,
            entity=entity,
            label=ctx.label(spec.get("label"), name),
            description=Label.of(spec.get("description")),
            trigger=trigger,
            when=when,
            where=_where(ctx, entity, spec, trigger, what),
            actions=actions,
            run=spec.get("run", "now"),
            enabled=spec.get("enabled", True),
            retrigger=spec.get("retrigger", False),
            order=spec.get("order", 0),
            source=spec,
        )
    return rules


def _where(ctx: BuildContext, entity: str, spec, trigger: Trigger, what: str):
    """The filter choosing the records a `schedule` or `every` rule visits
    (in the database, so that a rule about a few records of a large table
    does not read them all)."""
    if "where" not in spec:
        return ()
    if trigger.kind not in TIMED_TRIGGERS:
        ctx.error(
            spec.key_at("where"),
            f"{what}: 'where' chooses the records a schedule or every rule "
            f"visits, but this rule runs on '{trigger.kind}', for the record "
            "that changed",
            "write the condition under 'when' instead",
        )
        return ()
    return build_filters(ctx, entity, spec["where"], {}, f"'where' of {what}")


def build_trigger(ctx: BuildContext, entity: str, raw, location, rule: str):
    what = f"the trigger of rule '{rule}'"
    if isinstance(raw, str):
        return Trigger(kind=raw)
    keys = list(raw)
    if len(keys) != 1:
        ctx.error(
            location,
            f"{what} has {len(keys)} kinds ({', '.join(keys)}); a rule has one trigger",
            "split it into several rules",
        )
        return None
    kind = keys[0]
    value = raw[kind]
    value_location = raw.value_at(kind)
    fields = ctx.types.get(entity, {})
    if kind == "changed":
        changes = {}
        if isinstance(value, dict):
            for field, change in value.items():
                changes[field] = _change(ctx, entity, field, change, value, what)
            names = tuple(value)
        else:
            names = names_list(value)
        for field in names:
            if field not in fields:
                ctx.unknown(
                    value_location, "field", field, ctx.raw_fields(entity), what
                )
        return Trigger(kind=kind, fields=names, changes=frozen_map(changes))
    if kind in ("transition", "entered"):
        names = names_list(value)
        for name in names:
            ctx.deferred_workflow_names.append(
                (entity, kind, name, value_location, what)
            )
        return Trigger(kind=kind, names=names)
    if kind == "schedule":
        if not _valid_cron(value):
            ctx.error(
                value_location,
                f"'{value}' is not a schedule for {what}",
                "write a cron line 'minute hour day month weekday', e.g. "
                "'0 8 * * 1-5', or @daily / @hourly",
            )
            return None
        return Trigger(kind=kind, schedule=value)
    if kind == "every":
        duration = ctx.duration(value, value_location, what)
        return None if duration is None else Trigger(kind=kind, every=duration)
    if kind == "threshold":
        condition = ctx.expression(value, value_location, ctx.scope(entity), what)
        return Trigger(kind=kind, threshold=condition)
    return None


def _change(ctx, entity, field, change, container, what):
    if change is None:
        return (None, None)
    spec = ctx.raw_fields(entity).get(field) or {}
    options = _option_values(spec) if isinstance(spec, dict) else ()
    if ctx.workflow_field(entity) == field:
        options = tuple(ctx.workflow_states(entity))
    for side in ("from", "to"):
        if side in change and options and change[side] not in options:
            ctx.error(
                change.value_at(side),
                f"{what}: '{change[side]}' is not a value of '{field}'",
                suggest(str(change[side]), map(str, options))
                or one_of(map(str, options)),
            )
    return (change.get("from"), change.get("to"))


def _valid_cron(text) -> bool:
    if not isinstance(text, str):
        return False
    text = text.strip()
    if text in _CRON_WORDS:
        return True
    parts = text.split()
    if len(parts) != 5:
        return False
    for part, (low, high) in zip(parts, _CRON_RANGES, strict=True):
        if _CRON_NAMED.match(part):
            continue
        if not _CRON_FIELD.match(part):
            return False
        for number in re.findall(r"\d+", part.split("/")[0]):
            if not low <= int(number) <= high:
                return False
    return True
