"""Reports and dashboards: a report's chart and table (and its CSV), a
dashboard's widgets (report charts, the first records of views, the counts
of a board's columns), each only for the roles they name and the records
the reader may see."""

from __future__ import annotations

import csv
import io

from flask import Response, g, render_template, request
from flask_babel import gettext as _

from officina.app import runtime
from officina.definitions.model import Dashboard, Measure, Report
from officina.records.errors import PermissionDenied
from officina.records.listing import ListingError
from officina.records.reports import (
    ReportError,
    ReportResult,
    report_refusal,
    run_report,
)
from officina.web.ui import blueprint
from officina.web.ui.charts import build_chart, number_text
from officina.web.ui.common import PageProblem, grant_of
from officina.web.ui.display import plain_option, show, titles_of
from officina.web.ui.exports import csv_cell
from officina.web.ui.i18n import language
from officina.web.ui.list_pages import columns_of


def _allowed(roles: tuple[str, ...]) -> bool:
    user_roles = set(g.user.roles)
    return not roles or bool(set(roles) & user_roles) or "admin" in user_roles


def readable_reports() -> list[Report]:
    """The reports the user may open: their roles, and the entity readable."""
    current = runtime()
    return [
        report
        for report in current.definitions.reports.values()
        if report_refusal(current.records, report, g.user) is None
    ]


def readable_dashboards() -> list[Dashboard]:
    return [d for d in runtime().definitions.dashboards.values() if _allowed(d.roles)]


@blueprint.app_context_processor
def report_navigation():
    if g.get("user") is None:
        return {}
    definitions = runtime().definitions
    # A link only: which reports a user may open is worked out on /reports/.
    return {
        "nav_dashboards": readable_dashboards,
        "nav_has_reports": bool(definitions.reports or definitions.dashboards),
    }


# -- showing a result ------------------------------------------------------------
def _group_label(result: ReportResult, row: tuple, lang: str, titles: dict) -> str:
    parts = []
    definitions = runtime().definitions
    for index, column in enumerate(result.columns):
        if column.kind != "group":
            continue
        value = row[index]
        if value is None or value == "":
            parts.append(_("(empty)"))
            continue
        entity = definitions.entities.get(column.entity or "")
        field = entity.fields.get(column.field) if entity else None
        if column.bucket or field is None:
            parts.append(str(value))
        elif field.type in ("choice", "multi_choice"):
            parts.append(str(plain_option(field, value, lang)))
        elif field.type == "reference":
            parts.append(titles.get((field.to, value), f"#{value}"))
        elif field.type == "boolean":
            parts.append(_("Yes") if value else _("No"))
        else:
            parts.append(str(value))
    return " · ".join(parts) if parts else _("All")


def _reference_titles(result: ReportResult) -> dict:
    """Titles of the records a result is grouped by, as the reader may see
    them (one query per referenced entity)."""
    definitions = runtime().definitions
    wanted: dict[str, set] = {}
    for index, column in enumerate(result.columns):
        entity = definitions.entities.get(column.entity or "")
        field = entity.fields.get(column.field) if entity and column.field else None
        if column.kind != "group" or field is None or field.type != "reference":
            continue
        if field.to not in definitions.entities:  # user: shown by id
            continue
        ids = wanted.setdefault(field.to, set())
        ids.update(row[index] for row in result.rows if row[index] is not None)
    return titles_of(runtime(), wanted, g.user)


def _measure_label(name: str) -> str:
    return name.replace("_", " ").capitalize()


class ShownReport:
    """A result ready for a template: labels, chart and table rows."""

    def __init__(self, result: ReportResult, lang: str):
        self.result = result
        self.report = result.report
        titles = _reference_titles(result)
        self.labels = [_group_label(result, row, lang, titles) for row in result.rows]
        measure_indexes = [
            i for i, c in enumerate(result.columns) if c.kind == "measure"
        ]
        self.measure_names = [result.columns[i].name for i in measure_indexes]
        self.headers = [_measure_label(name) for name in self.measure_names]
        percents = {m.name for m in self.report.measures if m.function == "percent"}
        units = ["%" if name in percents else "" for name in self.measure_names]
        self.table = [
            (
                label,
                [
                    _with_unit(row[i], unit)
                    for i, unit in zip(measure_indexes, units, strict=True)
                ],
            )
            for label, row in zip(self.labels, result.rows, strict=True)
        ]
        self.raw = [
            (label, [row[i] for i in measure_indexes])
            for label, row in zip(self.labels, result.rows, strict=True)
        ]
        first = measure_indexes[0] if measure_indexes else None
        values = [row[first] for row in result.rows] if first is not None else []
        kind = self.report.chart
        self.chart = (
            build_chart(
                kind, self.labels, values, self.headers[0] if self.headers else ""
            )
            if kind != "table"
            else None
        )
        if kind == "number" and self.table:
            # One figure, big; the report's other measures under it.
            figures = self.table[0][1]
            self.chart.figure = figures[0]
            self.chart.details = list(zip(self.headers[1:], figures[1:], strict=True))
        self.truncated = result.truncated


