"""What every page needs: the entity a URL names, the user's grant on it,
the navigation, and turning the records service's refusals into pages."""

from __future__ import annotations

from flask import abort, g
from werkzeug.exceptions import HTTPException
from werkzeug.routing import BaseConverter, ValidationError

from officina.app import runtime
from officina.auth.permissions import Grant
from officina.definitions.model import Entity
from officina.records.coercion import MAX_INTEGER
from officina.web.entities import top_level_entity
from officina.web.ui import blueprint
from officina.web.ui.i18n import language


class RecordIdConverter(BaseConverter):
    """`<rid:record_id>`: a record id the database can hold; anything else
    is a page that does not exist (404), never an error."""

    regex = r"[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 1 <= number <= MAX_INTEGER:
            raise ValidationError()
        return number

    def to_url(self, value) -> str:
        return str(int(value))


class PageProblem(HTTPException):
    """Stop and show an error page with this status and message (the app's
    error handlers show pages, and records-service refusals, for the UI)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.code = status
        self.message = message


def top_level(name: str) -> Entity:
    """The entity a URL names (not a child-row entity), else a 404 page."""
    entity, hint = top_level_entity(runtime().definitions, name)
    if entity is None:
        message = f"There is no page '{name}'."
        if hint:
            message += f" {hint[0].upper()}{hint[1:]}"
        raise PageProblem(404, message)
    return entity


def grant_of(entity: Entity) -> Grant:
    return runtime().permissions.grant(g.user.roles, entity)


def require(entity: Entity, action: str) -> Grant:
    grant = grant_of(entity)
    if action not in grant.actions:
        runtime().records.permit(g.user, action, entity)  # raises, with the reason
        abort(403)
    return grant


@blueprint.app_context_processor
def navigation():
    user = g.get("user")
    if user is None:
        return {"nav_entities": []}
    current = runtime()
    entities = [
        entity
        for entity in current.definitions.entities.values()
        if not entity.is_child
        and "read" in current.permissions.grant(user.roles, entity).actions
    ]
    return {"nav_entities": entities, "lang": language()}


@blueprint.app_template_global()
def url_with(**changes) -> str:
    """This page's URL with some query parameters changed (None removes)."""
    from flask import request, url_for

    args = {}
    for key in request.args:
        values = request.args.getlist(key)
        args[key] = values if len(values) > 1 else values[0]
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = value
    return url_for(request.endpoint, **(request.view_args or {}), **args)
