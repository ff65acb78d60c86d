"""The vocabulary of the definition language: kinds, types, keys and words.

Both the JSON Schema (`schema_document`) and the semantic checks read these
tables, so a new field type or action is added in one place.
"""

from __future__ import annotations

# Top-level keys that say what a YAML document defines.
DOCUMENT_KINDS = (
    "entity", "extend", "role", "extend_role", "view", "report", "dashboard",
    "extend_dashboard", "seed",
)  # fmt: skip
# Kinds whose documents also carry an `entity:` key (the entity they show).
KINDS_WITH_ENTITY = ("view", "report")

FIELD_TYPES = (
    "string",
    "text",
    "integer",
    "decimal",
    "money",
    "percent",
    "boolean",
    "date",
    "datetime",
    "time",
    "email",
    "phone",
    "url",
    "choice",
    "multi_choice",
    "reference",
    "table",
    "autonumber",
    "attachment",
    "json",
    "rating",
)

# Which kind of value each field type holds, for the expression checker.
VALUE_KINDS = {
    "string": "text",
    "text": "text",
    "email": "text",
    "phone": "text",
    "url": "text",
    "choice": "text",
    "autonumber": "text",
    "integer": "number",
    "decimal": "number",
    "money": "number",
    "percent": "number",
    "rating": "number",
    "boolean": "boolean",
    "date": "date",
    "datetime": "datetime",
    "time": "time",
    "multi_choice": "list",
    "attachment": "file",
    "json": "any",
    "reference": "record",
    "table": "rows",
}

NUMERIC_TYPES = {"integer", "decimal", "money", "percent", "rating"}
TEXT_TYPES = {"string", "text", "email", "phone", "url"}
ORDERED_TYPES = NUMERIC_TYPES | {"date", "datetime", "time"}
# Types a formula may produce (it is stored in a column of that type).
FORMULA_TYPES = NUMERIC_TYPES | TEXT_TYPES | {"boolean", "date", "datetime", "time"}

# Field keys that only make sense for some types. Keys not listed apply to all.
KEYS_FOR_TYPES = {
    "max_length": TEXT_TYPES,
    "min_length": TEXT_TYPES | {"multi_choice"},
    "pattern": {"string", "phone", "email", "url"},
    "precision": {"decimal", "money", "percent"},
    "scale": {"decimal", "money", "percent"},
    "currency": {"money"},
    "min": ORDERED_TYPES,
    "max": ORDERED_TYPES,
    "options": {"choice", "multi_choice"},
    "to": {"reference"},
    "on_delete": {"reference"},
    "of": {"table"},
    "min_rows": {"table"},
    "max_rows": {"table"},
    "format": {"autonumber"},
    "max_size": {"attachment"},
    "accept": {"attachment"},
    "multiple": {"attachment"},
    "formula": FORMULA_TYPES,
    "filter": {"reference"},
    "copy_from": FORMULA_TYPES | {"reference", "choice", "json"},
}

FIELD_KEYS = (
    "type",
    "label",
    "help",
    "placeholder",
    "required",
    "unique",
    "index",
    "default",
    "min",
    "max",
    "min_length",
    "max_length",
    "pattern",
    "read_only",
    "hidden",
    "visible_when",
    "required_when",
    "readonly_when",
    "copy_from",
    "renamed_from",
    "precision",
    "scale",
    "currency",
    "options",
    "to",
    "on_delete",
    "of",
    "min_rows",
    "max_rows",
    "formula",
    "filter",
    "format",
    "max_size",
    "accept",
    "multiple",
)

# Field keys a site may change on a pack's field through `extend`.
EXTENDABLE_FIELD_KEYS = (
    "label",
    "help",
    "placeholder",
    "required",
    "hidden",
    "read_only",
    "default",
    "visible_when",
    "required_when",
    "readonly_when",
    "min",
    "max",
    "min_length",
    "max_length",
    "filter",
)

ON_DELETE = ("restrict", "cascade", "set_null")

# Columns every table has; names users may not take for their own fields.
SYSTEM_FIELDS = {
    "id": "integer",
    "created_at": "datetime",
    "created_by": "reference",
    "updated_at": "datetime",
    "updated_by": "reference",
    "version": "integer",
}
CHILD_SYSTEM_FIELDS = ("parent_id", "row_order")

# Words the expression language uses itself; a field by that name could never
# be referred to, so it is refused.
EXPRESSION_WORDS = {
    "and", "or", "not", "in", "is", "if", "else", "elif", "true", "false",
    "none", "True", "False", "None", "for", "recursive", "loop", "self",
    "old", "user", "parent", "row", "record", "now", "today", "with",
    "without", "context", "import", "from", "as", "block", "endif", "set",
}  # fmt: skip

# Entity names the engine keeps for its own tables.
# Also the first segment of the UI's own pages, which an entity's list would
# otherwise hide behind (/reports/, /inbox, /admin/...).
RESERVED_ENTITIES = {
    "user", "role", "file", "job", "audit", "officina",
    "reports", "dashboards", "inbox", "admin", "api", "static",
}  # fmt: skip

CHOICE_COLORS = (
    "gray", "red", "orange", "yellow", "green", "teal", "blue", "indigo",
    "purple", "pink", "brown", "black",
)  # fmt: skip

# Rule triggers: plain words, and one-key mappings.
TRIGGER_WORDS = ("created", "updated", "saved", "deleted")
TRIGGER_KEYS = ("changed", "transition", "entered", "schedule", "every", "threshold")

ACTIONS = (
    "set",
    "create",
    "update",
    "adjust",
    "transition",
    "send_email",
    "notify",
    "webhook",
    "call",
    "for_each",
    "attempt",
)
# Keys an action item may carry beside its action key.
ACTION_MODIFIERS = ("when", "label")

PERMISSION_ACTIONS = ("create", "read", "update", "delete", "import", "export")
FIELD_ACCESS = ("hidden", "read_only")
BUILTIN_ROLES = ("admin", "everyone")

VIEW_TYPES = ("list", "kanban", "calendar")
CHART_TYPES = ("table", "number", "bar", "line", "area", "pie")
MEASURES = ("count", "sum", "avg", "min", "max", "percent")
DATE_BUCKETS = ("day", "week", "month", "quarter", "year")

FILTER_OPERATORS = {
    "eq": None,
    "ne": None,
    "in": None,
    "not_in": None,
    "gt": ORDERED_TYPES,
    "gte": ORDERED_TYPES,
    "lt": ORDERED_TYPES,
    "lte": ORDERED_TYPES,
    "between": ORDERED_TYPES,
    "contains": TEXT_TYPES | {"text", "multi_choice", "json"},
    "starts_with": TEXT_TYPES | {"autonumber"},
    "empty": None,
    "within": {"date", "datetime"},
}
RELATIVE_PERIODS = (
    "today",
    "yesterday",
    "tomorrow",
    "this_week",
    "last_week",
    "this_month",
    "last_month",
    "this_quarter",
    "this_year",
    "last_year",
    "last_7_days",
    "last_30_days",
    "last_90_days",
    "next_7_days",
    "next_30_days",
)

LANGUAGES_PATTERN = r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$"
NAME_PATTERN = r"^[a-z][a-z0-9_]*$"
NAME_MAX_LENGTH = 40
