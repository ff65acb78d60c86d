"""Reference picker benchmark: how long the UI's record search takes as the
table grows.

    python bench/lookup_bench.py [--records 100000] [--database URL]

Fills a customer table through the records service, then times the
picker's request (`/<entity>/_lookup/<field>?q=...`, through the Flask
application: session, permissions, search, titles) for a few searches, at
1,000 records and at the full size. Numbers, not a test: compare them as
ratios within one run.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from click.testing import CliRunner

from officina.app import create_app
from officina.auth import add_user
from officina.cli import main as cli
from officina.runtime import Runtime

DEFINITIONS = """\
entity: customer
title_field: name
search: [name, email]
fields:
  name: {type: string, required: true}
  email: {type: email}
  city: string
---
entity: order
fields:
  customer: {type: reference, to: customer, required: true}
"""
SEARCHES = {
    "a name's start": "Customer 7",
    "inside a name": "ner 4242",
    "an e-mail": "buyer99001@",
    "nothing found": "zzz",
}


def fill(runtime, start: int, stop: int) -> None:
    index = start
    while index < stop:
        with runtime.records.transaction() as transaction:
            for _ in range(min(1000, stop - index)):
                transaction.create(
                    "customer",
                    {
                        "name": f"Customer {index}",
                        "email": f"buyer{index}@example.com",
                        "city": ("Oslo", "Bergen", "Turku")[index % 3],
                    },
                )
                index += 1


def timings(client) -> dict[str, float]:
    found = {}
    for label, text in SEARCHES.items():
        samples = []
        for _ in range(7):
            started = time.perf_counter()
            response = client.get("/order/_lookup/customer", query_string={"q": text})
            samples.append(time.perf_counter() - started)
            assert response.status_code == 200, response.get_data(as_text=True)
        found[label] = statistics.median(samples) * 1000
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--database", help="database URL (default: a SQLite file)")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        site = Path(folder) / "site"
        options = ["--database", arguments.database] if arguments.database else []
        CliRunner().invoke(cli, ["init", str(site), *options], catch_exceptions=False)
        (site / "definitions" / "shop.yaml").write_text(DEFINITIONS)
        CliRunner().invoke(
            cli, ["migrate", "--site", str(site)], catch_exceptions=False
        )
        runtime = Runtime.open(site)
        add_user(
            runtime, email="a@example.com", name="A", password=None, roles=["admin"]
        )
        app = create_app(runtime_=runtime, config={"TESTING": True})
        client = app.test_client()
        with client.session_transaction() as session:
            session["uid"] = 1
            session["pw"] = __import__(
                "officina.web.ui.session", fromlist=["fingerprint"]
            ).fingerprint(None)
        fill(runtime, 0, 1000)
        small = timings(client)
        fill(runtime, 1000, arguments.records)
        large = timings(client)
        print(f"backend: {runtime.engine.dialect.name}")
        print(f"{'search':<16} {'1,000 rows':>12} {f'{arguments.records:,} rows':>14}")
        for label in SEARCHES:
            print(
                f"{label:<16} {small[label]:>9.1f} ms {large[label]:>11.1f} ms"
                f"   (x{large[label] / small[label]:.1f})"
            )
        runtime.close()


if __name__ == "__main__":
    main()
