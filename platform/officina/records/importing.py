"""Import of records from CSV and XLSX files, through the records service.

The steps, for the web UI and the command line alike:

1. `open_sheet(path, name)` reads a file as a header and rows, streaming:
   CSV in UTF-8 (with or without BOM; `,` `;` or tab, found with
   csv.Sniffer, else comma) or XLSX (its first sheet, read only: dates and
   numbers arrive as such). Files that are empty, not CSV/XLSX, or whose
   header row has an empty or repeated name are refused with
   `ImportProblem`, one clear message.
2. `suggest_mapping` matches column names to field names and labels in
   every language (ignoring case, spaces, `_` and `-`); the user may change
   it; `Importer` refuses a mapping that names a field twice, or leaves a
   required field (without default) unmapped.
3. `Importer.preview` converts and validates the first rows with the real
   records service inside a transaction that is then rolled back (one
   savepoint per row): every row's problems, nothing written.
4. `Importer.run` imports the file, in one of two modes:
   - `all`: all or nothing. First every row is checked, batch by batch,
     each batch in a transaction that is rolled back (short write locks;
     progress visible). Any problem: nothing is written and every problem
     is reported with its row and column. Else every row is written in
     *one* transaction, committed at the end.
   - `valid`: rows that pass are written, in batches of `BATCH` rows each
     committed with the progress; a row that fails is rolled back to its
     own savepoint and goes to the error report (the row's cells and a
     `problems` column).
   With `key_field` (a unique field), a row whose key matches a record
   updates it; the others create records. A key found twice in the file is
   a problem of the second row. References may be given as the id or as the
   referenced record's title or a unique value (a customer's name), found
   with one query per batch and lookup field; choices as their value or
   their label in any language. An empty cell leaves the field as it is (a
   new record gets its default).
5. `run_import(runtime, import_id)` runs an import kept in the
   `officina_import` table: it claims the row (`pending` -> running) with a
   conditional UPDATE, so that several processes may look for work and only
   one runs each import; writes the progress (processed, created, updated,
   failed) every `BATCH` rows, where any process can read it; and records
   the outcome (`done` or `failed`, a message, the first problems and the
   key of the error report in the site's file store).

The web UI starts `run_import` in a daemon thread of its own (with its own
database connections from the engine's pool) and the page polls the row.
A future `officina worker` needs nothing else: loop over
`pending_imports(runtime)` and call `run_import(runtime, id)` for each; the
claim makes concurrent workers safe. (On SQLite the one transaction of an
`all` import holds the write lock, so during its writing phase progress
cannot be written: the page shows that phase without numbers.)

Every write goes through the records service (permissions, defaults,
formulas, validation, audit, rules); nothing here writes an entity table.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import logging
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from officina.definitions.model import Entity, Field, Filter
from officina.errors import OfficinaError
from officina.records.coercion import coerce, is_empty
from officina.records.errors import (
    PermissionDenied,
    RecordError,
    RecordInvalid,
)
from officina.records.service import SYSTEM, Actor
from officina.schema.tables import IMPORTS

log = logging.getLogger(__name__)

MAX_FILE_SIZE = 50 * 1024 * 1024
BATCH = 500
PREVIEW_ROWS = 20
# Problems kept on the import row (all of them are in the error report).
MAX_PROBLEMS = 1000
MODES = ("all", "valid")
PENDING, CHECKING, WRITING, DONE, FAILED = (
    "pending",
    "checking",
    "writing",
    "done",
    "failed",
)
RUNNING = (CHECKING, WRITING)
FINISHED = (DONE, FAILED)
CSV_SUFFIXES = {".csv", ".tsv", ".txt", ""}
_SAMPLE = 64 * 1024
_NOT_IMPORTED = {"table", "attachment", "json"}
_YES = {"是", "对", "√", "✓", "真"}
_NO = {"否", "不", "×", "✗", "假"}
_DATE_FORMATS = ("%Y/%m/%d", "%d.%m.%Y", "%Y年%m月%d日", "%Y.%m.%d")


class ImportProblem(OfficinaError):
    """A file or mapping that cannot be imported; the message says why."""


# -- reading files ---------------------------------------------------------------
class Sheet:
    """A header and the rows below it, read once, streaming.

    `rows()` yields (row number, cells) with the number a spreadsheet
    program shows (the header is row 1 when it is the first line); rows
    with no value at all are skipped. Use as a context manager.
    """

    def __init__(self, name: str, header: list[str], rows: Iterator, closer):
        self.name = name
        self.header = header
        self._rows = rows
        self._closer = closer

    def rows(self) -> Iterator[tuple[int, list]]:
        width = len(self.header)
        for number, cells in self._rows:
            cells = list(cells[:width]) + [None] * (width - len(cells))
            if all(is_empty(cell) for cell in cells):
                continue
            yield number, cells

    def close(self) -> None:
        if self._closer is not None:
            self._closer()
            self._closer = None

    def __enter__(self) -> Sheet:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()


def open_sheet(path: str | Path, name: str | None = None) -> Sheet:
    """The file at `path` (called `name` in messages) as a Sheet."""
    path = Path(path)
    name = name or path.name
    with open(path, "rb") as handle:
        head = handle.read(8)
    if not head:
        raise ImportProblem(f"'{name}' is empty")
    suffix = Path(name).suffix.lower()
    if head.startswith(b"PK\x03\x04"):
        return _open_xlsx(path, name)
    if head.startswith(b"\xd0\xcf\x11\xe0") or suffix == ".xls":
        raise ImportProblem(
            f"'{name}' is an old Excel file (.xls). Hint: save it as .xlsx or as "
            "CSV UTF-8 and import that."
        )
    if suffix not in CSV_SUFFIXES:
        raise ImportProblem(_not_a_table(name))
    return _open_csv(path, name)


def _not_a_table(name: str) -> str:
    return f"'{name}' is not a CSV or XLSX file. Hint: export the data as CSV or XLSX."


def _open_csv(path: Path, name: str) -> Sheet:
    handle = open(path, encoding="utf-8-sig", newline="")  # noqa: SIM115
    try:
        try:
            sample = handle.read(_SAMPLE)
        except UnicodeDecodeError:
            raise ImportProblem(
                f"'{name}' is not UTF-8 text. Hint: save it as 'CSV UTF-8' in your "
                "spreadsheet program, or import it as XLSX."
            ) from None
        if "\x00" in sample:
            raise ImportProblem(_not_a_table(name))
        handle.seek(0)
        reader = csv.reader(
            handle, delimiter=_delimiter(sample, len(sample) == _SAMPLE)
        )

        def numbered():
            number = 0
            try:
                for cells in reader:
                    number += 1
                    yield number, cells
            except UnicodeDecodeError:
                raise ImportProblem(
                    f"row {number + 1} of '{name}' is not UTF-8 text. Hint: save the "
                    "file as 'CSV UTF-8'."
                ) from None
            except csv.Error as error:
                raise ImportProblem(
                    f"row {number + 1} of '{name}' cannot be read: {error}"
                ) from None

        rows = numbered()
        header = _header(rows, name)
        return Sheet(name, header, rows, handle.close)
    except BaseException:
        handle.close()
        raise


def _delimiter(sample: str, truncated: bool) -> str:
    lines = sample.splitlines()
    if truncated and len(lines) > 1:
        lines = lines[:-1]  # the last line may be cut in the middle
    text = "\n".join(lines[:50])
    try:
        return csv.Sniffer().sniff(text, delimiters=",;\t").delimiter
    except csv.Error:
        return ","


def _open_xlsx(path: Path, name: str) -> Sheet:
    from openpyxl import load_workbook

    handle = open(path, "rb")  # noqa: SIM115 - closed with the sheet
    try:
        # A file object: openpyxl would judge a path by its name's suffix.
        book = load_workbook(handle, read_only=True, data_only=True)
    except Exception as error:  # noqa: BLE001 - openpyxl raises many kinds
        handle.close()
        raise ImportProblem(
            f"'{name}' is not a readable XLSX file ({type(error).__name__}). "
            "Hint: open it in a spreadsheet program and save it as .xlsx again."
        ) from None

    def close():
        try:
            book.close()
        finally:
            handle.close()

    try:
        if not book.worksheets:
            raise ImportProblem(f"'{name}' has no sheet")
        sheet = book.worksheets[0]
        rows = (
            (number, list(values))
            for number, values in enumerate(sheet.iter_rows(values_only=True), 1)
        )
        header = _header(rows, name)
        return Sheet(name, header, rows, close)
    except BaseException:
        close()
        raise


def _header(rows: Iterator, name: str) -> list[str]:
    """The first row with a value, as column names; checked."""
    for _number, cells in rows:
        if all(is_empty(cell) for cell in cells):
            continue
        names = [text_of(cell).strip() for cell in cells]
        while names and not names[-1]:
            names.pop()
        problems = []
        seen: dict[str, int] = {}
        for index, column in enumerate(names, 1):
            if not column:
                problems.append(f"column {index} of the header row has no name")
                continue
            key = column.casefold()
            if key in seen:
                problems.append(
                    f"the header row names '{column}' twice (columns {seen[key]} "
                    f"and {index})"
                )
            else:
                seen[key] = index
        if problems:
            raise ImportProblem(
                f"'{name}': " + "; ".join(problems) + ". Hint: every column needs a "
                "name of its own in the first row."
            )
        return names
    raise ImportProblem(f"'{name}' is empty: it has no header row")


def text_of(value) -> str:
    """A cell as text (for reports, messages and text fields)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        if value.time() == dt.time():
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def count_rows(path: str | Path, name: str | None = None) -> int:
    """How many rows (below the header, not empty) the file has."""
    with open_sheet(path, name) as sheet:
        return sum(1 for _ in sheet.rows())


