"""Pages of a fixed size for the growing lists of the admin and automation
pages (the inbox, the outbox, a rule's run log), newest first.

Keyset paging on the id: `?before=ID` shows the page of older rows,
`?after=ID` the page of newer ones. Each page reads one row more than it
shows to know whether another follows, so no page counts the whole table,
and a row added meanwhile never shifts a page.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import request

PAGE = 50


@dataclass(frozen=True)
class Page:
    rows: list
    newer: int | None  # for the "previous page" link (?after=), if any
    older: int | None  # for the "next page" link (?before=), if any


def _position(name: str) -> int | None:
    value = request.args.get(name, type=int)
    return value if value is not None and value > 0 else None


def newest_first(connection, query, id_column, *, size: int = PAGE) -> Page:
    """The page of `query`'s rows (mappings) that the request's `before` or
    `after` asks for, newest first."""
    after = _position("after")
    before = None if after is not None else _position("before")
    if after is not None:
        rows = _rows(connection, query.where(id_column > after), id_column.asc(), size)
        more_newer = len(rows) > size
        rows = rows[:size][::-1]
        return Page(
            rows,
            newer=rows[0]["id"] if more_newer and rows else None,
            older=rows[-1]["id"] if rows else None,
        )
    if before is not None:
        query = query.where(id_column < before)
    rows = _rows(connection, query, id_column.desc(), size)
    more_older = len(rows) > size
    rows = rows[:size]
    return Page(
        rows,
        newer=rows[0]["id"] if before is not None and rows else None,
        older=rows[-1]["id"] if more_older else None,
    )


def _rows(connection, query, order, size: int) -> list:
    return connection.execute(query.order_by(order).limit(size + 1)).mappings().all()
