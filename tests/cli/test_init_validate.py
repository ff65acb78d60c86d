"""`officina init` and `officina validate` as a user runs them."""

from __future__ import annotations

import importlib
import json

import yaml

from officina.cli import main
from officina.site import Site

ORDER = """\
entity: order
fields:
  customer: {type: reference, to: customer, required: true}
  note: text
---
entity: customer
fields:
  email: {type: email, unique: true}
"""


def test_init_creates_a_site_that_validates(runner, tmp_path):
    site = tmp_path / "shop"
    result = runner.invoke(main, ["init", str(site)])
    assert result.exit_code == 0, result.output
    assert "Created the site 'shop'" in result.output
    settings = yaml.safe_load((site / "site.yaml").read_text())
    assert settings["database"] == "sqlite:///officina.sqlite3"
    assert settings["packs"] == {}
    assert (site / "definitions").is_dir()
    assert Site.load(site).name == "shop"
    result = runner.invoke(main, ["validate", "--site", str(site)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("OK: ")


def test_init_refuses_to_overwrite_a_site(runner, tmp_path):
    runner.invoke(main, ["init", str(tmp_path / "shop")])
    (tmp_path / "shop" / "site.yaml").write_text("name: mine\n")
    result = runner.invoke(main, ["init", str(tmp_path / "shop")])
    assert result.exit_code == 1
    assert "is already a site" in result.output
    assert (tmp_path / "shop" / "site.yaml").read_text() == "name: mine\n"


def test_validate_a_site_with_its_own_definitions(runner, tmp_path):
    site = tmp_path / "shop"
    runner.invoke(main, ["init", str(site)])
    (site / "definitions" / "order.yaml").write_text(ORDER)
    result = runner.invoke(main, ["validate", "--site", str(site)])
    assert result.exit_code == 0, result.output
    assert "2 entities" in result.output


def test_validate_reports_every_problem_with_its_place(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "order.yaml").write_text(
        ORDER.replace("to: customer", "to: custmer").replace("note: text", "note: txt")
    )
    result = runner.invoke(main, ["validate", "order.yaml"])
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "order.yaml:4:9: unknown field type 'txt' in fields.note. Hint: did you mean "
        "'text'?",
        "1 problem found.",
    ]
    (tmp_path / "order.yaml").write_text(ORDER.replace("to: customer", "to: custmer"))
    result = runner.invoke(main, ["validate", "order.yaml"])
    assert result.output.splitlines() == [
        "order.yaml:3:35: unknown entity 'custmer' in field 'customer'. Hint: did you "
        "mean 'customer'?",
        "1 problem found.",
    ]


def test_validate_json_output_for_editors(runner, tmp_path):
    (tmp_path / "order.yaml").write_text("entity: order\nfields: {a: {type: strin}}\n")
    result = runner.invoke(
        main, ["validate", "--format", "json", str(tmp_path / "order.yaml")]
    )
    assert result.exit_code == 1
    (problem,) = json.loads(result.output)
    assert problem["line"] == 2 and problem["column"] == 20
    assert problem["hint"] == "did you mean 'string'?"


def test_validate_outside_a_site_says_what_to_do(runner, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(main, ["validate"])
    assert result.exit_code == 1
    assert result.output == (
        "Error: there is no site.yaml in this folder. Hint: create a site with "
        "'officina init mysite', or pass --site PATH.\n"
    )


def test_broken_site_yaml_is_reported_with_its_line(runner, tmp_path):
    site = tmp_path / "shop"
    runner.invoke(main, ["init", str(site)])
    text = (site / "site.yaml").read_text().replace("plugins: []", "plugin: []")
    (site / "site.yaml").write_text(text)
    result = runner.invoke(main, ["validate", "--site", str(site)])
    assert result.exit_code == 1
    line = next(
        i for i, row in enumerate(text.splitlines(), 1) if row.startswith("plugin:")
    )
    assert f"site.yaml:{line}:1: unknown key 'plugin'" in result.output
    assert "did you mean 'plugins'?" in result.output


def test_validate_a_pack_folder_loads_its_dependencies(runner, tmp_path, make_pack):
    base = make_pack(
        {"customer.yaml": "entity: customer\nfields: {name: string}\n"}, name="base"
    )
    extra = make_pack(
        {"vip.yaml": "extend: customer\nfields: {vip: boolean}\n"},
        name="extra",
        depends={"base": "^1.0"},
    )
    result = runner.invoke(main, ["validate", str(base), str(extra)])
    assert result.exit_code == 0, result.output
    assert "2 packs, 1 entities" in result.output


def test_validate_checks_a_packs_demo_data_unless_told_not_to(
    runner, tmp_path, make_pack
):
    shop = make_pack(
        {
            "customer.yaml": "entity: customer\nfields: {name: string}\n",
            "demo/customers.yaml": "seed: customer\nrecords:\n  - nmae: Ann\n",
        },
        name="shop",
    )
    checked = runner.invoke(main, ["validate", str(shop)])
    assert checked.exit_code == 1
    assert "demo/customers.yaml:3:5" in checked.output
    assert "did you mean 'name'?" in checked.output
    skipped = runner.invoke(main, ["validate", "--no-demo", str(shop)])
    assert skipped.exit_code == 0, skipped.output
    assert skipped.output.startswith("OK:")


def test_internal_errors_are_reported_without_a_traceback(
    runner, monkeypatch, tmp_path
):
    command = importlib.import_module("officina.cli.validate")

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(command, "_load", broken)
    (tmp_path / "a.yaml").write_text("entity: a\nfields: {}\n")
    result = runner.invoke(main, ["validate", str(tmp_path / "a.yaml")])
    assert result.exit_code == 70
    assert "Traceback" not in result.output
    assert "Internal error: RuntimeError: boom" in result.output


def test_schema_command_prints_the_published_schema(runner):
    from officina.definitions.schema_document import SCHEMA_FILE

    result = runner.invoke(main, ["schema"])
    assert result.exit_code == 0
    assert result.output == SCHEMA_FILE.read_text("utf-8")