# -- mapping columns to fields ------------------------------------------------------
def normal(text: str) -> str:
    """A name as compared for mapping: case, spaces, `_`, `-` ignored."""
    return re.sub(r"[\s_\-.:：()（）]+", "", str(text)).casefold()


def importable_fields(runtime, entity: Entity, actor: Actor = SYSTEM) -> dict:
    """The fields a file may give values for, for this actor: stored, not
    computed, not the workflow state, not hidden from nor read-only to them."""
    hidden: frozenset = frozenset()
    read_only: frozenset = frozenset()
    if not actor.system:
        grant = runtime.permissions.grant(actor.roles, entity)
        hidden, read_only = grant.hidden, grant.read_only
    workflow_field = entity.workflow.field if entity.workflow else None
    return {
        name: item
        for name, item in entity.fields.items()
        if item.stored
        and item.type not in _NOT_IMPORTED
        and item.formula is None
        and item.type != "autonumber"
        and not item.system
        and not item.read_only
        and name != workflow_field
        and name not in hidden
        and name not in read_only
    }


def key_fields(entity: Entity, fields: dict) -> list[str]:
    """Fields an import may match existing records by: the unique ones."""
    return [name for name, item in fields.items() if item.unique]


def suggest_mapping(fields: dict, header: list[str]) -> dict[str, str]:
    """{column: field} for the columns whose name is a field's name or label
    (in any language); each field once, the first column wins."""
    names: dict[str, str] = {}
    for name, item in fields.items():
        for text in (name, *(text for _lang, text in item.label.texts)):
            names.setdefault(normal(text), name)
    mapping: dict[str, str] = {}
    for column in header:
        name = names.get(normal(column))
        if name is not None and name not in mapping.values():
            mapping[column] = name
    return mapping


