"""A plugin that gives something Officina cannot use is refused when the
site opens — by `officina validate` and by the running site alike — with
one message that names the plugin, what is wrong and how to fix it."""

from __future__ import annotations

import re
import textwrap

import pytest

from officina.automation.worker import Worker
from officina.cli import main
from officina.errors import SiteError
from officina.runtime import Runtime
from pack_files import make_site

NOTES = "entity: note\nfields:\n  text: string\n"
HEADER = (
    "from officina.automation.hookspecs import hookimpl\n"
    "from officina.definitions.field_types import PluginFieldType\n\n\n"
)

# case: ({module suffix: hook implementation}, the message expected)
CASES = {
    "same_function_twice": (
        {
            "first": "@hookimpl\ndef officina_expression_functions():\n"
            "    return {'fee': lambda amount: amount}\n",
            "second": "@hookimpl\ndef officina_expression_functions():\n"
            "    return {'fee': lambda amount: amount * 2}\n",
        },
        "the plugins '{first}' and '{second}' both provide the name 'fee' "
        "(here as expression function). Hint: keep only one of them",
    ),
    "function_and_filter_alike": (
        {
            "first": "@hookimpl\ndef officina_expression_functions():\n"
            "    return {'masked': lambda value: value}\n",
            "second": "@hookimpl\ndef officina_jinja_filters():\n"
            "    return {'masked': lambda value: value}\n",
        },
        "the plugins '{first}' and '{second}' both provide the name 'masked' "
        "(here as template filter)",
    ),
    "field_type_on_a_reference": (
        {
            "first": "@hookimpl\ndef officina_field_types():\n"
            "    return {'customer_link': PluginFieldType("
            "name='customer_link', base='reference')}\n",
        },
        "the plugin '{first}' is refused: the field type 'customer_link' stands "
        "on 'reference', which a plugin type cannot extend; use one of: string,",
    ),
    "hook_that_fails": (
        {
            "first": "@hookimpl\ndef officina_expression_functions():\n"
            "    raise RuntimeError('no licence key')\n",
        },
        "the plugin '{first}' failed in officina_expression_functions: "
        "RuntimeError: no licence key. Hint: update or remove the plugin",
    ),
    "job_handlers_not_a_dict": (
        {
            "first": "@hookimpl\ndef officina_job_handlers():\n    return [print]\n",
        },
        "the plugin '{first}' is refused: officina_job_handlers must return a "
        "dict {{name: ...}}",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_plugin_giving_what_cannot_be_used_is_refused_by_name(
    case, runner, tmp_path, database_url, monkeypatch
):
    sources, expected = CASES[case]
    modules = {part: f"officina_refusal_{case}_{part}" for part in sources}
    for part, source in sources.items():
        (tmp_path / f"{modules[part]}.py").write_text(HEADER + source, "utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    folder = make_site(runner, tmp_path / "site", database_url, NOTES)
    # Listed after the tables are made, as an admin adding plugins would.
    site_file = folder / "site.yaml"
    listed = ", ".join(modules.values())
    site_file.write_text(
        site_file.read_text("utf-8").replace("plugins: []", f"plugins: [{listed}]"),
        "utf-8",
    )
    message = expected.format(**modules)

    result = runner.invoke(main, ["validate", "--site", str(folder)])
    assert result.exit_code == 1
    assert message in " ".join(result.output.split())
    assert "Traceback" not in result.output
    with pytest.raises(SiteError, match=re.escape(message)):
        Runtime.open(folder)


HOOKED_NOTES = """\
entity: note
fields:
  text: string
rules:
  announce:
    on: created
    do:
      - webhook: {url: 'http://127.0.0.1:9/notes', body: {text: '{{ text }}'}}
"""


def test_a_later_plugin_replaces_a_job_handler_of_an_earlier_one(
    runner, tmp_path, database_url, monkeypatch
):
    """Job handlers follow the actions: an adapter may take over a kind
    (here, webhooks are written to a file instead of sent)."""
    module = "officina_refusal_webhook_adapter"
    (tmp_path / f"{module}.py").write_text(
        HEADER
        + textwrap.dedent(
            """\
            import json


            def deliver(job, runtime):
                sent = runtime.site.path / "sent.json"
                sent.write_text(json.dumps(job["payload"]["body"]), "utf-8")


            @hookimpl
            def officina_job_handlers():
                return {"webhook": deliver}
            """
        ),
        "utf-8",
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    folder = make_site(
        runner, tmp_path / "site", database_url, HOOKED_NOTES, plugins=(module,)
    )
    runtime = Runtime.open(folder)
    try:
        runtime.records.create("note", {"text": "Call the carrier"})
        assert Worker(runtime).run_once() == 1
        sent = (folder / "sent.json").read_text("utf-8")
        assert sent == '{"text": "Call the carrier"}'
    finally:
        runtime.close()
