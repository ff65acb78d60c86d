"""The fields a form was written without, shown after its own sections.

A pack's form cannot place the fields other packs (or the site) add to its
entity later. Rather than leave them off the page, the form shows those the
reader may see in a trailing section, "More" (a tab of its own when the
form has tabs).
"""

from __future__ import annotations

from dataclasses import replace

# Lazy: the layout is built once and shown in each reader's language.
from flask_babel import lazy_gettext as _

from officina.definitions.model import Form, Label, Section, Tab


def with_other_fields(layout: Form, hidden) -> Form:
    """`layout` with its other fields (those not in `hidden`) at the end."""
    names = tuple(name for name in layout.other_fields if name not in hidden)
    if not names:
        return layout
    title = Label((("", _("More")),))
    if len(layout.tabs) > 1:
        section = Section(label=Label(()), fields=names, columns=2)
        return replace(layout, tabs=(*layout.tabs, Tab(title, (section,))))
    section = Section(label=title, fields=names, columns=2)
    tabs = layout.tabs or (Tab(Label(()), ()),)
    last = tabs[-1]
    tabs = (*tabs[:-1], replace(last, sections=(*last.sections, section)))
    return replace(layout, tabs=tabs)
