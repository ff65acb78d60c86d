"""Import of records from a CSV or XLSX file: upload, map the columns and
preview, confirm; the import then runs in a background thread (see
`officina.records.importing`) and its page shows the progress."""

from __future__ import annotations

from flask import g, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer

from officina.app import runtime
from officina.definitions.model import Entity
from officina.files import FileRefused, FileStore
from officina.records.importing import (
    FINISHED,
    MAX_FILE_SIZE,
    MODES,
    PREVIEW_ROWS,
    Importer,
    ImportProblem,
    create_import,
    get_import,
    importable_fields,
    key_fields,
    open_sheet,
    problem_lines,
    start_in_background,
    suggest_mapping,
)
from officina.web.ui import blueprint
from officina.web.ui.common import PageProblem, require, top_level

IGNORE = ""
# Room for the form's other fields around the file itself.
_FORM_ROOM = 1024 * 1024


def _store() -> FileStore:
    return FileStore.of_site(runtime().site)


def _signer() -> URLSafeSerializer:
    from flask import current_app

    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="officina-import")


def _fields(model: Entity) -> dict:
    return importable_fields(runtime(), model, g.user)


def _settings(model: Entity) -> dict:
    mode = request.form.get("mode", "all")
    if mode not in MODES:
        raise PageProblem(400, _("Choose how to import."))
    fields = _fields(model)
    key = request.form.get("key_field") or None
    if key is not None and key not in key_fields(model, fields):
        raise PageProblem(400, _("Choose a unique field as the key."))
    return {"mode": mode, "key_field": key}


def allow_large_upload() -> None:
    """Before anything reads the form (CSRF checks do): an import's upload
    may be larger than the application's usual limit."""
    if request.endpoint == "ui.import_upload":
        request.max_content_length = MAX_FILE_SIZE + _FORM_ROOM


@blueprint.get("/<entity>/import")
def import_form(entity: str):
    model = top_level(entity)
    require(model, "import")
    return _upload_page(model)


def _upload_page(model: Entity, problem: str | None = None, status: int = 200):
    fields = _fields(model)
    return (
        render_template(
            "ui/import/upload.html",
            entity=model,
            keys=[fields[name] for name in key_fields(model, fields)],
            problem=problem,
            max_size="50 MB",
        ),
        status,
    )


@blueprint.post("/<entity>/import")
def import_upload(entity: str):
    model = top_level(entity)
    require(model, "import")
    upload = request.files.get("file")
    settings = _settings(model)
    if upload is None or not upload.filename:
        return _upload_page(model, _("Choose a file to import."), 400)
    try:
        stored = _store().save_file(upload.stream, upload.filename, MAX_FILE_SIZE)
    except FileRefused as error:
        return _upload_page(model, str(error), 400)
    try:
        with open_sheet(_store().path(stored["key"]), stored["name"]) as sheet:
            header = sheet.header
    except ImportProblem as error:
        _store().discard([stored["key"]])
        return _upload_page(model, str(error), 400)
    ticket = _signer().dumps(
        {
            "key": stored["key"],
            "name": stored["name"],
            "user": g.user.id,
            "entity": model.name,
        }
    )
    mapping = suggest_mapping(_fields(model), header)
    return _mapping_page(model, ticket, stored, header, mapping, settings)


def _ticket(model: Entity) -> dict:
    try:
        ticket = _signer().loads(request.form.get("ticket", ""))
    except BadSignature:
        raise PageProblem(
            400, _("This upload is not valid; upload the file again.")
        ) from None
    if ticket.get("user") != g.user.id or ticket.get("entity") != model.name:
        raise PageProblem(400, _("This upload is not valid; upload the file again."))
    return ticket


