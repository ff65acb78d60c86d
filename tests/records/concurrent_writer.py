"""Run as a separate process by the concurrency tests: creates orders (or
takes stock) in several threads through the records service, and prints
what it got as JSON on its last line."""

from __future__ import annotations

import json
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from officina.database import create_database_engine
from officina.definitions import Layer, load
from officina.packs.catalog import read_manifest
from officina.records import AdjustmentRefused, RecordsService
from officina.schema.tables import build_schema


def service_for(pack: Path, url: str) -> RecordsService:
    source, problems = read_manifest(pack)
    assert not problems, problems
    definitions = load([Layer(source.info.name, tuple(source.files()), source.info)])
    return RecordsService(
        definitions, build_schema(definitions), create_database_engine(url)
    )


def create_orders(
    service: RecordsService, customer: int, product: int, count: int, threads: int
) -> list[str]:
    def one(_):
        return service.create(
            "order",
            {
                "customer": customer,
                "lines": [{"product": product, "qty": 1}],
            },
        )["number"]

    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(one, range(count)))


def take_stock(service: RecordsService, product: int, count: int, threads: int):
    def one(_):
        try:
            service.adjust("product", product, "stock", -1, minimum=0)
            return True
        except AdjustmentRefused:
            return False

    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(one, range(count)))


if __name__ == "__main__":
    job, pack, url, *numbers = sys.argv[1:]
    service = service_for(Path(pack), url)
    if job == "orders":
        result = create_orders(service, *(int(n) for n in numbers))
    else:
        result = take_stock(service, *(int(n) for n in numbers))
    print(json.dumps(result))
