"""Routes of workflow steps: `/api/v1/<entity>/<id>/transitions[/<name>]`."""

from __future__ import annotations

from flask import g, jsonify, request

from officina.app import runtime
from officina.records.workflow import MAX_COMMENT
from officina.web.api import blueprint
from officina.web.api.encoding import jsonable
from officina.web.api.records import (
    RECORD,
    ApiProblem,
    _body,
    _if_match,
    _record_id,
    _version,
    top_level,
    with_clock,
)
from officina.web.problems import problem

TRANSITIONS = RECORD + "/transitions"


def _workflow_entity(entity: str):
    model = top_level(entity)
    if model.workflow is None:
        raise ApiProblem(
            problem(
                404,
                f"{model.label.get()} has no workflow, so no transitions",
                kind="no-workflow",
            )
        )
    return model


@blueprint.get(TRANSITIONS)
def list_transitions(entity: str, record_id: int):
    """The steps out of the record's state, each allowed now or with the
    reason it is not."""
    model = _workflow_entity(entity)
    choices = runtime().records.transitions(
        model.name, _record_id(model, record_id), actor=g.actor
    )
    return jsonify(
        data=[
            {
                "name": choice.name,
                "label": choice.label.get(g.actor.language),
                "to": choice.to,
                "allowed": choice.allowed,
                "reason": choice.reason,
                "comment": choice.comment,
            }
            for choice in choices
        ]
    )


@blueprint.post(TRANSITIONS + "/<name>")
def take_transition(entity: str, record_id: int, name: str):
    model = _workflow_entity(entity)
    body = _body(model) if request.get_data() else {}
    unknown = sorted(set(body) - {"comment", "values", "version"})
    if unknown:
        raise ApiProblem(
            problem(
                400,
                f"the body may hold 'comment', 'values' and 'version', not "
                f"{', '.join(repr(k) for k in unknown)}",
                kind="bad-body",
            )
        )
    comment = body.get("comment")
    if comment is not None and (
        not isinstance(comment, str) or len(comment) > MAX_COMMENT or "\x00" in comment
    ):
        raise ApiProblem(
            problem(
                400,
                f"'comment' must be text of at most {MAX_COMMENT} characters",
                kind="bad-body",
            )
        )
    values = body.get("values") or {}
    if not isinstance(values, dict):
        raise ApiProblem(
            problem(400, "'values' must be an object of field values", kind="bad-body")
        )
    version = _version(body.get("version"), "version")
    version = _if_match() if version is None else version
    record = runtime().records.transition(
        model.name,
        _record_id(model, record_id),
        name,
        values=values,
        comment=comment,
        version=version,
        actor=g.actor,
    )
    return jsonify(with_clock(model, jsonable(record)))
