"""The hooks plugins implement (pluggy, the mechanism of pytest and Datasette).

A plugin is a Python module or object with functions marked `@hookimpl`
(`from officina.automation.hookspecs import hookimpl`) named like the specs
below. Officina finds plugins through the entry point group `officina`
(`[project.entry-points.officina] my_plugin = "my_package.plugin"`) and the
site's `plugins:` list in site.yaml. Officina's own actions are a plugin
too (`officina.automation.builtin_actions`), so every hook is used by the
core itself.

Packs never run code: only plugins, installed deliberately as Python
packages, do.
"""

from __future__ import annotations

import pluggy

PROJECT = "officina"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def officina_actions():
    """Actions rules, transitions and states may `do:` (or `call:`).

    Return a dict {name: callable}. The callable is called as
    `action(context)` with an `ActionContext` (officina.automation.context):
    the transaction to write in, the record, the rule's options with
    expressions already evaluated, and `enqueue(...)` for effects that must
    leave through the outbox. Raise `ActionFailed` with a message the user
    understands; any other exception is contained and reported the same way.
    """


@hookspec
def officina_field_types():
    """Extra field types: return a dict {name: FieldType} (see
    officina.definitions.language for the built-in ones)."""


@hookspec
def officina_expression_functions():
    """Functions for the expression language: return a dict {name: callable}.
    They must be pure (no I/O): expressions run inside transactions and in
    checks."""


@hookspec
def officina_jinja_filters():
    """Filters for templates (e-mails, webhook bodies, print layouts):
    return a dict {name: callable}. They run in the sandbox like the rest of
    the template."""


@hookspec
def officina_job_handlers():
    """Deliverers of outbox jobs: return a dict {kind: callable}, called by
    the worker as `handler(job, runtime)` with the job's payload and
    idempotency key. Raise `RetryLater` for a temporary failure (the worker
    retries with exponential backoff) and anything else for a permanent one
    (the job goes to the dead letters)."""


@hookspec
def officina_auth_backends():
    """Ways to sign in besides passwords: return a list of objects with
    `authenticate(runtime, request) -> Actor | None`."""


@hookspec
def officina_routes(app):
    """Add Flask routes or blueprints to the application `app`."""


@hookspec
def officina_pack_folders():
    """Folders holding template packs to offer (each with a pack.yaml):
    return a list of paths."""
