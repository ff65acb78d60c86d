"""An archived entity that refers to itself (a category tree) comes back
with its records and its reference checked against its own table, not the
archive it was restored from."""

from __future__ import annotations

import pytest
from migration_helpers import contents, seed, table_names
from sqlalchemy import column, insert, table
from sqlalchemy.exc import IntegrityError

from officina.schema.migrate import migrate

CATEGORY = """
entity: category
fields:
  name: {type: string, required: true}
  parent_category: {type: reference, to: category}
"""
NOTE = """
entity: note
fields:
  text: string
"""


def test_a_restored_category_tree_keeps_its_parents(engine, definitions, tmp_path):
    tree = definitions({"category.yaml": CATEGORY, "note.yaml": NOTE})
    migrate(engine, tree, backup_dir=tmp_path / "backups")
    seed(
        engine,
        tree,
        "category",
        [
            {"name": "Electronics"},
            {"name": "Phones", "parent_category": 1},
            {"name": "Cases", "parent_category": 2},
        ],
    )
    categories = contents(engine, tree, "category")
    notes_only = definitions({"note.yaml": NOTE})
    migrate(engine, notes_only, allow_destructive=True)
    assert "category" not in table_names(engine)

    done = migrate(engine, tree)
    lines = done.plan.lines()
    assert lines[0].startswith("restore the table `category` from `_archived_category")
    assert (
        "link `parent_category` of `category` to `category` records "
        "(all 2 values point at existing records)"
    ) in lines
    assert not any("`_archived_" in line for line in lines[1:])
    assert contents(engine, tree, "category") == categories
    assert not any(name.startswith("_archived_") for name in table_names(engine))
    # The parent must be a category that exists.
    with pytest.raises(IntegrityError), engine.begin() as connection:
        category = table("category", column("name"), column("parent_category"))
        connection.execute(insert(category).values(name="Lost", parent_category=99))
