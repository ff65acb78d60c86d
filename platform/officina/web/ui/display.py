"""Field values as people read them: choice labels, reference titles,
amounts, dates and stars, in the page's language.

Everything returned here is plain text or `Markup` built from escaped
parts: a value can never inject HTML into a page.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from decimal import Decimal

from flask_babel import format_currency, format_decimal
from markupsafe import Markup, escape

from officina.definitions.model import Entity, Field, Filter
from officina.records.errors import PermissionDenied
from officina.records.listing import MAX_LIMIT
from officina.web.ui.child_references import child_titles

_BADGE_COLOURS = {
    "blue": "primary",
    "indigo": "primary",
    "green": "success",
    "red": "danger",
    "orange": "warning",
    "yellow": "warning",
    "gray": "secondary",
    "grey": "secondary",
    "teal": "info",
    "cyan": "info",
    "purple": "dark",
    "black": "dark",
}


def record_title(entity: Entity, record: dict) -> str:
    """What a record is called: its title field, number, or id."""
    for name in (entity.title_field, "number", "name", "title"):
        if name and record.get(name) not in (None, ""):
            return str(record[name])
    for name, field in entity.fields.items():
        if field.type == "string" and record.get(name):
            return str(record[name])
    return f"#{record.get('id')}"


def reference_titles(runtime, entity: Entity, records: list[dict], actor) -> dict:
    """{(referenced entity, id): title} for every reference in `records`,
    one query per referenced entity, through the records service: a record
    the user may not read shows as its number only."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for name, field in entity.fields.items():
        if field.type == "reference" and field.to != "user":
            for record in records:
                value = record.get(name)
                if isinstance(value, dict):  # expanded
                    value = value.get("id")
                if value is not None:
                    wanted[field.to].add(value)
    return titles_of(runtime, wanted, actor)


def titles_of(runtime, wanted: dict[str, set], actor) -> dict:
    """{(entity, id): title} of the records `wanted` names ({entity: ids}),
    as `actor` may read them: one query per entity and page of ids."""
    titles: dict = {}
    for target, ids in wanted.items():
        model = runtime.definitions.entities[target]
        if model.is_child:  # an address of a customer, a line of an order
            found = child_titles(runtime, model, ids, actor)
            titles.update(((target, id_), title) for id_, title in found.items())
            continue
        ordered = sorted(ids)
        for start in range(0, len(ordered), MAX_LIMIT):
            chunk = tuple(ordered[start : start + MAX_LIMIT])
            try:
                page = runtime.records.list(
                    target,
                    filters=[Filter(("id",), "in", chunk)],
                    limit=len(chunk),
                    actor=actor,
                )
            except PermissionDenied:
                break
            for row in page.records:
                titles[target, row["id"]] = record_title(model, row)
    return titles


def show(
    field: Field, value, language: str, titles: dict | None = None, base: str = ""
):
    """`value` of `field` for a page (escaped text or safe Markup)."""
    if value is None or value == "" or value == []:
        return Markup('<span class="text-body-tertiary">—</span>')
    kind = field.type
    if kind == "choice":
        return _badge(field, value, language)
    if kind == "multi_choice":
        return Markup(" ").join(_badge(field, item, language) for item in value)
    if kind == "boolean":
        icon = "check-lg text-success" if value else "x-lg text-body-tertiary"
        return Markup(f'<i class="bi bi-{icon}" aria-label="{bool(value)}"></i>')
    if kind == "reference":
        title = (titles or {}).get((field.to, value))
        text = escape(title) if title is not None else escape(f"#{value}")
        if field.to == "user":
            return text
        href = getattr(title, "href", None) or f"/{field.to}/{int(value)}"
        return Markup(f'<a href="{escape(href)}">{text}</a>')
    if kind == "money" and isinstance(value, Decimal | int):
        if field.currency:
            return escape(format_currency(value, field.currency))
        return escape(format_decimal(value, format="#,##0.00"))
    if kind in ("decimal", "percent") and isinstance(value, Decimal | int):
        text = escape(format_decimal(value))
        return text + ("%" if kind == "percent" else "")
    if kind == "rating":
        top = int(field.max or 5)
        stars = "★" * int(value) + "☆" * max(0, top - int(value))
        return Markup(f'<span class="rating" title="{int(value)}/{top}">{stars}</span>')
    if kind == "datetime" and isinstance(value, dt.datetime):
        return escape(value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"))
    if kind == "time" and isinstance(value, dt.time):
        return escape(value.strftime("%H:%M"))
    if kind == "json":
        text = json.dumps(value, ensure_ascii=False, indent=2)
        return Markup(f"<pre class='mb-0 small'>{escape(text)}</pre>")
    if kind == "url":
        return Markup(
            f'<a href="{escape(value)}" rel="noopener noreferrer nofollow" '
            f'target="_blank">{escape(value)}</a>'
        )
    if kind == "email":
        return Markup(f'<a href="mailto:{escape(value)}">{escape(value)}</a>')
    if kind == "attachment":
        files = value if isinstance(value, list) else [value]
        links = [
            Markup('<a href="{}" class="attachment-link">{}</a>').format(
                f"{base}/files/{field.name}/{item.get('key')}" if base else "#",
                item.get("name", "?"),
            )
            for item in files
            if isinstance(item, dict)
        ]
        return Markup(", ").join(links)
    if kind == "text":
        return Markup("<span class='text-prewrap'>") + escape(value) + Markup("</span>")
    return escape(str(value))


def _badge(field: Field, value, language: str) -> Markup:
    for option in field.options:
        if option.value == value:
            colour = _BADGE_COLOURS.get(option.color or "", "secondary")
            return Markup(
                f'<span class="badge text-bg-{colour}" data-value="{escape(value)}">'
                f"{escape(option.label.get(language))}</span>"
            )
    return escape(str(value))


def plain(field: Field, value, language: str, titles: dict | None = None):
    """`value` as text for a file (CSV, spreadsheet)."""
    if value is None:
        return None
    kind = field.type
    if kind == "choice":
        return next(
            (o.label.get(language) for o in field.options if o.value == value), value
        )
    if kind == "multi_choice":
        return ", ".join(str(plain_option(field, item, language)) for item in value)
    if kind == "reference":
        return (titles or {}).get((field.to, value), value)
    if kind == "json":
        return json.dumps(value, ensure_ascii=False)
    if kind == "attachment":
        files = value if isinstance(value, list) else [value]
        return ", ".join(str(item.get("name", "?")) for item in files)
    if kind == "datetime" and isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def plain_option(field: Field, value, language: str):
    return next(
        (o.label.get(language) for o in field.options if o.value == value), value
    )
