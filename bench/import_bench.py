"""Import speed: a CSV of many short rows imported through the records
service (`officina import`'s code path), on SQLite or on the database of
OFFICINA_BENCH_DATABASE_URL. Prints rows per second for each mode.

    .venv/bin/python bench/import_bench.py [ROWS]
    scripts/with-postgres.sh sh -c 'OFFICINA_BENCH_DATABASE_URL=\
$OFFICINA_TEST_DATABASE_URL .venv/bin/python bench/import_bench.py'
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from click.testing import CliRunner

from officina.cli import main
from officina.files import FileStore
from officina.records.importing import create_import, run_import
from officina.records.service import SYSTEM
from officina.runtime import Runtime

PACK = """\
entity: item
fields:
  code: {type: string, required: true, unique: true}
  name: string
  qty: {type: integer, min: 0}
"""


def site(folder: Path, database: str) -> Path:
    runner = CliRunner()
    result = runner.invoke(main, ["init", str(folder), "--database", database])
    assert result.exit_code == 0, result.output
    (folder / "definitions" / "items.yaml").write_text(PACK)
    result = runner.invoke(main, ["migrate", "--site", str(folder)])
    assert result.exit_code == 0, result.output
    return folder


def main_bench(rows: int) -> None:
    base = os.environ.get("OFFICINA_BENCH_DATABASE_URL")
    for mode in ("valid", "all"):
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / "site"
            database = base or f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
            if base:
                import sqlalchemy as sa

                schema = f"bench_{mode}_{os.getpid()}"
                engine = sa.create_engine(base)
                with engine.begin() as connection:
                    connection.execute(
                        sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
                    )
                    connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
                engine.dispose()
                separator = "&" if "?" in base else "?"
                database = f"{base}{separator}options=-csearch_path%3D{schema}"
            site(folder, database)
            data = Path(tmp) / "items.csv"
            with data.open("w", encoding="utf-8") as out:
                out.write("code,name,qty\n")
                for number in range(rows):
                    out.write(f"I{number},Item {number},{number % 100}\n")
            runtime = Runtime.open(folder)
            try:
                with data.open("rb") as stream:
                    stored = FileStore.of_site(runtime.site).save_file(
                        stream, data.name, 10**9
                    )
                import_id = create_import(
                    runtime,
                    entity="item",
                    actor=SYSTEM,
                    file_name=data.name,
                    file_key=stored["key"],
                    mapping={"code": "code", "name": "name", "qty": "qty"},
                    mode=mode,
                    key_field=None,
                )
                started = time.perf_counter()
                row = run_import(runtime, import_id, actor=SYSTEM)
                seconds = time.perf_counter() - started
            finally:
                runtime.close()
            engine_name = "postgresql" if base else "sqlite"
            print(
                f"{engine_name:<10} mode={mode:<5} {rows} rows: {row['status']}, "
                f"{row['created']} created in {seconds:.1f} s = "
                f"{rows / seconds:,.0f} rows/s"
            )


if __name__ == "__main__":
    main_bench(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
