"""Definitions: YAML files -> a checked, frozen model (or every problem at once).

May import: PyYAML, jsonschema, officina.expressions and officina.errors.
Never Flask, SQLAlchemy or WTForms.
"""

from officina.definitions.loader import Layer, load
from officina.definitions.model import Definitions

__all__ = ["Definitions", "Layer", "load"]
