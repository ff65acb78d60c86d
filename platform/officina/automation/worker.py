"""`officina worker`: delivers the outbox's jobs and runs due schedules.

Any number of workers may run against one database. A job is claimed —
moved from pending to running with the worker's name — in a short write
transaction (on PostgreSQL `SELECT ... FOR UPDATE SKIP LOCKED`, so workers
never wait for each other; on SQLite a conditional update under the write
lock), delivered outside it, and then marked done. A temporary failure
(`RetryLater`, a refused connection, a timeout, a 5xx answer) is tried
again later with exponential backoff and jitter; after `max_attempts`, or
at once for a permanent failure, the job becomes a dead letter, which an
admin may send back to pending from /admin/jobs. Jobs left running by a
worker that died go back to pending when their lease has expired.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import signal
import socket
import threading
import urllib.error
from collections.abc import Callable
from contextlib import contextmanager

from sqlalchemy import select

from officina.automation.extensions import extensions
from officina.automation.outbox import DEAD, DONE, PENDING, RUNNING, RetryLater
from officina.database import WRITE, is_sqlite
from officina.schema.tables import JOBS

log = logging.getLogger("officina.worker")

BATCH = 10
POLL_SECONDS = 2.0
LEASE = dt.timedelta(minutes=10)
BACKOFF_BASE_S = 30
BACKOFF_CAP_S = 3600
MAX_ERROR = 2000


def backoff(attempts: int, rng: Callable[[], float] = random.random) -> dt.timedelta:
    """The wait before try number `attempts + 1`: 30 s, 1 min, 2 min, ...
    up to an hour, less up to a quarter at random so that jobs failed
    together do not come back together."""
    delay = min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2 ** max(attempts - 1, 0))
    return dt.timedelta(seconds=delay * (1 - 0.25 * rng()))


def is_temporary(error: BaseException) -> bool:
    """Whether trying again later may succeed."""
    if isinstance(error, RetryLater):
        return True
    if isinstance(error, urllib.error.HTTPError):
        return error.code in (408, 429) or error.code >= 500
    if isinstance(error, urllib.error.URLError):
        return True
    return isinstance(error, (ConnectionError, TimeoutError, socket.timeout))


def _utc(value: dt.datetime | None) -> dt.datetime:
    if value is None:
        return dt.datetime.now(dt.UTC)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _describe(error: BaseException) -> str:
    text = str(error) or type(error).__name__
    if not isinstance(error, RetryLater) and type(error).__name__ not in text:
        text = f"{type(error).__name__}: {text}"
    return text[:MAX_ERROR]


class Worker:
    """One worker: `run_once` for a single pass, `run_forever` for a loop."""

    def __init__(
        self,
        runtime,
        name: str | None = None,
        *,
        batch: int = BATCH,
        lease: dt.timedelta = LEASE,
        handlers: dict | None = None,
        rng: Callable[[], float] = random.random,
    ):
        self.runtime = runtime
        self.name = name or f"{socket.gethostname()}:{threading.get_ident()}"
        self.batch = batch
        self.lease = lease
        self.rng = rng
        self._handlers = handlers
        self.table = runtime.schema.metadata.tables[JOBS]

    # -- handlers ---------------------------------------------------------
    @property
    def handlers(self) -> dict:
        if self._handlers is None:
            manager = getattr(self.runtime, "plugins", None)
            if manager is None:
                from officina.automation.plugins import load_plugins

                manager = load_plugins(self.runtime.site)
            # A later plugin overrides the built-in handler of a kind.
            self._handlers = dict(extensions(manager).job_handlers)
        return self._handlers

    # -- transactions -----------------------------------------------------
    @contextmanager
    def _write(self):
        with self.runtime.engine.connect() as connection:
            connection = connection.execution_options(**{WRITE: True})
            with connection.begin():
                yield connection

    # -- one pass ---------------------------------------------------------
    def run_once(self, now: dt.datetime | None = None) -> int:
        """Recover expired claims, claim due jobs and deliver them; the
        number of jobs delivered or failed."""
        now = _utc(now)
        self.recover(now)
        done = 0
        while True:
            jobs = self.claim(now)
            for job in jobs:
                self.deliver(job, now)
            done += len(jobs)
            if len(jobs) < self.batch:
                return done

    def recover(self, now: dt.datetime) -> int:
        """Jobs whose worker stopped while delivering them (their claim is
        older than the lease) go back to pending, counted as an attempt."""
        table = self.table
        expired = (table.c.status == RUNNING) & (table.c.claimed_at < now - self.lease)
        with self._write() as connection:
            rows = connection.execute(
                select(table.c.id, table.c.attempts, table.c.max_attempts).where(
                    expired
                )
            ).all()
            for job_id, attempts, max_attempts in rows:
                dead = attempts + 1 >= max_attempts
                connection.execute(
                    table.update()
                    .where(table.c.id == job_id, expired)
                    .values(
                        status=DEAD if dead else PENDING,
                        attempts=attempts + 1,
                        next_attempt_at=now,
                        claimed_by=None,
                        claimed_at=None,
                        finished_at=now if dead else None,
                        last_error="the worker delivering it stopped "
                        "(its claim expired)",
                    )
                )
        for job_id, *_ in rows:
            log.warning("job %s: claim expired, back to pending", job_id)
        return len(rows)

    def claim(self, now: dt.datetime) -> list[dict]:
        table = self.table
        due = (
            select(table.c.id)
            .where(table.c.status == PENDING, table.c.next_attempt_at <= now)
            .order_by(table.c.next_attempt_at, table.c.id)
            .limit(self.batch)
        )
        claimed = {"status": RUNNING, "claimed_by": self.name, "claimed_at": now}
        with self._write() as connection:
            if is_sqlite(self.runtime.engine):
                # BEGIN IMMEDIATE holds the write lock; the status condition
                # keeps the claim right even without it.
                jobs = []
                for job_id in connection.execute(due).scalars().all():
                    row = (
                        connection.execute(
                            table.update()
                            .where(table.c.id == job_id, table.c.status == PENDING)
                            .values(**claimed)
                            .returning(*table.c)
                        )
                        .mappings()
                        .first()
                    )
                    if row is not None:
                        jobs.append(dict(row))
                return jobs
            ids = (
                connection.execute(due.with_for_update(skip_locked=True))
                .scalars()
                .all()
            )
            if not ids:
                return []
            rows = connection.execute(
                table.update()
                .where(table.c.id.in_(ids), table.c.status == PENDING)
                .values(**claimed)
                .returning(*table.c)
            ).mappings()
            return sorted((dict(row) for row in rows), key=lambda job: job["id"])

    def deliver(self, job: dict, now: dt.datetime) -> str:
        """Hand one claimed job to its handler; its new status."""
        handler = self.handlers.get(job["kind"])
        attempts = job["attempts"] + 1
        if handler is None:
            known = ", ".join(sorted(self.handlers)) or "none"
            return self._finish(
                job,
                DEAD,
                attempts,
                now,
                f"no handler for jobs of kind '{job['kind']}' (known: {known}); "
                "is the plugin that makes them installed and listed in site.yaml?",
            )
        try:
            # `attempt` counts this try from 1, so that a handler can tell
            # its last one (attempt == max_attempts) and give up gracefully.
            handler({**job, "attempt": attempts}, self.runtime)
        except Exception as error:  # each job's failure stays with it
            message = _describe(error)
            if is_temporary(error) and attempts < job["max_attempts"]:
                return self._finish(
                    job,
                    PENDING,
                    attempts,
                    now,
                    message,
                    now + backoff(attempts, self.rng),
                )
            if is_temporary(error):
                message = f"gave up after {attempts} attempts: {message}"
            return self._finish(job, DEAD, attempts, now, message)
        return self._finish(job, DONE, attempts, now, None)

    def _finish(self, job, status, attempts, now, error, retry_at=None) -> str:
        table = self.table
        values = {
            "status": status,
            "attempts": attempts,
            "last_error": error,
            "claimed_by": None,
            "claimed_at": None,
        }
        if status == PENDING:
            values["next_attempt_at"] = retry_at
        else:
            values["finished_at"] = now
        with self._write() as connection:
            changed = connection.execute(
                table.update()
                .where(
                    table.c.id == job["id"],
                    table.c.status == RUNNING,
                    table.c.claimed_by == self.name,
                )
                .values(**values)
            ).rowcount
        what = {PENDING: "retry", DONE: "done", DEAD: "dead"}[status]
        if not changed:
            log.warning(
                "job %s %s: finished after its claim expired", job["id"], job["kind"]
            )
        elif status == PENDING:
            log.info(
                "job %s %s: retry %s at %s: %s",
                job["id"],
                job["kind"],
                attempts,
                retry_at.isoformat(timespec="seconds"),
                error,
            )
        elif error:
            log.error("job %s %s: %s: %s", job["id"], job["kind"], what, error)
        else:
            log.info("job %s %s: %s", job["id"], job["kind"], what)
        return status

    # -- the loop ---------------------------------------------------------
    def run_forever(
        self, stop_event: threading.Event, *, poll: float = POLL_SECONDS, scheduler=None
    ) -> None:
        """Deliver and run schedules until `stop_event` is set (SIGTERM and
        SIGINT set it when `install_signal_handlers` was called). A job in
        hand is finished before stopping."""
        if scheduler is None:
            from officina.automation.scheduler import Scheduler

            scheduler = Scheduler(self.runtime)
        log.info("worker %s started", self.name)
        while not stop_event.is_set():
            try:
                scheduler.run_due(_utc(None))
            except Exception:  # a failing schedule must not stop deliveries
                log.exception("the scheduler failed")
            try:
                count = self.run_once()
            except Exception:  # e.g. the database is away: wait, try again
                log.exception("delivering jobs failed")
                count = 0
            if not count:
                stop_event.wait(poll)
        log.info("worker %s stopped", self.name)


def install_signal_handlers(stop_event: threading.Event) -> None:
    """SIGTERM and SIGINT stop the loop after the job in hand."""

    def stop(signum, _frame):
        log.info("received %s, stopping", signal.Signals(signum).name)
        stop_event.set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, stop)


def retry_job(runtime, job_id: int, now: dt.datetime | None = None) -> bool:
    """Send a dead job back to pending, with a fresh count of attempts."""
    table = runtime.schema.metadata.tables[JOBS]
    with runtime.engine.connect() as connection:
        connection = connection.execution_options(**{WRITE: True})
        with connection.begin():
            return bool(
                connection.execute(
                    table.update()
                    .where(table.c.id == job_id, table.c.status == DEAD)
                    .values(
                        status=PENDING,
                        attempts=0,
                        next_attempt_at=_utc(now),
                        finished_at=None,
                        claimed_by=None,
                        claimed_at=None,
                    )
                ).rowcount
            )
