"""Records service benchmark: bulk creation and deep pages.

    python bench/records_bench.py [--records 100000] [--database URL]

Creates records through the records service (every one goes through the
whole write path: defaults, formulas, validation, record number, audit),
then reads a page at the start of the list and one 90% of the way in, by
cursor and, for comparison, by OFFSET. Prints records per second, page
latencies and the peak memory of the process. Numbers, not a test: compare
them as ratios within one run.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import select

from officina.database import create_database_engine
from officina.definitions import Layer, load
from officina.packs.catalog import read_manifest
from officina.records import RecordsService
from officina.records.listing import encode_cursor
from officina.schema.tables import build_schema

PACK = """\
entity: order
number: "ORD-{YYYY}-{#######}"
fields:
  customer_email: {type: email, required: true}
  status_note: {type: string, max_length: 80}
  qty: {type: integer, min: 1, default: 1}
  unit_price: {type: money, required: true}
  total: {type: money, formula: "qty * unit_price"}
  priority: {type: choice, options: [low, normal, high], default: normal}
sort: [-created_at]
indexes: [[priority, created_at]]
"""


def bench_definitions(folder: Path):
    pack = folder / "bench"
    pack.mkdir()
    (pack / "pack.yaml").write_text("name: bench\nversion: 1.0.0\ntitle: Bench\n")
    (pack / "orders.yaml").write_text(PACK)
    source, problems = read_manifest(pack)
    assert not problems, problems
    return load([Layer("bench", tuple(source.files()), source.info)])


def timed(function, repeat: int = 5) -> float:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument(
        "--batch", type=int, default=500, help="records per transaction in the bulk run"
    )
    parser.add_argument("--database", help="database URL (default: a SQLite file)")
    arguments = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        url = arguments.database or f"sqlite:///{folder}/bench.sqlite3"
        definitions = bench_definitions(Path(folder))
        schema = build_schema(definitions)
        engine = create_database_engine(url)
        schema.metadata.drop_all(engine)
        schema.metadata.create_all(engine)
        service = RecordsService(definitions, schema, engine)

        def values(index: int) -> dict:
            return {
                "customer_email": f"buyer{index}@example.com",
                "status_note": f"note {index}",
                "qty": 1 + index % 5,
                "unit_price": f"{1 + index % 97}.{index % 100:02d}",
                "priority": ("low", "normal", "high")[index % 3],
            }

        single = min(2_000, arguments.records)
        started = time.perf_counter()
        for index in range(single):
            service.create("order", values(index))
        one_per_transaction = single / (time.perf_counter() - started)

        started = time.perf_counter()
        index = single
        while index < arguments.records:
            with service.transaction() as transaction:
                for _ in range(min(arguments.batch, arguments.records - index)):
                    transaction.create("order", values(index))
                    index += 1
        batched = (arguments.records - single) / max(
            time.perf_counter() - started, 1e-9
        )

        table = schema.table("order")
        deep = int(arguments.records * 0.9)
        with engine.connect() as connection:
            row = (
                connection.execute(
                    select(table)
                    .order_by(table.c.created_at.desc(), table.c.id.desc())
                    .offset(deep - 1)
                    .limit(1)
                )
                .mappings()
                .first()
            )
        cursor = encode_cursor(dict(row), [("created_at", True), ("id", True)])
        first = timed(lambda: service.list("order", limit=50))
        by_cursor = timed(lambda: service.list("order", limit=50, cursor=cursor))

        def by_offset():
            with engine.connect() as connection:
                connection.execute(
                    select(table)
                    .order_by(table.c.created_at.desc(), table.c.id.desc())
                    .offset(deep)
                    .limit(50)
                ).all()

        offset = timed(by_offset)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

        print(f"backend: {engine.dialect.name}; records: {arguments.records:,}")
        print(
            f"create, one per transaction:   {one_per_transaction:8.0f} records/s "
            f"({single:,} records)"
        )
        print(f"create, {arguments.batch} per transaction: {batched:8.0f} records/s")
        print(f"page of 50 at the start:        {first * 1000:8.2f} ms")
        print(
            f"page of 50 at {deep:,} (cursor): {by_cursor * 1000:8.2f} ms "
            f"(ratio to the first page {by_cursor / first:.2f})"
        )
        print(
            f"page of 50 at {deep:,} (OFFSET): {offset * 1000:8.2f} ms, for comparison"
        )
        print(f"peak memory: {peak:.0f} MB")
        engine.dispose()


if __name__ == "__main__":
    main()
