"""Helpers of the worker tests: a site with a workflow whose states have
SLAs, a real SMTP server and a real HTTP receiver on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import json
import re
import socket
import threading
from contextlib import contextmanager
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from sqlalchemy import select

from officina.schema.tables import JOBS
from pack_files import make_site

PASSWORD = "correct horse battery"
T0 = dt.datetime(2025, 3, 3, 9, 0, tzinfo=dt.UTC)  # a Monday

TICKETS = """\
entity: ticket
title_field: subject
fields:
  subject: {type: string, required: true}
  answer: text
  pings: {type: integer, default: 0}
workflow:
  initial: open
  states:
    open:
      sla: 2h
      on_breach:
        - notify: {roles: [agent], message: 'Ticket {{ id }} waits too long'}
    waiting: {sla: 2 business days}
    closed: {final: true}
  transitions:
    wait: {from: open, to: waiting}
    reopen: {from: waiting, to: open}
    close: {from: [open, waiting], to: closed}
rules:
  hourly_ping:
    on: {every: 1h}
    when: "status == 'open'"
    do:
      - set: {pings: '=pings + 1'}
  weekday_morning:
    on: {schedule: '0 8 * * 1-5'}
    do:
      - set: {pings: 0}
  switched_off:
    on: {every: 1m}
    enabled: false
    do:
      - set: {pings: 0}
---
role: agent
permissions:
  ticket: {read: true, update: true, create: true}
"""


def write_site(runner, folder, database_url, definitions: str = TICKETS, extra=""):
    return make_site(
        runner, folder, database_url, definitions, file="tickets.yaml", settings=extra
    )


def jobs(runtime) -> list[dict]:
    table = runtime.schema.metadata.tables[JOBS]
    with runtime.engine.connect() as connection:
        rows = connection.execute(select(table).order_by(table.c.id)).mappings()
        return [dict(row) for row in rows]


def job(runtime, job_id: int) -> dict:
    return next(row for row in jobs(runtime) if row["id"] == job_id)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class _Collect:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd
        self.messages.append(
            (
                envelope.rcpt_tos,
                message_from_bytes(envelope.original_content, policy=policy.default),
            )
        )
        return "250 OK"


@contextmanager
def smtp_server():
    """A real SMTP server; yields (port, list of (recipients, message))."""
    from aiosmtpd.controller import Controller

    handler = _Collect()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller.port, handler.messages
    finally:
        controller.stop()


class Receiver:
    """What the HTTP receiver got, and what it answers next."""

    def __init__(self):
        self.requests: list[dict] = []
        self.answers: list[int] = []  # status codes to answer, in order; then 200
        self.lock = threading.Lock()


@contextmanager
def http_receiver():
    """A real HTTP server in a thread; yields (url, Receiver)."""
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            with state.lock:
                state.requests.append(
                    {"headers": dict(self.headers), "body": body, "path": self.path}
                )
                status = state.answers.pop(0) if state.answers else 200
            payload = json.dumps({"status": status}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", state
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


_TOKEN = re.compile(r'name="csrf-token" content="([^"]+)"')


class Browser:
    """The Flask test client, signing in and sending the CSRF token."""

    def __init__(self, client):
        self.client = client

    def token(self, url: str = "/") -> str:
        page = self.client.get(url, follow_redirects=True).get_data(as_text=True)
        return _TOKEN.search(page).group(1)

    def sign_in(self, email: str, password: str = PASSWORD):
        data = {
            "email": email,
            "password": password,
            "csrf_token": self.token("/login"),
        }
        return self.client.post("/login", data=data)

    def get(self, url: str, **options):
        return self.client.get(url, **options)

    def post(self, url: str, data: dict | None = None, **options):
        data = dict(data or {})
        data.setdefault("csrf_token", self.token("/"))
        return self.client.post(url, data=data, **options)
