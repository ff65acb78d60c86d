"""Checks that need the whole model: names used across entities, formula
cycles, templates, and which pack may refer to which."""

from __future__ import annotations

from officina.definitions.context import BuildContext
from officina.definitions.model import Entity
from officina.errors import Location, one_of, suggest
from officina.expressions import types as t


def check_definitions(ctx: BuildContext, entities: dict[str, Entity], layers) -> None:
    _check_transition_names(ctx, entities)
    _check_workflow_names(ctx, entities)
    _check_templates(ctx)
    _check_formula_cycles(ctx, entities)
    _check_pack_references(ctx, entities, layers)


def _check_transition_names(ctx: BuildContext, entities) -> None:
    for target, name, location, what in ctx.deferred_transitions:
        entity = entities.get(target)
        if entity is None:
            continue
        if entity.workflow is None:
            ctx.error(
                location,
                f"{what} takes the transition '{name}', but '{target}' has no workflow",
            )
        elif name not in entity.workflow.transitions:
            ctx.unknown(
                location,
                "transition",
                name,
                entity.workflow.transitions,
                what,
                owner=target,
            )


def _check_workflow_names(ctx: BuildContext, entities) -> None:
    for target, kind, name, location, what in ctx.deferred_workflow_names:
        entity = entities.get(target)
        if entity is None:
            continue
        if entity.workflow is None:
            ctx.error(
                location,
                f"{what} waits for "
                f"{'a transition' if kind == 'transition' else 'a state to be entered'}"
                f", but '{target}' has no workflow",
            )
            continue
        known = (
            entity.workflow.transitions
            if kind == "transition"
            else entity.workflow.states
        )
        if name not in known:
            noun = "transition" if kind == "transition" else "state"
            ctx.unknown(location, noun, name, known, what)


def _check_templates(ctx: BuildContext) -> None:
    checked: set = set()
    for name, location, scope, what in ctx.deferred_templates:
        candidates = [name, f"email/{name}"]
        found = next((c for c in candidates if c in ctx.templates), None)
        if found is None:
            emails = [
                n.removeprefix("email/")
                for n in ctx.templates
                if n.startswith("email/")
            ]
            ctx.error(
                location,
                f"{what}: there is no e-mail template '{name}'",
                suggest(name, emails)
                or f"add templates/email/{name}.html to the pack or site"
                + (f"; {one_of(emails)}" if emails else ""),
            )
            continue
        key = (found, tuple(sorted(scope)))
        if key in checked:
            continue
        checked.add(key)
        path = ctx.templates[found]
        try:
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
        except (OSError, UnicodeDecodeError) as error:
            ctx.error(Location(path, 1, 1), f"cannot read the template: {error}")
            continue
        ctx.expression(
            text,
            Location(path, 1, 1),
            scope,
            f"the template (used by {what})",
            template_file=True,
        )


def _check_formula_cycles(ctx: BuildContext, entities) -> None:
    graph: dict[tuple[str, str], set[tuple[str, str]]] = {}
    for entity in entities.values():
        for field in entity.fields.values():
            if field.formula is None:
                continue
            node = (entity.name, field.name)
            graph[node] = set()
            for path in field.formula.reads:
                graph[node] |= _dependencies(ctx, entity, path)
    state: dict = {}
    reported: set = set()

    def visit(node, chain):
        if state.get(node) == "done":
            return
        if state.get(node) == "visiting":
            cycle = chain[chain.index(node) :] + [node]
            key = frozenset(cycle)
            if key not in reported:
                reported.add(key)
                entity, field = node
                formula_field = entities[entity].fields[field]
                shown = " -> ".join(f"{e}.{f}" if e != entity else f for e, f in cycle)
                ctx.error(
                    formula_field.source.value_at("formula"),
                    f"the formula of '{field}' depends on itself: {shown}",
                    "break the circle: one of these must not be a formula",
                )
            return
        state[node] = "visiting"
        for dependency in graph.get(node, ()):
            if dependency in graph:
                visit(dependency, chain + [node])
        state[node] = "done"

    for node in graph:
        visit(node, [])


def _dependencies(ctx: BuildContext, entity: Entity, path) -> set:
    """(entity, field) pairs whose stored value a read of `path` depends on."""
    first = path[0]
    kind = ctx.types.get(entity.name, {}).get(first)
    if first == "parent" and entity.parent and len(path) > 1:
        return {(entity.parent, path[1])}
    if isinstance(kind, t.Rows) and len(path) > 1:
        return {(kind.entity, path[1]), (entity.name, first)}
    if first in entity.fields:
        return {(entity.name, first)}
    return set()


def _check_pack_references(ctx: BuildContext, entities, layers) -> None:
    allowed: dict[str, frozenset[str]] = {}
    for layer in layers:
        # A pack's with/ files come later under the same name, and may refer
        # to more: the pack's own files keep what its dependencies allow.
        allowed.setdefault(layer.name, layer.depends_on | {layer.name})
    site_layers = {layer.name for layer in layers if layer.info is None}
    # A field added by an `extend:` belongs to the pack that wrote it, which
    # may refer to its own entities and to those of its dependencies.
    layer_of_file = {str(path): layer for layer in layers for path in layer.files}
    for entity in entities.values():
        for field in entity.fields.values():
            target = field.to or field.of
            if target is None or target not in entities or target == "user":
                continue
            location = getattr(field.source, "location", None)
            layer = layer_of_file.get(getattr(location, "file", None))
            pack = layer.name if layer else entity.pack
            if pack in site_layers:
                continue
            owner = entities[target].pack
            permitted = layer.depends_on | {layer.name} if layer else allowed.get(pack)
            if owner not in (permitted or {owner}):
                key = "to" if field.to else "of"
                ctx.error(
                    field.source.value_at(key),
                    f"'{entity.name}.{field.name}' in "
                    f"the pack '{pack}' refers to '{target}' of the pack "
                    f"'{owner}', which it does not depend on",
                    f"add '{owner}' under 'depends:' in {pack}/pack.yaml",
                )
