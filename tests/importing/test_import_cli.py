"""`officina import`: a progress line, the problems listed, exit status 1,
never a traceback."""

from __future__ import annotations

from import_files import write_csv

from officina.cli import main
from officina.runtime import Runtime


def names(site):
    runtime = Runtime.open(site)
    try:
        return sorted(r["name"] for r in runtime.records.list("customer").records)
    finally:
        runtime.close()


def test_import_a_csv(runner, site, tmp_path):
    path = write_csv(tmp_path / "c.csv", "Town;Name\nOslo;Fjord AS\nBergen;Rain Ltd\n")
    result = runner.invoke(
        main,
        ["import", "customer", str(path), "--site", str(site), "--map", "Town=city"],
    )
    assert result.exit_code == 0, result.output
    assert "Imported 2 rows: 2 created, 0 updated." in result.output
    assert "2/2 rows" in result.output
    assert names(site) == ["Fjord AS", "Rain Ltd"]


def test_dry_run_writes_nothing(runner, site, tmp_path):
    path = write_csv(tmp_path / "c.csv", "Name\nFjord AS\n")
    result = runner.invoke(
        main, ["import", "customer", str(path), "--site", str(site), "--dry-run"]
    )
    assert result.exit_code == 0, result.output
    assert "OK: 1 rows checked, nothing written." in result.output
    assert names(site) == []


def test_problems_are_listed_first_fifty_and_a_count(runner, site, tmp_path):
    lines = "".join(f"C{n},,{'x' if n % 2 else n}\n" for n in range(60))
    path = write_csv(tmp_path / "c.csv", "code,name,credit_limit\n" + lines)
    result = runner.invoke(main, ["import", "customer", str(path), "--site", str(site)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "row 2, name: is required" in result.output
    assert "... and 40 more problems." in result.output
    assert "90 problems in 60 rows." in result.output
    assert names(site) == []


def test_valid_mode_keeps_the_good_rows_and_says_where_the_report_is(
    runner, site, tmp_path
):
    path = write_csv(tmp_path / "c.csv", "name,credit_limit\nGood,1\nBad,x\n")
    result = runner.invoke(
        main,
        ["import", "customer", str(path), "--site", str(site), "--mode", "valid"],
    )
    assert result.exit_code == 1
    assert "Error report: " in result.output
    assert "row 3, credit_limit: must be a number, not 'x'" in result.output
    assert names(site) == ["Good"]


def test_refusals_are_messages(runner, site, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    result = runner.invoke(
        main, ["import", "customer", str(empty), "--site", str(site)]
    )
    assert result.exit_code == 1
    assert "Error: 'empty.csv' is empty" in result.output
    good = write_csv(tmp_path / "c.csv", "name\nA\n")
    result = runner.invoke(main, ["import", "nothing", str(good), "--site", str(site)])
    assert "Error: there is no entity 'nothing'" in result.output
    result = runner.invoke(
        main, ["import", "customer", str(good), "--site", str(site), "--key", "city"]
    )
    assert result.exit_code == 1
    assert "cannot be the key" in result.output
    result = runner.invoke(
        main,
        ["import", "customer", str(good), "--site", str(site), "--map", "name=nope"],
    )
    assert "'nope' is not a field of Customer" in result.output
    assert "Traceback" not in result.output


def test_help_documents_the_command(runner):
    result = runner.invoke(main, ["import", "--help"])
    assert result.exit_code == 0
    assert "--mode [all|valid]" in result.output and "--dry-run" in result.output
