"""The inbox, the outbox and mail pages, SLA badges, and `officina worker`."""

from __future__ import annotations

import datetime as dt

import pytest
from outbox_helpers import PASSWORD, T0, Browser, jobs
from sqlalchemy import select

from officina.app import create_app
from officina.auth import add_user
from officina.automation.outbox import enqueue
from officina.automation.scheduler import Scheduler
from officina.automation.worker import Worker
from officina.cli import main
from officina.schema.tables import NOTIFICATIONS


@pytest.fixture
def people(opened):
    made = {
        "ada": add_user(
            opened,
            email="ada@example.com",
            name="Ada",
            password=PASSWORD,
            roles=["admin"],
        ),
        "bob": add_user(
            opened,
            email="bob@example.com",
            name="Bob",
            password=PASSWORD,
            roles=["agent"],
        ),
        "cy": add_user(
            opened,
            email="cy@example.com",
            name="Cy",
            password=PASSWORD,
            roles=["agent"],
        ),
    }
    return {name: user["id"] for name, user in made.items()}


@pytest.fixture
def app(opened):
    return create_app(runtime_=opened, config={"TESTING": True})


def signed_in(app, email):
    browser = Browser(app.test_client())
    assert browser.sign_in(email).status_code == 302
    return browser


def notify(runtime, message, *, user_id=None, role=None):
    table = runtime.schema.metadata.tables[NOTIFICATIONS]
    with runtime.engine.begin() as connection:
        return connection.execute(
            table.insert()
            .values(
                user_id=user_id,
                role=role,
                message=message,
                created_at=dt.datetime.now(dt.UTC),
            )
            .returning(table.c.id)
        ).scalar_one()


def test_each_user_sees_their_own_and_their_roles_notifications(opened, people, app):
    notify(opened, "For Bob only", user_id=people["bob"])
    notify(opened, "For Ada only", user_id=people["ada"])
    to_agents = notify(opened, "For all agents <b>now</b>", role="agent")
    bob, cy = signed_in(app, "bob@example.com"), signed_in(app, "cy@example.com")
    page = bob.get("/inbox").get_data(as_text=True)
    assert "For Bob only" in page and "For all agents &lt;b&gt;now&lt;/b&gt;" in page
    assert "For Ada only" not in page
    assert 'id="inbox-unread">2<' in page
    page = cy.get("/inbox").get_data(as_text=True)
    assert "For Bob only" not in page and 'id="inbox-unread">1<' in page
    # Bob reads the role's message: it stays unread for Cy
    assert bob.post("/inbox/read", {"id": to_agents}).status_code == 302
    assert 'id="inbox-unread">1<' in bob.get("/inbox").get_data(as_text=True)
    assert 'id="inbox-unread">1<' in cy.get("/inbox").get_data(as_text=True)
    # someone else's message cannot be marked
    ada_note = notify(opened, "Ada again", user_id=people["ada"])
    assert bob.post("/inbox/read", {"id": ada_note}).status_code == 404
    bob.post("/inbox/read")
    assert 'id="inbox-unread"' not in bob.get("/inbox").get_data(as_text=True)
    # without the CSRF token nothing is marked
    response = cy.client.post("/inbox/read", data={})
    assert response.status_code == 400


def test_only_admins_see_the_outbox_and_can_retry_a_dead_letter(opened, people, app):
    with opened.records.transaction() as transaction:
        made = enqueue(
            transaction.connection,
            opened.schema.metadata.tables,
            "fax",
            {"to": "+47"},
            now=T0,
        )
    Worker(opened, "w1").run_once(now=T0)
    admin = signed_in(app, "ada@example.com")
    agent = signed_in(app, "bob@example.com")
    assert agent.get("/admin/jobs").status_code == 403
    assert agent.get("/admin/mail").status_code == 403
    assert agent.post(f"/admin/jobs/{made['id']}/retry").status_code == 403
    page = admin.get("/admin/jobs").get_data(as_text=True)
    assert "no handler for jobs of kind &#39;fax&#39;" in page
    response = admin.post(f"/admin/jobs/{made['id']}/retry")
    assert response.status_code == 302
    assert [row["status"] for row in jobs(opened)] == ["pending"]
    assert "pending" in admin.get("/admin/jobs?status=pending").get_data(as_text=True)


