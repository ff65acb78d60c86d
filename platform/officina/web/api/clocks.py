"""`_sla` of records in the API: how long a record may still stay in its
workflow state, or by how much it is overdue.

Records of an entity with an SLA on any of its states carry
`"_sla": {"state", "entered_at", "due_at", "seconds_left", "overdue",
"breached_at"}`, or `"_sla": null` while their state has none. The clocks
of a whole page are read in one query, and time runs on the records
service's clock, like the SLA check's.
"""

from __future__ import annotations

import math

from officina.automation import sla
from officina.definitions.model import Entity

KEY = "_sla"

SCHEMA = {
    "type": "object",
    "description": "The SLA of the record's workflow state: when it is due, "
    "the time left (negative when overdue) and whether its breach fired.",
    "required": ["state", "entered_at", "due_at", "seconds_left", "overdue"],
    "properties": {
        "state": {"type": "string", "description": "The state the clock runs for"},
        "entered_at": {
            "type": "string",
            "format": "date-time",
            "description": "When the record entered the state (UTC)",
        },
        "due_at": {
            "type": "string",
            "format": "date-time",
            "description": "When its stay there breaches the SLA (UTC)",
        },
        "seconds_left": {
            "type": "integer",
            "description": "Whole seconds until due_at; negative when overdue",
        },
        "overdue": {"type": "boolean"},
        "breached_at": {
            "type": ["string", "null"],
            "format": "date-time",
            "description": "When the breach actions were started, if they were",
        },
    },
}


def attach(runtime, entity: Entity, bodies: list[dict], actor) -> None:
    """Add `_sla` to each JSON-ready record of `entity` in `bodies` (one
    query for all). Nothing is added for an entity without SLAs, nor for
    an actor who may not see the state field."""
    if not sla.has_sla(entity) or not bodies:
        return
    if not actor.system and entity.workflow.field in runtime.records.hidden(
        entity, actor
    ):
        return
    now = runtime.records.clock()
    found = sla.time_left_many(
        runtime, entity.name, [body.get("id") for body in bodies], now
    )
    for body in bodies:
        body[KEY] = encode(found.get(body.get("id")))


def encode(clock: dict | None) -> dict | None:
    """A clock of `sla.time_left_many` as the API shows it."""
    if clock is None:
        return None
    return {
        "state": clock["state"],
        "entered_at": _iso(clock["entered_at"]),
        "due_at": _iso(clock["due_at"]),
        "seconds_left": math.floor(clock["seconds_left"]),
        "overdue": clock["overdue"],
        "breached_at": _iso(clock["breached_at"]),
    }


def _iso(moment) -> str | None:
    return None if moment is None else moment.isoformat()
