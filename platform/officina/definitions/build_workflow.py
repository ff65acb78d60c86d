"""Workflows: states, transitions, SLAs; reachability and dead ends."""

from __future__ import annotations

from collections import deque

from officina.definitions.build_actions import build_actions, build_assignments
from officina.definitions.build_fields import check_color
from officina.definitions.context import BuildContext, names_list
from officina.definitions.model import Label, State, Transition, Workflow, frozen_map
from officina.definitions.source import Mapping


def build_workflow(ctx: BuildContext, entity: str, raw: Mapping) -> Workflow | None:
    field = raw.get("field", "status")
    fields = ctx.raw_fields(entity)
    if field in fields:
        ctx.error(
            raw.key_at("field")
            if "field" in raw
            else fields_location(ctx, entity, field),
            f"the workflow keeps its state in '{field}', but '{entity}' already "
            f"has a field '{field}'",
            "rename that field, or set 'field:' in the workflow to another name",
        )
    states_raw: Mapping = raw["states"]
    scope = ctx.scope(entity, old=True)
    states: dict[str, State] = {}
    for name, spec in states_raw.items():
        location = states_raw.key_at(name)
        if not ctx.check_name(name, location, "state"):
            continue
        spec = spec if isinstance(spec, Mapping) else None
        states[name] = _state(ctx, entity, name, spec, scope)
    initial = raw["initial"]
    if initial not in states_raw:
        ctx.unknown(raw.value_at("initial"), "initial state", initial, states_raw)
    transitions: dict[str, Transition] = {}
    raw_transitions = raw.get("transitions") or {}
    for name, spec in raw_transitions.items():
        if not ctx.check_name(name, raw_transitions.key_at(name), "transition"):
            continue
        transition = _transition(ctx, entity, name, spec, states_raw, states, scope)
        if transition is not None:
            transitions[name] = transition
    named = {
        state
        for transition in transitions.values()
        for state in (*transition.sources, transition.to)
        if state != "*"
    }
    # With a misspelt state the graph is incomplete: the misspelling has been
    # reported; "unreachable" follow-ups would only repeat it.
    if initial in states and named <= set(states):
        _check_graph(ctx, initial, states, transitions, states_raw, raw_transitions)
    return Workflow(
        field,
        initial,
        frozen_map(states),
        frozen_map(transitions),
        label=Label.of(raw.get("label")),
        source=raw,
    )


def fields_location(ctx: BuildContext, entity: str, field: str):
    fields = ctx.raw.get(entity, {}).get("fields")
    return fields.key_at(field) if isinstance(fields, Mapping) else None


def _state(ctx, entity, name, spec, scope) -> State:
    if spec is None:
        return State(name=name, label=ctx.label(None, name))
    what = f"state '{name}'"
    check_color(ctx, spec.get("color"), spec.value_at("color"), what)
    editable = spec.get("editable", "all")
    if not isinstance(editable, str):
        fields = ctx.raw_fields(entity)
        for field in editable:
            if field not in fields:
                ctx.unknown(
                    spec.value_at("editable"),
                    "field",
                    field,
                    fields,
                    f"'editable' of {what}",
                )
        editable = tuple(editable)
    for role in names_list(spec.get("edit_roles")):
        if role not in ctx.roles:
            ctx.unknown(
                spec.value_at("edit_roles"),
                "role",
                role,
                ctx.roles,
                f"'edit_roles' of {what}",
            )
    sla = None
    if "sla" in spec:
        sla = ctx.duration(spec["sla"], spec.value_at("sla"), f"the SLA of {what}")
        if spec.get("final"):
            ctx.error(
                spec.key_at("sla"),
                f"{what} is final, so an SLA never ends",
                "remove 'sla' or 'final'",
            )
    if "on_breach" in spec and "sla" not in spec:
        ctx.error(
            spec.key_at("on_breach"),
            f"{what} has 'on_breach' but no 'sla'",
            "add e.g. sla: 24h",
        )
    hooks = {
        key: build_actions(ctx, entity, spec.get(key), scope, f"{key} of {what}")
        for key in ("on_breach", "on_enter", "on_exit")
    }
    return State(
        name=name,
        label=ctx.label(spec.get("label"), name),
        description=Label.of(spec.get("description")),
        color=spec.get("color"),
        final=bool(spec.get("final")),
        editable=editable,
        edit_roles=names_list(spec.get("edit_roles")),
        sla=sla,
        source=spec,
        **hooks,
    )


def _transition(ctx, entity, name, spec, states_raw, states, scope):
    what = f"transition '{name}'"
    sources_raw = spec["from"]
    if sources_raw == "*":
        sources = ("*",)
    else:
        sources = names_list(sources_raw)
        for source in sources:
            if source not in states_raw:
                ctx.unknown(
                    spec.value_at("from"),
                    "state",
                    source,
                    states_raw,
                    f"'from' of {what}",
                )
    to = spec["to"]
    if to not in states_raw:
        ctx.unknown(spec.value_at("to"), "state", to, states_raw, f"'to' of {what}")
    for role in names_list(spec.get("roles")):
        if role not in ctx.roles:
            ctx.unknown(spec.value_at("roles"), "role", role, ctx.roles, what)
    fields = ctx.raw_fields(entity)
    for field in names_list(spec.get("requires")):
        if field not in fields:
            ctx.unknown(
                spec.value_at("requires"),
                "field",
                field,
                fields,
                f"'requires' of {what}",
            )
    when = None
    if "when" in spec:
        when = ctx.expression(
            spec["when"], spec.value_at("when"), scope, f"the condition of {what}"
        )
    assignments = {}
    if "set" in spec:
        assignments = build_assignments(
            ctx, entity, spec["set"], spec.value_at("set"), scope, f"'set' of {what}"
        )
    actions = build_actions(ctx, entity, spec.get("do"), scope, what)
    return Transition(
        name=name,
        label=ctx.label(spec.get("label"), name),
        sources=sources,
        to=to,
        roles=names_list(spec.get("roles")),
        when=when,
        requires=names_list(spec.get("requires")),
        assignments=frozen_map(assignments),
        confirm=Label.of(spec.get("confirm")),
        comment=spec.get("comment", "optional"),
        actions=actions,
        source=spec,
    )


def _check_graph(ctx, initial, states, transitions, states_raw, raw_transitions):
    outgoing: dict[str, set[str]] = {name: set() for name in states}
    for transition in transitions.values():
        sources = (
            [s for s, state in states.items() if not state.final]
            if transition.sources == ("*",)
            else transition.sources
        )
        for source in sources:
            if (
                source in states
                and states[source].final
                and transition.sources != ("*",)
            ):
                ctx.error(
                    raw_transitions[transition.name].value_at("from"),
                    f"transition '{transition.name}' leaves the final state '{source}'",
                    f"remove 'final: true' from '{source}' or take it out of 'from'",
                )
            outgoing.setdefault(source, set()).add(transition.to)
    reached = {initial}
    queue = deque([initial])
    while queue:
        for target in outgoing.get(queue.popleft(), ()):
            if target not in reached:
                reached.add(target)
                queue.append(target)
    for name, state in states.items():
        if name not in reached:
            ctx.error(
                states_raw.key_at(name),
                f"the state '{name}' can never be reached from '{initial}'",
                f"add a transition with 'to: {name}', or remove the state",
            )
        elif not state.final and not outgoing.get(name):
            ctx.error(
                states_raw.key_at(name),
                f"the state '{name}' has no way out",
                "mark it 'final: true' or add a transition from it",
            )
