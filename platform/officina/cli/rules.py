"""`officina rules list|test|replay`: see the rules, try one on a record
without writing anything, and replay one over past changes."""

from __future__ import annotations

import datetime as dt
import json

import click

from officina.cli.options import site_option
from officina.errors import SiteError
from officina.records.audit import jsonable
from officina.runtime import Runtime


def _open(site_path) -> Runtime:
    return Runtime.open(site_path if site_path is not None else ".")


def describe_trigger(rule) -> str:
    trigger = rule.trigger
    if trigger.kind == "changed":
        parts = []
        for name in trigger.fields:
            start, end = trigger.changes.get(name, (None, None))
            text = name
            if start is not None:
                text += f" from {start}"
            if end is not None:
                text += f" to {end}"
            parts.append(text)
        return "changed: " + ", ".join(parts)
    if trigger.kind in ("transition", "entered"):
        return f"{trigger.kind}: {', '.join(trigger.names)}"
    if trigger.kind == "schedule":
        return f"schedule: {trigger.schedule}"
    if trigger.kind == "every":
        return f"every: {trigger.every.text if trigger.every else ''}"
    if trigger.kind == "threshold":
        return f"threshold: {trigger.threshold.source if trigger.threshold else ''}"
    return trigger.kind


def describe_where(rule) -> str:
    """The `where:` filter of a timed rule, written as in YAML."""
    return ", ".join(_filter_text(item) for item in rule.where)


def _filter_text(item) -> str:
    def shown(value) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, list | tuple):
            return "[" + ", ".join(shown(part) for part in value) + "]"
        if hasattr(value, "source"):  # an expression
            return "=" + str(value.source).removeprefix("=")
        return str(value)

    path = ".".join(item.path)
    if item.operator in ("eq", "in"):
        return f"{path}: {shown(item.value)}"
    return f"{path}: {{{item.operator}: {shown(item.value)}}}"


def _date(text: str | None, what: str):
    if text is None:
        return None
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise SiteError(
            f"{what} '{text}' is not a date. Hint: write it as 2024-05-31 "
            "or 2024-05-31T08:00"
        ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value


def _shown(value) -> str:
    return json.dumps(jsonable(value), ensure_ascii=False, default=str)


@click.group()
def rules() -> None:
    """See and try out the automation rules."""


@rules.command("list")
@site_option
def list_rules(site_path) -> None:
    """Every rule: entity, trigger, whether it is on."""
    runtime = _open(site_path)
    try:
        found = sorted(runtime.definitions.rules, key=lambda r: (r.entity, r.name))
        if not found:
            click.echo("No rules are defined.")
            return
        for rule in found:
            flags = []
            if not rule.enabled:
                flags.append("off")
            if rule.run == "later":
                flags.append("later")
            if rule.retrigger:
                flags.append("retrigger")
            suffix = f"  [{', '.join(flags)}]" if flags else ""
            click.echo(
                f"{rule.entity}.{rule.name}  on {describe_trigger(rule)}"
                f"{'  where ' + describe_where(rule) if rule.where else ''}"
                f"{'  when ' + rule.when.source if rule.when else ''}"
                f"  ({len(rule.actions)} step{'s' if len(rule.actions) != 1 else ''})"
                f"{suffix}"
            )
    finally:
        runtime.close()


@rules.command("test")
@site_option
@click.argument("rule_name", metavar="RULE")
@click.option("--record", "record_id", required=True, type=int, help="The record id.")
def test_rule(site_path, rule_name, record_id) -> None:
    """Show what RULE would do to a record now, writing and sending nothing."""
    runtime = _open(site_path)
    try:
        rule = runtime.automation.find_rule(rule_name)
        result = runtime.automation.dry_run(runtime, rule_name, record_id)
        click.echo(f"Rule {rule.entity}.{rule.name} on {rule.entity} {record_id}")
        click.echo(f"  trigger: {describe_trigger(rule)}")
        if rule.when is not None:
            click.echo(f"  condition: {rule.when.source} → {_shown(result.condition)}")
        for note in result.notes:
            click.echo("  " + _describe_note(note))
        if result.outcome == "skipped":
            click.echo("It would do nothing: its condition does not hold.")
        elif result.outcome == "failed":
            click.echo(f"It would fail, and undo the change: {result.error}")
        else:
            click.echo("Nothing was written or sent (this was a dry run).")
    finally:
        runtime.close()


def _describe_note(note: dict) -> str:
    kind = note.get("kind")
    if kind == "job":
        payload = note.get("payload") or {}
        if note.get("job_kind") == "email":
            return (
                f"would send an e-mail to {', '.join(payload.get('to') or [])}: "
                f"{payload.get('subject')!r}"
            )
        if note.get("job_kind") == "webhook":
            return f"would call {payload.get('method')} {payload.get('url')}"
        return f"would queue a {note.get('job_kind')} job: {_shown(payload)}"
    if kind == "skipped":
        where = f"step {note['step']} ({note.get('action')})" if "step" in note else ""
        return f"skips {where or note.get('rule', '')}: " + str(
            note.get("reason", "its condition does not hold")
        )
    details = {k: v for k, v in note.items() if k != "kind"}
    return f"would {kind}: {_shown(details)}"


@rules.command("replay")
@site_option
@click.argument("rule_name", metavar="RULE")
@click.option("--since", required=True, help="From this date (YYYY-MM-DD).")
@click.option("--until", default=None, help="Up to this date (excluded).")
def replay_rule(site_path, rule_name, since, until) -> None:
    """How often RULE would have fired on the changes since a date (from the
    audit trail); writes nothing."""
    start = _date(since, "--since")
    end = _date(until, "--until")
    runtime = _open(site_path)
    try:
        result = runtime.automation.replay(runtime, rule_name, start, end)
        rule = result["rule"]
        fired = result["fired"]
        if rule.trigger.kind in ("schedule", "every"):
            click.echo(
                f"Rule {rule.entity}.{rule.name} ({describe_trigger(rule)}) would act "
                f"on {len(fired)} of {result['changes']} records now."
            )
        else:
            click.echo(
                f"Rule {rule.entity}.{rule.name} would have fired {len(fired)} "
                f"time{'s' if len(fired) != 1 else ''} on {result['changes']} "
                f"change{'s' if result['changes'] != 1 else ''}."
            )
        for item in fired[:50]:
            when = f" at {item['at']:%Y-%m-%d %H:%M}" if item.get("at") else ""
            click.echo(f"  {rule.entity} {item['record_id']}{when}")
        if len(fired) > 50:
            click.echo(f"  ... and {len(fired) - 50} more")
    finally:
        runtime.close()
