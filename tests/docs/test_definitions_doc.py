"""docs/definitions.md is the reference of the definition language: every
example in it loads through the real loader, and it names every word of the
language, so the document cannot drift from the engine.

Fenced blocks follow a small convention (the info string after the backticks):

```yaml                    an example: loaded together with the base blocks
```yaml base               shared entities and roles every example may use
```yaml pack               a pack.yaml: checked by officina.packs.catalog
```yaml invalid PATH       a broken file; the ```text block right after it
                           holds the exact `officina validate` output
```yaml fragment           a piece not meant to load on its own
```yaml fragment known-issue   a complete example the engine still rejects
                           (expected to fail; when it loads, retag it `yaml`)
```LANGUAGE file=PATH      a file (e.g. an e-mail template) put into the pack
                           of every example at PATH
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from jsonschema import Draft7Validator

from officina.cli import main
from officina.definitions import language as lang
from officina.definitions import load
from officina.definitions.model import Definitions
from officina.definitions.schema_document import SCHEMA_FILE
from officina.definitions.source import read_documents
from officina.errors import DefinitionErrors
from officina.expressions.functions import BUILTIN_FUNCTIONS
from officina.packs.catalog import read_manifest
from pack_files import pack_layer, write_pack

DOC = Path(__file__).resolve().parents[2] / "docs" / "definitions.md"
MIN_EXAMPLES = 40


@dataclass(frozen=True)
class Block:
    info: str
    line: int  # line of the opening fence in the document
    text: str

    @property
    def words(self) -> list[str]:
        return self.info.split()

    @property
    def kind(self) -> str:
        words = self.words
        if not words or words[0] != "yaml":
            return "file" if self.file else "other"
        if words == ["yaml"]:
            return "example"
        if words[1:] == ["base"]:
            return "base"
        if words[1:] == ["pack"]:
            return "pack"
        if words[1:] == ["fragment"]:
            return "fragment"
        if words[1:] == ["fragment", "known-issue"]:
            return "known-issue"
        if len(words) == 3 and words[1] == "invalid":
            return "invalid"
        return "unknown"

    @property
    def file(self) -> str | None:
        for word in self.words[1:]:
            if word.startswith("file="):
                return word.removeprefix("file=")
        return None


def read_blocks(path: Path = DOC) -> list[Block]:
    """Every fenced block of a Markdown file, in order."""
    blocks: list[Block] = []
    opened: tuple[str, int, list[str]] | None = None
    for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        if opened is None:
            if line.startswith("```"):
                opened = (line[3:].strip(), number, [])
        elif line.rstrip() == "```":
            info, start, lines = opened
            blocks.append(Block(info, start, "\n".join(lines) + "\n"))
            opened = None
        else:
            opened[2].append(line)
    assert opened is None, f"definitions.md:{opened[1]}: a code block is not closed"
    return blocks


BLOCKS = read_blocks() if DOC.is_file() else []


def blocks_of(kind: str) -> list[Block]:
    return [block for block in BLOCKS if block.kind == kind]


def block_id(block: Block) -> str:
    return f"line{block.line}"


def base_files() -> dict[str, str]:
    files = {
        f"base{index}.yaml": block.text
        for index, block in enumerate(blocks_of("base"), 1)
    }
    files.update({block.file: block.text for block in blocks_of("file")})
    return files


def load_example(root: Path, block: Block, name: str = "example.yaml"):
    """The example (with the base blocks) as one pack, loaded for real."""
    folder = write_pack(root, {**base_files(), name: block.text})
    return load([pack_layer(folder)])


def shown(problems) -> str:
    return "\n".join(str(problem) for problem in problems)


# -- the examples ------------------------------------------------------------
def test_the_document_exists_and_has_a_base():
    assert DOC.is_file(), "docs/definitions.md is missing"
    assert blocks_of("base"), "the document needs a ```yaml base block"


def test_every_yaml_block_follows_the_convention():
    wrong = [
        f"definitions.md:{block.line}: ```{block.info}"
        for block in BLOCKS
        if block.kind == "unknown"
    ]
    assert not wrong, "unknown kinds of yaml blocks:\n" + "\n".join(wrong)


def test_the_base_loads_on_its_own(tmp_path):
    folder = write_pack(tmp_path, base_files())
    load([pack_layer(folder)])


@pytest.mark.parametrize("block", blocks_of("example"), ids=block_id)
def test_example_loads(tmp_path, block):
    try:
        definitions = load_example(tmp_path, block)
    except DefinitionErrors as errors:
        pytest.fail(
            f"the example at definitions.md:{block.line} does not load:\n"
            + shown(errors)
        )
    assert isinstance(definitions, Definitions)


@pytest.mark.parametrize(
    "block", blocks_of("base") + blocks_of("example"), ids=block_id
)
def test_example_satisfies_the_published_schema(block):
    """What an editor pointed at officina.schema.json would say: nothing."""
    validator = Draft7Validator(json.loads(SCHEMA_FILE.read_text("utf-8")))
    documents, problems = read_documents("example.yaml", block.text)
    assert not problems, shown(problems)
    errors = [
        f"document {index}: {error.message}"
        for index, document in enumerate(documents, 1)
        for error in validator.iter_errors(document)
    ]
    assert not errors, f"definitions.md:{block.line}:\n" + "\n".join(errors)


def test_known_issue_examples_are_still_rejected(tmp_path):
    """Blocks marked `fragment known-issue` show what the engine still refuses;
    once one loads, the engine was fixed: mark the block plain ```yaml."""
    for index, block in enumerate(blocks_of("known-issue")):
        with pytest.raises(DefinitionErrors):
            load_example(tmp_path / str(index), block)


@pytest.mark.parametrize("block", blocks_of("pack"), ids=block_id)
def test_pack_manifest_is_valid(tmp_path, block):
    match = re.search(r"^name:\s*(\S+)", block.text, re.MULTILINE)
    assert match, f"definitions.md:{block.line}: the pack.yaml has no name"
    folder = tmp_path / match.group(1)
    folder.mkdir()
    (folder / "pack.yaml").write_text(block.text, "utf-8")
    source, problems = read_manifest(folder)
    assert not problems, (
        f"the pack.yaml at definitions.md:{block.line} is refused:\n" + shown(problems)
    )
    assert source is not None


def _invalid_with_output() -> list[tuple[Block, Block]]:
    pairs = []
    for index, block in enumerate(BLOCKS):
        if block.kind != "invalid":
            continue
        following = BLOCKS[index + 1] if index + 1 < len(BLOCKS) else None
        assert following is not None and following.info == "text", (
            f"definitions.md:{block.line}: an invalid example must be followed "
            "by a ```text block with the messages it gives"
        )
        pairs.append((block, following))
    return pairs


