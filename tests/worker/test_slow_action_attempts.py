"""A slow plugin action, run as a job of the worker, sees which attempt it
is (`context.attempt` of `context.max_attempts`), so it can give up
gracefully on the last one instead of leaving a dead letter."""

from __future__ import annotations

import datetime as dt
import textwrap

import pytest
from outbox_helpers import T0, jobs

from officina.automation.outbox import DEFAULT_ATTEMPTS
from officina.automation.worker import Worker
from officina.runtime import Runtime
from pack_files import make_site

PLUGIN = "attempts_probe_plugin"
PLUGIN_SOURCE = '''
"""A slow action that asks a provider which is busy until the last try."""

from officina.automation.hookspecs import hookimpl
from officina.automation.outbox import RetryLater


def ask(context):
    if not context.last_attempt:
        raise RetryLater(
            f"attempt {context.attempt} of {context.max_attempts}: provider busy"
        )
    context.transaction.update(
        context.entity,
        context.record_id,
        {"answer": f"gave up on attempt {context.attempt} of {context.max_attempts}"},
    )


ask.slow = True


@hookimpl
def officina_actions():
    return {"probe.ask": ask}
'''

DESK = """\
entity: ticket
fields:
  subject: {type: string, required: true}
  answer: text
rules:
  ask_provider:
    on: created
    do:
      - call: {action: probe.ask}
"""


@pytest.fixture
def opened(runner, tmp_path, database_url, monkeypatch):
    (tmp_path / "plugins").mkdir()
    (tmp_path / "plugins" / f"{PLUGIN}.py").write_text(
        textwrap.dedent(PLUGIN_SOURCE), "utf-8"
    )
    monkeypatch.syspath_prepend(str(tmp_path / "plugins"))
    site = make_site(
        runner,
        tmp_path / "desk",
        database_url,
        DESK,
        file="desk.yaml",
        plugins=(PLUGIN,),
    )
    runtime = Runtime.open(site)
    yield runtime
    runtime.close()


def test_each_retry_sees_its_attempt_number_and_the_last_gives_up(opened):
    opened.records.clock = lambda: T0
    ticket = opened.records.create("ticket", {"subject": "Refund"})
    worker = Worker(opened, "w1", rng=lambda: 0.0)
    now = T0
    for attempt in range(1, DEFAULT_ATTEMPTS):
        opened.records.clock = lambda now=now: now
        assert worker.run_once(now) == 1
        (job,) = jobs(opened)
        assert (job["status"], job["attempts"]) == ("pending", attempt)
        assert job["last_error"] == (
            f"attempt {attempt} of {DEFAULT_ATTEMPTS}: provider busy"
        )
        assert opened.records.get("ticket", ticket["id"])["answer"] is None
        now = job["next_attempt_at"]
    opened.records.clock = lambda: now
    assert worker.run_once(now + dt.timedelta(seconds=1)) == 1
    (job,) = jobs(opened)
    assert (job["status"], job["attempts"]) == ("done", DEFAULT_ATTEMPTS)
    answer = opened.records.get("ticket", ticket["id"])["answer"]
    assert answer == f"gave up on attempt {DEFAULT_ATTEMPTS} of {DEFAULT_ATTEMPTS}"
