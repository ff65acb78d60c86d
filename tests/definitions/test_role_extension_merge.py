"""Several packs (and the site) extending the same role on the same entity:
their rights add up part by part instead of the last one replacing the
others' (and a site hiding a field must not drop the role's row filter)."""

from __future__ import annotations

import pytest

from officina.definitions import Layer, load
from officina.definitions.loader import SITE_LAYER
from officina.errors import DefinitionErrors
from pack_files import pack_layer, write_pack

SHOP = {
    "shop.yaml": """
        entity: ticket
        fields:
          owner: {type: reference, to: user}
          team: {type: choice, options: [north, south]}
          cost: money
          note: text
        workflow:
          initial: open
          states:
            open:
            answered:
            closed:
          transitions:
            answer: {from: open, to: answered}
            close: {from: answered, to: closed}
            reopen: {from: closed, to: open}
        ---
        role: agent
        label: Agent
        permissions:
          ticket:
            read: true
            rows: {owner: '=user.id'}
            transitions: [answer]
            fields: {cost: hidden}
    """
}


def layers(tmp_path, *extensions: str, site: str | None = None) -> list[Layer]:
    """The shop pack, one pack per extension text (each depending on the
    shop), and the site's own file."""
    found = [pack_layer(write_pack(tmp_path, SHOP))]
    for index, text in enumerate(extensions, 1):
        name = f"extra{index}"
        folder = write_pack(
            tmp_path, {"roles.yaml": text}, name=name, depends={"shop": "^1.0"}
        )
        found.append(pack_layer(folder, depends_on={"shop"}))
    if site is not None:
        path = tmp_path / "site" / "roles.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(site, "utf-8")
        found.append(Layer(name=SITE_LAYER, files=(path,)))
    return found


def ticket_permission(tmp_path, *extensions, site=None):
    definitions = load(layers(tmp_path, *extensions, site=site))
    return definitions.roles["agent"].permissions["ticket"]


def test_two_packs_granting_the_same_role_on_the_same_entity_add_up(tmp_path):
    permission = ticket_permission(
        tmp_path,
        """
        extend_role: agent
        permissions:
          ticket: {update: true, transitions: [close], fields: {note: read_only}}
        """,
        """
        extend_role: agent
        permissions:
          ticket: [read, export]
        """,
    )
    assert permission.actions == {"read", "update", "export"}
    assert permission.transitions == ("answer", "close")
    assert dict(permission.fields) == {"cost": "hidden", "note": "read_only"}
    assert permission.rows, "the row filter of the role is kept"


def test_a_site_changing_one_field_keeps_the_row_filter(tmp_path):
    permission = ticket_permission(
        tmp_path,
        site="""
extend_role: agent
permissions:
  ticket: {fields: {cost: read_only}}
""",
    )
    assert dict(permission.fields) == {"cost": "read_only"}
    assert [f.path for f in permission.rows] == [("owner",)]
    assert permission.actions == {"read"}
    assert permission.transitions == ("answer",)


def test_an_extension_may_replace_the_rows_take_an_action_or_everything_away(
    tmp_path,
):
    permission = ticket_permission(
        tmp_path,
        """
        extend_role: agent
        permissions:
          ticket: {read: true, delete: false, rows: {team: north}}
        """,
    )
    assert [(f.path, f.value) for f in permission.rows] == [(("team",), "north")]
    permission = ticket_permission(
        tmp_path / "all",
        "extend_role: agent\npermissions:\n  ticket: all\n",
    )
    assert permission.transitions == "all"
    assert "delete" in permission.actions
    permission = ticket_permission(
        tmp_path / "none",
        "extend_role: agent\npermissions:\n  ticket: none\n",
    )
    assert permission.actions == frozenset() and not permission.rows


def test_a_wrong_transition_in_an_extension_is_reported_in_its_own_file(tmp_path):
    with pytest.raises(DefinitionErrors) as raised:
        ticket_permission(
            tmp_path,
            """
            extend_role: agent
            permissions:
              ticket:
                transitions: [clsoe]
            """,
        )
    (problem,) = raised.value.problems
    assert problem.location.file.endswith("extra1/roles.yaml")
    assert problem.location.line == 4
    assert "clsoe" in problem.message and "close" in problem.hint
