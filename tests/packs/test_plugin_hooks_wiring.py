"""Every plugin hook, used end to end by a real site: the carriers plugin
(installed through its entry point) gives an expression function and a
field type; a plugin module of this folder, listed in site.yaml, gives an
auth backend, a route, a template filter and a folder of packs."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
from officina_carriers.carriers import tracking_number
from sqlalchemy import select

from officina.app import create_app
from officina.auth import add_user, create_token
from officina.automation import hookspecs
from officina.automation.worker import Worker
from officina.cli import main
from officina.errors import SiteError
from officina.records import SYSTEM
from officina.runtime import Runtime
from officina.schema.tables import JOBS
from pack_files import make_site

PLUGIN = "officina_wiring_plugin"
PLUGIN_FOLDER = Path(__file__).parent / "wiring_plugins"
GOOD_NUMBER = tracking_number("dhl", "ORD-00001")
# The same number with its check digit off by one.
BAD_NUMBER = GOOD_NUMBER[:-1] + str((int(GOOD_NUMBER[-1]) + 1) % 10)

SHIPMENTS = """\
entity: shipment
title_field: reference
fields:
  reference: {type: string, required: true}
  parcel: {type: tracking_number}
  typed_number: string
  checks_out: {type: boolean, formula: "valid_tracking_number(typed_number)"}
  card: string
  contact: email
  flagged: {type: boolean, default: false}
rules:
  flag_bad_numbers:
    on: saved
    when: "typed_number and not valid_tracking_number(typed_number)"
    do:
      - set: {flagged: true}
  receipt:
    on: created
    when: "contact"
    do:
      - send_email: {to: '{{ contact }}', subject: 'Receipt', template: receipt}
  notify_carrier:
    on: created
    when: "card"
    do:
      - webhook:
          url: 'http://127.0.0.1:9/bookings'
          body: {reference: '{{ reference }}', card: '{{ card | mask(2) }}'}
