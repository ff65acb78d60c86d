"""Files of attachment fields: taken from a submitted form into the site's
file store, and served back only to users who may read the record."""

from __future__ import annotations

from flask import g, request, send_file

from officina.app import runtime
from officina.files import INLINE_TYPES, FileRefused, FileStore
from officina.records.errors import Problems
from officina.web.ui import blueprint
from officina.web.ui.common import PageProblem, require, top_level

KEEP = "__keep"


def store() -> FileStore:
    return FileStore.of_site(runtime().site)


def take_files(compiled, current: dict | None) -> tuple[dict, list[str], Problems]:
    """The attachment values of a submitted form: the files it keeps and
    the ones just uploaded (stored now; `new_keys` to discard if the write
    does not happen)."""
    values: dict = {}
    new_keys: list[str] = []
    problems = Problems()
    files = store()
    for name, placed in compiled.fields.items():
        field = placed.field
        if field.type != "attachment" or not placed.editable:
            continue
        existing = (current or {}).get(name) or []
        existing = existing if isinstance(existing, list) else [existing]
        kept_keys = set(request.form.getlist(name + KEEP))
        kept = [item for item in existing if item.get("key") in kept_keys]
        uploads = [u for u in request.files.getlist(name) if u and u.filename]
        if not field.multiple and len(uploads) > 1:
            problems.add(name, "takes one file")
            continue
        added = []
        for upload in uploads:
            try:
                added.append(files.save(upload.stream, upload.filename, field))
            except FileRefused as error:
                problems.add(name, str(error))
        new_keys += [item["key"] for item in added]
        if field.multiple:
            values[name] = kept + added
        else:
            values[name] = (added or kept)[:1]
    return values, new_keys, problems


@blueprint.get("/<entity>/<rid:record_id>/files/<field>/<key>")
def download(entity: str, record_id: int, field: str, key: str):
    model = top_level(entity)
    require(model, "read")
    # Through the records service: row filters and hidden fields apply.
    record = runtime().records.get(model.name, record_id, actor=g.user)
    value = record.get(field)
    files = value if isinstance(value, list) else [value] if value else []
    found = next(
        (f for f in files if isinstance(f, dict) and f.get("key") == key), None
    )
    if found is None:
        raise PageProblem(404, "There is no such file on this record.")
    try:
        path = store().path(key)
    except FileRefused:
        raise PageProblem(404, "There is no such file on this record.") from None
    if not path.exists():
        raise PageProblem(404, "The file is missing from the site's file store.")
    inline = found.get("type") in INLINE_TYPES and request.args.get("view") == "1"
    response = send_file(
        path,
        mimetype=found.get("type") if inline else "application/octet-stream",
        as_attachment=not inline,
        download_name=found.get("name") or "file",
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    # Even opened on its own, a file may run nothing and reach nothing.
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response.headers["Cache-Control"] = "private, no-store"
    return response
