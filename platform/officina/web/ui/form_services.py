"""What forms ask the server while the user types: records for a reference
picker, and which fields are visible, required or read-only now."""

from __future__ import annotations

from flask import g, jsonify, request
from flask_babel import gettext as _

from officina.app import runtime
from officina.definitions.model import Filter
from officina.records.errors import PermissionDenied
from officina.records.listing import ListingError
from officina.web.ui import blueprint
from officina.web.ui.child_references import child_choices
from officina.web.ui.common import top_level
from officina.web.ui.conditions import evaluate_conditions
from officina.web.ui.display import record_title

LOOKUP_LIMIT = 20


@blueprint.get("/<entity>/_lookup/<field>")
def lookup(entity: str, field: str):
    """Up to 20 records the reference `field` of `entity` may point at,
    matching `q`: those the user may read, within the field's filter."""
    model = top_level(entity)
    definitions = runtime().definitions
    reference = model.fields.get(field)
    if reference is None:  # maybe a child row's field: `lines.product`
        table, _dot, child = field.partition(".")
        holder = model.fields.get(table)
        if holder is not None and holder.type == "table":
            reference = definitions.entities[holder.of].fields.get(child)
    if reference is None or reference.type != "reference" or reference.to == "user":
        return jsonify(
            error=_("'%(field)s' is not a reference field.", field=field)
        ), 404
    target = definitions.entities[reference.to]
    text = request.args.get("q", "").strip()[:200]
    if target.is_child:
        found = child_choices(runtime(), target, text, g.user, LOOKUP_LIMIT)
        return jsonify(results=[{"id": id_, "title": title} for id_, title in found])
    filters = []
    if text.isdigit():
        filters.append(Filter(("id",), "eq", int(text)))
    search = text if text and not text.isdigit() else None
    try:
        page = runtime().records.list(
            target.name,
            filters=(*reference.filter, *filters),
            limit=LOOKUP_LIMIT,
            search=search,
            actor=g.user,
        )
    except PermissionDenied as error:
        return jsonify(error=str(error)), 403
    except ListingError as error:
        return jsonify(error=str(error)), 400
    return jsonify(
        results=[
            {"id": record["id"], "title": record_title(target, record)}
            for record in page.records
        ]
    )


@blueprint.post("/<entity>/_conditions")
def conditions(entity: str):
    """Visible / required / read-only for the values in the posted form."""
    model = top_level(entity)
    if "read" not in runtime().permissions.grant(g.user.roles, model).actions:
        return jsonify(error=_("You may not see these records.")), 403
    values: dict = {}
    for name, field in model.fields.items():
        if field.type == "multi_choice":
            values[name] = request.form.getlist(name)
        elif field.type == "boolean":
            values[name] = request.form.get(name) not in (None, "", "n", "false")
        elif field.type != "table":
            values[name] = request.form.get(name)
    return jsonify(evaluate_conditions(runtime(), model, values, g.user))
