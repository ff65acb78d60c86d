"""The outbox worker and its channels: e-mail by SMTP and to the site's
mail folder, signed webhooks, retries with backoff, dead letters, claims
that two workers never share."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import threading
from email import message_from_bytes, policy

import pytest
from outbox_helpers import T0, free_port, http_receiver, job, jobs, smtp_server

from officina.automation.outbox import enqueue
from officina.automation.worker import Worker, backoff, retry_job
from officina.runtime import Runtime


def add_job(runtime, kind, payload, **options):
    with runtime.records.transaction() as transaction:
        return enqueue(
            transaction.connection,
            runtime.schema.metadata.tables,
            kind,
            payload,
            now=T0,
            **options,
        )


def set_site_yaml(site, old: str, new: str) -> None:
    path = site / "site.yaml"
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new), "utf-8")


EMAIL = {
    "to": ["Ann <ann@example.com>"],
    "cc": ["boss@example.com"],
    "subject": "Your ticket",
    "html": "<p>Hello <b>Ann</b></p>",
    "text": "Hello Ann",
    "reply_to": "desk@example.com",
}


def test_email_goes_out_by_smtp_with_the_key_as_message_id(site):
    with smtp_server() as (port, received):
        set_site_yaml(
            site,
            "mail:\n  backend: outbox\n",
            f"mail:\n  backend: smtp\n  host: 127.0.0.1\n  port: {port}\n"
            "  from: Desk <desk@example.com>\n",
        )
        runtime = Runtime.open(site)
        try:
            made = add_job(runtime, "email", EMAIL, key="order-7-paid")
            assert Worker(runtime, "w1").run_once(now=T0) == 1
            assert job(runtime, made["id"])["status"] == "done"
        finally:
            runtime.close()
    [(recipients, message)] = received
    assert sorted(recipients) == ["ann@example.com", "boss@example.com"]
    assert message["Message-ID"] == "<order-7-paid@officina>"
    assert message["Subject"] == "Your ticket"
    assert message["From"] == "Desk <desk@example.com>"
    assert message["Reply-To"] == "desk@example.com"
    assert message.get_body(("plain",)).get_content().strip() == "Hello Ann"
    assert "<b>Ann</b>" in message.get_body(("html",)).get_content()


def test_smtp_server_away_is_retried(site):
    set_site_yaml(
        site,
        "mail:\n  backend: outbox\n",
        f"mail:\n  backend: smtp\n  host: 127.0.0.1\n  port: {free_port()}\n",
    )
    runtime = Runtime.open(site)
    try:
        made = add_job(runtime, "email", EMAIL)
        Worker(runtime, "w1").run_once(now=T0)
        row = job(runtime, made["id"])
        assert (row["status"], row["attempts"]) == ("pending", 1)
        assert "SMTP server 127.0.0.1" in row["last_error"]
    finally:
        runtime.close()


def test_email_by_default_lands_in_the_sites_mail_folder(opened, site):
    made = add_job(opened, "email", EMAIL, key="k1")
    Worker(opened, "w1").run_once(now=T0)
    assert job(opened, made["id"])["status"] == "done"
    [file] = (site / "mail").glob("*.eml")
    message = message_from_bytes(file.read_bytes(), policy=policy.default)
    assert message["Message-ID"] == "<k1@officina>"
    assert message["From"] == "officina@localhost"
    assert message["To"] == "Ann <ann@example.com>"
    # a repeated delivery of the same job writes the same file again
    retry = {**made, "payload": EMAIL, "idempotency_key": "k1"}
    Worker(opened, "w2").handlers["email"](retry, opened)
    assert len(list((site / "mail").glob("*.eml"))) == 1


def test_a_bad_address_is_a_dead_letter_at_once(opened):
    made = add_job(opened, "email", {**EMAIL, "to": ["not an address"]})
    Worker(opened, "w1").run_once(now=T0)
    row = job(opened, made["id"])
    assert (row["status"], row["attempts"]) == ("dead", 1)
    assert "not an e-mail address" in row["last_error"]


def test_webhook_is_signed_and_carries_the_idempotency_key(site):
    set_site_yaml(site, "plugins: []\n", "plugins: []\nwebhooks: {secret: s3cret}\n")
    runtime = Runtime.open(site)
    try:
        with http_receiver() as (url, receiver):
            add_job(
                runtime,
                "webhook",
                {
                    "url": url,
                    "body": {"order": 7, "total": "9.50"},
                    "headers": {"X-A": "1"},
                },
                key="hook-1",
            )
            assert Worker(runtime, "w1").run_once(now=T0) == 1
        [request] = receiver.requests
    finally:
        runtime.close()
    headers = request["headers"]
    assert json.loads(request["body"]) == {"order": 7, "total": "9.50"}
    assert headers["Content-Type"] == "application/json"
    assert headers["Idempotency-Key"] == "hook-1"
    assert headers["X-A"] == "1"
    assert headers["X-Officina-Timestamp"].isdigit()
    expected = hmac.new(b"s3cret", request["body"], hashlib.sha256).hexdigest()
    assert headers["X-Officina-Signature"] == f"sha256={expected}"


def test_webhook_secret_defaults_to_the_sites_secret_key(opened, site):
    with http_receiver() as (url, receiver):
        add_job(opened, "webhook", {"url": url, "body": {"a": 1}})
        Worker(opened, "w1").run_once(now=T0)
    [request] = receiver.requests
    key = (site / ".secret_key").read_text().strip()
    expected = hmac.new(key.encode(), request["body"], hashlib.sha256).hexdigest()
    assert request["headers"]["X-Officina-Signature"] == f"sha256={expected}"


def test_a_500_is_retried_with_backoff_until_it_succeeds(opened):
    with http_receiver() as (url, receiver):
        receiver.answers = [500, 503]
        made = add_job(opened, "webhook", {"url": url, "body": {}}, key="again")
        worker = Worker(opened, "w1")
        assert worker.run_once(now=T0) == 1
        first = job(opened, made["id"])
        assert (first["status"], first["attempts"]) == ("pending", 1)
        assert "500" in first["last_error"]
        wait = first["next_attempt_at"] - T0
        assert dt.timedelta(seconds=22) <= wait <= dt.timedelta(seconds=30)
        # not due yet: nothing happens
        assert worker.run_once(now=T0 + dt.timedelta(seconds=5)) == 0
        assert worker.run_once(now=first["next_attempt_at"]) == 1
        second = job(opened, made["id"])
        assert (second["status"], second["attempts"]) == ("pending", 2)
        wait = second["next_attempt_at"] - first["next_attempt_at"]
        assert dt.timedelta(seconds=45) <= wait <= dt.timedelta(seconds=60)
        assert worker.run_once(now=second["next_attempt_at"]) == 1
        third = job(opened, made["id"])
        assert (third["status"], third["attempts"]) == ("done", 3)
        assert third["finished_at"] == second["next_attempt_at"]
    keys = {request["headers"]["Idempotency-Key"] for request in receiver.requests}
    assert len(receiver.requests) == 3 and keys == {"again"}


def test_backoff_grows_exponentially_with_jitter_up_to_an_hour():
    assert backoff(1, rng=lambda: 0) == dt.timedelta(seconds=30)
    assert backoff(3, rng=lambda: 0) == dt.timedelta(seconds=120)
    assert backoff(3, rng=lambda: 1) == dt.timedelta(seconds=90)
    assert backoff(20, rng=lambda: 0) == dt.timedelta(hours=1)


def test_dead_letter_after_max_attempts_and_retry(opened):
    with http_receiver() as (url, receiver):
        receiver.answers = [500, 500]
        made = add_job(opened, "webhook", {"url": url, "body": {}}, max_attempts=2)
        worker = Worker(opened, "w1")
        worker.run_once(now=T0)
        worker.run_once(now=T0 + dt.timedelta(hours=1))
        row = job(opened, made["id"])
        assert (row["status"], row["attempts"]) == ("dead", 2)
        assert row["last_error"].startswith("gave up after 2 attempts")
        assert worker.run_once(now=T0 + dt.timedelta(days=1)) == 0
        assert retry_job(opened, made["id"], now=T0 + dt.timedelta(days=1))
        assert not retry_job(opened, made["id"])  # only dead jobs
        assert worker.run_once(now=T0 + dt.timedelta(days=1)) == 1
        assert job(opened, made["id"])["status"] == "done"
    assert len(receiver.requests) == 3


@pytest.mark.parametrize("status", [400, 404, 410])
def test_a_4xx_answer_is_a_dead_letter_at_once(opened, status):
    with http_receiver() as (url, receiver):
        receiver.answers = [status]
        made = add_job(opened, "webhook", {"url": url, "body": {}})
        Worker(opened, "w1").run_once(now=T0)
    row = job(opened, made["id"])
    assert (row["status"], row["attempts"]) == ("dead", 1)
    assert str(status) in row["last_error"]


@pytest.mark.parametrize("status", [408, 429, 502])
def test_408_429_and_5xx_are_retried(opened, status):
    with http_receiver() as (url, receiver):
        receiver.answers = [status]
        made = add_job(opened, "webhook", {"url": url, "body": {}})
        Worker(opened, "w1").run_once(now=T0)
    assert job(opened, made["id"])["status"] == "pending"


def test_connection_refused_is_retried(opened):
    url = f"http://127.0.0.1:{free_port()}/hook"
    made = add_job(opened, "webhook", {"url": url, "body": {}})
    Worker(opened, "w1").run_once(now=T0)
    row = job(opened, made["id"])
    assert (row["status"], row["attempts"]) == ("pending", 1)


def test_an_unknown_kind_is_a_dead_letter_with_a_clear_error(opened):
    made = add_job(opened, "fax", {"to": "+47"})
    Worker(opened, "w1").run_once(now=T0)
    row = job(opened, made["id"])
    assert row["status"] == "dead"
    assert "no handler for jobs of kind 'fax'" in row["last_error"]


def test_a_rolled_back_transaction_enqueues_nothing(opened):
    with pytest.raises(RuntimeError):
        with opened.records.transaction() as transaction:
            transaction.create("ticket", {"subject": "Printer"})
            enqueue(
                transaction.connection,
                opened.schema.metadata.tables,
                "email",
                EMAIL,
            )
            raise RuntimeError("the change fails after the job was written")
    assert jobs(opened) == []
    assert Worker(opened, "w1").run_once(now=T0) == 0


def test_two_workers_never_deliver_the_same_job(opened):
    delivered = []
    lock = threading.Lock()

    def tick(job, runtime):
        with lock:
            delivered.append(job["id"])

    made = [add_job(opened, "tick", {"n": n})["id"] for n in range(40)]
    workers = [
        Worker(opened, f"w{n}", handlers={"tick": tick}, batch=3) for n in range(2)
    ]
    start = threading.Barrier(2)
    counts = []

    def run(worker):
        start.wait()
        counts.append(worker.run_once(now=T0))

    threads = [threading.Thread(target=run, args=(worker,)) for worker in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(delivered) == sorted(made)
    assert sum(counts) == 40
    assert {row["status"] for row in jobs(opened)} == {"done"}


def test_a_job_left_running_by_a_crashed_worker_is_taken_up_again(opened):
    delivered = []
    handlers = {"tick": lambda job, runtime: delivered.append(job["id"])}
    made = add_job(opened, "tick", {})
    crashed = Worker(opened, "crashed", handlers=handlers)
    [claimed] = crashed.claim(T0)  # ... and never finishes
    other = Worker(opened, "other", handlers=handlers)
    assert other.run_once(now=T0 + dt.timedelta(minutes=5)) == 0  # lease holds
    assert other.run_once(now=T0 + dt.timedelta(minutes=11)) == 1
    row = job(opened, made["id"])
    assert (row["status"], row["attempts"]) == ("done", 2)
    assert delivered == [made["id"]]
    # the crashed worker, coming back, cannot overwrite the outcome
    crashed.deliver(claimed, T0 + dt.timedelta(minutes=12))
    assert job(opened, made["id"])["status"] == "done"
