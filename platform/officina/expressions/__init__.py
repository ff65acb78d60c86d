"""The sandboxed expression language: compile, check, evaluate.

May import: jinja2 and officina.errors. Never Flask, SQLAlchemy or WTForms.
"""

from officina.expressions.expression import Expression

__all__ = ["Expression"]
