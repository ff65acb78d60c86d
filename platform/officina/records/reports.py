"""Running a report: one GROUP BY query over an entity's records.

A report (definitions `report:`) names an entity, filters, the fields to
group by (a date field by day, week, month, quarter or year; a field of a
referenced record through a dotted path) and measures (count, sum, avg,
min, max). It runs as a single SQL statement whatever the number of
records, sees only the rows the reader may see, and refuses to group or
measure by fields hidden from them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import and_, case, func, literal, select

from officina.definitions.model import Entity, Report
from officina.records.errors import RecordError
from officina.records.listing import Lister, filter_context
from officina.schema.column_types import UTCDateTime

# Rows a report may return: a chart or table of more is unreadable, and the
# cap keeps a careless group_by on a unique field from loading a whole table.
MAX_REPORT_ROWS = 1000


class ReportError(RecordError):
    """A report that cannot be run for this reader; the message says why."""

    status = 403


@dataclass(frozen=True)
class ReportColumn:
    name: str
    kind: str  # group or measure
    field: str | None = None  # the field grouped or measured (last path step)
    entity: str | None = None  # the entity that field belongs to
    bucket: str | None = None


@dataclass(frozen=True)
class ReportResult:
    report: Report
    columns: tuple[ReportColumn, ...]
    rows: tuple[tuple, ...]
    truncated: bool = False

    @property
    def groups(self) -> tuple[ReportColumn, ...]:
        return tuple(c for c in self.columns if c.kind == "group")

    @property
    def measures(self) -> tuple[ReportColumn, ...]:
        return tuple(c for c in self.columns if c.kind == "measure")

    def as_dicts(self) -> list[dict]:
        names = [column.name for column in self.columns]
        return [dict(zip(names, row, strict=True)) for row in self.rows]


def run_report(service, report: Report, actor, *, limit: int | None = None):
    """The rows of `report` as `actor` may see them."""
    query, columns = _checked_query(service, report, actor, limit)
    cap = min(limit or report.limit or MAX_REPORT_ROWS, MAX_REPORT_ROWS)
    with service.engine.connect() as connection:
        rows = [tuple(_plain(v) for v in row) for row in connection.execute(query)]
    truncated = len(rows) > cap
    rows = rows[:cap]
    return ReportResult(report, tuple(columns), tuple(rows), truncated)


def report_refusal(service, report: Report, actor) -> str | None:
    """Why `actor` may not run `report` (None: they may), without running it."""
    try:
        _checked_query(service, report, actor, None)
    except RecordError as error:
        return str(error)
    return None


def _checked_query(service, report: Report, actor, limit):
    entity = service.definitions.entities[report.entity]
    readable = entity
    if entity.is_child:  # child rows are read through their parent record
        readable = service.definitions.entities[entity.parent]
    service.permit(actor, "read", readable)
    allowed = {*report.roles, "admin"}
    if report.roles and not actor.system and not allowed & set(actor.roles):
        raise ReportError(
            f"the report '{report.label.get(actor.language)}' is for "
            + ", ".join(report.roles)
        )
    return _Query(service, entity, actor).build(report, limit)


class _Query:
    def __init__(self, service, entity: Entity, actor):
        self.service = service
        self.entity = entity
        self.actor = actor
        self.table = service.schema.table(entity.name)
        self.joins: dict[tuple[str, ...], object] = {}
        self.from_clause = self.table

    def build(self, report: Report, limit: int | None):
        service, entity = self.service, self.entity
        lister = Lister(service, entity)
        conditions = [
            lister.condition(list(report.filters), filter_context(self.actor))
        ]
        row_condition = self._visible_rows()
        if row_condition is not None:
            conditions.append(row_condition)
        columns, selected, groups = [], [], []
        for path, bucket in report.group_by:
            owner, column = self._column(tuple(path.split(".")))
            expression = _bucketed(column, bucket, service)
            label = f"g{len(groups)}"
            selected.append(expression.label(label))
            groups.append(expression)
            columns.append(
                ReportColumn(
                    path, "group", path.split(".")[-1], owner.name, bucket=bucket
                )
            )
        for measure in report.measures:
            if measure.field is None:
                expression = func.count()
            elif measure.function == "percent":
                _owner, part = self._column((measure.field,))
                _owner, whole = self._column((measure.over,))
                expression = (
                    literal(100.0) * func.sum(part) / func.nullif(func.sum(whole), 0)
                )
            else:
                _owner, column = self._column((measure.field,))
                expression = getattr(func, measure.function)(column)
            selected.append(expression.label(f"m_{measure.name}"))
            columns.append(
                ReportColumn(measure.name, "measure", measure.field, entity.name)
            )
        query = select(*selected).select_from(self.from_clause)
        query = query.where(and_(*conditions))
        if groups:
            query = query.group_by(*groups)
        query = query.order_by(*self._order(report, columns, selected, groups))
        cap = min(limit or report.limit or MAX_REPORT_ROWS, MAX_REPORT_ROWS)
        return query.limit(cap + 1), columns

    def _visible_rows(self):
        """The reader's row filters (a child entity's are its parent's)."""
        service, entity = self.service, self.entity
        if entity.is_child:
            parent = service.definitions.entities[entity.parent]
            condition = service.row_condition(self.actor, parent)
            if condition is None:
                return None
            parent_table = service.schema.table(parent.name)
            return self.table.c.parent_id.in_(
                select(parent_table.c.id).where(condition)
            )
        return service.row_condition(self.actor, entity)

    def _column(self, path: tuple[str, ...]):
        """(entity, column) a dotted path ends on, joining references."""
        definitions = self.service.definitions
        current, table = self.entity, self.table
        for index, step in enumerate(path):
            self._refuse_hidden(current, step)
            if step not in table.c:
                raise ReportError(f"'{step}' is not a field of {current.label.get()}")
            if index == len(path) - 1:
                return current, table.c[step]
            field = current.fields.get(step)
            target = definitions.entities.get(field.to) if field is not None else None
            if target is None or field.type != "reference":
                raise ReportError(f"cannot group through '{'.'.join(path)}'")
            key = path[: index + 1]
            joined = self.joins.get(key)
            if joined is None:
                joined = self.service.schema.table(target.name).alias(
                    f"j{len(self.joins)}"
                )
                self.from_clause = self.from_clause.outerjoin(
                    joined, table.c[step] == joined.c.id
                )
                self.joins[key] = joined
            current, table = target, joined
        raise ReportError("an empty field path")

    def _refuse_hidden(self, entity: Entity, name: str) -> None:
        if self.actor.system:
            return
        if name in self.service.hidden(entity, self.actor):
            raise ReportError(
                f"the report uses '{name}' of {entity.label.get()}, which you "
                "may not see"
            )

    @staticmethod
    def _order(report, columns, selected, groups):
        """The report's sort, else the groups in order (dates ascending)."""
        by_name = {c.name: s for c, s in zip(columns, selected, strict=True)}
        ordered = []
        for key in report.sort:
            descending = key.startswith("-")
            name = key.lstrip("-+")
            expression = by_name.get(name)
            if expression is None:
                # `sort: placed_at` on a report grouped by placed_at:day.
                expression = next(
                    (
                        s
                        for c, s in zip(columns, selected, strict=True)
                        if c.kind == "group" and c.field == name.split(".")[-1]
                    ),
                    None,
                )
            if expression is None:
                continue
            column = literal_column_of(expression)
            ordered.append(column.desc() if descending else column.asc())
        if not ordered:
            ordered = [literal_column_of(s) for s in selected[: len(groups)]]
        return ordered


