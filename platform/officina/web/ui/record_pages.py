"""A record's pages: new, view, edit, delete and comments."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from officina.app import runtime
from officina.definitions.model import Entity, Filter
from officina.expressions import Expression
from officina.records import comments, workflow
from officina.records.errors import (
    PermissionDenied,
    Problems,
    RecordConflict,
    RecordError,
    RecordInvalid,
)
from officina.web.ui import blueprint
from officina.web.ui.common import grant_of, require, top_level
from officina.web.ui.conditions import evaluate_conditions
from officina.web.ui.display import record_title, reference_titles, show
from officina.web.ui.forms import (
    attach_problems,
    blank_row,
    compile_form,
    fill_choices,
    initial_data,
    submitted_values,
)
from officina.web.ui.i18n import language
from officina.web.ui.shown_fields import is_shown
from officina.web.ui.uploads import store, take_files

RELATED_LIMIT = 10


def _state(entity: Entity, record: dict | None):
    if entity.workflow is None:
        return None
    return (record or {}).get(entity.workflow.field) or entity.workflow.initial


def _defaults(compiled) -> dict:
    """A new record's form shows the fixed defaults; defaults computed by an
    expression are filled in by the records service when left empty."""
    return {
        name: placed.field.default
        for name, placed in compiled.fields.items()
        if placed.field.default is not None
        and not isinstance(placed.field.default, Expression)
    }


def _referenced(entity: Entity, values: dict) -> dict:
    """The reference values among `values` that are record ids."""
    found = {}
    for name, field in entity.fields.items():
        value = values.get(name)
        if field.type == "reference" and value is not None:
            text = str(value)
            if text.isdigit() and int(text) <= 2**63 - 1:
                found[name] = int(text)
    return found


def _render_form(
    model, compiled, form, record, elsewhere, status, conditions, typed=None
):
    # Titles of the records the pickers show: those stored, and those just
    # chosen in a form that comes back with problems.
    shown = _referenced(model, (record or {}) | (typed or {}))
    titles = reference_titles(runtime(), model, [shown], g.user)
    for table in compiled.rows:
        child = runtime().definitions.entities[compiled.fields[table].field.of]
        rows = [
            _referenced(child, row)
            for row in list((record or {}).get(table) or [])
            + list((typed or {}).get(table) or [])
        ]
        titles |= reference_titles(runtime(), child, rows, g.user)
    return (
        render_template(
            "ui/form.html",
            entity=model,
            compiled=compiled,
            form=form,
            record=record,
            problems=elsewhere,
            titles=titles,
            conditions=conditions,
            blank_row=lambda c, f, n: blank_row(c, f, n, language()),
        ),
        status,
    )


@blueprint.route("/<entity>/new", methods=["GET", "POST"])
def new_record(entity: str):
    model = top_level(entity)
    grant = require(model, "create")
    compiled = compile_form(runtime(), model, g.user.roles, grant, _state(model, None))
    if request.method == "GET":
        form = compiled.form_class(
            formdata=None, data=initial_data(compiled, _defaults(compiled))
        )
        fill_choices(compiled, form, language())
        conditions = evaluate_conditions(runtime(), model, _defaults(compiled), g.user)
        return _render_form(model, compiled, form, None, [], 200, conditions)
    form = compiled.form_class()
    fill_choices(compiled, form, language())
    if not form.validate():
        return _csrf_refused(model, compiled, form, None)
    submission = submitted_values(compiled, form)
    problems = submission.problems
    files, new_keys, file_problems = take_files(compiled, None)
    _merge(problems, file_problems)
    # Left empty on a new record: the records service fills in the default.
    values = {
        k: v for k, v in (submission.values | files).items() if v not in (None, "", [])
    }
    record = None
    if not problems:
        try:
            record = runtime().records.create(model.name, values, actor=g.user)
        except RecordInvalid as error:
            problems = error.problems
        finally:
            if record is None:
                store().discard(new_keys)
        if record is not None:
            flash(
                _(
                    "%(what)s %(title)s was saved.",
                    what=model.label.get(language()),
                    title=record_title(model, record),
                ),
                "success",
            )
            return redirect(
                url_for("ui.show_record", entity=model.name, record_id=record["id"])
            )
    elsewhere = attach_problems(compiled, form, problems, submission.positions)
    conditions = evaluate_conditions(runtime(), model, values, g.user)
    return _render_form(
        model, compiled, form, None, elsewhere, 422, conditions, submission.values
    )


def _csrf_refused(model, compiled, form, record):
    message = _(
        "The form expired or did not come from this site. Your entries are "
        "kept: send it again."
    )
    return _render_form(model, compiled, form, record, [message], 400, {})


@blueprint.get("/<entity>/<rid:record_id>")
def show_record(entity: str, record_id: int):
    model = top_level(entity)
    grant = require(model, "read")
    record = runtime().records.get(model.name, record_id, actor=g.user)
    compiled = compile_form(
        runtime(), model, g.user.roles, grant, _state(model, record)
    )
    titles = reference_titles(runtime(), model, [record], g.user)
    for table in compiled.rows:
        child = runtime().definitions.entities[compiled.fields[table].field.of]
        titles |= reference_titles(
            runtime(), child, list(record.get(table) or []), g.user
        )
    return render_template(
        "ui/detail.html",
        entity=model,
        compiled=compiled,
        record=record,
        titles=titles,
        title=record_title(model, record),
        show=show,
        grant=grant,
        history=_history(model, record_id),
        comments=comments.list_comments(runtime().records, model.name, record_id),
        related=_related(model, record_id),
        conditions=evaluate_conditions(runtime(), model, record, g.user),
        transitions=runtime().records.transitions(model.name, record_id, actor=g.user)
        if model.workflow
        else [],
    )


def _history(model: Entity, record_id: int) -> list[dict]:
    """The audit trail, without the values of fields pages do not show this
    user (nor the audit's own notes, such as `_transition`: the state's
    change shows the step)."""
    hidden = grant_of(model).hidden
    entries = runtime().records.history(model.name, record_id)
    for entry in entries:
        changes = entry.get("changes") or {}
        entry["changes"] = {
            k: v
            for k, v in changes.items()
            if not k.startswith("_")
            and (k not in model.fields or is_shown(model.fields[k], hidden))
        }
    return list(reversed(entries))


def _related(model: Entity, record_id: int) -> list[dict]:
    """Records of other entities that point at this one (those the user may
    read), a few of each."""
    found = []
    for other in runtime().definitions.entities.values():
        if other.is_child:
            continue
        for name, field in other.fields.items():
            if field.type != "reference" or field.to != model.name:
                continue
            grant = grant_of(other)
            if "read" not in grant.actions or not is_shown(field, grant.hidden):
                continue
            try:
                page = runtime().records.list(
                    other.name,
                    filters=[Filter((name,), "eq", record_id)],
                    limit=RELATED_LIMIT + 1,
                    actor=g.user,
                )
            except PermissionDenied:
                continue
            if page.records:
                found.append(
                    {
                        "entity": other,
                        "field": field,
                        "records": [
                            (r["id"], record_title(other, r))
                            for r in page.records[:RELATED_LIMIT]
                        ],
                        "more": len(page.records) > RELATED_LIMIT,
                    }
                )
    return found


@blueprint.route("/<entity>/<rid:record_id>/edit", methods=["GET", "POST"])
def edit_record(entity: str, record_id: int):
    model = top_level(entity)
    grant = require(model, "update")
    record = runtime().records.get(model.name, record_id, actor=g.user)
    compiled = compile_form(
        runtime(), model, g.user.roles, grant, _state(model, record)
    )
    refusal = workflow.edit_refusal(model, record, set(model.fields), g.user)
    state_locked = _locked_by_state(model, record) if refusal else set()
    if refusal and not (set(compiled.editable) - state_locked):
        raise PermissionDenied(refusal)  # nothing on this form may change now

    def conditions_for(values):
        found = evaluate_conditions(runtime(), model, values, g.user)
        for name in state_locked:
            found[name] = found.get(name, {"visible": True, "required": False})
            found[name] = found[name] | {"readonly": True}
        return found

    locked = {
        name for name, state in conditions_for(record).items() if state.get("readonly")
    }
    if request.method == "GET":
        form = compiled.form_class(formdata=None, data=initial_data(compiled, record))
        fill_choices(compiled, form, language())
        conditions = conditions_for(record)
        return _render_form(model, compiled, form, record, [], 200, conditions)
    form = compiled.form_class()
    fill_choices(compiled, form, language())
    if not form.validate():
        return _csrf_refused(model, compiled, form, record)
    submission = submitted_values(compiled, form, skip=locked)
    values, problems = submission.values, submission.problems
    files, new_keys, file_problems = take_files(
        compiled, {k: v for k, v in record.items() if k not in locked}
    )
    _merge(problems, file_problems)
    values |= {k: v for k, v in files.items() if k not in locked}
    version = form.version.data
    status = 422
    saved = False
    if not problems:
        try:
            runtime().records.update(
                model.name,
                record_id,
                values,
                version=int(version) if version and version.isdigit() else None,
                actor=g.user,
            )
            saved = True
        except RecordInvalid as error:
            problems = error.problems
        except RecordConflict as error:
            problems = Problems(record=[str(error)])
            status = 409
        finally:
            if not saved:
                store().discard(new_keys)
        if saved:
            flash(_("Your changes were saved."), "success")
            return redirect(
                url_for("ui.show_record", entity=model.name, record_id=record_id)
            )
    elsewhere = attach_problems(compiled, form, problems, submission.positions)
    conditions = conditions_for(record | values)
    return _render_form(
        model, compiled, form, record, elsewhere, status, conditions, values
    )


def _merge(problems: Problems, more: Problems) -> None:
    for name, messages in more.fields.items():
        for message in messages:
            problems.add(name, message)


def _locked_by_state(model: Entity, record: dict) -> set[str]:
    """Fields the record's workflow state does not let change."""
    state = model.workflow.states.get(record.get(model.workflow.field))
    if (
        state is None
        or state.edit_roles
        and not set(state.edit_roles) & set(g.user.roles)
    ):
        return set(model.fields)
    if state.editable == "all":
        return set()
    allowed = () if state.editable == "none" else state.editable
    return set(model.fields) - set(allowed)


@blueprint.post("/<entity>/<rid:record_id>/delete")
def delete_record(entity: str, record_id: int):
    model = top_level(entity)
    require(model, "delete")
    version = request.form.get("version", "")
    try:
        runtime().records.delete(
            model.name,
            record_id,
            version=int(version) if version.isdigit() else None,
            actor=g.user,
        )
    except RecordError as error:
        if isinstance(error, PermissionDenied):
            raise
        flash(str(error), "danger")
        return redirect(
            url_for("ui.show_record", entity=model.name, record_id=record_id)
        )
    flash(_("The record was deleted."), "success")
    return redirect(url_for("ui.list_records", entity=model.name))


@blueprint.post("/<entity>/<rid:record_id>/comments")
def add_comment(entity: str, record_id: int):
    model = top_level(entity)
    require(model, "read")
    try:
        comments.add_comment(
            runtime().records,
            model.name,
            record_id,
            request.form.get("body", ""),
            g.user,
        )
    except comments.CommentRefused as error:
        flash(str(error), "danger")
    return redirect(
        url_for("ui.show_record", entity=model.name, record_id=record_id) + "#comments"
    )
