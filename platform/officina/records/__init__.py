"""The records service: the one write path for every channel (DESIGN rule 3).

May import: SQLAlchemy, officina.definitions, officina.expressions,
officina.schema, officina.errors. Never Flask or WTForms.
"""

from officina.records.errors import (
    AdjustmentRefused,
    PermissionDenied,
    RecordConflict,
    RecordError,
    RecordInvalid,
    RecordNotFound,
)
from officina.records.service import SYSTEM, Actor, Hooks, RecordsService

__all__ = [
    "SYSTEM",
    "Actor",
    "AdjustmentRefused",
    "Hooks",
    "PermissionDenied",
    "RecordConflict",
    "RecordError",
    "RecordInvalid",
    "RecordNotFound",
    "RecordsService",
]
