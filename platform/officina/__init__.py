"""Officina: business applications from YAML definitions.

The public API: `create_app` (the Flask application of a site) and the
errors every part reports with. `create_app` is imported on first use, so
the pure layers (definitions, expressions) load without Flask.
"""

from officina.errors import DefinitionErrors, OfficinaError, Problem

__all__ = ["DefinitionErrors", "OfficinaError", "Problem", "create_app"]


def __getattr__(name: str):
    if name == "create_app":
        from officina.app import create_app

        return create_app
    raise AttributeError(f"module 'officina' has no attribute '{name}'")
