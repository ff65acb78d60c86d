"""Form classes built at run time from the definitions.

Each (entity, layout, roles) gets one WTForms class, built on first use and
kept in the runtime's memo, so it lives exactly as long as the definitions
it was built from. Fields hold the text as typed: the records service does
the converting and checking (the same for every channel), and its problems
come back next to the fields and rows they are about.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms import widgets as html

from officina.auth.permissions import Grant
from officina.definitions.model import Entity, Field, Label, Section, Tab
from officina.definitions.model import Form as Layout
from officina.records.errors import Problems
from officina.web.ui.other_fields import with_other_fields
from officina.web.ui.shown_fields import is_shown, shown_layout

# Entity fields are attributes `f_<name>` of the form class (so a field
# called `data` or `validate` cannot shadow WTForms' own), with their plain
# name in the HTML.
PREFIX = "f_"
_INPUTS = {
    "email": html.EmailInput,
    "phone": html.TelInput,
    "url": html.URLInput,
    "date": html.DateInput,
    "datetime": html.DateTimeLocalInput,
    "time": html.TimeInput,
}


@dataclass(frozen=True)
class PlacedField:
    """A field as one form shows it."""

    field: Field
    editable: bool


@dataclass(frozen=True)
class CompiledForm:
    entity: Entity
    layout: Layout
    form_class: type
    fields: dict  # name -> PlacedField, in page order
    rows: dict  # table field -> {child field name: PlacedField}

    def placed(self, name: str) -> PlacedField | None:
        return self.fields.get(name)

    @property
    def editable(self) -> list[str]:
        return [name for name, placed in self.fields.items() if placed.editable]


def choose_layout(entity: Entity, roles: tuple[str, ...], state: str | None) -> Layout:
    """The entity's form for these roles in this state: the most specific
    declared one that applies, else every field in one section."""
    best, best_score = None, -1
    for form in entity.forms.values():
        if form.roles and not set(form.roles) & set(roles):
            continue
        if form.states and state not in form.states:
            continue
        score = (2 if form.states else 0) + (1 if form.roles else 0)
        if score > best_score:
            best, best_score = form, score
    if best is not None:
        return best
    names = tuple(
        name
        for name, field in entity.fields.items()
        if not (entity.workflow and name == entity.workflow.field)
    )
    section = Section(label=Label(()), fields=names)
    return Layout(name="", label=entity.label, tabs=(Tab(Label(()), (section,)),))


def compile_form(
    runtime, entity: Entity, roles: tuple[str, ...], grant: Grant, state=None
) -> CompiledForm:
    layout = choose_layout(entity, roles, state)
    key = ("form", entity.name, layout.name, roles)
    if key not in runtime.memo:
        runtime.memo[key] = _build(runtime.definitions, entity, layout, grant)
    return runtime.memo[key]


def _editable(entity: Entity, field: Field, grant: Grant) -> bool:
    return not (
        field.system
        or field.formula is not None
        or field.type == "autonumber"
        or field.read_only
        or field.name in grant.read_only
        or (entity.workflow is not None and field.name == entity.workflow.field)
    )


def _build(definitions, entity: Entity, layout: Layout, grant: Grant) -> CompiledForm:
    layout = shown_layout(with_other_fields(layout, grant.hidden), entity, grant.hidden)
    placed: dict[str, PlacedField] = {}
    rows: dict[str, dict[str, PlacedField]] = {}
    attributes: dict = {}
    for name in layout.fields:
        field = entity.fields.get(name)
        if field is None:
            continue
        editable = _editable(entity, field, grant)
        placed[name] = PlacedField(field, editable)
        if field.type == "table":
            child = definitions.entities[field.of]
            row_fields = {
                child_name: PlacedField(
                    child_field, editable and _editable(child, child_field, grant)
                )
                for child_name, child_field in child.fields.items()
                # Roles hide fields of the parent record, not of its rows.
                if not child_field.system and is_shown(child_field)
            }
            rows[name] = row_fields
            row_attributes = {"id": HiddenField()}
            for child_name, row_placed in row_fields.items():
                row_attributes[PREFIX + child_name] = _wtforms_field(
                    row_placed.field, row_placed.editable
                )
            row_class = type(f"{child.name}_row", (Form,), row_attributes)
            attributes[PREFIX + name] = FieldList(
                FormField(row_class), name=name, min_entries=0
            )
        else:
            attributes[PREFIX + name] = _wtforms_field(field, editable)
    attributes["version"] = HiddenField()
    form_class = type(f"{entity.name}_form", (FlaskForm,), attributes)
    return CompiledForm(entity, layout, form_class, placed, rows)


def _wtforms_field(field: Field, editable: bool):
    """The WTForms field of one entity field; its value is the typed text."""
    keywords: dict = {"name": field.name, "render_kw": _attributes(field, editable)}
    kind = field.type
    if kind == "boolean":
        return BooleanField(**keywords)
    if kind in ("text", "json"):
        return TextAreaField(**keywords)
    if kind == "choice":
        return SelectField(choices=[], validate_choice=False, **keywords)
    if kind == "multi_choice":
        return SelectMultipleField(
            choices=[],
            validate_choice=False,
            widget=html.ListWidget(prefix_label=False),
            option_widget=html.CheckboxInput(),
            **keywords,
        )
    if kind in ("integer", "decimal", "money", "percent", "rating"):
        return StringField(widget=html.NumberInput(step=_step(field)), **keywords)
    if kind in _INPUTS:
        return StringField(widget=_INPUTS[kind](), **keywords)
    return StringField(**keywords)


def _step(field: Field) -> str:
    if field.type in ("integer", "rating"):
        return "1"
    scale = field.scale if field.scale is not None else 2
    if scale <= 0:
        return "1"
    return "0." + "0" * (scale - 1) + "1"


def _attributes(field: Field, editable: bool) -> dict:
    attributes: dict = {}
    if field.max_length and field.type in ("string", "email", "phone", "url"):
        attributes["maxlength"] = field.max_length
    for bound in ("min", "max"):
        value = getattr(field, bound)
        if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
            attributes[bound] = str(value)
    if field.type == "rating":
        attributes.setdefault("min", "0")
        attributes.setdefault("max", str(field.max or 5))
    if not editable:
        attributes["readonly"] = True
        attributes["tabindex"] = "-1"
    return attributes


# -- values in and out ---------------------------------------------------------


def form_text(field: Field, value):
    """A stored value as the text its input shows."""
    if value is None:
        return None
    if field.type == "json":
        return json.dumps(value, ensure_ascii=False, indent=2)
    if field.type == "datetime" and isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M")
    if field.type == "time" and isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if field.type in ("boolean", "multi_choice"):
        return value
    if isinstance(value, dt.date | Decimal | int):
        return str(value)
    return value


def initial_data(compiled: CompiledForm, record: dict) -> dict:
    """Form data (by attribute name) showing `record`."""
    data: dict = {"version": record.get("version")}
    for name, placed in compiled.fields.items():
        if placed.field.type == "table":
            data[PREFIX + name] = [
                {
                    "id": row.get("id"),
                    **{
                        PREFIX + child: form_text(p.field, row.get(child))
                        for child, p in compiled.rows[name].items()
                    },
                }
                for row in record.get(name) or []
            ]
        else:
            data[PREFIX + name] = form_text(placed.field, record.get(name))
    return data


def blank_row(compiled: CompiledForm, form, table: str, language: str):
    """An empty row form of `table`, numbered `__index__`, for the browser to
    copy when the user adds a row."""
    row_class = form[PREFIX + table].unbound_field.args[0]
    row = row_class(formdata=None, prefix=f"{table}-__index__-")
    for child, placed in compiled.rows[table].items():
        _set_choices(row[PREFIX + child], placed.field, language)
        default = placed.field.default
        if default is not None and not hasattr(default, "evaluate"):
            row[PREFIX + child].data = form_text(placed.field, default)
    return row


def fill_choices(compiled: CompiledForm, form, language: str) -> None:
    """Options of choice fields, labelled in the page's language."""
    for name, placed in compiled.fields.items():
        if placed.field.type == "table":
            for entry in form[PREFIX + name].entries:
                for child, row_placed in compiled.rows[name].items():
                    _set_choices(entry.form[PREFIX + child], row_placed.field, language)
            continue
        _set_choices(form[PREFIX + name], placed.field, language)


