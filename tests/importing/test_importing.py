"""Reading CSV and XLSX files, suggesting a mapping, previewing, and the
two import modes, upserts and references, through the records service."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from import_files import write_csv

from officina.definitions.model import Filter
from officina.files import FileStore
from officina.records.errors import PermissionDenied
from officina.records.importing import (
    DONE,
    FAILED,
    Importer,
    ImportProblem,
    create_import,
    importable_fields,
    open_sheet,
    run_import,
    suggest_mapping,
)
from officina.records.service import SYSTEM

CUSTOMERS = """\
Code,Name,City,Tier,Credit limit,Customer since,Active
C1,Fjord AS,Oslo,Gold,500,2024-01-31,yes
C2,Rain Ltd,Bergen,silver,900.50,2023-05-01,no
C3,Snow Co,Tromsø,铜牌,0,2025/02/03,是
"""


def records(runtime, entity="customer"):
    return runtime.records.list(entity, limit=500).records


def importer(runtime, mapping=None, path=None, **options):
    model = runtime.definitions.entities["customer"]
    if mapping is None:
        with open_sheet(path) as sheet:
            mapping = suggest_mapping(importable_fields(runtime, model), sheet.header)
    return Importer(
        runtime, "customer", options.pop("actor", SYSTEM), mapping, **options
    )


def start(
    runtime,
    path,
    *,
    entity="customer",
    mode="all",
    key=None,
    mapping=None,
    actor=SYSTEM,
):
    with open(path, "rb") as stream:
        stored = FileStore.of_site(runtime.site).save_file(stream, path.name, 10**8)
    if mapping is None:
        model = runtime.definitions.entities[entity]
        with open_sheet(path) as sheet:
            mapping = suggest_mapping(
                importable_fields(runtime, model, actor), sheet.header
            )
    import_id = create_import(
        runtime,
        entity=entity,
        actor=actor,
        file_name=path.name,
        file_key=stored["key"],
        mapping=mapping,
        mode=mode,
        key_field=key,
    )
    return run_import(runtime, import_id, actor=actor)


# -- reading ------------------------------------------------------------------------
@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
@pytest.mark.parametrize("bom", [False, True])
def test_csv_delimiters_and_bom(tmp_path, delimiter, bom):
    text = CUSTOMERS.replace(",", delimiter)
    path = write_csv(tmp_path / "c.csv", text, bom=bom)
    with open_sheet(path) as sheet:
        assert sheet.header[0] == "Code"
        rows = list(sheet.rows())
    assert [number for number, _cells in rows] == [2, 3, 4]
    assert rows[2][1][:3] == ["C3", "Snow Co", "Tromsø"]


def test_one_column_csv_falls_back_to_comma(tmp_path):
    path = write_csv(tmp_path / "c.csv", "Name\nFjord AS\n\nRain Ltd\n")
    with open_sheet(path) as sheet:
        assert sheet.header == ["Name"]
        assert [cells for _n, cells in sheet.rows()] == [["Fjord AS"], ["Rain Ltd"]]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", b"", "is empty"),
        ("blank.csv", b"\n\n", "no header row"),
        ("photo.png", b"\x89PNG\r\n\x1a\n....", "not a CSV or XLSX file"),
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "old Excel file"),
        ("latin.csv", "Name\nTromsø\n".encode("latin-1"), "not UTF-8"),
        ("broken.xlsx", b"PK\x03\x04 not really a zip", "not a readable XLSX"),
        ("dup.csv", b"Name,City,name\nA,B,C\n", "names 'name' twice"),
        ("gap.csv", b"Name,,City\nA,B,C\n", "column 2 of the header row has no name"),
    ],
)
def test_bad_files(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ImportProblem, match=message):
        open_sheet(path).close()


def test_xlsx_dates_and_numbers(runtime, tmp_path):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["编号", "名称", "等级", "信用额度", "注册日期", "有效"])
    sheet.append(["X1", "Fjord AS", "金牌", 1234.5, dt.datetime(2024, 1, 31), True])
    sheet.append([42, "Rain Ltd", "silver", 7, dt.date(2023, 5, 1), False])
    path = tmp_path / "customers.xlsx"
    book.save(path)
    row = start(runtime, path)
    assert row["status"] == DONE, (row["message"], row["problems"])
    found = {r["code"]: r for r in records(runtime)}
    assert found["X1"]["credit_limit"] == Decimal("1234.50")
    assert found["X1"]["since"] == dt.date(2024, 1, 31)
    assert found["X1"]["tier"] == "gold" and found["X1"]["active"] is True
    assert found["42"]["credit_limit"] == Decimal("7.00")  # 42, not "42.0"
    assert found["42"]["since"] == dt.date(2023, 5, 1)


# -- mapping --------------------------------------------------------------------------
def test_mapping_suggestion_in_english_and_chinese(runtime):
    model = runtime.definitions.entities["customer"]
    fields = importable_fields(runtime, model)
    english = ["CODE", "name", "Credit_Limit", "customer since", "Colour"]
    assert suggest_mapping(fields, english) == {
        "CODE": "code",
        "name": "name",
        "Credit_Limit": "credit_limit",
        "customer since": "since",
    }
    chinese = ["编号", "名称", "城市", "等级", "信用额度", "注册日期"]
    assert suggest_mapping(fields, chinese) == {
        "编号": "code",
        "名称": "name",
        "城市": "city",
        "等级": "tier",
        "信用额度": "credit_limit",
        "注册日期": "since",
    }


def test_bad_mappings_are_refused_with_every_reason(runtime):
    header = ["Code", "Name", "Town"]
    with pytest.raises(ImportProblem) as caught:
        Importer(
            runtime,
            "customer",
            SYSTEM,
            {"Code": "name", "Name": "name", "Town": "town"},
            header=header,
        )
    message = str(caught.value)
    assert "'Code', 'Name' are all mapped to Name" in message
    assert "'town' is not a field of Customer" in message
    with pytest.raises(ImportProblem, match="no column is mapped to Name"):
        Importer(runtime, "customer", SYSTEM, {"Code": "code"}, header=header)
    with pytest.raises(ImportProblem, match="the key must be a unique field"):
        Importer(
            runtime,
            "customer",
            SYSTEM,
            {"Name": "name"},
            header=header,
            key_field="city",
        )


# -- preview --------------------------------------------------------------------------
def test_preview_lists_each_rows_problems_and_writes_nothing(runtime, tmp_path):
    path = write_csv(
        tmp_path / "c.csv",
        "Code,Name,Tier,Credit limit,Customer since\n"
        "C1,Fjord AS,gold,500,2024-01-31\n"
        "C2,,platinum,-5,31/01/2024\n"
        "C1,Again,silver,1,\n",
    )
    preview = importer(runtime, path=path)
    with open_sheet(path) as sheet:
        rows = preview.preview(sheet)
    assert [r.number for r in rows] == [2, 3, 4]
    assert rows[0].ok
    problems = dict(rows[1].problems)
    assert set(problems) == {"Name", "Tier", "Credit limit", "Customer since"}
    assert "platinum" in problems["Tier"]
    assert rows[2].problems == [("Code", "'C1' is also in row 2 of the file")]
    assert records(runtime) == []


# -- the two modes --------------------------------------------------------------------
BAD = """\
Code,Name,City,Credit limit
C1,Fjord AS,Oslo,500
C2,,Bergen,abc
C3,Snow Co,Tromsø,10
"""


def test_all_or_nothing_writes_nothing_when_a_row_is_bad(runtime, tmp_path):
    row = start(runtime, write_csv(tmp_path / "c.csv", BAD), mode="all")
    assert row["status"] == FAILED
    assert row["message"] == "Nothing was imported: 1 of 3 rows have problems."
    assert (row["created"], row["failed"], row["processed"]) == (0, 1, 3)
    items = row["problems"]["items"]
    assert {(p["row"], p["column"]) for p in items} == {
        (3, "Name"),
        (3, "Credit limit"),
    }
    assert records(runtime) == []
    assert runtime.records.audit_entries(entity="customer") == []


def test_valid_only_writes_the_good_rows_and_reports_the_bad(runtime, tmp_path):
    row = start(runtime, write_csv(tmp_path / "c.csv", BAD), mode="valid")
    assert row["status"] == DONE
    assert (row["created"], row["failed"], row["processed"]) == (2, 1, 3)
    assert sorted(r["code"] for r in records(runtime)) == ["C1", "C3"]
    with FileStore.of_site(runtime.site).open(row["report_key"]) as stream:
        report = stream.read().decode("utf-8-sig")
    lines = report.splitlines()
    assert lines[0] == "Code,Name,City,Credit limit,problems"
    assert lines[1].startswith("C2,,Bergen,abc,")
    assert (
        "Name: is required" in lines[1] and "Credit limit: must be a number" in lines[1]
    )
    assert len(lines) == 2
    # Each record has its audit entry, by whoever imported (here the system).
    assert len(runtime.records.audit_entries(entity="customer")) == 2


def test_upsert_updates_records_by_key(runtime, tmp_path):
    runtime.records.create("customer", {"code": "C1", "name": "Old name", "city": "X"})
    path = write_csv(
        tmp_path / "c.csv",
        "code,name,city\nC1,New name,\nC9,Brand new,Oslo\n",
    )
    row = start(runtime, path, key="code")
    assert row["status"] == DONE, (row["message"], row["problems"])
    assert (row["created"], row["updated"]) == (1, 1)
    found = {r["code"]: r for r in records(runtime)}
    assert found["C1"]["name"] == "New name"
    assert found["C1"]["city"] == "X"  # an empty cell leaves the value
    assert found["C1"]["version"] == 2
    assert found["C9"]["city"] == "Oslo"


def test_references_by_name_unique_value_or_id(runtime, tmp_path):
    fjord = runtime.records.create("customer", {"code": "C1", "name": "Fjord AS"})
    rain = runtime.records.create("customer", {"code": "C2", "name": "Rain Ltd"})
    runtime.records.create("customer", {"code": "C3", "name": "Twin"})
    runtime.records.create("customer", {"code": "C4", "name": "Twin"})
    path = write_csv(
        tmp_path / "o.csv",
        f"customer,amount\nFjord AS,10\n{rain['id']},20\nC2,30\nNobody,40\nTwin,50\n",
    )
    row = start(runtime, path, entity="order", mode="valid")
    assert (row["created"], row["failed"]) == (3, 2)
    orders = runtime.records.list("order", limit=10, sort=("amount",)).records
    assert [o["customer"] for o in orders] == [fjord["id"], rain["id"], rain["id"]]
    messages = {p["row"]: p["message"] for p in row["problems"]["items"]}
    assert messages[5] == "there is no Customer 'Nobody'"
    assert "several Customer records are called 'Twin'" in messages[6]


def test_references_are_found_with_one_query_per_batch(runtime, tmp_path, monkeypatch):
    for number in range(30):
        runtime.records.create("customer", {"code": f"C{number}", "name": f"N{number}"})
    lines = "".join(f"N{number % 30},{number}\n" for number in range(120))
    path = write_csv(tmp_path / "o.csv", "customer,amount\n" + lines)
    calls = []
    original = runtime.records.list

    def counting(entity, **options):
        calls.append(entity)
        return original(entity, **options)

    monkeypatch.setattr(runtime.records, "list", counting)
    row = start(runtime, path, entity="order", mode="valid")
    assert row["created"] == 120
    assert calls.count("customer") <= 2  # code, then title: per batch, not row


# -- permissions ----------------------------------------------------------------------
def test_a_role_without_import_is_refused(runtime, clerk, tmp_path):
    with pytest.raises(PermissionDenied, match="may not import Customer"):
        Importer(runtime, "customer", clerk, {"Name": "name"})
    path = write_csv(tmp_path / "c.csv", "Name\nFjord AS\n")
    row = start(runtime, path, actor=clerk, mapping={"Name": "name"})
    assert row["status"] == FAILED
    assert "may not import Customer" in row["message"]
    assert records(runtime) == []


def test_a_role_with_import_writes_as_itself(runtime, clerk, tmp_path):
    fjord = runtime.records.create("customer", {"code": "C1", "name": "Fjord AS"})
    path = write_csv(tmp_path / "o.csv", "customer,amount\nFjord AS,10\n")
    row = start(runtime, path, entity="order", actor=clerk)
    assert row["status"] == DONE, (row["message"], row["problems"])
    order = runtime.records.list("order", limit=1).records[0]
    assert order["customer"] == fjord["id"]
    assert order["created_by"] == clerk.id


def test_an_import_runs_once(runtime, tmp_path):
    path = write_csv(tmp_path / "c.csv", "Name\nFjord AS\n")
    row = start(runtime, path)
    assert row["status"] == DONE
    again = run_import(runtime, row["id"])
    assert again["created"] == 1
    assert len(records(runtime)) == 1


def test_streams_large_files_in_batches(runtime, tmp_path):
    lines = "".join(f"I{number},{number % 7}\n" for number in range(1234))
    path = write_csv(tmp_path / "items.csv", "code,qty\n" + lines)
    seen = []
    model = runtime.definitions.entities["item"]
    item_importer = Importer(
        runtime, "item", SYSTEM, {"code": "code", "qty": "qty"}, mode="all"
    )
    assert importable_fields(runtime, model)
    outcome = item_importer.run(path, progress=lambda o: seen.append(o.processed))
    assert outcome.created == 1234
    assert seen[:3] == [500, 1000, 1234]  # checked, batch by batch
    assert seen[-1] == 1234
    page = runtime.records.list(
        "item", filters=[Filter(("code",), "eq", "I1233")], limit=1
    )
    assert page.records[0]["qty"] == 1233 % 7
    assert io  # noqa: B018
