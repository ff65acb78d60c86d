"""From a seed record as a pack writes it to the values the records service
takes: references found by their key (a user by e-mail), rows of tables
named by their parent record, values written as expressions evaluated, and
`created_at` given.

Expressions are evaluated at the moment of the load (`now()` is when the
records are loaded), so `placed_at: "=add_days(now(), -37)"` is 37 days
before the day the demo site is made, whenever that is. Each was checked
when the definitions were loaded (definitions.seed_values), once per shape
(expressions.shapes): evaluating it is a call of that shape's compiled
form with the expression's numbers.
"""

from __future__ import annotations

from sqlalchemy import and_, select

from officina.definitions.model import Entity, Seed
from officina.definitions.seed_values import CREATED_AT, is_expression
from officina.errors import OfficinaError
from officina.expressions import shapes
from officina.expressions.functions import MOMENT, RECORDS
from officina.records.coercion import coerce
from officina.records.service import Transaction
from officina.schema.tables import USERS


class SeedError(OfficinaError):
    """A seed record could not be written; nothing of the seed data was."""


class SeedValues:
    """Resolves seed records inside one load's transaction; the records a
    key names are looked up once per load."""

    def __init__(self, transaction: Transaction):
        self.transaction = transaction
        self.connection = transaction.connection
        self.definitions = transaction.definitions
        self.found: dict[tuple, int | None] = {}
        # E-mails of users named by the records and not found: their
        # fields are left empty (users are the site's, not the pack's).
        self.users_missing: list[str] = []

    def of(
        self, seed: Seed, entity: Entity, record, *, expressions: bool = True
    ) -> tuple[dict, str | None, object]:
        """(values, the workflow state given, the `created_at` given). Without
        `expressions` the values written as expressions are left out (a
        record loaded before keeps what they gave then)."""
        values: dict = {}
        state = created_at = None
        for name, value in record.items():
            item = entity.fields.get(name)
            if not expressions and is_expression(value):
                continue
            if item is None and name == CREATED_AT:
                created_at = self.evaluated(seed, value, record, name)
            elif entity.workflow and name == entity.workflow.field:
                state = value
            elif item.type == "reference" and value is not None:
                values[name] = self.reference(item.to, value, record, name)
            elif item.type == "table":
                child = self.definitions.entities[item.of]
                values[name] = [
                    self.of(seed, child, row, expressions=expressions)[0]
                    for row in value or ()
                ]
            else:
                values[name] = self.evaluated(seed, value, record, name)
        return values, state, created_at

    def evaluated(self, seed: Seed, value, record, name: str):
        """A value as written, an expression's value, or the text after '='."""
        if not is_expression(value):
            return (
                value[1:]
                if isinstance(value, str) and value[:1] == "="
                else plain(value)
            )
        form, numbers = shapes.shape(value[1:].strip())
        expression = seed.expressions.get(form)
        if expression is None:
            raise SeedError(
                f"{where(record, name)}: the expression '{value}' was not checked "
                "with the definitions. Hint: run 'officina validate'."
            )
        context = {
            **shapes.variables(numbers),
            MOMENT: self.transaction.moment,
            RECORDS: self.transaction.cache,
        }
        try:
            return expression.evaluate(context)
        except Exception as error:  # noqa: BLE001 - reported, never a traceback
            raise SeedError(
                f"{where(record, name)}: '{value}' cannot be evaluated: {error}. "
                "Hint: correct the expression in the pack's seed file."
            ) from None

    def reference(self, target: str, value, record, name: str) -> int | None:
        """The id of the record (or row of a table) `value` names; a user
        by e-mail, None if the site has no such user."""
        if isinstance(value, dict):
            return self._row(target, value, record, name)
        if target == "user":
            return self.user(str(value))
        key = (target, str(value))
        # A record not found yet may be loaded later in the same load.
        if self.found.get(key) is None:
            self.found[key] = self._find(target, value)
        if self.found[key] is None:
            fields = ", ".join(key_fields(self.definitions, target)) or "none"
            raise SeedError(
                f"{where(record, name)}: '{name}' names '{value}', but there is no "
                f"{target} with that key ({fields}). Hint: name a record of the seed "
                f"data of '{target}' (loaded first) or one already in the database."
            )
        return self.found[key]

    def user(self, email: str) -> int | None:
        """The id of the user with the e-mail `email`; None (and noted in
        `users_missing`) when there is none."""
        email = email.strip().lower()
        key = ("user", email)
        if key not in self.found:
            users = self.transaction.schema.metadata.tables[USERS]
            self.found[key] = self.connection.execute(
                select(users.c.id).where(users.c.email == email).limit(1)
            ).scalar()
        if self.found[key] is None and email not in self.users_missing:
            self.users_missing.append(email)
        return self.found[key]

    def _find(self, target: str, value) -> int | None:
        entity = self.definitions.entities.get(target)
        if entity is None:
            return None
        rows = self.transaction.schema.table(target)
        for name in key_fields(self.definitions, target):
            try:
                wanted = coerce(entity.fields[name], value)
            except ValueError:
                continue
            found = self.connection.execute(
                select(rows.c.id).where(rows.c[name] == wanted).limit(1)
            ).scalar()
            if found is not None:
                return found
        return None

    def _row(self, target: str, value: dict, record, name: str) -> int:
        """A row of a table: `{order: DEMO-1001, product: PH-X200}` is the
        row of order DEMO-1001 whose product is PH-X200."""
        child = self.definitions.entities[target]
        key = (target, tuple(sorted((k, str(v)) for k, v in value.items())))
        if key in self.found and self.found[key] is not None:
            return self.found[key]
        parent = self.reference(child.parent, value.get(child.parent), record, name)
        rows = self.transaction.schema.table(target)
        conditions = [rows.c.parent_id == parent]
        for field_name, wanted in value.items():
            if field_name == child.parent:
                continue
            item = child.fields[field_name]
            if item.type == "reference":
                wanted = self.reference(item.to, wanted, record, name)
            conditions.append(rows.c[field_name] == coerce(item, wanted))
        found = self.connection.execute(
            select(rows.c.id).where(and_(*conditions)).limit(2)
        ).all()
        if len(found) != 1:
            shown = ", ".join(f"{k}: {v}" for k, v in value.items())
            raise SeedError(
                f"{where(record, name)}: '{name}' names the row {{{shown}}}, but "
                f"{child.parent} {value.get(child.parent)} has "
                f"{'no such row' if not found else 'several such rows'}. Hint: give "
                "values of the row that tell it apart from the others."
            )
        self.found[key] = found[0][0]
        return self.found[key]


def key_fields(definitions, entity_name: str) -> list[str]:
    """The fields a seed value may name a record of `entity_name` by: its
    seed documents' key, then its other unique fields."""
    entity = definitions.entities.get(entity_name)
    if entity is None:
        return []
    names = [
        seed.key[0]
        for seed in definitions.seeds
        if seed.entity == entity_name and len(seed.key) == 1
    ]
    names += [name for name, item in entity.fields.items() if item.unique]
    return list(dict.fromkeys(names))


def plain(value):
    """A value read from YAML as plain Python (dicts, lists, scalars)."""
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    return value


def where(record, name: str | None = None) -> str:
    """The file, line and column of a seed record (or of one of its values)."""
    try:
        return str(record.value_at(name) if name else record.location)
    except (AttributeError, KeyError):
        return "seed data"
