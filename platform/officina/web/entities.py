"""The entity a URL names, for every channel of the web application."""

from __future__ import annotations

from officina.definitions import Definitions
from officina.definitions.model import Entity
from officina.errors import suggest


def top_level_entity(definitions: Definitions, name: str) -> tuple[Entity | None, str]:
    """The entity named `name` that has pages and routes of its own (not a
    child-row entity), or None and a hint ("did you mean 'x'?" or "")."""
    entity = definitions.entities.get(name)
    if entity is not None and not entity.is_child:
        return entity, ""
    names = [e.name for e in definitions.entities.values() if not e.is_child]
    return None, suggest(name, names) or ""
