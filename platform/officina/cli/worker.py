"""`officina worker`: delivers the outbox (e-mail, webhooks, slow actions)
and runs scheduled rules and SLA checks."""

from __future__ import annotations

import logging
import sys
import threading
from pathlib import Path

import click

from officina.cli.options import site_option


@click.command()
@site_option
@click.option(
    "--once", is_flag=True, help="Deliver what is due, run due schedules, stop."
)
@click.option(
    "--poll",
    default=2.0,
    show_default=True,
    type=click.FloatRange(min=0.1),
    help="Seconds to wait when there is nothing to do.",
)
@click.option("--name", default=None, help="This worker's name (default: host:pid).")
def worker(site_path, once, poll, name) -> None:
    """Deliver e-mails, webhooks and other jobs; run schedules and SLA checks.

    Run as many as you like against one database: each job is delivered
    once. SIGTERM or Ctrl+C stops after the job in hand."""
    import os

    from officina.automation.scheduler import Scheduler
    from officina.automation.worker import Worker, install_signal_handlers
    from officina.runtime import Runtime

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    log = logging.getLogger("officina.worker")
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False
    runtime = Runtime.open(Path(site_path if site_path is not None else "."))
    try:
        import socket

        one = Worker(runtime, name or f"{socket.gethostname()}:{os.getpid()}")
        scheduler = Scheduler(runtime)
        if once:
            ran = scheduler.run_due()
            count = one.run_once()
            click.echo(
                f"Delivered or failed {count} job(s); ran {len(ran)} schedule(s)."
            )
            return
        stop = threading.Event()
        install_signal_handlers(stop)
        click.echo(f"Worker {one.name} running (Ctrl+C stops).")
        one.run_forever(stop, poll=poll, scheduler=scheduler)
    finally:
        log.removeHandler(handler)
        runtime.close()