def mapping_problems(
    entity: Entity,
    fields: dict,
    header: list[str],
    mapping: dict[str, str],
    key_field: str | None,
) -> list[str]:
    """Every reason the mapping cannot be used (empty: it can)."""
    problems = []
    by_field: dict[str, list[str]] = {}
    for column, name in mapping.items():
        if column not in header:
            problems.append(f"the file has no column '{column}'")
        if name not in fields:
            if name in entity.fields:
                problems.append(f"'{name}' cannot be imported (column '{column}')")
            else:
                problems.append(
                    f"'{name}' is not a field of {entity.label.get()} "
                    f"(column '{column}')"
                )
            continue
        by_field.setdefault(name, []).append(column)
    for name, columns in by_field.items():
        if len(columns) > 1:
            problems.append(
                f"the columns {', '.join(repr(c) for c in columns)} are all mapped "
                f"to {fields[name].label.get()}; map one column to each field"
            )
    for name, item in fields.items():
        if item.required and item.default is None and name not in by_field:
            problems.append(
                f"no column is mapped to {item.label.get()} ({name}), which is required"
            )
    if key_field is not None:
        if key_field not in fields or not fields[key_field].unique:
            problems.append(
                f"'{key_field}' cannot be the key: the key must be a unique field "
                f"({', '.join(key_fields(entity, fields)) or 'there is none'})"
            )
        elif key_field not in by_field:
            problems.append(
                f"no column is mapped to {fields[key_field].label.get()}, the key"
            )
    if not by_field and not problems:
        problems.append("no column is mapped to a field")
    return problems


