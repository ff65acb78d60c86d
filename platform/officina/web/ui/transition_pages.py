"""Taking workflow transitions from a record page or a kanban board."""

from __future__ import annotations

from flask import flash, g, jsonify, redirect, request, url_for
from flask_babel import gettext as _

from officina.app import runtime
from officina.records.errors import RecordError
from officina.web.ui import blueprint
from officina.web.ui.common import require, top_level


def _version() -> int | None:
    text = request.form.get("version", "")
    return int(text) if text.isdigit() and len(text) < 10 else None


@blueprint.post("/<entity>/<rid:record_id>/transitions/<name>")
def take_transition(entity: str, record_id: int, name: str):
    model = top_level(entity)
    require(model, "read")
    back = url_for("ui.show_record", entity=model.name, record_id=record_id)
    try:
        runtime().records.transition(
            model.name,
            record_id,
            name,
            comment=request.form.get("comment") or None,
            version=_version(),
            actor=g.user,
        )
    except RecordError as error:  # refused: the page says why
        flash(str(error), "danger")
        return redirect(back)
    flash(_("Done: the record moved on."), "success")
    return redirect(back)


@blueprint.post("/<entity>/<rid:record_id>/move")
def move_card(entity: str, record_id: int):
    """A kanban card dropped on another lane: take the transition that leads
    there from the card's state, if the user may; else say why not."""
    model = top_level(entity)
    require(model, "read")
    target = request.form.get("to", "")
    records = runtime().records
    field = model.fields.get(request.form.get("field", ""))
    if field is None or field.type != "choice":
        return jsonify(error=_("Cards move between the values of a choice.")), 400
    if model.workflow is None or field.name != model.workflow.field:
        # A plain choice: moving the card is an ordinary change of it.
        try:
            record = records.update(
                model.name,
                record_id,
                {field.name: target},
                version=_version(),
                actor=g.user,
            )
        except RecordError as error:
            return jsonify(error=str(error)), error.status
        return jsonify(state=record[field.name], version=record["version"])
    choices = records.transitions(model.name, record_id, actor=g.user)
    leading = [c for c in choices if c.to == target]
    allowed = [c for c in leading if c.allowed]
    if not leading:
        return jsonify(error=_("No transition leads there from this state.")), 409
    if not allowed:
        return jsonify(error=leading[0].reason), 403
    choice = allowed[0]
    if choice.comment == "required":
        return jsonify(
            error=_("This step needs a comment: open the record to take it.")
        ), 409
    try:
        record = records.transition(
            model.name, record_id, choice.name, version=_version(), actor=g.user
        )
    except RecordError as error:
        return jsonify(error=str(error)), error.status
    return jsonify(state=record[model.workflow.field], version=record["version"])
