"""A plugin's auth backend that fails, or answers something that is not a
user's Actor (the system actor included), lets nobody in and takes nothing
down: the request goes on to the
next backend, and without one that vouches for the user it is refused (API)
or sent to the sign-in page (UI). The failure is logged for the admin."""

from __future__ import annotations

import logging
import textwrap

import pytest

from officina.app import create_app
from officina.auth import add_user
from officina.runtime import Runtime
from pack_files import make_site

PLUGIN = "officina_shaky_backends_plugin"
PLUGIN_SOURCE = '''
"""Four auth backends: one that breaks, one that answers a role name
instead of an Actor, one that answers the system actor, and one that
trusts a header from this machine."""

from officina.auth import find_user
from officina.auth.users import actor_of
from officina.automation.hookspecs import hookimpl
from officina.records import SYSTEM


class Broken:
    def authenticate(self, runtime, request):
        raise ConnectionError("the directory server is down")


class Careless:
    def authenticate(self, runtime, request):
        return "admin"


class Impostor:
    def authenticate(self, runtime, request):
        return SYSTEM


class LocalHeader:
    def authenticate(self, runtime, request):
        email = request.headers.get("X-Local-User")
        if not email or request.remote_addr != "127.0.0.1":
            return None
        user = find_user(runtime, email)
        return actor_of(user) if user is not None else None


@hookimpl
def officina_auth_backends():
    return [Broken(), Careless(), Impostor(), LocalHeader()]
'''

NOTES = "entity: note\nfields:\n  text: string\n"


@pytest.fixture
def app(runner, tmp_path, database_url, monkeypatch):
    (tmp_path / "plugins").mkdir()
    (tmp_path / "plugins" / f"{PLUGIN}.py").write_text(
        textwrap.dedent(PLUGIN_SOURCE), "utf-8"
    )
    monkeypatch.syspath_prepend(str(tmp_path / "plugins"))
    site = make_site(runner, tmp_path / "site", database_url, NOTES, plugins=(PLUGIN,))
    runtime = Runtime.open(site)
    add_user(
        runtime, email="ada@example.com", name="Ada", password=None, roles=["admin"]
    )
    yield create_app(runtime_=runtime, config={"TESTING": True})
    runtime.close()


def test_a_broken_or_careless_backend_lets_nobody_into_the_api(app, caplog):
    client = app.test_client()
    with caplog.at_level(logging.ERROR, logger="officina.auth.backends"):
        refused = client.get("/api/v1/note")
    assert refused.status_code == 401
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert "failed" in logged and "Broken" in logged
    assert "answered str, not an Actor: ignored" in logged
    assert "answered the system actor: ignored" in logged


def test_the_next_backend_still_signs_in_after_a_broken_one(app):
    client = app.test_client()
    signed_in = client.get("/api/v1/note", headers={"X-Local-User": "ada@example.com"})
    assert signed_in.status_code == 200
    page = client.get("/note/", headers={"X-Local-User": "ada@example.com"})
    assert page.status_code == 200


def test_ui_pages_send_strangers_to_the_sign_in_page(app):
    client = app.test_client()
    page = client.get("/note/")
    assert page.status_code == 302
    assert "/login" in page.headers["Location"]
    elsewhere = client.get(
        "/note/",
        headers={"X-Local-User": "ada@example.com"},
        environ_base={"REMOTE_ADDR": "10.0.0.5"},
    )
    assert elsewhere.status_code == 302
