"""Packs (and the site) adding fields to another pack's entity and sections
or tabs to its forms: where the sections land, which fields a form shows
under "More", and the messages for sections that cannot be placed."""

from __future__ import annotations

import textwrap

import pytest

from officina.definitions import Layer, load
from officina.definitions.loader import SITE_LAYER
from officina.errors import DefinitionErrors
from pack_files import pack_layer, write_pack

SHOP = {
    "shop.yaml": """
        entity: parcel
        fields:
          code: {type: string, required: true}
          recipient: string
          carrier: string
          tracking: string
          note: text
        forms:
          default:
            tabs:
              - label: Parcel
                sections:
                  - {label: Who, fields: [code, recipient]}
                  - {label: Carrier, fields: [carrier, tracking]}
              - label: Notes
                fields: [note]
          quick:
            sections:
              - {label: Quick, fields: [code, carrier]}
          plain:
            fields: [code, recipient]
          courier:
            roles: [courier]
            show_other_fields: false
            fields: [code, tracking]
        ---
        role: courier
        permissions:
          parcel: [read]
    """
}


def layers(tmp_path, *extensions: str, site: str | None = None) -> list[Layer]:
    """The shop pack, one pack per extension text (each depending on the
    shop only), and the site's own file."""
    found = [pack_layer(write_pack(tmp_path, SHOP))]
    for index, text in enumerate(extensions, 1):
        name = f"extra{index}"
        folder = write_pack(
            tmp_path, {f"{name}.yaml": text}, name=name, depends={"shop": "^1.0"}
        )
        found.append(pack_layer(folder, depends_on={"shop"}))
    if site is not None:
        path = tmp_path / "site" / "parcel.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(site), "utf-8")
        found.append(Layer(name=SITE_LAYER, files=(path,)))
    return found


def forms(tmp_path, *extensions, site=None):
    return load(layers(tmp_path, *extensions, site=site)).entities["parcel"].forms


def layout(form) -> list[tuple[str, list[tuple[str, tuple]]]]:
    return [
        (tab.label.get(), [(s.label.get(), s.fields) for s in tab.sections])
        for tab in form.tabs
    ]


PARCELS = """
    extend: parcel
    fields:
      weight: decimal
      parcels: integer
      signed_by: string
    forms:
      default:
        add_sections:
          - {label: Parcels, after: tracking, fields: [weight]}
          - {label: Count, after: tracking, fields: [parcels]}
          - {label: Proof, fields: [signed_by]}
      quick:
        add_sections:
          - {label: Weight, after: code, fields: [weight]}
      plain:
        add_sections:
          - {label: Parcels, fields: [weight, parcels]}
"""


def test_sections_go_after_the_section_holding_the_field_they_name(tmp_path):
    found = forms(tmp_path, PARCELS)
    assert layout(found["default"]) == [
        (
            "Parcel",
            [
                ("Who", ("code", "recipient")),
                ("Carrier", ("carrier", "tracking")),
                ("Parcels", ("weight",)),
                ("Count", ("parcels",)),
            ],
        ),
        ("Notes", [("", ("note",)), ("Proof", ("signed_by",))]),
    ]
    assert layout(found["quick"]) == [
        ("", [("Quick", ("code", "carrier")), ("Weight", ("weight",))])
    ]
    # A form listing its fields directly keeps them, first, in a section.
    assert layout(found["plain"]) == [
        ("", [("", ("code", "recipient")), ("Parcels", ("weight", "parcels"))])
    ]


def test_two_packs_add_to_one_form_and_a_site_changes_its_label(tmp_path):
    other = """
        extend: parcel
        fields:
          insured: money
        forms:
          default:
            label: Shipment
            add_tabs:
              - label: Insurance
                fields: [insured]
    """
    found = forms(tmp_path, PARCELS, other)["default"]
    assert found.label.get() == "Shipment"
    assert [tab.label.get() for tab in found.tabs] == ["Parcel", "Notes", "Insurance"]
    assert found.other_fields == ()


def test_fields_placed_nowhere_are_the_forms_other_fields(tmp_path):
    extension = """
        extend: parcel
        fields:
          weight: decimal
          customs_code: string
          audit_flag: {type: string, hidden: true}
        forms:
          default:
            add_sections:
              - {label: Parcels, after: tracking, fields: [weight]}
    """
    found = forms(tmp_path, extension)
    assert found["default"].other_fields == ("customs_code",)
    assert found["quick"].other_fields == ("weight", "customs_code")
    # A form that says so shows only its own fields.
    assert found["courier"].other_fields == ()


def test_a_form_written_whole_knows_its_own_packs_fields_only(tmp_path):
    extension = """
        extend: parcel
        fields:
          weight: decimal
    """
    site = """
        extend: parcel
        fields:
          gate: string
        forms:
          default:
            sections:
              - {label: Short, fields: [code, gate]}
    """
    found = forms(tmp_path, extension, site=site)["default"]
    assert layout(found) == [("", [("Short", ("code", "gate"))])]
    # The shop's fields it leaves out were left out on purpose; the other
    # pack's field it could not know of.
    assert found.other_fields == ("weight",)


def test_a_pack_writing_a_form_whole_replaces_the_pack_form(tmp_path):
    extension = """
        extend: parcel
        forms:
          quick:
            fields: [code, recipient]
    """
    found = forms(tmp_path, extension)["quick"]
    assert layout(found) == [("", [("", ("code", "recipient"))])]


def problems_of(tmp_path, extension: str) -> list[str]:
    with pytest.raises(DefinitionErrors) as raised:
        load(layers(tmp_path, extension))
    return [str(problem) for problem in raised.value.problems]


def test_a_section_after_a_field_the_form_does_not_show_is_reported(tmp_path):
    messages = problems_of(
        tmp_path,
        """
        extend: parcel
        fields:
          weight: decimal
        forms:
          default:
            add_sections:
              - {label: Parcels, after: trackng, fields: [weight]}
        """,
    )
    assert messages == [
        f"{tmp_path}/extra1/extra1.yaml:7:33: 'trackng' is in no section of the "
        "form 'default', so a section cannot be placed after it. Hint: did you "
        "mean 'tracking'?"
    ]


def test_adding_to_a_form_that_does_not_exist_is_reported(tmp_path):
    messages = problems_of(
        tmp_path,
        """
        extend: parcel
        forms:
          defualt:
            add_sections:
              - {fields: [note]}
        """,
    )
    assert messages == [
        f"{tmp_path}/extra1/extra1.yaml:4:5: there is no form 'defualt' to add "
        "sections to. Hint: did you mean 'default'?"
    ]


def test_tabs_cannot_be_added_to_a_form_without_tabs(tmp_path):
    messages = problems_of(
        tmp_path,
        """
        extend: parcel
        fields:
          weight: decimal
        forms:
          quick:
            add_tabs:
              - {label: More, fields: [weight]}
        """,
    )
    assert messages == [
        f"{tmp_path}/extra1/extra1.yaml:6:5: the form 'quick' has no tabs to add "
        "to. Hint: add sections with 'add_sections', or write the whole form "
        "with 'tabs'."
    ]


def test_an_added_section_naming_an_unknown_field_is_reported_in_its_file(
    tmp_path,
):
    messages = problems_of(
        tmp_path,
        """
        extend: parcel
        forms:
          default:
            add_sections:
              - {label: Parcels, fields: [wieght]}
        """,
    )
    assert messages == [
        f"{tmp_path}/extra1/extra1.yaml:5:35: unknown field 'wieght' in form "
        "'default'. Hint: use one of: carrier, code, note, recipient, tracking."
    ]