"""
RECEIPT = "<p>Paid with card {{ card | mask }} for {{ reference }}.</p>\n"


@pytest.fixture
def wiring_plugin(monkeypatch):
    monkeypatch.syspath_prepend(str(PLUGIN_FOLDER))
    return PLUGIN


@pytest.fixture
def site(runner, tmp_path, database_url, wiring_plugin):
    folder = tmp_path / "shipping"
    email_templates = folder / "templates" / "email"
    email_templates.mkdir(parents=True)
    (email_templates / "receipt.html").write_text(RECEIPT, "utf-8")
    return make_site(
        runner,
        folder,
        database_url,
        SHIPMENTS,
        plugins=(wiring_plugin,),
        packs={"loyalty": "1.0.0"},
    )


@pytest.fixture
def opened(site):
    runtime = Runtime.open(site)
    yield runtime
    runtime.close()


@pytest.fixture
def app(opened):
    add_user(
        opened, email="ada@example.com", name="Ada", password=None, roles=["admin"]
    )
    return create_app(runtime_=opened, config={"TESTING": True})


@pytest.fixture
def client(app, opened):
    secret, _ = create_token(opened, "ada@example.com", "tests")
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    return client


# -- expression functions ----------------------------------------------------------
def test_a_plugin_function_works_in_a_formula_and_a_condition(opened):
    good = opened.records.create(
        "shipment", {"reference": "S-1", "typed_number": GOOD_NUMBER}
    )
    bad = opened.records.create(
        "shipment", {"reference": "S-2", "typed_number": BAD_NUMBER}
    )
    assert good["checks_out"] is True and good["flagged"] is False
    bad = opened.records.get("shipment", bad["id"], actor=SYSTEM)
    assert bad["checks_out"] is False and bad["flagged"] is True


def test_the_checker_suggests_a_plugin_function_for_a_typo(site, runner):
    (site / "definitions" / "typo.yaml").write_text(
        textwrap.dedent(
            """\
            extend: shipment
            validations:
              - check: valid_tracking_numbr(typed_number)
                message: Check the tracking number
              - check: shipping_rate('standard') > 0
                message: Too cheap
            """
        ),
        "utf-8",
    )
    result = runner.invoke(main, ["validate", "--site", str(site)])
    assert result.exit_code == 1
    assert "typo.yaml:3:" in result.output
    assert "did you mean 'valid_tracking_number'?" in result.output
    # How many arguments a plain function takes comes from its signature.
    assert "shipping_rate() takes 2 to 4 arguments, not 1" in result.output


# -- field types -----------------------------------------------------------------
def test_a_plugin_field_type_refuses_a_bad_number_through_the_api(client):
    refused = client.post(
        "/api/v1/shipment", json={"reference": "S-1", "parcel": BAD_NUMBER}
    )
    assert refused.status_code == 422
    (message,) = refused.get_json()["errors"]["fields"]["parcel"]
    assert "check digit is wrong" in message
    made = client.post(
        "/api/v1/shipment", json={"reference": "S-2", "parcel": GOOD_NUMBER}
    )
    assert made.status_code == 201
    assert made.get_json()["parcel"] == GOOD_NUMBER


def test_a_plugin_field_type_is_its_base_type_in_the_api_and_the_table(client, opened):
    schemas = client.get("/api/openapi.json").get_json()["components"]["schemas"]
    parcel = schemas["ShipmentInput"]["properties"]["parcel"]
    (text,) = [s for s in parcel.get("anyOf", [parcel]) if s.get("type") != "null"]
    assert text["type"] == "string" and text["maxLength"] == 255
    column = opened.schema.metadata.tables["shipment"].c.parcel
    assert column.type.python_type is str
    field = opened.definitions.entities["shipment"].fields["parcel"]
    assert (field.type, field.plugin_type) == ("string", "tracking_number")


def test_a_plugin_field_type_refuses_a_bad_number_in_the_ui_form(app, opened):
    browser = app.test_client()
    headers = {"X-Trusted-User": "ada@example.com"}
    page = browser.get("/shipment/new", headers=headers).get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    form = {"reference": "S-9", "parcel": BAD_NUMBER, "csrf_token": token}
    refused = browser.post("/shipment/new", data=form, headers=headers)
    assert refused.status_code == 422
    assert "check digit is wrong" in refused.get_data(as_text=True)
    assert opened.records.list("shipment", actor=SYSTEM).records == []


def test_a_misspelt_plugin_field_type_is_refused_with_a_suggestion(site, runner):
    (site / "definitions" / "more.yaml").write_text(
        "extend: shipment\nfields:\n  second_parcel: {type: tracking_numbr}\n",
        "utf-8",
    )
    result = runner.invoke(main, ["validate", "--site", str(site)])
    assert result.exit_code == 1
    assert "unknown field type 'tracking_numbr'" in result.output
    assert "did you mean 'tracking_number'?" in result.output


# -- template filters ----------------------------------------------------------------
def test_a_plugin_filter_renders_in_an_email_template_and_a_webhook_body(opened):
    opened.records.create(
        "shipment",
        {"reference": "S-7", "card": "4111222233334444", "contact": "ada@example.com"},
    )
    with opened.engine.connect() as connection:
        table = opened.schema.metadata.tables[JOBS]
        jobs = {
            row.kind: row.payload
            for row in connection.execute(select(table.c.kind, table.c.payload))
        }
    assert jobs["webhook"]["body"]["card"] == "*" * 14 + "44"
    assert "************4444" in jobs["email"]["html"]
    Worker(opened).run_once()
    (message,) = (opened.site.path / "mail").glob("*.eml")
    assert "Paid with card ************4444 for S-7." in message.read_text("utf-8")


# -- auth backends and routes --------------------------------------------------------
def test_an_auth_backend_signs_in_api_requests_from_this_machine_only(app):
    browser = app.test_client()
    headers = {"X-Trusted-User": "ada@example.com"}
    assert browser.get("/api/v1/shipment", headers=headers).status_code == 200
    elsewhere = browser.get(
        "/api/v1/shipment", headers=headers, environ_base={"REMOTE_ADDR": "10.0.0.5"}
    )
    assert elsewhere.status_code == 401
    assert browser.get("/api/v1/shipment").status_code == 401


def test_an_auth_backend_signs_in_ui_requests_without_a_session(app):
    browser = app.test_client()
    page = browser.get("/shipment/", headers={"X-Trusted-User": "ada@example.com"})
    assert page.status_code == 200
    assert browser.get("/shipment/").status_code == 302  # to the sign-in page


def test_a_plugin_adds_a_route(client):
    answer = client.get("/wiring/whoami")
    assert answer.status_code == 200
    assert answer.get_json() == {"plugin": "wiring", "user": "Ada"}


# -- pack folders ------------------------------------------------------------------
def test_a_site_installs_a_pack_from_a_plugin_folder(opened):
    assert opened.definitions.packs["loyalty"].version == "1.0.0"
    member = opened.records.create("loyalty_member", {"name": "Ada"})
    assert member["points"] == 0


NOTES = "entity: note\nfields:\n  text: string\n"


# -- call: actions ---------------------------------------------------------------
CALLS = """\
entity: parcel
fields:
  number: string
