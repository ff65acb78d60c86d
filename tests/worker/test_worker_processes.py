"""Real worker processes: one killed with SIGKILL in the middle of a
delivery loses nothing (the job completes later, once in effect), and two
running at once never deliver the same job twice."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from outbox_helpers import job

from officina.automation.outbox import DONE, enqueue
from officina.automation.worker import Worker

OFFICINA = str(Path(sys.executable).parent / "officina")


@contextmanager
def receiver(hold_first: bool = False):
    """A webhook receiver on 127.0.0.1 recording idempotency keys; with
    `hold_first`, the first request is kept waiting until released."""
    keys: list[str] = []
    arrived, release = threading.Event(), threading.Event()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with lock:
                keys.append(self.headers.get("Idempotency-Key"))
                first = len(keys) == 1
            if hold_first and first:
                arrived.set()
                release.wait(30)
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield (
            f"http://127.0.0.1:{server.server_address[1]}/hook",
            keys,
            arrived,
            release,
        )
    finally:
        release.set()
        server.shutdown()
        server.server_close()
        thread.join()


def add_jobs(runtime, url: str, count: int) -> list[int]:
    with runtime.engine.begin() as connection:
        return [
            enqueue(
                connection,
                runtime.schema.metadata.tables,
                "webhook",
                {"url": url, "method": "POST", "body": {"n": n}, "headers": {}},
            )["id"]
            for n in range(count)
        ]


def test_a_killed_worker_loses_nothing(site, opened):
    with receiver(hold_first=True) as (url, keys, arrived, release):
        (job_id,) = add_jobs(opened, url, 1)
        process = subprocess.Popen(
            [OFFICINA, "worker", "--site", str(site), "--poll", "0.1"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            assert arrived.wait(30), "the worker never started the delivery"
            os.kill(process.pid, signal.SIGKILL)  # in the middle of it
        finally:
            process.wait(30)
        release.set()
        stuck = job(opened, job_id)
        assert stuck["status"] == "running"
        # Another worker, once the claim's lease is over, takes it up.
        later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=11)
        assert Worker(opened, "second").run_once(later) == 1
        finished = job(opened, job_id)
        assert finished["status"] == DONE
        # Delivered twice, but with one key: once in effect for the receiver.
        assert len(keys) == 2 and len(set(keys)) == 1
        assert keys[0] == finished["idempotency_key"]


def test_two_worker_processes_never_deliver_a_job_twice(site, opened):
    with receiver() as (url, keys, _arrived, _release):
        ids = add_jobs(opened, url, 60)
        processes = [
            subprocess.Popen(
                [OFFICINA, "worker", "--site", str(site), "--once", "--name", name],
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
            )
            for name in ("one", "two")
        ]
        outputs = [p.communicate(timeout=120)[0].decode() for p in processes]
        assert [p.returncode for p in processes] == [0, 0], outputs
        assert all(job(opened, job_id)["status"] == DONE for job_id in ids)
        counts = Counter(keys)
        assert len(counts) == 60 and set(counts.values()) == {1}