def test_the_mail_page_shows_the_local_outbox_escaped(opened, people, app):
    payload = {
        "to": ["ann@example.com"],
        "subject": "Hello <script>alert(1)</script>",
        "html": "<p onclick='x()'>Hi <script>alert(2)</script></p>",
        "text": "Hi Ann",
    }
    with opened.records.transaction() as transaction:
        enqueue(
            transaction.connection,
            opened.schema.metadata.tables,
            "email",
            payload,
            key="mail-1",
            now=T0,
        )
    Worker(opened, "w1").run_once(now=T0)
    admin = signed_in(app, "ada@example.com")
    listing = admin.get("/admin/mail").get_data(as_text=True)
    assert "Hello &lt;script&gt;alert(1)&lt;/script&gt;" in listing
    assert "<script>alert" not in listing
    page = admin.get("/admin/mail/mail-1.eml").get_data(as_text=True)
    assert "&lt;mail-1@officina&gt;" in page and "Hi Ann" in page
    assert "<script>alert" not in page
    assert 'sandbox=""' in page and 'srcdoc="&lt;p onclick=' in page
    assert admin.get("/admin/mail/..%2Fsite.yaml").status_code == 404
    assert admin.get("/admin/mail/missing.eml").status_code == 404


def test_sla_badges_on_the_record_page_and_in_lists(opened, people, app):
    ticket = opened.records.create("ticket", {"subject": "Printer"})
    admin = signed_in(app, "ada@example.com")
    page = admin.get(f"/ticket/{ticket['id']}").get_data(as_text=True)
    assert "sla-badge" in page and " left" in page
    assert "sla-badge" in admin.get("/ticket/").get_data(as_text=True)
    opened.records.transition("ticket", ticket["id"], "close")
    assert "sla-badge" not in admin.get(f"/ticket/{ticket['id']}").get_data(
        as_text=True
    )


def test_an_sla_breach_notifies_through_the_real_rules_engine(opened, people, app):
    opened.records.clock = lambda: T0
    ticket = opened.records.create("ticket", {"subject": "Printer"})
    scheduler = Scheduler(opened)
    scheduler.run_due(T0 + dt.timedelta(hours=3))
    scheduler.run_due(T0 + dt.timedelta(hours=4))
    table = opened.schema.metadata.tables[NOTIFICATIONS]
    with opened.engine.connect() as connection:
        rows = connection.execute(select(table)).mappings().all()
    assert [(row["role"], row["message"]) for row in rows] == [
        ("agent", f"Ticket {ticket['id']} waits too long")
    ]
    page = signed_in(app, "bob@example.com").get("/inbox").get_data(as_text=True)
    assert f"Ticket {ticket['id']} waits too long" in page


def test_worker_command_once(runner, opened, site):
    with opened.records.transaction() as transaction:
        enqueue(
            transaction.connection,
            opened.schema.metadata.tables,
            "email",
            {"to": ["ann@example.com"], "subject": "Hi", "text": "Hello"},
        )
    result = runner.invoke(main, ["worker", "--site", str(site), "--once"])
    assert result.exit_code == 0, result.output
    assert "Delivered or failed 1 job(s)" in result.output
    assert [row["status"] for row in jobs(opened)] == ["done"]
    assert len(list((site / "mail").glob("*.eml"))) == 1


def test_worker_command_without_a_site_says_so(runner, tmp_path):
    result = runner.invoke(main, ["worker", "--site", str(tmp_path), "--once"])
    assert result.exit_code == 1
    assert "there is no site.yaml" in result.output
    assert "Traceback" not in result.output
