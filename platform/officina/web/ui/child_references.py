"""References to child rows (an address of a customer, a line of an order):
their titles on pages, and the rows a reference picker offers.

Child rows have no list of their own: the records service lists top-level
records only. A row is shown to whoever may read its parent record, so the
rows are read from their table within their parent's row filters (the
records service's row condition) and titled with the parents the records
service lets the user read. A row's title names its parent too ("Li Lei ·
100 Century Avenue"), since rows of different parents often look alike; a
picker finds rows by their own search fields (else their title field) or
by their parent's title."""

from __future__ import annotations

from sqlalchemy import false, or_, select

from officina.definitions.model import Entity, Filter
from officina.records.errors import PermissionDenied

TEXT_TYPES = ("string", "text", "email", "phone", "url")
LARGEST_ID = 2**63 - 1


class RowTitle(str):
    """A child row's title, with the address of its parent's page (the row
    has no page of its own)."""

    href: str

    def __new__(cls, text: str, href: str):
        title = super().__new__(cls, text)
        title.href = href
        return title


def child_titles(runtime, target: Entity, ids, actor) -> dict[int, str]:
    """{id: title} of the rows `ids` of the child entity `target` whose
    parent record `actor` may read."""
    table = runtime.schema.table(target.name)
    with runtime.engine.connect() as connection:
        rows = connection.execute(
            select(table).where(table.c.id.in_(sorted(ids)))
        ).mappings()
        rows = [dict(row) for row in rows]
    return _titled(runtime, target, rows, actor)


def child_choices(runtime, target: Entity, text: str, actor, limit: int) -> list:
    """[(id, title)] of up to `limit` rows of the child entity `target` that
    match `text`, newest first, among those whose parent `actor` may read."""
    parent_model = runtime.definitions.entities[target.parent]
    table = runtime.schema.table(target.name)
    parent = runtime.schema.table(parent_model.name)
    query = select(table).join(parent, table.c.parent_id == parent.c.id)
    if text:
        matches = [
            column.icontains(text, autoescape=True)
            for column in _searched(target, table) + _searched(parent_model, parent)
        ]
        if text.isdigit() and int(text) <= LARGEST_ID:
            matches.append(table.c.id == int(text))
        query = query.where(or_(*matches) if matches else false())
    readable = runtime.records.row_condition(actor, target)
    if readable is not None:  # the rows of the parents the user may read
        query = query.where(readable)
    query = query.order_by(table.c.id.desc()).limit(limit)
    with runtime.engine.connect() as connection:
        rows = [dict(row) for row in connection.execute(query).mappings()]
    titles = _titled(runtime, target, rows, actor)
    return [(row["id"], titles[row["id"]]) for row in rows if row["id"] in titles]


def _searched(entity: Entity, table) -> list:
    """The text columns a picker's words are looked for in."""
    names = entity.search or tuple(
        name for name in (entity.title_field, "number", "name") if name
    )
    return [
        table.c[name]
        for name in names
        if name in entity.fields
        and entity.fields[name].type in TEXT_TYPES
        and name in table.c
    ]


def _titled(runtime, target: Entity, rows: list[dict], actor) -> dict[int, str]:
    # Imported here: the display module uses this one for reference titles.
    from officina.web.ui.display import record_title

    parent_model = runtime.definitions.entities[target.parent]
    parent_ids = {row["parent_id"] for row in rows}
    if not parent_ids:
        return {}
    try:
        page = runtime.records.list(
            parent_model.name,
            filters=[Filter(("id",), "in", tuple(sorted(parent_ids)))],
            limit=len(parent_ids),
            actor=actor,
        )
    except PermissionDenied:
        return {}
    parents = {found["id"]: record_title(parent_model, found) for found in page.records}
    return {
        row["id"]: RowTitle(
            f"{parents[row['parent_id']]} · {record_title(target, row)}",
            f"/{parent_model.name}/{int(row['parent_id'])}",
        )
        for row in rows
        if row["parent_id"] in parents
    }
