"""Officina in the shared CRUD benchmark (../../../shared/bench): the same
`orders` workload as the hand-written Flask + SQLAlchemy baseline, served by
`officina serve`'s WSGI app under the same gunicorn settings.

`bench/crud/run.sh` copies the shared harness to a scratch folder, adds this
adapter and runs it; nothing here is imported by Officina itself.
"""

import os
import subprocess
from pathlib import Path

from adapters.base import GunicornAdapter
from workload import OpSpec

PROJECT = Path(os.environ["OFFICINA_PROJECT"])
VENV = PROJECT / ".venv" / "bin"

ORDERS = """\
entity: orders
fields:
  number: {type: string, max_length: 64, required: true, unique: true}
  customer_email: {type: string, max_length: 255, required: true}
  status: {type: choice, options: [placed, paid, shipped], required: true}
  total: {type: decimal, precision: 12, scale: 2, required: true}
  qty: {type: integer, required: true}
  note: text
indexes: [[status, created_at]]
sort: -created_at
"""

SEED = """
import sys
from officina.runtime import Runtime
from workload import seed_rows
runtime = Runtime.open(sys.argv[1])
rows = list(seed_rows(int(sys.argv[2])))
for start in range(0, len(rows), 500):
    with runtime.records.transaction() as transaction:
        for row in rows[start:start + 500]:
            values = {k: v for k, v in row.items() if k not in ("id", "created_at")}
            transaction.create("orders", values)
runtime.close()
"""


class Officina(GunicornAdapter):
    name = "officina"
    title = "Officina (YAML-defined entity, records service, REST API)"
    port = 8110
    health_path = "/health"
    packages = ["officina", "flask", "sqlalchemy", "gunicorn"]

    @property
    def site(self) -> Path:
        return self.workdir / "site"

    def officina(self, *arguments, **options):
        return subprocess.run(
            [str(VENV / "officina"), *arguments],
            check=True,
            capture_output=True,
            text=True,
            **options,
        )

    def prepare(self):
        super(GunicornAdapter, self).prepare()  # a fresh work folder only
        database = self.database_url()
        if self.ctx.backend == "postgres":
            subprocess.run(
                [
                    str(self.venv_bin / "python"),
                    str(self.ctx.bench_dir / "seed_sqla.py"),
                    "recreate-db",
                    database,
                ],
                check=True,
            )
            database = database.replace("postgresql://", "postgresql+psycopg://")
        self.officina("init", str(self.site), "--database", database)
        (self.site / "definitions" / "orders.yaml").write_text(ORDERS)
        self.officina("migrate", "--site", str(self.site))
        self.officina(
            "user",
            "add",
            "bench@example.com",
            "--role",
            "admin",
            "--no-password",
            "--site",
            str(self.site),
        )
        out = self.officina(
            "token", "create", "bench@example.com", "--site", str(self.site)
        ).stdout
        self.token = next(line for line in out.splitlines() if line.startswith("ofc_"))

    def command(self):
        argv = [
            str(VENV / "gunicorn"),
            *self.ctx.gunicorn_args,
            "-b",
            f"127.0.0.1:{self.port}",
            "--log-level",
            "warning",
            "officina.wsgi:app",
        ]
        return argv, {"OFFICINA_SITE": str(self.site)}

    def seed(self, rows):
        subprocess.run(
            [str(VENV / "python"), "-c", SEED, str(self.site), str(len(rows))],
            check=True,
            env=dict(os.environ, PYTHONPATH=str(self.ctx.bench_dir)),
        )

    def sqlite_path(self):
        return None  # Officina sets WAL itself and declares the index in YAML

    def after_seed(self):
        pass

    def headers(self):
        return {"Authorization": f"Bearer {self.token}"}

    def ops(self):
        return {
            "create": OpSpec("/api/v1/orders", "POST"),
            "list": OpSpec("/api/v1/orders?status=paid&sort=-created_at&limit=50"),
            "get": OpSpec("/api/v1/orders/{id}"),
            "update": OpSpec("/api/v1/orders/{id}", "PATCH"),
        }

    def versions(self):
        code = (
            "import importlib.metadata as m, sys;"
            "print(', '.join(p + ' ' + m.version(p) for p in sys.argv[1:]))"
        )
        out = subprocess.run(
            [str(VENV / "python"), "-c", code, *self.packages],
            capture_output=True,
            text=True,
        )
        return out.stdout.strip() + f"; gunicorn {' '.join(self.ctx.gunicorn_args)}"

    def notes(self):
        return (
            "bearer token checked per request; every write through the records "
            "service (validation, audit entry); no COUNT(*)"
        )


ADAPTER = Officina