rules:
  book:
    on: created
    do:
      - call: {action: carriers.bok}
"""


def test_validate_refuses_a_call_of_an_action_no_plugin_provides(
    runner, tmp_path, database_url
):
    folder = make_site(runner, tmp_path / "calls", database_url, NOTES)
    (folder / "definitions" / "shop.yaml").write_text(CALLS, "utf-8")
    result = runner.invoke(main, ["validate", "--site", str(folder)])
    assert result.exit_code == 1
    assert "shop.yaml:8:" in result.output
    assert "'carriers.bok', which no plugin provides" in result.output
    assert "did you mean 'carriers.book'?" in result.output
    (folder / "definitions" / "shop.yaml").write_text(
        CALLS.replace("carriers.bok", "acme.ship"), "utf-8"
    )
    result = runner.invoke(main, ["validate", "--site", str(folder)])
    assert result.exit_code == 1
    assert "list it under 'plugins:' in site.yaml" in result.output
    assert "carriers.book" in result.output  # the actions there are


def test_a_site_calling_a_missing_plugin_still_opens(runner, tmp_path, database_url):
    folder = make_site(
        runner,
        tmp_path / "lenient",
        database_url,
        CALLS.replace("carriers.bok", "acme.ship"),
    )
    runtime = Runtime.open(folder)
    try:
        (problem,) = runtime.automation.problems
        assert "acme.ship" in problem
    finally:
        runtime.close()


# -- names that clash ---------------------------------------------------------------
CLASHES = {
    "function": ("officina_expression_functions", "round", "expression function"),
    "filter": ("officina_jinja_filters", "upper", "template filter"),
    "field_type": ("officina_field_types", "money", "field type"),
}


@pytest.mark.parametrize("kind", sorted(CLASHES))
def test_a_plugin_name_clashing_with_a_built_in_one_is_refused(
    kind, runner, tmp_path, database_url, monkeypatch
):
    hook, name, what = CLASHES[kind]
    module = f"officina_wiring_clash_{kind}"
    value = (
        "PluginFieldType(name='money', base='decimal')"
        if kind == "field_type"
        else "lambda value: value"
    )
    (tmp_path / f"{module}.py").write_text(
        "from officina.automation.hookspecs import hookimpl\n"
        "from officina.definitions.field_types import PluginFieldType\n\n\n"
        f"@hookimpl\ndef {hook}():\n    return {{{name!r}: {value}}}\n",
        "utf-8",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    folder = make_site(runner, tmp_path / "clash", database_url, NOTES)
    site_file = folder / "site.yaml"
    site_file.write_text(
        site_file.read_text("utf-8").replace("plugins: []", f"plugins: [{module}]"),
        "utf-8",
    )
    expected = f"the plugin '{module}' is refused: its {what} '{name}' has the name"
    with pytest.raises(SiteError, match=re.escape(expected)):
        Runtime.open(folder)
    result = runner.invoke(main, ["validate", "--site", str(folder)])
    assert result.exit_code == 1
    assert expected in result.output
    assert "Traceback" not in result.output


def test_every_hook_is_documented():
    text = (Path(__file__).parents[2] / "docs" / "plugins.md").read_text("utf-8")
    hooks = [name for name in vars(hookspecs) if name.startswith("officina_")]
    assert len(hooks) == 8
    assert [hook for hook in hooks if f"`{hook}(" not in text] == []