# -- results ----------------------------------------------------------------------
@dataclass
class RowResult:
    """One row of the file after checking or writing it."""

    number: int
    cells: list
    action: str = "create"  # or update
    problems: list[tuple[str | None, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def messages(self) -> list[str]:
        return [
            f"{column}: {message}" if column else message
            for column, message in self.problems
        ]


@dataclass
class Outcome:
    """Counts of an import so far, and its first problems."""

    total: int | None = None
    processed: int = 0
    created: int = 0
    updated: int = 0
    failed: int = 0
    phase: str = CHECKING
    problems: list[dict] = field(default_factory=list)
    problem_count: int = 0

    def add_problems(self, result: RowResult) -> None:
        for column, message in result.problems:
            self.problem_count += 1
            if len(self.problems) < MAX_PROBLEMS:
                self.problems.append(
                    {"row": result.number, "column": column, "message": message}
                )


def problem_lines(problems: Iterable[dict]) -> list[str]:
    """Problems as `row N, column: message` lines."""
    return [
        f"row {p['row']}" + (f", {p['column']}" if p.get("column") else "") + ": "
        f"{p['message']}"
        for p in problems
    ]


class _Rollback(Exception):  # noqa: N818 - not an error: undo the transaction
    pass


# -- the importer -------------------------------------------------------------------
class Importer:
    """Checks and imports the rows of a sheet into one entity."""

    def __init__(
        self,
        runtime,
        entity: str,
        actor: Actor,
        mapping: dict[str, str],
        *,
        mode: str = "all",
        key_field: str | None = None,
        header: list[str] | None = None,
    ):
        self.runtime = runtime
        self.records = runtime.records
        self.actor = actor
        model = runtime.definitions.entities.get(entity)
        if model is None or model.is_child:
            raise ImportProblem(f"there is no entity '{entity}' to import into")
        self.entity = model
        runtime.records.permit(actor, "import", model)
        if mode not in MODES:
            raise ImportProblem(f"the mode is 'all' or 'valid', not '{mode}'")
        self.mode = mode
        self.key_field = key_field or None
        self.fields = importable_fields(runtime, model, actor)
        self.mapping = {c: f for c, f in mapping.items() if f}
        if header is not None:
            problems = mapping_problems(
                model, self.fields, header, self.mapping, self.key_field
            )
            if problems:
                raise ImportProblem("; ".join(problems))
        self.header = header
        self.column_of = {name: column for column, name in self.mapping.items()}
        self._choices = {
            name: _option_names(item)
            for name, item in self.fields.items()
            if item.type in ("choice", "multi_choice")
        }
        self._seen: dict[tuple[str, object], int] = {}
        unique = [n for n in self.mapping.values() if self.fields[n].unique]
        self._unique = [n for n in unique if n != self.key_field]

    def use(self, sheet: Sheet) -> None:
        """Check the mapping against the sheet's header (once per sheet)."""
        problems = mapping_problems(
            self.entity, self.fields, sheet.header, self.mapping, self.key_field
        )
        if problems:
            raise ImportProblem("; ".join(problems))
        self.header = sheet.header
        self._index = {column: sheet.header.index(column) for column in self.mapping}

    # -- the public steps ---------------------------------------------------------
    def preview(self, sheet: Sheet, limit: int = PREVIEW_ROWS) -> list[RowResult]:
        """The first `limit` rows, converted and validated by the records
        service in a transaction that is rolled back: nothing is written."""
        self.use(sheet)
        self._seen.clear()
        batch = []
        for item in sheet.rows():
            batch.append(item)
            if len(batch) >= limit:
                break
        return self._trial(batch)

    def _trial(self, batch) -> list[RowResult]:
        """Each row of `batch` as the records service would take it, in a
        transaction that is then rolled back: nothing is written."""
        results: list[RowResult] = []
        try:
            with self.records.transaction(self.actor) as transaction:
                results = self._batch(transaction, batch)
                raise _Rollback
        except _Rollback:
            pass
        return results

    def check(
        self,
        sheet: Sheet,
        outcome: Outcome,
        *,
        progress: Callable[[Outcome], None] | None = None,
        failure: Callable[[RowResult], None] | None = None,
    ) -> Outcome:
        """Check every row, writing nothing: each batch in a transaction of
        its own that is rolled back."""
        self.use(sheet)
        self._seen.clear()
        outcome.phase = CHECKING
        for batch in _batches(sheet.rows()):
            for result in self._trial(batch):
                outcome.processed += 1
                if not result.ok:
                    outcome.failed += 1
                    outcome.add_problems(result)
                    if failure:
                        failure(result)
            if progress:
                progress(outcome)
        return outcome

    def write(
        self,
        sheet: Sheet,
        outcome: Outcome,
        *,
        progress: Callable[[Outcome], None] | None = None,
        failure: Callable[[RowResult], None] | None = None,
    ) -> Outcome:
        """Write the rows: in `valid` mode the valid ones, batch by batch;
        in `all` mode every one in one transaction, or none."""
        self.use(sheet)
        self._seen.clear()
        outcome.phase = WRITING
        outcome.processed = outcome.created = outcome.updated = outcome.failed = 0
        if self.mode == "valid":
            for batch in _batches(sheet.rows()):
                with self.records.transaction(self.actor) as transaction:
                    results = self._batch(transaction, batch)
                    self._count(outcome, results, failure)
                if progress:
                    progress(outcome)
            return outcome
        counted = Outcome(total=outcome.total, phase=WRITING)
        if progress:
            progress(counted)  # the writing begins (before its transaction)
        try:
            with self.records.transaction(self.actor) as transaction:
                for batch in _batches(sheet.rows()):
                    self._count(counted, self._batch(transaction, batch), failure)
                    if progress:
                        progress(counted)
                if counted.failed:
                    raise _Rollback
        except _Rollback:
            counted.created = counted.updated = 0
        outcome.__dict__.update(counted.__dict__)
        return outcome

    def run(
        self,
        path: str | Path,
        name: str | None = None,
        *,
        total: int | None = None,
        progress: Callable[[Outcome], None] | None = None,
        failure: Callable[[RowResult], None] | None = None,
        dry_run: bool = False,
    ) -> Outcome:
        """The whole import of the file (see the module's docstring)."""
        outcome = Outcome(total=total)
        if dry_run or self.mode == "all":
            with open_sheet(path, name) as sheet:
                self.check(sheet, outcome, progress=progress, failure=failure)
            if dry_run or outcome.failed:
                return outcome
        with open_sheet(path, name) as sheet:
            return self.write(sheet, outcome, progress=progress, failure=failure)

    # -- one batch ------------------------------------------------------------------
    def _count(self, outcome: Outcome, results, failure) -> None:
        for result in results:
            outcome.processed += 1
            if result.ok:
                if result.action == "update":
                    outcome.updated += 1
                else:
                    outcome.created += 1
            else:
                outcome.failed += 1
                outcome.add_problems(result)
                if failure:
                    failure(result)

    def _batch(self, transaction, batch: list[tuple[int, list]]) -> list[RowResult]:
        """Convert and write the rows of one batch inside `transaction`,
        each in a savepoint: a row that fails leaves no trace."""
        prepared = [self._values(number, cells) for number, cells in batch]
        self._resolve_references(prepared)
        self._find_keys(prepared)
        connection = transaction.connection
        results = []
        for result, values, record_id in prepared:
            results.append(result)
            if not result.ok:
                continue
            if self._repeated(result, values):
                continue
            savepoint = connection.begin_nested()
            try:
                if record_id is not None:
                    result.action = "update"
                    values.pop(self.key_field, None)
                    transaction.update(self.entity.name, record_id, values)
                else:
                    transaction.create(self.entity.name, values)
            except RecordInvalid as error:
                savepoint.rollback()
                transaction.forget()  # what the row's write did is gone
                self._invalid(result, error)
                continue
            except RecordError as error:
                savepoint.rollback()
                transaction.forget()
                result.problems.append((None, str(error)))
                continue
            except BaseException:
                savepoint.rollback()
                raise
            savepoint.commit()
            self._remember(result, values)
        return results

    def _values(self, number: int, cells: list):
        """(result, {field: value}, None) for one row; cells converted where
        the file's form differs from what the service reads."""
        result = RowResult(number, [text_of(cell) for cell in cells])
        values: dict = {}
        for column, name in self.mapping.items():
            cell = cells[self._index[column]]
            if is_empty(cell):
                continue
            item = self.fields[name]
            try:
                values[name] = self._convert(item, cell)
            except ValueError as error:
                result.problems.append((column, str(error)))
        return [result, values, None]

    def _convert(self, item: Field, cell):
        if isinstance(cell, str):
            cell = cell.strip()
        if isinstance(cell, float) and cell.is_integer():
            cell = int(cell)
        kind = item.type
        if kind in ("string", "text", "email", "phone", "url"):
            return text_of(cell)
        if kind in ("decimal", "money", "percent") and isinstance(cell, float):
            return Decimal(repr(cell))
        if kind == "choice":
            return self._choices[item.name].get(normal(text_of(cell)), cell)
        if kind == "multi_choice":
            names = self._choices[item.name]
            parts = [p.strip() for p in re.split(r"[,，;；]", text_of(cell))]
            return [names.get(normal(p), p) for p in parts if p]
        if kind == "boolean" and isinstance(cell, str):
            if cell in _YES:
                return True
            if cell in _NO:
                return False
        if kind == "date" and isinstance(cell, str):
            return _date(cell)
        if kind == "reference":
            return _Reference(text_of(cell))
        return cell

    def _resolve_references(self, prepared) -> None:
        """Replace references given as titles or unique values by ids: one
        query per referenced entity and lookup field for the whole batch."""
        for name, item in self.fields.items():
            if item.type != "reference" or name not in self.column_of:
                continue
            texts = {
                values[name].text
                for _result, values, _id in prepared
                if isinstance(values.get(name), _Reference)
            }
            if not texts:
                continue
            found = self._lookup(item.to, texts)
            target = self.runtime.definitions.entities[item.to]
            label = target.label.get(self.actor.language)
            column = self.column_of[name]
            for result, values, _id in prepared:
                given = values.get(name)
                if not isinstance(given, _Reference):
                    continue
                ids = found.get(given.text, set())
                if len(ids) == 1:
                    values[name] = next(iter(ids))
                elif len(ids) > 1:
                    del values[name]
                    result.problems.append(
                        (
                            column,
                            f"several {label} records are called '{given.text}'; "
                            "give the id instead",
                        )
                    )
                elif re.fullmatch(r"\d{1,18}", given.text):
                    values[name] = int(given.text)  # an id, checked by the service
                else:
                    del values[name]
                    result.problems.append(
                        (column, f"there is no {label} '{given.text}'")
                    )

    def _lookup(self, entity_name: str, texts: set[str]) -> dict[str, set[int]]:
        """{text: ids of the records whose title or unique value it is}."""
        target = self.runtime.definitions.entities[entity_name]
        lookup = [
            n
            for n, f in target.fields.items()
            if f.unique and f.stored and f.type in ("string", "email", "phone")
        ]
        if target.title_field and target.title_field not in lookup:
            lookup.append(target.title_field)
        found: dict[str, set[int]] = {}
        for name in lookup:
            item = target.fields.get(name)
            if item is None or not item.stored:
                continue
            wanted: dict = {}
            for text in texts:
                try:
                    value = coerce(item, text)
                except ValueError:
                    continue
                if value is not None:
                    wanted.setdefault(value, set()).add(text)
            if not wanted:
                continue
            try:
                records = self._all(entity_name, Filter((name,), "in", tuple(wanted)))
            except PermissionDenied:
                continue  # may not read or filter by it: ids only
            for record in records:
                for text in wanted.get(record.get(name), ()):
                    found.setdefault(text, set()).add(record["id"])
            if item.unique:
                texts = texts - set(found)  # found by a unique value: settled
        return found

    def _all(self, entity_name: str, condition: Filter) -> list[dict]:
        from officina.records.listing import MAX_LIMIT

        records, cursor = [], None
        while True:
            page = self.records.list(
                entity_name,
                filters=[condition],
                limit=MAX_LIMIT,
                cursor=cursor,
                actor=self.actor,
            )
            records += page.records
            cursor = page.next_cursor
            if cursor is None:
                return records

    def _find_keys(self, prepared) -> None:
        """The id of the record each row's key matches (one query per batch)."""
        if self.key_field is None:
            return
        column = self.column_of[self.key_field]
        keys = {
            values[self.key_field]
            for result, values, _id in prepared
            if result.ok and values.get(self.key_field) is not None
        }
        if not keys:
            return
        item = self.fields[self.key_field]
        converted = {}
        for key in keys:
            try:
                converted[key] = coerce(item, key)
            except ValueError:
                continue
        found = {}
        if converted:
            try:
                records = self._all(
                    self.entity.name,
                    Filter((self.key_field,), "in", tuple(set(converted.values()))),
                )
            except PermissionDenied as error:
                raise ImportProblem(
                    f"an import by key needs to read the records: {error}"
                ) from None
            found = {record[self.key_field]: record["id"] for record in records}
        for entry in prepared:
            result, values, _id = entry
            key = values.get(self.key_field)
            if key is None or not result.ok:
                continue
            if key not in converted:
                result.problems.append((column, _coerce_message(item, key)))
                continue
            values[self.key_field] = converted[key]
            entry[2] = found.get(converted[key])

    def _repeated(self, result: RowResult, values: dict) -> bool:
        """A key or unique value already given by an earlier row of the file."""
        for name in ([self.key_field] if self.key_field else []) + self._unique:
            value = values.get(name)
            if value is None:
                continue
            try:
                value = coerce(self.fields[name], value)
            except ValueError:
                continue
            earlier = self._seen.get((name, value))
            if earlier is not None:
                result.problems.append(
                    (
                        self.column_of[name],
                        f"'{text_of(value)}' is also in row {earlier} of the file",
                    )
                )
        return not result.ok

    def _remember(self, result: RowResult, values: dict) -> None:
        for name in ([self.key_field] if self.key_field else []) + self._unique:
            value = values.get(name)
            if value is None:
                continue
            try:
                value = coerce(self.fields[name], value)
            except ValueError:
                continue
            self._seen.setdefault((name, value), result.number)

    def _invalid(self, result: RowResult, error: RecordInvalid) -> None:
        problems = error.problems
        for name, messages in problems.fields.items():
            column = self.column_of.get(name)
            for message in messages:
                if column is None:
                    item = self.entity.fields.get(name)
                    label = item.label.get(self.actor.language) if item else name
                    result.problems.append((None, f"{label}: {message}"))
                else:
                    result.problems.append((column, message))
        for table, rows in problems.rows.items():
            for index, row in rows.items():
                for name, messages in row.items():
                    for message in messages:
                        result.problems.append(
                            (None, f"{table}[{index + 1}].{name}: {message}")
                        )
        for message in problems.record:
            result.problems.append((None, message))
        if not result.problems:
            result.problems.append((None, str(error)))


@dataclass(frozen=True)
class _Reference:
    """A reference as the file gives it: an id, a title or a unique value."""

    text: str


def _option_names(item: Field) -> dict[str, object]:
    names: dict[str, object] = {}
    for option in item.options:
        names.setdefault(normal(str(option.value)), option.value)
    for option in item.options:
        for _lang, text in option.label.texts:
            names.setdefault(normal(text), option.value)
    return names


def _date(text: str):
    for pattern in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            continue
    return text  # the service says what is wrong with it


def _coerce_message(item: Field, value) -> str:
    try:
        coerce(item, value)
    except ValueError as error:
        return str(error)
    return "cannot be read"


def _batches(rows: Iterator, size: int = BATCH) -> Iterator[list]:
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


# -- the error report ---------------------------------------------------------------
class Report:
    """The rows that failed, as CSV: their cells and a `problems` column;
    kept in a temporary file until it is stored."""

    def __init__(self, header: list[str]):
        self.file = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        self.text = io.TextIOWrapper(self.file, encoding="utf-8-sig", newline="")
        self.writer = csv.writer(self.text)
        self.writer.writerow([*header, "problems"])
        self.rows = 0

    def add(self, result: RowResult) -> None:
        self.writer.writerow([*result.cells, "; ".join(result.messages())])
        self.rows += 1

    def stream(self):
        """The report's bytes, from the start."""
        self.text.flush()
        self.file.seek(0)
        return self.file

    def close(self) -> None:
        self.text.close()


# -- running a kept import ----------------------------------------------------------
def imports_table(runtime):
    return runtime.schema.metadata.tables[IMPORTS]


def create_import(
    runtime,
    *,
    entity: str,
    actor: Actor,
    file_name: str,
    file_key: str,
    mapping: dict[str, str],
    mode: str,
    key_field: str | None,
) -> int:
    """Keep a pending import; its id."""
    table = imports_table(runtime)
    with runtime.engine.begin() as connection:
        return connection.execute(
            table.insert()
            .values(
                entity=entity,
                user_id=actor.id,
                file_name=file_name,
                file_key=file_key,
                mapping=mapping,
                mode=mode,
                key_field=key_field or None,
                status=PENDING,
                processed=0,
                created=0,
                updated=0,
                failed=0,
                created_at=dt.datetime.now(dt.UTC),
            )
            .returning(table.c.id)
        ).scalar_one()


def get_import(runtime, import_id: int) -> dict | None:
    table = imports_table(runtime)
    with runtime.engine.connect() as connection:
        row = (
            connection.execute(select(table).where(table.c.id == import_id))
            .mappings()
            .first()
        )
    return dict(row) if row else None


def pending_imports(runtime) -> list[int]:
    """Ids of the imports waiting to run, oldest first (for a worker)."""
    table = imports_table(runtime)
    with runtime.engine.connect() as connection:
        return list(
            connection.execute(
                select(table.c.id).where(table.c.status == PENDING).order_by(table.c.id)
            ).scalars()
        )


def _set(runtime, import_id: int, **values) -> None:
    table = imports_table(runtime)
    with runtime.engine.begin() as connection:
        connection.execute(table.update().where(table.c.id == import_id).values(values))


def _claim(runtime, import_id: int) -> bool:
    table = imports_table(runtime)
    with runtime.engine.begin() as connection:
        result = connection.execute(
            table.update()
            .where(table.c.id == import_id, table.c.status == PENDING)
            .values(status=CHECKING, started_at=dt.datetime.now(dt.UTC))
        )
        return result.rowcount == 1


def _actor_of(runtime, user_id: int | None) -> Actor:
    if user_id is None:
        return SYSTEM
    from officina.auth.users import actor_of, get_user

    user = get_user(runtime, user_id)
    if user is None:
        raise ImportProblem("the user who started this import no longer exists")
    return actor_of(user)


def run_import(
    runtime,
    import_id: int,
    *,
    actor: Actor | None = None,
    progress: Callable[[Outcome], None] | None = None,
) -> dict:
    """Run the pending import `import_id` to its end; its row afterwards.

    Never raises for a problem of the import itself: the row says `failed`
    and why. An import that is not pending (another process took it) is
    left alone.
    """
    if not _claim(runtime, import_id):
        return get_import(runtime, import_id) or {}
    row = get_import(runtime, import_id)
    from officina.files import FileStore

    store = FileStore.of_site(runtime.site)
    report = None
    outcome = Outcome()
    # SQLite has one writer: while an `all` import writes in its one
    # transaction, no other connection can write the progress.
    sqlite = runtime.engine.dialect.name == "sqlite"

    def keep_progress(current: Outcome) -> None:
        inside = current.phase == WRITING and row["mode"] == "all" and current.processed
        if not (sqlite and inside):
            _set(
                runtime,
                import_id,
                status=current.phase,
                processed=current.processed,
                created=current.created,
                updated=current.updated,
                failed=current.failed,
            )
        if progress:
            progress(current)

    try:
        if actor is None:
            actor = _actor_of(runtime, row["user_id"])
        path = store.path(row["file_key"])
        total = count_rows(path, row["file_name"])
        outcome.total = total
        _set(runtime, import_id, total=total)
        importer = Importer(
            runtime,
            row["entity"],
            actor,
            row["mapping"] or {},
            mode=row["mode"],
            key_field=row["key_field"],
        )
        with open_sheet(path, row["file_name"]) as sheet:
            header = sheet.header
        report = Report(header)
        if row["mode"] == "all":
            _set(runtime, import_id, status=CHECKING)
        else:
            _set(runtime, import_id, status=WRITING)
        outcome = importer.run(
            path,
            row["file_name"],
            total=total,
            progress=keep_progress,
            failure=report.add,
        )
        report_key = None
        if report.rows:
            stored = store.save_file(
                report.stream(),
                f"{Path(row['file_name']).stem}-problems.csv",
                limit=10 * MAX_FILE_SIZE,
            )
            report_key = stored["key"]
        if outcome.failed and row["mode"] == "all":
            status = FAILED
            message = (
                f"Nothing was imported: {outcome.failed} of {total} rows have problems."
            )
        else:
            status = DONE
            message = (
                f"{outcome.created} created, {outcome.updated} updated, "
                f"{outcome.failed} failed."
            )
        _finish(runtime, import_id, outcome, status, message, report_key)
    except (OfficinaError, RecordError) as error:
        _finish(runtime, import_id, outcome, FAILED, str(error), None)
    except Exception as error:  # noqa: BLE001 - recorded, never lost in a thread
        log.exception("import %s failed", import_id)
        _finish(
            runtime,
            import_id,
            outcome,
            FAILED,
            f"the import stopped on an internal error ({type(error).__name__}: "
            f"{error}); nothing more was written",
            None,
        )
    finally:
        if report is not None:
            report.close()
    return get_import(runtime, import_id) or {}


def _finish(runtime, import_id, outcome: Outcome, status, message, report_key):
    values = {
        "status": status,
        "message": message,
        "processed": outcome.processed,
        "created": outcome.created,
        "updated": outcome.updated,
        "failed": outcome.failed,
        "problems": {"items": outcome.problems, "count": outcome.problem_count},
        "finished_at": dt.datetime.now(dt.UTC),
    }
    if report_key:
        values["report_key"] = report_key
    try:
        _set(runtime, import_id, **values)
    except Exception:  # noqa: BLE001 - the database itself is gone
        log.exception("could not record the end of import %s", import_id)


def start_in_background(runtime, import_id: int):
    """Run the import in a daemon thread (its own database connections
    come from the engine's pool); returns the thread."""
    import threading

    thread = threading.Thread(
        target=run_import,
        args=(runtime, import_id),
        name=f"officina-import-{import_id}",
        daemon=True,
    )
    thread.start()
    return thread