def _set_choices(bound, field: Field, language: str) -> None:
    if field.type not in ("choice", "multi_choice"):
        return
    options = [(str(o.value), o.label.get(language)) for o in field.options]
    bound.choices = options if field.type == "multi_choice" else [("", "")] + options


@dataclass
class Submission:
    """A submitted form read for the records service: its values, problems
    found before the service (text that is not JSON), and for each table
    which form row each submitted row came from (blank rows are left out)."""

    values: dict
    problems: Problems
    positions: dict


def submitted_values(
    compiled: CompiledForm, form, *, skip: set[str] = frozenset()
) -> Submission:
    values: dict = {}
    problems = Problems()
    positions: dict[str, list[int]] = {}
    for name, placed in compiled.fields.items():
        if not placed.editable or name in skip or placed.field.type == "attachment":
            continue  # (files arrive apart: see uploads.take_files)
        bound = form[PREFIX + name]
        if placed.field.type == "table":
            rows = []
            positions[name] = []
            for index, entry in enumerate(bound.entries):
                row: dict = {}
                raw_id = entry.form["id"].data
                row["id"] = int(raw_id) if raw_id and raw_id.isdigit() else None
                for child, row_placed in compiled.rows[name].items():
                    if not row_placed.editable:
                        continue
                    value, error = _value(
                        row_placed.field, entry.form[PREFIX + child].data
                    )
                    if error:
                        problems.add_row(name, len(rows), child, error)
                    row[child] = value
                if row["id"] is None:
                    if _untouched(compiled.rows[name], row):
                        continue  # a row added and left as it came
                    # Left empty in a new row: defaults and copies fill it.
                    row = {k: v for k, v in row.items() if v not in (None, "")}
                    row["id"] = None
                positions[name].append(index)
                rows.append(row)
            values[name] = rows
            continue
        value, error = _value(placed.field, bound.data)
        if error:
            problems.add(name, error)
        else:
            values[name] = value
    return Submission(values, problems, positions)


