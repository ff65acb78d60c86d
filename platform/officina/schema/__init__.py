"""Schema: the checked model as SQLAlchemy Core tables, and migration plans.

May import: SQLAlchemy, Alembic, officina.definitions, officina.errors.
Never Flask or WTForms.
"""
