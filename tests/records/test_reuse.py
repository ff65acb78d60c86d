"""What the records service keeps between calls (statements, per runtime)
never changes an answer, and the shortcuts of the write path keep its
promises: a refused write leaves the transaction usable, and a writer waits
for SQLite's write lock instead of failing."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from shop_pack import SHOP
from sqlalchemy.exc import OperationalError

from officina import database
from officina.definitions.model import Filter
from officina.records import RecordInvalid, RecordsService
from officina.records import service as service_module
from officina.records.service import LISTED
from officina.schema.migrate import migrate
from officina.schema.tables import build_schema


def product(shop, index: int, name: str) -> dict:
    return shop.create(
        "product", {"sku": f"SKU-{index}", "name": name, "price": "1", "stock": 0}
    )


def names(page) -> list[str]:
    return [record["name"] for record in page.records]


def test_a_repeated_list_sees_new_records(shop):
    product(shop, 1, "Pen")
    query = {"filters": (Filter(("name",), "eq", "Pen"),), "sort": ("id",)}
    assert names(shop.list("product", **query)) == ["Pen"]
    product(shop, 2, "Pen")
    assert names(shop.list("product", **query)) == ["Pen", "Pen"]


def test_equal_python_values_are_different_filters(shop):
    # 1 == True and Decimal("1.0") == Decimal("1.00") in Python, but as text
    # filters they mean different names: a kept statement must not mix them.
    for index, name in enumerate(["1", "True", "1.0", "1.00"]):
        product(shop, index, name)
    for value, expected in [
        (1, ["1"]),
        (True, ["True"]),
        (Decimal("1.0"), ["1.0"]),
        (Decimal("1.00"), ["1.00"]),
        ("1", ["1"]),
    ]:
        page = shop.list("product", filters=(Filter(("name",), "eq", value),))
        assert names(page) == expected, value


def test_lists_with_a_cursor_or_a_period_are_answered_afresh(shop):
    for index in range(5):
        product(shop, index, f"Item {index}")
    first = shop.list("product", sort=("name",), limit=2)
    second = shop.list("product", sort=("name",), limit=2, cursor=first.next_cursor)
    assert names(first) == ["Item 0", "Item 1"]
    assert names(second) == ["Item 2", "Item 3"]
    today = (Filter(("created_at",), "within", "today"),)
    assert len(shop.list("product", filters=today).records) == 5


def test_kept_list_statements_are_bounded(shop):
    for index in range(LISTED + 10):
        shop.list("product", filters=(Filter(("name",), "eq", f"n{index}"),))
    assert len(shop.statements._listed) <= LISTED


def test_a_refused_write_leaves_the_transaction_usable(shop, monkeypatch):
    # Without the service's own check, the database's unique constraint is
    # what refuses the duplicate, as it does when two writers race.
    monkeypatch.setattr(service_module, "check_unique", lambda *a, **k: None)
    with shop.transaction() as transaction:
        first = transaction.create(
            "product", {"sku": "PEN-1", "name": "Pen", "price": "1"}
        )
        with pytest.raises(RecordInvalid) as refused:
            transaction.create(
                "product", {"sku": "PEN-1", "name": "Copy", "price": "1"}
            )
        assert refused.value.problems.as_dict()["fields"]["sku"]
        second = transaction.create(
            "product", {"sku": "PEN-2", "name": "Ink", "price": "2"}
        )
        with pytest.raises(RecordInvalid):
            transaction.update("product", second["id"], {"sku": "PEN-1"})
        transaction.update("product", second["id"], {"name": "Blue ink"})
    page = shop.list("product", sort=("sku",))
    assert [(r["sku"], r["name"]) for r in page.records] == [
        ("PEN-1", "Pen"),
        ("PEN-2", "Blue ink"),
    ]
    assert [r["id"] for r in page.records] == [first["id"], second["id"]]
    history = shop.history("product", second["id"])
    assert [entry["action"] for entry in history] == ["create", "update"]


def _hold_write_lock(engine, locked: threading.Event, release: threading.Event):
    with engine.connect() as connection:
        connection = connection.execution_options(**{database.WRITE: True})
        with connection.begin():
            locked.set()
            release.wait(10)


@pytest.fixture
def sqlite_shop(load_files, tmp_path):
    """The shop on a SQLite file whatever database the suite runs on: the
    write lock below is SQLite's own."""
    engine = database.create_database_engine(f"sqlite:///{tmp_path / 'lock.db'}")
    definitions = load_files(SHOP)
    schema = build_schema(definitions)
    migrate(engine, schema, backup_dir=tmp_path / "backups")
    yield RecordsService(definitions, schema, engine)
    engine.dispose()


def test_a_writer_waits_for_the_write_lock(sqlite_shop):
    shop = sqlite_shop
    locked, release = threading.Event(), threading.Event()
    holder = threading.Thread(
        target=_hold_write_lock, args=(shop.engine, locked, release)
    )
    holder.start()
    try:
        assert locked.wait(10)
        threading.Timer(0.2, release.set).start()
        created = product(shop, 1, "Pen")  # waits until the holder is done
    finally:
        release.set()
        holder.join()
    assert shop.get("product", created["id"])["name"] == "Pen"


def test_a_writer_gives_up_after_the_busy_timeout(sqlite_shop, monkeypatch):
    shop = sqlite_shop
    monkeypatch.setattr(database, "BUSY_TIMEOUT_MS", 50)
    locked, release = threading.Event(), threading.Event()
    holder = threading.Thread(
        target=_hold_write_lock, args=(shop.engine, locked, release)
    )
    holder.start()
    try:
        assert locked.wait(10)
        with pytest.raises(OperationalError, match="locked"):
            product(shop, 1, "Pen")
    finally:
        release.set()
        holder.join()
    assert product(shop, 2, "Ink")["name"] == "Ink"
