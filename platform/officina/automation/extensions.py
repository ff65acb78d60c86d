"""What a site's plugins provide, collected once per plugin manager.

Every registration hook of `hookspecs` is read here, plugin by plugin, so a
bad answer is refused with the plugin's name: actions, expression
functions, template filters, field types, auth backends, pack folders and
the worker's job handlers.

A later plugin overrides an earlier one's action or job handler (an adapter
replacing a simulator, say), as the built-in ones are plugins themselves. Names the
definitions use are different: an expression function, template filter or
field type that two plugins both provide, or that clashes with a built-in
name, would make the meaning of a YAML file depend on which plugins happen
to be installed, so it is refused.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from types import MappingProxyType

from officina.definitions import language as lang
from officina.definitions.field_types import BASE_TYPES, PluginFieldType
from officina.errors import SiteError
from officina.expressions.functions import BUILTIN_FUNCTIONS, Function

_NAME = re.compile(lang.NAME_PATTERN)
_BUILTIN_FUNCTION_NAMES = frozenset(function.name for function in BUILTIN_FUNCTIONS)
# Where the collected extensions are kept on a plugin manager.
_CACHE = "_officina_extensions"


@dataclass(frozen=True)
class Extensions:
    """The plugins' contributions, checked; built-in functions first."""

    actions: Mapping[str, Callable]
    functions: tuple[Function, ...]
    filters: tuple[Function, ...]
    field_types: Mapping[str, PluginFieldType]
    auth_backends: tuple
    pack_folders: tuple[Path, ...]
    job_handlers: Mapping[str, Callable]


def extensions(plugins) -> Extensions:
    """The extensions of a plugin manager (`load_plugins`), collected on
    first use and kept on the manager until its plugins change; without a
    manager, Officina's built-in actions and functions only."""
    if plugins is None:
        from officina.automation import builtin_actions, channels

        return Extensions(
            actions=MappingProxyType(dict(builtin_actions.officina_actions())),
            functions=BUILTIN_FUNCTIONS,
            filters=(),
            field_types=MappingProxyType({}),
            auth_backends=(),
            pack_folders=(),
            job_handlers=MappingProxyType(
                {
                    **channels.officina_job_handlers(),
                    **builtin_actions.officina_job_handlers(),
                }
            ),
        )
    key = tuple((name, id(plugin)) for name, plugin in plugins.list_name_plugin())
    cached = getattr(plugins, _CACHE, None)
    if cached is not None and cached[0] == key:
        return cached[1]
    found = _collect(plugins)
    setattr(plugins, _CACHE, (key, found))
    return found


def call_hook(plugins, hook: str, **arguments) -> list[tuple[str, object]]:
    """(plugin name, answer) of every implementation of `hook`, the earliest
    registered first; a plugin that fails is named in a SiteError."""
    caller = getattr(plugins.hook, hook)
    answers = []
    for implementation in caller.get_hookimpls():
        if implementation.hookwrapper or implementation.wrapper:
            continue
        wanted = [arguments[name] for name in implementation.argnames]
        try:
            answer = implementation.function(*wanted)
        except SiteError:
            raise
        except Exception as error:  # noqa: BLE001 - reported with the plugin's name
            raise SiteError(
                f"the plugin '{implementation.plugin_name}' failed in {hook}: "
                f"{type(error).__name__}: {error}. Hint: update or remove the "
                "plugin (site.yaml 'plugins:' or its installed package)"
            ) from error
        if answer is not None:
            answers.append((implementation.plugin_name, answer))
    return answers


def _collect(plugins) -> Extensions:
    names: dict[str, str] = {}  # expression name -> the plugin giving it
    functions = _functions(plugins, names)
    filters = _filters(plugins, names)
    return Extensions(
        actions=MappingProxyType(_callables(plugins, "officina_actions", "action")),
        functions=(*BUILTIN_FUNCTIONS, *functions),
        filters=tuple(filters),
        field_types=MappingProxyType(_field_types(plugins)),
        auth_backends=tuple(_auth_backends(plugins)),
        pack_folders=tuple(_pack_folders(plugins)),
        job_handlers=MappingProxyType(
            _callables(plugins, "officina_job_handlers", "job handler")
        ),
    )


def _callables(plugins, hook: str, what: str) -> dict[str, Callable]:
    """{name: callable} of every plugin's answer to `hook`, a later plugin's
    replacing an earlier one's."""
    found: dict[str, Callable] = {}
    for plugin, answer in call_hook(plugins, hook):
        for name, value in _entries(plugin, hook, answer):
            if not callable(value):
                raise _refused(plugin, f"the {what} '{name}' is not callable")
            found[name] = value
    return found


def _functions(plugins, owners: dict[str, str]) -> list[Function]:
    taken = _BUILTIN_FUNCTION_NAMES | lang.EXPRESSION_WORDS
    found = []
    for plugin, answer in call_hook(plugins, "officina_expression_functions"):
        for name, value in _entries(plugin, "officina_expression_functions", answer):
            _check_unique(plugin, "expression function", name, taken, owners)
            found.append(as_function(plugin, name, value))
    return found


def _filters(plugins, owners: dict[str, str]) -> list[Function]:
    """Filters share the expression functions' names (every function is a
    filter too: `total | round(2)`)."""
    found = []
    for plugin, answer in call_hook(plugins, "officina_jinja_filters"):
        for name, value in _entries(plugin, "officina_jinja_filters", answer):
            _check_unique(
                plugin, "template filter", name, _BUILTIN_FUNCTION_NAMES, owners
            )
            found.append(as_function(plugin, name, value))
    return found


