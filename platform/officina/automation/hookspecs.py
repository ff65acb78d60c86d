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

    An action marked `slow` (`action.slow = True`) runs later as a job of
    the worker: raising `RetryLater` there tries again with backoff, and
    `context.attempt` / `context.max_attempts` say which try this is, so
    the last one can give up gracefully (`context.last_attempt`).
    """


@hookspec
def officina_field_types():
    """Extra field types: return a dict {name: PluginFieldType} (see
    officina.definitions.field_types). A field of such a type is stored,
    shown and coerced as its built-in `base` type, and the records service
    refuses values its `check(value)` finds wrong. A name of a built-in
    type, or one another plugin gives, is refused."""


@hookspec
def officina_expression_functions():
    """Functions for the expression language: return a dict {name: callable
    or Function} (officina.expressions.functions); how many arguments a
    plain callable takes comes from its signature. They must be pure (no
    I/O): expressions run inside transactions and in checks. A built-in
    function's name, or one another plugin gives, is refused."""


@hookspec
def officina_jinja_filters():
    """Filters for templates (e-mails, webhook bodies, templated text):
    return a dict {name: callable}, called as `filter(value, *arguments)`
    for `value | name(arguments)`. They run in the sandbox like the rest of
    the template; a built-in function's name is refused."""


@hookspec
def officina_job_handlers():
    """Deliverers of outbox jobs: return a dict {kind: callable}, called by
    the worker as `handler(job, runtime)`; `job` is a dict with the job's
    `payload`, `idempotency_key`, `attempt` (1 for the first try) and
    `max_attempts`. Raise `RetryLater` for a temporary failure (the worker
    retries with exponential backoff until the last attempt) and anything
    else for a permanent one (the job goes to the dead letters)."""


@hookspec
def officina_auth_backends():
    """Ways to sign in besides passwords: return a list of objects with
    `authenticate(runtime, request) -> Actor | None`, asked (earliest plugin
    first) for API requests without a valid bearer token and for UI
    requests without a session; the first Actor answered is the user."""


@hookspec
def officina_routes(app):
    """Add Flask routes or blueprints to the application `app`: called once
    by create_app, after Officina's own blueprints."""


@hookspec
def officina_pack_folders():
    """Folders holding template packs to offer, each pack a sub-folder with
    a pack.yaml: return a list of paths. They come after the shipped packs
    and before the site's own packs/ folder (a later folder wins)."""