def _untouched(placed_fields: dict, row: dict) -> bool:
    for name, value in row.items():
        if name == "id":
            continue
        default = placed_fields[name].field.default
        shown = form_text(placed_fields[name].field, default)
        if value in (None, "", [], False) or (shown is not None and value == shown):
            continue
        return False
    return True


def _value(field: Field, data):
    if field.type == "json":
        if data is None or not str(data).strip():
            return None, None
        try:
            return json.loads(data), None
        except ValueError as error:
            return None, f"is not valid JSON ({error.msg} at line {error.lineno})"
    if field.type == "multi_choice":
        return list(data or []), None
    if field.type == "boolean":
        return bool(data), None
    return data, None


def attach_problems(
    compiled: CompiledForm, form, problems: Problems, positions: dict | None = None
) -> list[str]:
    """Put each problem next to its field or row; return the ones that have
    no place on this form (record-level, or about fields not shown)."""
    elsewhere = list(problems.record)
    for name, messages in problems.fields.items():
        placed = compiled.fields.get(name)
        if placed is None:
            field = compiled.entity.fields.get(name)
            label = field.label.get() if field else name
            elsewhere += [f"{label}: {message}" for message in messages]
            continue
        bound = form[PREFIX + name]
        bound.errors = list(bound.errors or []) + messages
    for table, rows in problems.rows.items():
        if table not in compiled.rows:
            elsewhere += [
                f"{table} {index + 1}: {message}"
                for index, row in rows.items()
                for messages in row.values()
                for message in messages
            ]
            continue
        entries = form[PREFIX + table].entries
        for submitted, row in rows.items():
            index = (positions or {}).get(table, range(len(entries)))
            index = index[submitted] if submitted < len(index) else len(entries)
            for child, messages in row.items():
                if index >= len(entries) or child not in compiled.rows[table]:
                    elsewhere += [f"{table} {index + 1}: {m}" for m in messages]
                    continue
                bound = entries[index].form[PREFIX + child]
                bound.errors = list(bound.errors or []) + messages
    return elsewhere
