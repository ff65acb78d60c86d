"""`officina import ENTITY FILE`: records from a CSV or XLSX file."""

from __future__ import annotations

from pathlib import Path

import click

from officina.cli.options import site_option
from officina.files import FileStore
from officina.records.importing import (
    DONE,
    MAX_FILE_SIZE,
    Importer,
    ImportProblem,
    Outcome,
    count_rows,
    create_import,
    importable_fields,
    open_sheet,
    problem_lines,
    run_import,
    suggest_mapping,
)
from officina.records.service import SYSTEM
from officina.runtime import Runtime

SHOWN = 50


@click.command("import")
@site_option
@click.argument("entity")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--mode",
    type=click.Choice(["all", "valid"]),
    default="all",
    show_default=True,
    help="all: every row or none; valid: the valid rows, the others reported.",
)
@click.option(
    "--key",
    "key_field",
    default=None,
    metavar="FIELD",
    help="A unique field: rows whose value matches a record update it.",
)
@click.option(
    "--map",
    "mappings",
    multiple=True,
    metavar="COLUMN=FIELD",
    help="Map a column to a field (repeatable); COLUMN= ignores the column. "
    "Columns named like a field or its label are mapped without it.",
)
@click.option("--dry-run", is_flag=True, help="Check every row and write nothing.")
def import_command(site_path, entity, file, mode, key_field, mappings, dry_run):
    """Import records of ENTITY from FILE (CSV or XLSX).

    The first row names the columns. CSV is read as UTF-8 (with or without
    BOM), separated by commas, semicolons or tabs; XLSX from its first
    sheet. References may be given as ids or as the referenced record's
    title or unique value; choices as their value or label. Every row goes
    through the same checks as a form (written as the system), and the
    audit trail shows each record. Exit status 1 when any row has a
    problem (the first 50 are listed); with --mode valid the valid rows are
    written all the same, and the path of an error report (the rows that
    failed, with a 'problems' column) is printed.

    \b
    Example:
      officina import customer customers.xlsx --key email --map Town=city
    """
    if file.stat().st_size > MAX_FILE_SIZE:
        raise ImportProblem(f"'{file.name}' is larger than 50 MB, the most allowed")
    runtime = Runtime.open(site_path if site_path is not None else ".")
    try:
        model = runtime.definitions.entities.get(entity)
        if model is None or model.is_child:
            raise ImportProblem(f"there is no entity '{entity}'")
        with open_sheet(file) as sheet:
            header = sheet.header
        mapping = suggest_mapping(importable_fields(runtime, model), header)
        for item in mappings:
            column, equals, name = item.partition("=")
            if not equals:
                raise click.BadParameter(
                    f"'{item}' is not COLUMN=FIELD", param_hint="--map"
                )
            mapping.pop(column.strip(), None)
            if name.strip():
                mapping[column.strip()] = name.strip()
        importer = Importer(
            runtime,
            entity,
            SYSTEM,
            mapping,
            mode=mode,
            key_field=key_field,
            header=header,
        )
        shown = ", ".join(f"{c} -> {f}" for c, f in mapping.items())
        click.echo(f"Columns: {shown}", err=True)
        total = count_rows(file)
        progress = _Progress(total, "checked" if dry_run else "done")
        if dry_run:
            outcome = importer.run(file, total=total, dry_run=True, progress=progress)
            progress.end()
            _summary(outcome, dry_run=True)
            return
        with file.open("rb") as stream:
            stored = FileStore.of_site(runtime.site).save_file(
                stream, file.name, MAX_FILE_SIZE
            )
        import_id = create_import(
            runtime,
            entity=entity,
            actor=SYSTEM,
            file_name=stored["name"],
            file_key=stored["key"],
            mapping=mapping,
            mode=mode,
            key_field=key_field,
        )
        row = run_import(runtime, import_id, actor=SYSTEM, progress=progress)
        progress.end()
        outcome = Outcome(
            total=row.get("total"),
            processed=row.get("processed") or 0,
            created=row.get("created") or 0,
            updated=row.get("updated") or 0,
            failed=row.get("failed") or 0,
            problems=(row.get("problems") or {}).get("items", []),
            problem_count=(row.get("problems") or {}).get("count", 0),
        )
        if row.get("status") != DONE and not outcome.problems:
            raise ImportProblem(row.get("message") or "the import failed")
        click.echo(row.get("message") or "", err=True)
        if row.get("report_key"):
            path = FileStore.of_site(runtime.site).path(row["report_key"])
            click.echo(f"Error report: {path}", err=True)
        _summary(outcome, dry_run=False)
    finally:
        runtime.close()


class _Progress:
    def __init__(self, total: int, verb: str):
        self.total = total
        self.verb = verb
        self.shown = False

    def __call__(self, outcome: Outcome) -> None:
        phase = "checking" if outcome.phase == "checking" else "writing"
        click.echo(
            f"\r{phase}: {outcome.processed}/{self.total} rows, "
            f"{outcome.failed} with problems",
            nl=False,
            err=True,
        )
        self.shown = True

    def end(self) -> None:
        if self.shown:
            click.echo("", err=True)


def _summary(outcome: Outcome, *, dry_run: bool) -> None:
    if outcome.problem_count:
        for line in problem_lines(outcome.problems[:SHOWN]):
            click.echo(line, err=True)
        more = outcome.problem_count - min(SHOWN, len(outcome.problems))
        if more > 0:
            click.echo(f"... and {more} more problems.", err=True)
        count = outcome.problem_count
        click.echo(
            f"{count} problem{'s' if count != 1 else ''} in {outcome.failed} "
            f"row{'s' if outcome.failed != 1 else ''}.",
            err=True,
        )
        raise click.exceptions.Exit(1)
    if dry_run:
        click.echo(f"OK: {outcome.processed} rows checked, nothing written.")
    else:
        click.echo(
            f"Imported {outcome.processed} rows: {outcome.created} created, "
            f"{outcome.updated} updated."
        )