def literal_column_of(labelled):
    """Order by a selected expression through its label."""
    return labelled.element if hasattr(labelled, "element") else labelled


def _bucketed(column, bucket: str | None, service):
    """A date or datetime grouped into a period of the site's calendar, as
    sortable text (2026-11-27, 2026-11-23 for that week's Monday, 2026-11,
    2026-Q4, 2026)."""
    if bucket is None:
        return column
    zone = getattr(service, "timezone", dt.UTC)
    if service.engine.dialect.name == "postgresql":
        if isinstance(column.type, UTCDateTime):  # the site's days, not the session's
            column = func.timezone(_zone_name(zone), column)
        if bucket == "quarter":
            return func.to_char(column, literal('YYYY-"Q"Q'))
        truncated = func.date_trunc(bucket, column)
        pattern = {"day": "YYYY-MM-DD", "week": "YYYY-MM-DD", "month": "YYYY-MM"}
        return func.to_char(truncated, literal(pattern.get(bucket, "YYYY")))
    if isinstance(column.type, UTCDateTime) and zone is not dt.UTC:
        # SQLite knows no timezones: the zone's offset now (exact for zones
        # without daylight saving time, such as Asia/Shanghai).
        offset = dt.datetime.now(zone).utcoffset() or dt.timedelta()
        column = func.datetime(column, f"{int(offset.total_seconds())} seconds")
    if bucket == "day":
        return func.strftime("%Y-%m-%d", column)
    if bucket == "week":
        return func.date(column, "weekday 0", "-6 days")
    if bucket == "month":
        return func.strftime("%Y-%m", column)
    if bucket == "quarter":
        month = func.strftime("%m", column)
        quarter = case(
            (month <= "03", "Q1"),
            (month <= "06", "Q2"),
            (month <= "09", "Q3"),
            else_="Q4",
        )
        return func.strftime("%Y-", column) + quarter
    return func.strftime("%Y", column)


def _zone_name(zone) -> str:
    return getattr(zone, "key", None) or "UTC"


def _plain(value):
    """Numbers as Decimal or int, dates as ISO text: what charts and JSON use."""
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value
