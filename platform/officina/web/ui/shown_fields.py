"""Which fields the pages show a reader: one rule for every page.

A field declared `hidden: true` is kept by rules and formulas but never
shown: not on record pages, forms (declared ones and the default one),
child-row tables, list columns, kanban cards, exports or a record's history,
and a record page does not list the records pointing at it through such a
field. Neither is a field hidden from the reader's roles. The JSON API is not a
page: it returns every field the reader's roles may read.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace

from officina.definitions.model import Entity, Field, Form


def is_shown(field: Field, hidden_from_reader: Collection[str] = ()) -> bool:
    """Whether pages show `field` to a reader whose roles hide the fields
    named in `hidden_from_reader`."""
    return not field.hidden and field.name not in hidden_from_reader


def shown_layout(
    layout: Form, entity: Entity, hidden_from_reader: Collection[str]
) -> Form:
    """`layout` holding only the fields it shows this reader. A section
    left without any of its fields goes (rather than stand empty on the
    page), and so does a tab left without sections."""
    tabs = []
    for tab in layout.tabs:
        sections = []
        for section in tab.sections:
            names = tuple(
                name
                for name in section.fields
                if name in entity.fields
                and is_shown(entity.fields[name], hidden_from_reader)
            )
            if section.fields and not names:
                continue
            sections.append(replace(section, fields=names))
        if tab.sections and not sections:
            continue
        tabs.append(replace(tab, sections=tuple(sections)))
    return replace(layout, tabs=tuple(tabs))
