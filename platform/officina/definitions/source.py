"""Safe YAML reading that remembers where every value came from.

PyYAML composes the text into nodes (safe loader, C parser when present); this
module then builds plain Python values from the nodes itself, so that:

* every mapping and list remembers the file, line and column of its items;
* mapping keys are always text (``on:`` is the key "on", not ``True``);
* scalars follow YAML 1.2's core schema (``no`` and ``off`` stay words, dates
  stay text): only ``true``/``false`` are booleans;
* duplicate keys, unknown tags, alias bombs, deep nesting and oversized files
  are reported as located problems instead of surprises.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import yaml

from officina.errors import Location, Problem

try:  # the C parser is much faster; it composes the same safe nodes
    _SafeBase = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _SafeBase = yaml.SafeLoader


class _Loader(_SafeBase):
    """The safe loader with YAML 1.1's implicit typing switched off.

    Plain scalars then compose as text and are typed by `_resolve_plain`,
    which follows YAML 1.2 (so `on`, `no` and `2026-01-01` stay text).
    """

    yaml_implicit_resolvers: dict = {}

    def resolve(self, kind, value, implicit):
        # With no implicit (and no path) resolvers every untagged node gets
        # its kind's default tag; said directly, since it is asked for each
        # of the many values of a large file.
        if kind is yaml.ScalarNode:
            return self.DEFAULT_SCALAR_TAG
        if kind is yaml.SequenceNode:
            return self.DEFAULT_SEQUENCE_TAG
        return self.DEFAULT_MAPPING_TAG


MAX_FILE_BYTES = 2_000_000
MAX_VALUES = 200_000
# Aliases repeat text without growing the file: the text they expand to is
# limited too (to five times the largest file), not only the count of values.
MAX_EXPANDED_CHARACTERS = 5 * MAX_FILE_BYTES
MAX_DEPTH = 60

_INT = re.compile(r"^[-+]?(0|[1-9][0-9_]*)$")
_HEX = re.compile(r"^0x[0-9a-fA-F]+$")
_OCT = re.compile(r"^0o[0-7]+$")
_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
_NULLS = {"", "~", "null", "Null", "NULL"}
_TRUE = {"true", "True", "TRUE"}
_FALSE = {"false", "False", "FALSE"}
_TAG = "tag:yaml.org,2002:"


class Mapping(dict):
    """A dict that knows where it and each of its keys and values stand."""

    location: Location
    key_locations: dict
    value_locations: dict

    def key_at(self, key: str) -> Location:
        return self.key_locations.get(key, self.location)

    def value_at(self, key: str) -> Location:
        return self.value_locations.get(key, self.key_at(key))


class Sequence(list):
    """A list that knows where it and each of its items stand."""

    location: Location
    item_locations: list

    def item_at(self, index: int) -> Location:
        if 0 <= index < len(self.item_locations):
            return self.item_locations[index]
        return self.location


class _Budget(Exception):
    def __init__(self, location: Location, message: str, hint: str):
        self.problem = Problem(location, message, hint)


def _location(file: str, node: yaml.Node) -> Location:
    mark = node.start_mark
    return Location(file, mark.line + 1, mark.column + 1)


class _Builder:
    def __init__(self, file: str):
        self.file = file
        self.values = 0
        self.characters = 0
        self.problems: list[Problem] = []

    def build(self, node: yaml.Node, depth: int = 0):
        self.values += 1
        if self.values > MAX_VALUES:
            raise _Budget(
                _location(self.file, node),
                f"the document expands to more than {MAX_VALUES:,} values",
                "aliases (*name) that repeat large blocks multiply; "
                "write the values out or split the file",
            )
        if depth > MAX_DEPTH:
            raise _Budget(
                _location(self.file, node),
                f"values are nested more than {MAX_DEPTH} levels deep",
                "flatten the structure",
            )
        if isinstance(node, yaml.ScalarNode):
            self.characters += len(node.value)
            if self.characters > MAX_EXPANDED_CHARACTERS:
                raise _Budget(
                    _location(self.file, node),
                    f"the document expands to more than "
                    f"{MAX_EXPANDED_CHARACTERS:,} characters of text",
                    "aliases (*name) that repeat long texts multiply; write the "
                    "values out or split the file",
                )
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, depth)
        if isinstance(node, yaml.SequenceNode):
            return self._sequence(node, depth)
        return self._scalar(node)

    def _mapping(self, node: yaml.MappingNode, depth: int) -> Mapping:
        result = Mapping()
        result.location = _location(self.file, node)
        result.key_locations = {}
        result.value_locations = {}
        if node.tag != _TAG + "map":
            self._unknown_tag(node)
            return None
        merged: list[tuple[yaml.Node, yaml.Node]] = []
        for key_node, value_node in node.value:
            if key_node.value == "<<" and not key_node.style:
                merged.extend(self._merge_sources(value_node))
                continue
            self._put(result, key_node, value_node, depth)
        # Merged keys (<<: *base) never override keys written out in place.
        for key_node, value_node in merged:
            key = self._key(key_node)
            if key is not None and key not in result:
                self._put(result, key_node, value_node, depth, duplicate_ok=True)
        return result

    def _merge_sources(self, node: yaml.Node) -> list:
        sources = node.value if isinstance(node, yaml.SequenceNode) else [node]
        pairs = []
        for source in sources:
            if not isinstance(source, yaml.MappingNode):
                self.problems.append(
                    Problem(
                        _location(self.file, source),
                        "'<<' merges only mappings",
                        "write '<<: *name' where the anchor &name is a mapping",
                    )
                )
                continue
            pairs.extend(source.value)
        return pairs

    def _key(self, key_node: yaml.Node) -> str | None:
        if not isinstance(key_node, yaml.ScalarNode):
            self.problems.append(
                Problem(
                    _location(self.file, key_node),
                    "a key must be a plain name, not a list or mapping",
                    "write 'name: value'",
                )
            )
            return None
        return str(key_node.value)

    def _put(self, result, key_node, value_node, depth, duplicate_ok=False):
        key = self._key(key_node)
        if key is None:
            return
        if key in result and not duplicate_ok:
            first = result.key_locations[key]
            self.problems.append(
                Problem(
                    _location(self.file, key_node),
                    f"duplicate key '{key}' (first given on line {first.line})",
                    "remove one of them; a key may appear once in a mapping",
                )
            )
            return
        result[key] = self.build(value_node, depth + 1)
        result.key_locations[key] = _location(self.file, key_node)
        result.value_locations[key] = _location(self.file, value_node)

    def _sequence(self, node: yaml.SequenceNode, depth: int) -> Sequence:
        result = Sequence()
        result.location = _location(self.file, node)
        result.item_locations = []
        if node.tag != _TAG + "seq":
            self._unknown_tag(node)
            return None
        for item in node.value:
            result.append(self.build(item, depth + 1))
            result.item_locations.append(_location(self.file, item))
        return result

    def _scalar(self, node: yaml.ScalarNode):
        text = node.value
        tag = node.tag
        if node.style in ("'", '"', "|", ">"):
            if tag != _TAG + "str":
                self._unknown_tag(node)
                return None
            return text
        if tag == _TAG + "str":
            return _resolve_plain(text)
        if tag == _TAG + "null":
            return None
        if tag == _TAG + "bool":
            return text in _TRUE
        if tag in (_TAG + "int", _TAG + "float"):
            # An explicit !!int / !!float: convert, or explain.
            value = _number(text)
            if value is None:
                self.problems.append(
                    Problem(_location(self.file, node), f"'{text}' is not a number")
                )
            return value
        # An unsupported tag: its value is dropped (None) after the problem is
        # reported, so no later check works on what it would have meant.
        self._unknown_tag(node)
        return None

    def _unknown_tag(self, node: yaml.Node) -> None:
        self.problems.append(
            Problem(
                _location(self.file, node),
                f"the tag '{node.tag.replace(_TAG, '!!')}' is not supported",
                "definitions are plain YAML: remove the '!' tag",
            )
        )


def _number(text: str):
    if len(text) > 100:
        return None  # far longer than any number a definition needs: text
    cleaned = text.replace("_", "")
    if _INT.match(text):
        return int(cleaned)
    if _HEX.match(text):
        return int(cleaned, 16)
    if _OCT.match(text):
        return int(cleaned[2:], 8)
    if _FLOAT.match(text):
        value = float(cleaned)
        return value if math.isfinite(value) else None
    return None


def _resolve_plain(text: str):
    if text in _NULLS:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    if text[:1] in "+-.0123456789":
        number = _number(text)
        if number is not None:
            return number
    return text


def read_documents(
    path: str | Path, text: str | None = None
) -> tuple[list[Mapping | object], list[Problem]]:
    """Every YAML document in a file as located values, and the problems met.

    Reading never raises for bad input: syntax errors, oversized files and
    the rest come back as problems with their line and column.
    """
    file = str(path)
    if text is None:
        try:
            raw = Path(path).read_bytes()
        except OSError as error:
            return [], [
                Problem(Location(file, 1, 1), f"cannot read file: {error.strerror}")
            ]
        if len(raw) > MAX_FILE_BYTES:
            return [], [_too_big(file, len(raw))]
        text, problem = decode(file, raw)
        if problem:
            return [], [problem]
    elif len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES:
        return [], [_too_big(file, len(text))]
    builder = _Builder(file)
    documents: list = []
    try:
        for node in yaml.compose_all(text, Loader=_Loader):
            if node is None:
                continue
            documents.append(builder.build(node))
    except yaml.MarkedYAMLError as error:
        builder.problems.append(_syntax_problem(file, error, text))
    except yaml.reader.ReaderError as error:
        before = text[: error.position]
        line = before.count("\n") + 1
        column = error.position - (before.rfind("\n") + 1) + 1
        builder.problems.append(
            Problem(
                Location(file, line, column),
                f"the file contains a character YAML does not allow "
                f"({error.character!r}, {error.reason})"
                if isinstance(error.character, str)
                else f"the file cannot be read as YAML ({error.reason})",
                "remove it, or write it as an escape inside double quotes",
            )
        )
    except yaml.YAMLError as error:
        builder.problems.append(
            Problem(Location(file, 1, 1), f"YAML syntax error: {error}")
        )
    except _Budget as budget:
        builder.problems.append(budget.problem)
    except RecursionError:
        builder.problems.append(
            Problem(
                Location(file, 1, 1),
                "values are nested too deeply to read",
                "flatten the structure",
            )
        )
    return documents, builder.problems


def decode(file: str, raw: bytes) -> tuple[str, Problem | None]:
    """The text of a file, or a problem placed at its first non-UTF-8 byte."""
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError as error:
        before = raw[: error.start]
        line = before.count(b"\n") + 1
        column = error.start - (before.rfind(b"\n") + 1) + 1
        return "", Problem(
            Location(file, line, column),
            f"the file is not UTF-8 text (byte {error.start + 1} cannot be read)",
            "save it as UTF-8",
        )


def _too_big(file: str, size: int) -> Problem:
    return Problem(
        Location(file, 1, 1),
        f"the file is {size:,} bytes; definitions files may be at most "
        f"{MAX_FILE_BYTES:,} bytes",
        "split it into several files",
    )


def _syntax_problem(file: str, error: yaml.MarkedYAMLError, text: str) -> Problem:
    what = error.problem or "syntax error"
    context = f" {error.context}" if error.context else ""
    whole = what + context
    mark = error.problem_mark or error.context_mark
    if "quoted scalar" in whole and error.context_mark:
        mark = error.context_mark  # where the unclosed quote opens
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    lines = text.splitlines()
    near = lines[max(line - 2, 0) : line]
    hint = "check the indentation and that every ':' is followed by a space"
    if "nesting depth" in whole:
        return Problem(
            Location(file, line, column),
            "values are nested too deeply to read",
            "flatten the structure",
        )
    if "tab" in whole or any("\t" in row for row in near):
        hint = "indent with spaces, not tabs"
    elif "quoted scalar" in whole:
        hint = "a quoted value is not closed: add the closing quote"
    elif "could not find expected ':'" in whole:
        hint = "a 'key: value' line is missing its ':' or a quote is not closed"
    return Problem(
        Location(file, line, column), f"YAML syntax error: {what}{context}", hint
    )