def _with_unit(value, unit: str) -> str:
    text = number_text(value)
    return f"{text}{unit}" if value is not None and unit else text


def _run(report: Report, limit: int | None = None) -> ShownReport:
    try:
        result = run_report(runtime().records, report, g.user, limit=limit)
    except ReportError as error:
        raise PageProblem(403, str(error)) from None
    except ListingError as error:
        raise PageProblem(400, str(error)) from None
    return ShownReport(result, language())


def _report(name: str) -> Report:
    report = runtime().definitions.reports.get(name)
    if report is None or report_refusal(runtime().records, report, g.user):
        raise PageProblem(404, _("There is no report '%(name)s' here.", name=name))
    return report


# -- pages -------------------------------------------------------------------
@blueprint.get("/reports/")
def reports():
    return render_template("ui/reports.html", reports=readable_reports())


@blueprint.get("/reports/<name>")
def report_page(name: str):
    report = _report(name)
    shown = _run(report)
    if request.args.get("format") == "csv":
        return _csv(shown)
    return render_template("ui/report.html", report=report, shown=shown)


def _csv(shown: ShownReport) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    groups = [c.name for c in shown.result.groups] or [""]
    writer.writerow([" · ".join(groups), *shown.measure_names])
    for label, values in shown.raw:
        writer.writerow([csv_cell(label), *(csv_cell(v) for v in values)])
    response = Response(buffer.getvalue(), mimetype="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{shown.report.name}.csv"'
    )
    return response


@blueprint.get("/dashboards/<name>")
def dashboard_page(name: str):
    dashboard = runtime().definitions.dashboards.get(name)
    if dashboard is None or not _allowed(dashboard.roles):
        raise PageProblem(404, _("There is no dashboard '%(name)s' here.", name=name))
    return render_template(
        "ui/dashboard.html",
        dashboard=dashboard,
        show=show,
        widgets=dashboard_widgets(dashboard),
    )


def dashboard_widgets(dashboard: Dashboard) -> list[dict]:
    """What the dashboard's widgets show the reader (those they may see)."""
    widgets = [_widget(widget) for widget in dashboard.widgets]
    return [w for w in widgets if w is not None]


def _widget(widget):
    """What one widget shows, or None when the reader may not see it."""
    definitions = runtime().definitions
    if widget.kind == "report":
        report = definitions.reports.get(widget.name)
        if report is None or report_refusal(runtime().records, report, g.user):
            return None
        try:
            shown = _run(report)
        except PageProblem:
            return None
        return {"kind": "report", "widget": widget, "report": report, "shown": shown}
    view = definitions.views.get(widget.name)
    if view is None or not _allowed(view.roles):
        return None
    entity = definitions.entities[view.entity]
    if "read" not in grant_of(entity).actions:
        return None
    if view.type == "kanban":
        lanes = _lanes(entity, view)
        if lanes is not None:
            return {
                "kind": "kanban",
                "widget": widget,
                "view": view,
                "entity": entity,
                "field": entity.fields[view.kanban_by],
                "lanes": lanes,
            }
    columns = columns_of(entity, view)[:4]
    try:
        page = runtime().records.list(
            entity.name,
            filters=view.filters,
            sort=view.sort or entity.sort,
            limit=widget.limit,
            actor=g.user,
        )
    except (PermissionDenied, ListingError):
        return None
    return {
        "kind": "view",
        "widget": widget,
        "view": view,
        "entity": entity,
        "columns": columns,
        "records": page.records,
        "more": page.next_cursor is not None,
    }


def _lanes(entity, view) -> list[tuple] | None:
    """A board's columns as (value, how many of the reader's records it
    holds), counted in one GROUP BY query; None when they cannot be."""
    field = entity.fields.get(view.kanban_by or "")
    if field is None or not field.options:
        return None
    counting = Report(
        name=view.name,
        entity=entity.name,
        label=view.label,
        pack=view.pack,
        measures=(Measure("cards", "count", None),),
        filters=view.filters,
        group_by=((field.name, None),),
    )
    try:
        result = run_report(runtime().records, counting, g.user)
    except (ReportError, ListingError, PermissionDenied):
        return None
    counts = dict(result.rows)
    return [(option.value, counts.get(option.value, 0)) for option in field.options]


@blueprint.app_template_global()
def widget_title(item) -> str:
    widget = item["widget"]
    if widget.title:
        return widget.title.get(language())
    if item["kind"] == "report":
        return item["report"].label.get(language())
    return item["view"].label.get(language())