@pytest.mark.parametrize(
    ("block", "output"), _invalid_with_output(), ids=lambda v: f"line{v.line}"
)
def test_invalid_example_gives_the_messages_shown(
    runner, tmp_path, monkeypatch, block, output
):
    """`officina validate` on the base and the broken file prints exactly
    the ```text block that follows it in the document."""
    files = {**base_files(), block.words[2]: block.text}
    for relative, text in files.items():
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
    monkeypatch.chdir(tmp_path)
    yaml_files = [name for name in files if name.endswith(".yaml")]
    result = runner.invoke(main, ["validate", *yaml_files])
    assert result.exit_code == 1, result.output
    expected = [line for line in output.text.splitlines() if line.strip()]
    assert result.stderr.splitlines() == expected


def test_enough_examples():
    examples = blocks_of("example")
    assert len(examples) >= MIN_EXAMPLES, (
        f"only {len(examples)} loadable examples; the reference promises an "
        "example for every feature"
    )


# -- nothing of the language is left out -------------------------------------
def _mentioned(words) -> list[str]:
    text = DOC.read_text("utf-8")
    return [word for word in words if f"`{word}`" not in text]


@pytest.mark.parametrize(
    ("what", "words"),
    [
        ("document kinds", lang.DOCUMENT_KINDS),
        ("field types", lang.FIELD_TYPES),
        ("field keys", lang.FIELD_KEYS),
        ("extendable field keys", lang.EXTENDABLE_FIELD_KEYS),
        ("on_delete values", lang.ON_DELETE),
        ("system fields", [*lang.SYSTEM_FIELDS, *lang.CHILD_SYSTEM_FIELDS]),
        ("trigger words", lang.TRIGGER_WORDS),
        ("trigger keys", lang.TRIGGER_KEYS),
        ("actions", lang.ACTIONS),
        ("action modifiers", lang.ACTION_MODIFIERS),
        ("permission actions", lang.PERMISSION_ACTIONS),
        ("field access", lang.FIELD_ACCESS),
        ("built-in roles", lang.BUILTIN_ROLES),
        ("view types", lang.VIEW_TYPES),
        ("chart types", lang.CHART_TYPES),
        ("measures", lang.MEASURES),
        ("date buckets", lang.DATE_BUCKETS),
        ("filter operators", lang.FILTER_OPERATORS),
        ("relative periods", lang.RELATIVE_PERIODS),
        ("colours", lang.CHOICE_COLORS),
        ("reserved entity names", lang.RESERVED_ENTITIES),
    ],
)
def test_the_document_names_every_word(what, words):
    missing = _mentioned(words)
    assert not missing, f"docs/definitions.md does not mention these {what}: " + (
        ", ".join(missing)
    )


def test_every_function_is_described():
    text = DOC.read_text("utf-8")
    missing = [f.name for f in BUILTIN_FUNCTIONS if f"`{f.name}(" not in text]
    assert not missing, "functions without a description: " + ", ".join(missing)


def test_examples_use_every_field_type_trigger_and_action(tmp_path):
    """Not only named: each one appears in an example that loads (or, for a
    known engine issue, in the example that shows it)."""
    types, triggers, actions = set(), set(), set()

    def collect(action_list):
        for action in action_list:
            actions.add(action.kind)
            collect(action.actions)

    for index, block in enumerate(blocks_of("example")):
        definitions = load_example(tmp_path / str(index), block)
        for entity in definitions.entities.values():
            types |= {field.type for field in entity.fields.values()}
            for rule in entity.rules.values():
                triggers.add(rule.trigger.kind)
                collect(rule.actions)
            if entity.workflow:
                for state in entity.workflow.states.values():
                    collect(state.on_enter + state.on_exit + state.on_breach)
                for transition in entity.workflow.transitions.values():
                    collect(transition.actions)
    known_issue_text = "\n".join(block.text for block in blocks_of("known-issue"))
    actions |= {
        action
        for action in lang.ACTIONS
        if re.search(rf"^\s*(- )?{action}:", known_issue_text, re.MULTILINE)
    }
    assert set(lang.FIELD_TYPES) - types == set()
    assert set(lang.TRIGGER_WORDS + lang.TRIGGER_KEYS) - triggers == set()
    assert set(lang.ACTIONS) - actions == set()
