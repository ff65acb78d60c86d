"""`officina rules list|test|replay`, and a site's plugins."""

from __future__ import annotations

import textwrap

import pytest
from click.testing import CliRunner
from rules_world import SITE_RULES, jobs, runs

from officina.automation.context import ActionFailed
from officina.cli import main
from officina.errors import SiteError
from officina.runtime import Runtime
from pack_files import make_site


@pytest.fixture
def site(runner, tmp_path, database_url):
    return make_site(
        runner, tmp_path / "site", database_url, SITE_RULES, file="rules.yaml"
    )


@pytest.fixture
def opened(site):
    runtime = Runtime.open(site)
    yield runtime
    runtime.close()


def test_runtime_has_plugins_and_rules(opened):
    assert opened.automation is not None
    assert "send_email" in opened.automation.actions
    opened.records.create("customer", {"name": "Ada", "email": "ada@example.com"})
    assert len(jobs(opened, kind="email")) == 1


def test_rules_list(runner, site):
    result = runner.invoke(main, ["rules", "list", "--site", str(site)])
    assert result.exit_code == 0, result.output
    assert "customer.welcome  on created  when email" in result.output
    assert "customer.promoted  on changed: tier to gold" in result.output
    assert "customer.nightly  on schedule: 0 3 * * *" in result.output
    assert "[off]" in result.output


def test_rules_test_is_a_dry_run(runner, site, opened):
    customer = opened.records.create(
        "customer", {"name": "Ada", "email": "ada@example.com"}
    )
    before_jobs, before_runs = len(jobs(opened)), len(runs(opened))
    result = runner.invoke(
        main,
        [
            "rules",
            "test",
            "welcome",
            "--record",
            str(customer["id"]),
            "--site",
            str(site),
        ],
    )
    assert result.exit_code == 0, result.output
    assert 'condition: email → "ada@example.com"' in result.output
    assert "would send an e-mail to ada@example.com: 'Welcome Ada'" in result.output
    assert "Nothing was written" in result.output
    assert len(jobs(opened)) == before_jobs and len(runs(opened)) == before_runs

    result = runner.invoke(
        main,
        [
            "rules",
            "test",
            "promoted",
            "--record",
            str(customer["id"]),
            "--site",
            str(site),
        ],
    )
    assert result.exit_code == 0, result.output
    assert '"name": "Ada (gold)"' in result.output
    assert opened.records.get("customer", customer["id"])["name"] == "Ada"


def test_rules_test_refuses_unknown_rule_and_record(runner, site):
    result = runner.invoke(
        main, ["rules", "test", "welcom", "--record", "1", "--site", str(site)]
    )
    assert result.exit_code == 1
    assert "there is no rule 'welcom'" in result.output
    assert "welcome" in result.output and "Traceback" not in result.output
    result = runner.invoke(
        main, ["rules", "test", "welcome", "--record", "999", "--site", str(site)]
    )
    assert result.exit_code == 1
    assert "there is no customer with id 999" in result.output


def test_rules_replay(runner, site, opened):
    ada = opened.records.create("customer", {"name": "Ada"})
    bob = opened.records.create("customer", {"name": "Bob", "email": "b@example.com"})
    opened.records.update("customer", ada["id"], {"tier": "gold"})
    opened.records.update("customer", bob["id"], {"tier": "silver"})
    count = len(runs(opened))
    arguments = ["rules", "replay", "--since", "2000-01-01", "--site", str(site)]
    result = runner.invoke(main, [*arguments[:2], "promoted", *arguments[2:]])
    assert result.exit_code == 0, result.output
    assert "would have fired 1 time on" in result.output
    assert f"customer {ada['id']}" in result.output
    result = runner.invoke(main, [*arguments[:2], "welcome", *arguments[2:]])
    assert "would have fired 1 time on" in result.output
    result = runner.invoke(main, [*arguments[:2], "nightly", *arguments[2:]])
    assert "would act on 1 of 2 records now" in result.output
    assert len(runs(opened)) == count
    result = runner.invoke(
        main,
        ["rules", "replay", "welcome", "--since", "yesterday", "--site", str(site)],
    )
    assert result.exit_code == 1 and "is not a date" in result.output


def test_missing_plugin_names_site_yaml(site):
    text = (
        (site / "site.yaml")
        .read_text()
        .replace("plugins: []", "plugins: [no_such_officina_plugin]")
    )
    (site / "site.yaml").write_text(text)
    with pytest.raises(SiteError, match="site.yaml lists the plugin"):
        Runtime.open(site)


def test_unknown_call_opens_but_fails_when_run(site):
    calls = """\
        entity: payment
        fields:
          amount: money
        rules:
          capture:
            on: created
            do: [{call: {action: ledger.post_entry}}]
        """
    (site / "definitions" / "calls.yaml").write_text(textwrap.dedent(calls))
    runner_result = CliRunner().invoke(main, ["migrate", "--site", str(site)])
    assert runner_result.exit_code == 0, runner_result.output
    runtime = Runtime.open(site)
    try:
        (problem,) = runtime.automation.problems
        assert "'ledger.post_entry', which no plugin provides" in problem
        with pytest.raises(ActionFailed, match="no plugin provides the action"):
            runtime.records.create("payment", {"amount": "5"})
        assert runtime.records.list("payment").records == []
    finally:
        runtime.close()
