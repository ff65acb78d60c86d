"""A value holding markup stays text in the e-mails rules send: the HTML
part shows it escaped, whatever field it came from."""

from __future__ import annotations

import pytest
from rules_world import RULES_PACK, jobs, open_world

PAYLOAD = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def world(load_files, database_url, tmp_path):
    opened = open_world(load_files(RULES_PACK), database_url, tmp_path / "backups")
    yield opened
    opened.engine.dispose()


def test_markup_in_a_field_is_escaped_in_the_email(world):
    world.records.create("customer", {"name": PAYLOAD, "email": "ada@example.com"})
    (job,) = jobs(world, kind="email")
    html = job["payload"]["html"]
    assert "<script>" not in html and "<img src=x" not in html
    assert "&lt;script&gt;" in html
    assert PAYLOAD in job["payload"]["text"]  # the text part is plain text
    assert job["payload"]["subject"] == f"Welcome {PAYLOAD}"  # a header, not HTML
