"""Automation benchmark: rule evaluations per second, and outbox jobs
delivered per second to a local HTTP receiver.

    python bench/automation_bench.py [--updates 2000] [--rules 20] [--jobs 2000]
                                     [--database URL]

1. Rules: one entity with `--rules` rules on a change of `score`, each with a
   condition over several fields (most do not hold; one in ten sets a
   field). The same updates are made through the records service with and
   without the rules engine; evaluations/s = updates x rules / time, and
   the cost of the engine per update.
2. Outbox: `--jobs` webhook jobs to a receiver on 127.0.0.1, delivered by
   one worker (`Worker.run_once`), signed, each with its idempotency key.

Numbers, not a test: compare them as ratios within one run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from click.testing import CliRunner

from officina.automation.outbox import enqueue
from officina.automation.worker import Worker
from officina.cli import main as cli
from officina.records import Hooks, RecordsService
from officina.runtime import Runtime


def definitions(rules: int) -> str:
    text = """\
entity: ticket
fields:
  subject: {type: string, required: true}
  priority: {type: choice, options: [low, normal, high, urgent], default: normal}
  score: {type: integer, default: 0}
  amount: {type: money, default: 0}
  flagged: {type: boolean, default: false}
  note: string
rules:
"""
    for index in range(rules):
        acts = index % 10 == 0
        condition = (
            f"score > {1000 + index} and priority in ['high', 'urgent'] "
            f"and amount >= {index} or (flagged and score % {index + 7} == 0)"
        )
        text += f"""  rule_{index}:
    on: {{changed: [score]}}
    when: "{condition}"
    do:
      - set: {{note: "rule {index} ran"}}
"""
        if not acts:
            text = text.rsplit("    do:", 1)[0] + (
                f"    do:\n      - notify: {{roles: [admin], message: 'r{index}'}}\n"
            )
    return text


class Receiver(BaseHTTPRequestHandler):
    keys: set = set()
    lock = threading.Lock()

    def do_POST(self):  # noqa: N802 - http.server's name
        length = int(self.headers.get("Content-Length", 0))
        self.rfile.read(length)
        with self.lock:
            self.keys.add(self.headers.get("Idempotency-Key"))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=2000)
    parser.add_argument("--rules", type=int, default=20)
    parser.add_argument("--jobs", type=int, default=2000)
    parser.add_argument("--database", help="database URL (default: a SQLite file)")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        site = Path(folder) / "site"
        options = ["--database", arguments.database] if arguments.database else []
        CliRunner().invoke(cli, ["init", str(site), *options], catch_exceptions=False)
        (site / "definitions" / "bench.yaml").write_text(definitions(arguments.rules))
        result = CliRunner().invoke(cli, ["migrate", "--site", str(site)])
        assert result.exit_code == 0, result.output
        runtime = Runtime.open(site)
        plain = RecordsService(
            runtime.definitions, runtime.schema, runtime.engine, Hooks()
        )

        def run(service) -> float:
            ids = [
                service.create("ticket", {"subject": f"T{i}"})["id"] for i in range(100)
            ]
            started = time.perf_counter()
            for index in range(arguments.updates):
                service.update(
                    "ticket",
                    ids[index % len(ids)],
                    {
                        "score": index,
                        "priority": ("low", "normal", "high", "urgent")[index % 4],
                        "amount": str(index % 50),
                        "flagged": index % 3 == 0,
                    },
                )
            return time.perf_counter() - started

        without = run(plain)
        with_rules = run(runtime.records)
        evaluations = arguments.updates * arguments.rules / with_rules
        print(f"backend: {runtime.engine.dialect.name}")
        print(
            f"updates without rules: {arguments.updates / without:8.0f} /s; "
            f"with {arguments.rules} rules: {arguments.updates / with_rules:8.0f} /s"
        )
        print(
            f"rule evaluations: {evaluations:8.0f} /s "
            f"(engine cost {1000 * (with_rules - without) / arguments.updates:.2f} ms "
            "per update)"
        )

        server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        url = f"http://127.0.0.1:{server.server_port}/hook"
        tables = runtime.schema.metadata.tables
        with runtime.engine.begin() as connection:
            for index in range(arguments.jobs):
                enqueue(
                    connection,
                    tables,
                    "webhook",
                    {"url": url, "method": "POST", "body": {"n": index}, "headers": {}},
                )
        worker = Worker(runtime, "bench")
        started = time.perf_counter()
        delivered = 0
        now = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1)
        while delivered < arguments.jobs:
            done = worker.run_once(now)
            if not done:
                break
            delivered += done
        elapsed = time.perf_counter() - started
        server.shutdown()
        server.server_close()
        print(
            f"outbox: {delivered} webhook jobs in {elapsed:.1f} s = "
            f"{delivered / elapsed:8.0f} jobs/s; receiver saw "
            f"{len(Receiver.keys)} distinct idempotency keys"
        )
        runtime.close()


if __name__ == "__main__":
    main()
