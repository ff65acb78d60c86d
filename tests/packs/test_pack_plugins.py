"""With the first-party plugins installed (plugins/officina-payments and
plugins/officina-carriers), every `call:` of the shipped packs names an
action some plugin provides."""

from __future__ import annotations

from officina.automation.engine import Automation
from officina.automation.extensions import extensions
from officina.automation.plugins import load_plugins
from officina.definitions import load
from officina.packs.catalog import Catalog
from officina.schema.tables import build_schema
from officina.site import default_pack_folders, definition_extensions, site_layers


def test_the_shipped_packs_call_only_provided_actions():
    catalog = Catalog(default_pack_folders())
    layers, problems = site_layers(None, catalog, list(catalog.packs.values()))
    assert problems == []
    plugins = load_plugins()
    provided = extensions(plugins)  # the shipped packs use plugin functions
    definitions = load(
        layers,
        plugin_actions=set(provided.actions),
        demo=False,  # rules are what call actions
        **definition_extensions(provided),
    )
    automation = Automation(definitions, build_schema(definitions), plugins)
    assert automation.check_calls(strict=True) == []
    assert automation.problems == []
    assert {"payments.authorize", "carriers.track"} <= set(automation.actions)
