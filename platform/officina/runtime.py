"""A site opened for work: its definitions, tables, database and records
service, as one immutable object.

The web application, the worker and the command line each hold one
`Runtime`; when definitions change, a new one is built and swapped in whole,
so nothing ever sees half of an old version and half of a new one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from officina.auth.permissions import Permissions
from officina.automation import extensions as provided_by_plugins
from officina.automation.engine import Automation
from officina.automation.plugins import load_plugins
from officina.database import create_database_engine
from officina.definitions import Definitions
from officina.records import Hooks, RecordsService
from officina.schema.migrate import ensure_up_to_date
from officina.schema.tables import Schema, build_schema
from officina.site import Site, load_site_definitions


@dataclass(frozen=True)
class Runtime:
    site: Site
    definitions: Definitions
    schema: Schema
    engine: Engine
    records: RecordsService
    permissions: Permissions
    # The site's plugins (a pluggy PluginManager) and the rules engine.
    plugins: Any = field(default=None, compare=False, repr=False)
    automation: Any = field(default=None, compare=False, repr=False)
    # What channels derive from these definitions (compiled forms, OpenAPI
    # document, ...): built on first use, dropped with the runtime.
    memo: dict = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def open(
        cls,
        site_path: str | Path,
        *,
        check_schema: bool = True,
        hooks: Hooks | None = None,
    ) -> Runtime:
        """Load the site's definitions and connect to its database.

        With `check_schema`, a database that does not match the definitions
        is refused with the command that brings it up to date.
        """
        site = Site.load(site_path)
        # Plugins first: they add functions, filters, field types and packs
        # to what the definitions may use.
        plugins = load_plugins(site)
        # Demo data is read only when it is loaded (officina demo).
        definitions = load_site_definitions(site, plugins=plugins, demo=False)
        schema = build_schema(definitions)
        engine = create_database_engine(site.database, site_path=site.path)
        if check_schema:
            try:
                ensure_up_to_date(engine, schema, site=str(site_path))
            except Exception:
                engine.dispose()
                raise
        permissions = Permissions(definitions)
        hooks = permissions.install(hooks or Hooks())
        from officina.automation import sla

        sla.install(hooks, definitions, schema)  # state clocks, for SLAs
        try:
            automation = Automation(definitions, schema, plugins, engine)
            automation.check_calls()
        except Exception:
            engine.dispose()
            raise
        automation.install(hooks)  # rules run after the hooks above
        records = RecordsService(definitions, schema, engine, hooks, timezone=site.zone)
        return cls(
            site, definitions, schema, engine, records, permissions, plugins, automation
        )

    @property
    def extensions(self) -> provided_by_plugins.Extensions:
        """What the site's plugins provide: actions, expression functions,
        template filters, field types, auth backends, pack folders."""
        return provided_by_plugins.extensions(self.plugins)

    def close(self) -> None:
        self.engine.dispose()
