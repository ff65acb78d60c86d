"""Lists of records: the start page, saved views, search, filters, sorting,
cursor pages, kanban boards and bulk actions."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from officina.app import runtime
from officina.definitions.model import Entity, Field, View
from officina.records.errors import RecordError
from officina.records.listing import ListingError
from officina.web.api.query import (
    DOCUMENT_TYPES,
    BadParameter,
    ListQuery,
    open_cursor,
    parse_list_query,
    sign_cursor,
)
from officina.web.ui import blueprint
from officina.web.ui.common import PageProblem, grant_of, require, top_level
from officina.web.ui.display import record_title, reference_titles, show
from officina.web.ui.i18n import language
from officina.web.ui.shown_fields import is_shown

# Parameters of the page itself; every other one is a filter.
PAGE_PARAMETERS = ("view", "q", "cursor", "sort", "format")
DEFAULT_COLUMNS = 7
MAX_BULK = 500


@dataclass(frozen=True)
class ListRequest:
    """What a list page (or its export) shows: view, search, filters, sort."""

    entity: Entity
    view: View | None
    search: str
    query: ListQuery
    filter_args: MultiDict

    @property
    def filters(self) -> tuple:
        return (self.view.filters if self.view else ()) + self.query.filters

    @property
    def sort(self) -> tuple[str, ...]:
        if self.query.sort:
            return self.query.sort
        if self.view and self.view.sort:
            return self.view.sort
        return self.entity.sort


def views_for(entity: Entity) -> list[View]:
    return [
        view
        for view in runtime().definitions.views.values()
        if view.entity == entity.name
        and (
            not view.roles
            or set(view.roles) & set(g.user.roles)
            or "admin" in g.user.roles
        )
        and view.type in ("list", "kanban")
    ]


def read_list_request(entity: Entity) -> ListRequest:
    args = request.args
    view = None
    if args.get("view"):
        view = next((v for v in views_for(entity) if v.name == args["view"]), None)
        if view is None:
            raise PageProblem(
                404, _("There is no view '%(name)s' here.", name=args["view"])
            )
    filter_args = MultiDict(
        (name, value)
        for name, value in args.items(multi=True)
        if name not in PAGE_PARAMETERS and value.strip() != ""
    )
    wanted = list(filter_args.items(multi=True))
    if args.get("sort"):
        wanted.append(("sort", args["sort"]))
    try:
        query = parse_list_query(runtime().definitions, entity, wanted)
    except BadParameter as error:
        raise PageProblem(400, str(error)) from None
    return ListRequest(entity, view, args.get("q", "").strip(), query, filter_args)


@dataclass(frozen=True)
class Column:
    """A list column: a field of the entity, or of a record it refers to
    (`customer.email`)."""

    key: str
    field: Field
    label: str

    @property
    def path(self) -> list[str]:
        return self.key.split(".")

    @property
    def sortable(self) -> bool:
        return (
            "." not in self.key
            and self.field.stored
            and (self.field.type not in DOCUMENT_TYPES)
        )

    def value(self, record: dict):
        value = record
        for step in self.path:
            if isinstance(value, dict):
                value = value.get(step)
            else:
                return None
        if isinstance(value, dict):  # an expanded reference shows as itself
            return value.get("id")
        return value


def columns_of(entity: Entity, view: View | None) -> list[Column]:
    hidden = grant_of(entity).hidden
    if view and view.columns:
        names = list(view.columns)
    else:
        names = [
            name
            for name, field in entity.fields.items()
            if field.type not in ("table", "text", "json", "attachment")
            and is_shown(field, hidden)
        ][:DEFAULT_COLUMNS]
        title = entity.title_field
        if title and title in names:
            names.remove(title)
        if title:
            names.insert(0, title)
    columns = []
    for name in names:
        first, _dot, rest = name.partition(".")
        field = entity.fields.get(first)
        if field is None or not is_shown(field, hidden):
            continue
        label = field.label.get(language())
        if rest:
            target = runtime().definitions.entities.get(field.to or "")
            if target is None or rest not in target.fields:
                continue
            field = target.fields[rest]
            if not is_shown(field, grant_of(target).hidden):
                continue
            label = f"{label} · {field.label.get(language())}"
        columns.append(Column(name, field, label))
    return columns


def expansions(columns: list[Column]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(c.path[0] for c in columns if "." in c.key))


def fetch_page(
    listing: ListRequest, *, limit: int, cursor: str | None, expand: tuple = ()
):
    secret = current_app.config["SECRET_KEY"]
    opened = open_cursor(secret, listing.entity.name, cursor) if cursor else None
    try:
        page = runtime().records.list(
            listing.entity.name,
            filters=listing.filters,
            sort=listing.sort,
            limit=limit,
            cursor=opened,
            search=listing.search,
            expand=expand,
            actor=g.user,
        )
    except ListingError as error:
        raise PageProblem(400, str(error)) from None
    return page, sign_cursor(secret, listing.entity.name, page.next_cursor)


def filter_fields(columns: list[Column]) -> list[Field]:
    """Fields offered in the filter bar: the columns that can be filtered."""
    return [c.field for c in columns if c.sortable]


@blueprint.get("/<entity>/")
def list_records(entity: str):
    model = top_level(entity)
    grant = require(model, "read")
    try:
        listing = read_list_request(model)
    except BadParameter as error:
        raise PageProblem(400, str(error)) from None
    except PageProblem:
        raise
    view = listing.view
    limit = view.page_size if view else 50
    columns = columns_of(model, view)
    try:
        page, next_cursor = fetch_page(
            listing,
            limit=limit,
            cursor=request.args.get("cursor"),
            expand=expansions(columns),
        )
    except BadParameter as error:
        raise PageProblem(400, str(error)) from None
    titles = reference_titles(runtime(), model, page.records, g.user)
    kanban = (
        _kanban(model, view, page.records) if view and view.type == "kanban" else None
    )
    args_without_cursor = MultiDict(
        (k, v) for k, v in request.args.items(multi=True) if k != "cursor"
    )
    export_urls = {
        kind: url_for(
            "ui.export_records",
            entity=model.name,
            **{k: v for k, v in args_without_cursor.items() if k != "format"},
            format=kind,
        )
        for kind in ("csv", "xlsx")
    }
    return render_template(
        "ui/list.html",
        export_urls=export_urls,
        entity=model,
        views=views_for(model),
        view=view,
        listing=listing,
        page=page,
        next_cursor=next_cursor,
        columns=columns,
        filterable=filter_fields(columns),
        titles=titles,
        show=show,
        title_of=record_title,
        grant=grant,
        kanban=kanban,
        base_args=args_without_cursor,
        sort=listing.sort,
    )


def _kanban(entity: Entity, view: View, records: list[dict]):
    field = entity.fields.get(view.kanban_by or "")
    if field is None:
        return None
    lanes = [
        (option.value, option.label.get(language()), []) for option in field.options
    ]
    by_value = {value: cards for value, _label, cards in lanes}
    for record in records:
        by_value.setdefault(record.get(field.name), []).append(record)
    hidden = grant_of(entity).hidden
    card_fields = [
        entity.fields[n]
        for n in view.card
        if n in entity.fields and is_shown(entity.fields[n], hidden)
    ]
    return {"field": field, "lanes": lanes, "card_fields": card_fields}


@blueprint.post("/<entity>/bulk")
def bulk_action(entity: str):
    model = top_level(entity)
    action = request.form.get("action", "")
    ids = [int(i) for i in request.form.getlist("ids") if i.isdigit()][:MAX_BULK]
    back = request.form.get("back") or url_for("ui.list_records", entity=model.name)
    if not back.startswith("/") or back.startswith("//"):
        back = url_for("ui.list_records", entity=model.name)
    if not ids:
        flash(_("Select at least one record first."), "warning")
        return redirect(back)
    step = action.removeprefix("transition:")
    workflow = model.workflow
    if action == "delete":
        require(model, "delete")
    elif not (
        action.startswith("transition:") and workflow and step in workflow.transitions
    ):
        flash(_("There is no bulk action '%(action)s'.", action=action), "danger")
        return redirect(back)
    # All or nothing: one refusal leaves every selected record as it was.
    try:
        with runtime().records.transaction(g.user) as transaction:
            for record_id in ids:
                if action == "delete":
                    transaction.delete(model.name, record_id)
                else:
                    transaction.transition(model.name, record_id, step)
    except RecordError as error:
        flash(_("Nothing was changed: %(reason)s", reason=str(error)), "danger")
        return redirect(back)
    if action == "delete":
        flash(_("%(count)d records were deleted.", count=len(ids)), "success")
    else:
        flash(_("%(count)d records moved on.", count=len(ids)), "success")
    return redirect(back)
