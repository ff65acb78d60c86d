"""Reading YAML: locations, YAML 1.2 scalars, and every kind of bad input."""

from __future__ import annotations

import pytest

from officina.definitions.source import MAX_FILE_BYTES, read_documents


def read(text: str):
    return read_documents("defs.yaml", text)


def messages(problems) -> list[str]:
    return [str(problem) for problem in problems]


def test_values_remember_their_line_and_column():
    documents, problems = read("entity: order\nfields:\n  total: {type: money}\n")
    assert problems == []
    (document,) = documents
    assert (document.key_at("fields").line, document.key_at("fields").column) == (2, 1)
    total = document["fields"]["total"]
    assert (total.value_at("type").line, total.value_at("type").column) == (3, 17)


def test_scalars_follow_yaml_1_2_not_1_1():
    (document,), problems = read(
        "on: created\nanswer: no\ncountry: NO\nwhen: 2026-01-31\n"
        "yes_flag: true\ncount: 12\nratio: 1.5\nhex: 0x1F\nempty:\nquoted: '12'\n"
    )
    assert problems == []
    assert document == {
        "on": "created",
        "answer": "no",
        "country": "NO",
        "when": "2026-01-31",
        "yes_flag": True,
        "count": 12,
        "ratio": 1.5,
        "hex": 31,
        "empty": None,
        "quoted": "12",
    }


def test_duplicate_keys_are_refused_with_both_lines():
    _, problems = read("entity: order\nlabel: A\nlabel: B\n")
    assert messages(problems) == [
        "defs.yaml:3:1: duplicate key 'label' (first given on line 2). Hint: remove "
        "one of them; a key may appear once in a mapping."
    ]


def test_python_tags_are_never_constructed():
    documents, problems = read("entity: !!python/object/apply:os.system ['true']\n")
    assert messages(problems) == [
        "defs.yaml:1:9: the tag '!!python/object/apply:os.system' is not supported. "
        "Hint: definitions are plain YAML: remove the '!' tag."
    ]


def test_merge_keys_do_not_override_written_keys():
    (document,), problems = read(
        "base: &base {type: string, max_length: 20}\n"
        "field:\n  <<: *base\n  max_length: 40\n"
    )
    assert problems == []
    assert document["field"] == {"type": "string", "max_length": 40}


def test_alias_bomb_is_stopped():
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for name, previous in zip("bcdefgh", "abcdefg", strict=True):
        lines.append(f"{name}: &{name} [{', '.join(['*' + previous] * 10)}]")
    _, problems = read("\n".join(lines) + "\n")
    assert len(problems) == 1
    assert "expands to more than 200,000 values" in problems[0].message


def test_deep_nesting_is_stopped():
    _, problems = read("[" * 5000 + "]" * 5000)
    assert len(problems) == 1
    assert "nested" in problems[0].message
    assert problems[0].hint == "flatten the structure"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "entity: order\nfields: {a: 1\n",
            "defs.yaml:3:1: YAML syntax error: did not find expected ',' or '}' while "
            "parsing a flow mapping.",
        ),
        (
            'entity: "order\nlabel: x\n',
            "defs.yaml:1:9: YAML syntax error: found unexpected end of stream while "
            "scanning a quoted scalar. Hint: a quoted value is not closed: add the "
            "closing quote.",
        ),
        (
            "entity: order\n\tlabel: x\n",
            "defs.yaml:2:1: YAML syntax error: found a tab character that violates "
            "indentation while scanning a plain scalar. Hint: indent with spaces, not "
            "tabs.",
        ),
    ],
)
def test_syntax_errors_are_located(text, expected):
    _, problems = read(text)
    assert [str(p) for p in problems][0].startswith(expected)


def test_oversized_files_are_refused(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text("a: " + "x" * MAX_FILE_BYTES + "\n")
    documents, problems = read_documents(path)
    assert documents == []
    assert "definitions files may be at most" in problems[0].message


def test_non_utf8_files_are_refused(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("label: caf\xe9\n".encode("latin-1"))
    _, problems = read_documents(path)
    assert messages(problems) == [
        f"{path}:1:11: the file is not UTF-8 text (byte 11 cannot be read). "
        "Hint: save it as UTF-8."
    ]


def test_keys_must_be_plain_names():
    _, problems = read("? [a, b]\n: value\n")
    assert "a key must be a plain name" in problems[0].message
