"""Concurrent writers on both engines: record numbers never repeat, and a
guarded adjustment never oversells."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from concurrent_writer import create_orders, service_for, take_stock
from shop_pack import SHOP

from officina.schema.migrate import migrate
from officina.schema.tables import build_schema

HERE = Path(__file__).parent


def prepare(make_pack, database_url):
    pack = make_pack(SHOP)
    service = service_for(pack, database_url)
    migrate(
        service.engine,
        build_schema(service.definitions),
        backup_dir=pack.parent / "backups",
    )
    customer = service.create("customer", {"name": "Ana"})["id"]
    product = service.create(
        "product", {"sku": "PEN-1", "name": "Pen", "price": "1", "stock": 10}
    )["id"]
    return pack, service, customer, product


def run_process(*arguments) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(HERE / "concurrent_writer.py"), *map(str, arguments)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def results(process: subprocess.Popen) -> list:
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    return json.loads(out.strip().splitlines()[-1])


def test_numbers_stay_unique_across_threads_and_processes(make_pack, database_url):
    pack, service, customer, product = prepare(make_pack, database_url)
    others = [
        run_process("orders", pack, database_url, customer, product, 20, 4)
        for _ in range(2)
    ]
    mine = create_orders(service, customer, product, 40, 8)
    numbers = mine + [n for process in others for n in results(process)]
    assert len(numbers) == 80
    assert len(set(numbers)) == 80
    total = service.list("order", limit=500, count=True).total
    assert total == 80
    service.engine.dispose()


def test_fifty_takers_of_ten_in_stock(make_pack, database_url):
    pack, service, customer, product = prepare(make_pack, database_url)
    other = run_process("stock", pack, database_url, product, 25, 5)
    mine = take_stock(service, product, 25, 5)
    taken = mine + results(other)
    assert len(taken) == 50
    assert taken.count(True) == 10
    assert service.get("product", product)["stock"] == 0
    service.engine.dispose()
