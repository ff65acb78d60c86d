"""Schema: the checked model as SQLAlchemy Core tables, and migration plans.

tables.py and column_types.py build the tables (cycles.py picks the foreign
keys closing a circle of references); compare.py diffs them
against the live database (Alembic's comparison) into the steps of
steps.py and constraints.py, which plan.py checks against the stored data
and migrate.py applies (Alembic's operations), backs up and records.

May import: SQLAlchemy, Alembic, officina.definitions, officina.expressions
(to tell expression defaults from literal ones), officina.database,
officina.errors. Never Flask or WTForms.
"""
