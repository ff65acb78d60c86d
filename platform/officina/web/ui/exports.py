"""Export of a list (its view, search and filters) to CSV or XLSX.

Rows come through the records service page by page, so row filters and
hidden fields apply exactly as on screen, and memory stays flat for CSV.
The columns are the fields pages show the user (see shown_fields).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

from flask import Response, g, request, stream_with_context
from flask_babel import gettext as _

from officina.app import runtime
from officina.definitions.model import Entity
from officina.web.ui import blueprint
from officina.web.ui.common import PageProblem, grant_of, require, top_level
from officina.web.ui.display import plain, reference_titles
from officina.web.ui.i18n import language
from officina.web.ui.list_pages import fetch_page, read_list_request
from officina.web.ui.shown_fields import is_shown

BATCH = 500
# A cell starting with one of these is a formula to a spreadsheet program:
# exported text is prefixed with an apostrophe so it stays text.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def export_fields(entity: Entity):
    hidden = grant_of(entity).hidden
    return [
        field
        for name, field in entity.fields.items()
        if field.stored and is_shown(field, hidden)
    ]


def _rows(listing, fields, lang):
    cursor = None
    while True:
        page, cursor = fetch_page(listing, limit=BATCH, cursor=cursor)
        titles = reference_titles(runtime(), listing.entity, page.records, g.user)
        for record in page.records:
            yield [record["id"]] + [
                plain(field, record.get(field.name), lang, titles) for field in fields
            ]
        if cursor is None:
            return


def _safe_text(value):
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


@blueprint.get("/<entity>/export")
def export_records(entity: str):
    model = top_level(entity)
    require(model, "export")
    kind = request.args.get("format", "csv")
    if kind not in ("csv", "xlsx"):
        raise PageProblem(400, _("Export as csv or xlsx, not '%(kind)s'.", kind=kind))
    listing = read_list_request(model)
    lang = language()
    fields = export_fields(model)
    header = ["id"] + [field.label.get(lang) for field in fields]
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M")
    filename = f"{model.name}-{stamp}.{kind}"
    if kind == "csv":
        rows = _rows(listing, fields, lang)
        first = next(rows, None)  # problems with the query show before streaming

        def generate():
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            buffer.write("\ufeff")  # so spreadsheet programs read UTF-8
            writer.writerow(header)
            for row in [first] if first is not None else []:
                writer.writerow([csv_cell(v) for v in row])
            yield buffer.getvalue()
            for row in rows:
                buffer.seek(0)
                buffer.truncate()
                writer.writerow([csv_cell(v) for v in row])
                yield buffer.getvalue()

        response = Response(stream_with_context(generate()), mimetype="text/csv")
    else:
        response = Response(
            _workbook(
                header, _rows(listing, fields, lang), model.plural_label.get(lang)
            ),
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def csv_cell(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date | dt.time | Decimal):
        return str(value)
    return _safe_text(value)


def _workbook(header, rows, title: str) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=_sheet_title(title))
    sheet.append(header)
    for row in rows:
        sheet.append([_xlsx_cell(value) for value in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _xlsx_cell(value):
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, Decimal):
        return float(value) if abs(value) < 10**15 else str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time | int | float):
        return value
    return _safe_text(str(value))


def _sheet_title(title: str) -> str:
    cleaned = "".join(c for c in title if c not in "[]:*?/\\")
    return (cleaned or "Export")[:31]
