"""Administration of the automation rules: every rule with its trigger,
whether it is on, its recent runs, failures and last error; one rule with
its run log. Only the admin role gets here."""

from __future__ import annotations

from flask import abort, render_template
from sqlalchemy import func, select

from officina.app import runtime
from officina.cli.rules import describe_trigger, describe_where
from officina.schema.tables import RULE_RUNS
from officina.web.ui import blueprint
from officina.web.ui.paging import newest_first


def _runs_table():
    return runtime().schema.metadata.tables[RULE_RUNS]


@blueprint.get("/admin/rules")
def admin_rules():
    rules = sorted(runtime().definitions.rules, key=lambda r: (r.entity, r.name))
    table = _runs_table()
    stats: dict = {}
    with runtime().engine.connect() as connection:
        counts = connection.execute(
            select(
                table.c.entity,
                table.c.rule,
                table.c.outcome,
                func.count(),
                func.max(table.c.at),
            ).group_by(table.c.entity, table.c.rule, table.c.outcome)
        ).all()
        for entity, rule, outcome, count, last in counts:
            entry = stats.setdefault(
                (entity, rule), {"runs": 0, "failed": 0, "last": None}
            )
            entry["runs"] += count
            if outcome == "failed":
                entry["failed"] += count
            if last is not None and (entry["last"] is None or last > entry["last"]):
                entry["last"] = last
        for (entity, rule), entry in stats.items():
            if entry["failed"]:
                entry["error"] = connection.execute(
                    select(table.c.error)
                    .where(
                        table.c.entity == entity,
                        table.c.rule == rule,
                        table.c.outcome == "failed",
                    )
                    .order_by(table.c.id.desc())
                    .limit(1)
                ).scalar()
    return render_template(
        "ui/admin/rules.html",
        rules=rules,
        stats=stats,
        describe_trigger=describe_trigger,
    )


@blueprint.get("/admin/rules/<name>")
def admin_rule(name: str):
    found = [
        rule
        for rule in runtime().definitions.rules
        if rule.name == name or f"{rule.entity}.{rule.name}" == name
    ]
    if not found:
        abort(404)
    rule = found[0]
    table = _runs_table()
    with runtime().engine.connect() as connection:
        page = newest_first(
            connection,
            select(table).where(
                table.c.rule == rule.name, table.c.entity == rule.entity
            ),
            table.c.id,
        )
    return render_template(
        "ui/admin/rule.html",
        rule=rule,
        runs=page.rows,
        page=page,
        trigger=describe_trigger(rule),
        where=describe_where(rule),
    )