def _mapping_page(model, ticket, stored, header, mapping, settings, problem=None):
    fields = _fields(model)
    rows = []
    if problem is None:
        try:
            importer = Importer(
                runtime(),
                model.name,
                g.user,
                mapping,
                mode=settings["mode"],
                key_field=settings["key_field"],
                header=header,
            )
            with open_sheet(_store().path(stored["key"]), stored["name"]) as sheet:
                rows = importer.preview(sheet, PREVIEW_ROWS)
        except ImportProblem as error:
            problem = str(error)
    return (
        render_template(
            "ui/import/mapping.html",
            entity=model,
            ticket=ticket,
            file_name=stored["name"],
            header=header,
            mapping=mapping,
            fields=fields,
            keys=[fields[name] for name in key_fields(model, fields)],
            settings=settings,
            rows=rows,
            problem=problem,
            preview_rows=PREVIEW_ROWS,
        ),
        400 if problem else 200,
    )


@blueprint.post("/<entity>/import/mapping")
def import_mapping(entity: str):
    model = top_level(entity)
    require(model, "import")
    ticket = request.form.get("ticket", "")
    stored = _ticket(model)
    settings = _settings(model)
    try:
        with open_sheet(_store().path(stored["key"]), stored["name"]) as sheet:
            header = sheet.header
    except (ImportProblem, FileRefused, OSError):
        raise PageProblem(
            400, _("This upload is not valid; upload the file again.")
        ) from None
    mapping = {}
    for index, column in enumerate(header):
        name = request.form.get(f"column-{index}", IGNORE)
        if name != IGNORE:
            mapping[column] = name
    if request.form.get("action") != "start":
        return _mapping_page(model, ticket, stored, header, mapping, settings)
    try:
        Importer(
            runtime(),
            model.name,
            g.user,
            mapping,
            mode=settings["mode"],
            key_field=settings["key_field"],
            header=header,
        )
    except ImportProblem as error:
        return _mapping_page(
            model, ticket, stored, header, mapping, settings, problem=str(error)
        )
    import_id = create_import(
        runtime(),
        entity=model.name,
        actor=g.user,
        file_name=stored["name"],
        file_key=stored["key"],
        mapping=mapping,
        mode=settings["mode"],
        key_field=settings["key_field"],
    )
    start_in_background(runtime(), import_id)
    return redirect(url_for("ui.import_status", import_id=import_id))


def _own_import(import_id: int) -> dict:
    row = get_import(runtime(), import_id)
    if row is None or (row["user_id"] != g.user.id and "admin" not in g.user.roles):
        raise PageProblem(404, _("There is no import %(id)s.", id=import_id))
    return row


def _state(row: dict) -> dict:
    return {
        "id": row["id"],
        "status": row["status"],
        "finished": row["status"] in FINISHED,
        "total": row["total"],
        "processed": row["processed"],
        "created": row["created"],
        "updated": row["updated"],
        "failed": row["failed"],
        "message": row["message"],
    }


@blueprint.get("/imports/<rid:import_id>")
def import_status(import_id: int):
    row = _own_import(import_id)
    model = runtime().definitions.entities.get(row["entity"])
    problems = (row.get("problems") or {}).get("items", [])
    return render_template(
        "ui/import/status.html",
        row=row,
        state=_state(row),
        entity=model,
        problems=problem_lines(problems[:200]),
        problem_count=(row.get("problems") or {}).get("count", 0),
    )


@blueprint.get("/imports/<rid:import_id>/status")
def import_status_json(import_id: int):
    response = jsonify(_state(_own_import(import_id)))
    response.headers["Cache-Control"] = "no-store"
    return response


@blueprint.get("/imports/<rid:import_id>/report")
def import_report(import_id: int):
    row = _own_import(import_id)
    if not row["report_key"]:
        raise PageProblem(404, _("This import has no error report."))
    try:
        path = _store().path(row["report_key"])
    except FileRefused:
        raise PageProblem(404, _("This import has no error report.")) from None
    if not path.exists():
        raise PageProblem(404, _("This import has no error report."))
    response = send_file(
        path,
        mimetype="text/csv",
        as_attachment=True,
        download_name=f"{row['entity']}-import-{row['id']}-problems.csv",
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
