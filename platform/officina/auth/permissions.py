"""Roles from the definitions, enforced in the records service.

Every channel writes and reads through the records service, so checking
there means the API, forms, imports and exports all obey the same rules:
which entities a role may create, read, update, delete, import or export;
which fields it may not see or change; and which rows it may see at all
(row filters, such as "a seller sees only their own orders").

`admin` may do everything; `everyone` applies to every signed-in user. The
system itself (rules, the command line) is not restricted.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_, select, true

from officina.definitions import Definitions
from officina.definitions.model import Entity, Permission
from officina.records import Hooks, PermissionDenied
from officina.records.listing import Lister, filter_context

ADMIN = "admin"
EVERYONE = "everyone"


@dataclass(frozen=True)
class Grant:
    """What an actor's roles together allow on one entity."""

    actions: frozenset[str]
    hidden: frozenset[str]
    read_only: frozenset[str]
    row_filters: tuple | None  # None: every row; else any of these filter sets
    transitions: frozenset[str] | None = frozenset()  # None: every transition

    def may_take(self, transition: str) -> bool:
        return self.transitions is None or transition in self.transitions


FULL = Grant(
    frozenset({"create", "read", "update", "delete", "import", "export"}),
    frozenset(),
    frozenset(),
    None,
    None,
)
NOTHING = Grant(frozenset(), frozenset(), frozenset(), ())


class Permissions:
    """The permission rules of one definitions version."""

    def __init__(self, definitions: Definitions):
        self.definitions = definitions
        self._grants: dict[tuple, Grant] = {}

    def grant(self, roles: tuple[str, ...], entity: Entity) -> Grant:
        if entity.parent:  # child rows follow their parent record
            entity = self.definitions.entities[entity.parent]
        key = (roles, entity.name)
        if key not in self._grants:
            self._grants[key] = self._combine(roles, entity)
        return self._grants[key]

    def _combine(self, roles: tuple[str, ...], entity: Entity) -> Grant:
        if ADMIN in roles:
            return FULL
        permissions: list[Permission] = []
        for name in (*roles, EVERYONE):
            role = self.definitions.roles.get(name)
            if role is None:
                continue
            for target in (entity.name, "*"):
                if target in role.permissions:
                    permissions.append(role.permissions[target])
        if not permissions:
            return NOTHING
        actions = frozenset().union(*(p.actions for p in permissions))
        # A field is hidden (or read-only) only if every role granting the
        # entity says so: one role that shows it is enough to see it.
        hidden = frozenset.intersection(
            *(
                frozenset(n for n, a in p.fields.items() if a == "hidden")
                for p in permissions
            )
        )
        read_only = frozenset.intersection(
            *(
                frozenset(
                    n for n, a in p.fields.items() if a in ("read_only", "hidden")
                )
                for p in permissions
            )
        )
        readers = [p for p in permissions if "read" in p.actions]
        rows = (
            None if any(not p.rows for p in readers) else tuple(p.rows for p in readers)
        )
        transitions = (
            None
            if any(p.transitions == "all" for p in permissions)
            else frozenset().union(
                *(
                    p.transitions
                    for p in permissions
                    if isinstance(p.transitions, tuple)
                )
            )
        )
        return Grant(actions, hidden, read_only, rows, transitions)

    def install(self, hooks: Hooks) -> Hooks:
        """Add these rules to a records service's hooks."""
        hooks.permission_checks.append(self.check)
        hooks.row_filters.append(self.row_filter)
        hooks.hidden_fields.append(self.hidden_fields)
        return hooks

    # -- the hooks ---------------------------------------------------------------
    def check(self, *, actor, action: str, entity: Entity, record, values) -> None:
        if actor.system:
            return
        grant = self.grant(actor.roles, entity)
        if action.startswith("transition:"):
            name = action.partition(":")[2]
            if not grant.may_take(name):
                raise PermissionDenied("your roles do not grant this transition")
            return
        if action not in grant.actions:
            label = entity.label.get(actor.language)
            verb = "see" if action == "read" else action
            raise PermissionDenied(f"you may not {verb} {label} records")
        if values and action in ("create", "update"):
            touched = sorted(set(values) & grant.read_only)
            if touched:
                raise PermissionDenied(
                    f"you may not change {', '.join(touched)} of "
                    f"{entity.label.get(actor.language)}"
                )

    def row_filter(self, *, actor, entity: Entity, table, service=None):
        """The condition of the rows an actor may see, or None for all."""
        if actor.system:
            return None
        grant = self.grant(actor.roles, entity)
        if "read" not in grant.actions:
            return ~true()
        if grant.row_filters is None:
            return None
        if entity.parent and service is not None:
            # A child row is seen with its parent: the filters are the parent's.
            parent = self.definitions.entities[entity.parent]
            parents = service.schema.table(parent.name)
            condition = self.row_filter(
                actor=actor, entity=parent, table=parents, service=service
            )
            return table.c.parent_id.in_(select(parents.c.id).where(condition))
        lister = Lister(service, entity) if service is not None else None
        context = filter_context(actor)
        conditions = [
            lister.condition(list(filters), context) for filters in grant.row_filters
        ]
        return or_(*conditions)

    def hidden_fields(self, *, actor, entity: Entity) -> frozenset[str]:
        if actor.system:
            return frozenset()
        return self.grant(actor.roles, entity).hidden