def _field_types(plugins) -> dict[str, PluginFieldType]:
    owners: dict[str, str] = {}
    found: dict[str, PluginFieldType] = {}
    for plugin, answer in call_hook(plugins, "officina_field_types"):
        for name, value in _entries(plugin, "officina_field_types", answer):
            _check_unique(plugin, "field type", name, set(lang.FIELD_TYPES), owners)
            found[name] = _field_type(plugin, name, value)
    return found


def _field_type(plugin: str, name: str, value) -> PluginFieldType:
    if not isinstance(value, PluginFieldType):
        raise _refused(
            plugin,
            f"the field type '{name}' is {type(value).__name__}, not a "
            "PluginFieldType (officina.definitions.field_types)",
        )
    if value.base not in BASE_TYPES:
        raise _refused(
            plugin,
            f"the field type '{name}' stands on '{value.base}', which a plugin "
            f"type cannot extend; use one of: {', '.join(BASE_TYPES)}",
        )
    if value.check is not None and not callable(value.check):
        raise _refused(plugin, f"the check of the field type '{name}' is not callable")
    if value.pattern is not None:
        try:
            re.compile(value.pattern)
        except re.error as error:
            raise _refused(
                plugin, f"the pattern of the field type '{name}' is invalid: {error}"
            ) from None
    return value if value.name == name else replace(value, name=name)


def _auth_backends(plugins) -> list:
    found = []
    for plugin, answer in call_hook(plugins, "officina_auth_backends"):
        if not isinstance(answer, list | tuple):
            raise _refused(plugin, "officina_auth_backends must return a list")
        for backend in answer:
            if not callable(getattr(backend, "authenticate", None)):
                raise _refused(
                    plugin,
                    f"the auth backend {backend!r} has no method "
                    "authenticate(runtime, request)",
                )
            found.append(backend)
    return found


def _pack_folders(plugins) -> list[Path]:
    found = []
    for plugin, answer in call_hook(plugins, "officina_pack_folders"):
        if isinstance(answer, str | Path) or not isinstance(answer, list | tuple):
            raise _refused(plugin, "officina_pack_folders must return a list of paths")
        found.extend(Path(folder) for folder in answer)
    return found


def as_function(plugin: str, name: str, value) -> Function:
    """A `Function` of the expression language from what a plugin gave: a
    Function, or a plain callable whose arguments its signature tells."""
    if isinstance(value, Function):
        return value if value.name == name else replace(value, name=name)
    if not callable(value):
        raise _refused(plugin, f"'{name}' is {type(value).__name__}, not a function")
    min_args, max_args = _arity(plugin, name, value)
    doc = (inspect.getdoc(value) or "").strip().splitlines()
    return Function(name, value, min_args, max_args, doc=doc[0] if doc else "")


def _arity(plugin: str, name: str, value) -> tuple[int, int | None]:
    try:
        signature = inspect.signature(value)
    except (TypeError, ValueError):  # some built-ins do not tell
        return 0, None
    required, total = 0, 0
    parameters = list(signature.parameters.values())
    if getattr(value, "needs_context", False):
        parameters = parameters[1:]  # the expression's context, passed first
    for parameter in parameters:
        if parameter.kind is parameter.VAR_POSITIONAL:
            total = None
        elif parameter.kind is parameter.KEYWORD_ONLY:
            if parameter.default is parameter.empty:
                raise _refused(
                    plugin,
                    f"'{name}' needs the keyword argument '{parameter.name}', "
                    "which expressions cannot pass",
                )
        elif parameter.kind is not parameter.VAR_KEYWORD:
            if total is not None:
                total += 1
            if parameter.default is parameter.empty:
                required += 1
    return required, total


def _entries(plugin: str, hook: str, answer) -> list[tuple[str, object]]:
    if not isinstance(answer, Mapping):
        raise _refused(plugin, f"{hook} must return a dict {{name: ...}}")
    for name in answer:
        if not isinstance(name, str) or not name:
            raise _refused(plugin, f"{hook} returned the name {name!r}")
    return list(answer.items())


def _check_unique(plugin: str, what: str, name: str, builtin, owners: dict) -> None:
    if not _NAME.match(name):
        raise _refused(
            plugin,
            f"the {what} name '{name}' cannot be written in definitions: use "
            "lowercase letters, digits and underscores, starting with a letter",
        )
    if name in builtin:
        raise _refused(
            plugin,
            f"its {what} '{name}' has the name of a built-in one",
            f"rename it in the plugin, e.g. '{plugin.split('.')[-1]}_{name}'",
        )
    if name in owners:
        raise SiteError(
            f"the plugins '{owners[name]}' and '{plugin}' both provide the name "
            f"'{name}' (here as {what}). Hint: keep only one of them in "
            "Officina's environment or in site.yaml 'plugins:'"
        )
    owners[name] = plugin


def _refused(plugin: str, reason: str, hint: str = "fix the plugin") -> SiteError:
    return SiteError(
        f"the plugin '{plugin}' is refused: {reason}. Hint: {hint}, or remove "
        "it from site.yaml 'plugins:' (or uninstall its package)"
    )
