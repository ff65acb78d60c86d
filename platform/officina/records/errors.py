"""What the records service refuses, in a shape forms and the API can show.

`RecordInvalid` carries every problem of one write at once: per field, per
child row and field, and for the record as a whole.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from officina.errors import OfficinaError


@dataclass
class Problems:
    """Collects problems of one record (and its child rows) during a write."""

    fields: dict[str, list[str]] = field(default_factory=dict)
    rows: dict[str, dict[int, dict[str, list[str]]]] = field(default_factory=dict)
    record: list[str] = field(default_factory=list)

    def add(self, name: str | None, message: str) -> None:
        if name is None:
            if message not in self.record:
                self.record.append(message)
            return
        messages = self.fields.setdefault(name, [])
        if message not in messages:
            messages.append(message)

    def add_row(self, table: str, index: int, name: str | None, message: str) -> None:
        row = self.rows.setdefault(table, {}).setdefault(index, {})
        messages = row.setdefault(name or "*", [])
        if message not in messages:
            messages.append(message)

    def __bool__(self) -> bool:
        return bool(self.fields or self.rows or self.record)

    def as_dict(self) -> dict:
        return {
            "fields": self.fields,
            "rows": {
                table: {str(index): problems for index, problems in rows.items()}
                for table, rows in self.rows.items()
            },
            "record": self.record,
        }

    def messages(self) -> list[str]:
        """Every problem as one line, for logs and the command line."""
        lines = [
            f"{name}: {message}"
            for name, messages in self.fields.items()
            for message in messages
        ]
        for table, rows in self.rows.items():
            for index, problems in rows.items():
                for name, messages in problems.items():
                    lines += [f"{table}[{index + 1}].{name}: {m}" for m in messages]
        return lines + list(self.record)


class RecordError(OfficinaError):
    """Base of the records service's refusals."""

    status = 400


class RecordInvalid(RecordError):
    """The values break the definitions; `problems` says every way they do."""

    status = 422

    def __init__(self, entity: str, problems: Problems):
        self.entity = entity
        self.problems = problems
        super().__init__(
            f"the {entity} cannot be saved: " + "; ".join(problems.messages())
        )


class RecordNotFound(RecordError):
    status = 404

    def __init__(self, entity: str, record_id):
        self.entity, self.record_id = entity, record_id
        super().__init__(f"there is no {entity} with id {record_id}")


class RecordConflict(RecordError):
    """An update based on a version that is no longer the current one."""

    status = 409

    def __init__(
        self,
        entity: str,
        record_id,
        expected: int,
        current: int,
        changed_by: str | None,
        changed_at,
    ):
        self.entity, self.record_id = entity, record_id
        self.expected, self.current = expected, current
        self.changed_by, self.changed_at = changed_by, changed_at
        who = changed_by or "someone else"
        when = f" at {changed_at:%Y-%m-%d %H:%M:%S} UTC" if changed_at else ""
        super().__init__(
            f"{entity} {record_id} was changed by {who}{when} after you opened it "
            f"(version {current}, yours is {expected}); nothing was overwritten. "
            "Reload it and make your change again."
        )


class PermissionDenied(RecordError):
    status = 403


class AdjustmentRefused(RecordError):
    """An atomic adjustment would pass its bound (e.g. stock below zero)."""

    status = 409
