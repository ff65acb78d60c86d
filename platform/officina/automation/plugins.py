"""Loading a site's plugins (pluggy): the hook specifications, Officina's
own plugins (delivery channels, built-in actions), the entry point group
`officina`, and the site's `plugins:` list."""

from __future__ import annotations

import importlib

import pluggy

from officina.automation import hookspecs

# Officina's own plugin modules, registered on every site.
BUILTIN_PLUGINS = (
    "officina.automation.channels",
    "officina.automation.builtin_actions",
)


def load_plugins(site=None) -> pluggy.PluginManager:
    """A plugin manager with the hooks, the built-in plugins, the installed
    ones (entry points) and those the site's site.yaml names."""
    manager = pluggy.PluginManager(hookspecs.PROJECT)
    manager.add_hookspecs(hookspecs)
    for name in BUILTIN_PLUGINS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name != name:
                raise
            continue
        manager.register(module, name=name)
    manager.load_setuptools_entrypoints(hookspecs.PROJECT)
    for name in getattr(site, "plugins", ()) or ():
        if manager.has_plugin(name):
            continue
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name is None or not name.startswith(error.name):
                raise
            from officina.errors import SiteError

            raise SiteError(
                f"site.yaml lists the plugin '{name}' under 'plugins:', but there "
                "is no Python module of that name. Hint: install the plugin's "
                "package into Officina's environment, or remove it from site.yaml"
            ) from None
        if not manager.is_registered(module):
            manager.register(module, name=name)
    return manager
