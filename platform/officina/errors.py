"""One error hierarchy. Every error a user can cause knows where it happened.

Errors are collected, never raised one at a time, so a run reports all of them:
`DefinitionErrors` carries the whole list. Each `Problem` renders as
``path:line:col: what is wrong. Hint: how to fix.``
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field


@dataclass(frozen=True, order=True)
class Location:
    """A place in a source file; line and column count from 1."""

    file: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        shown = display_path(self.file)
        if self.line:
            return f"{shown}:{self.line}:{self.column}"
        return shown


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the definitions, with its place and a hint."""

    location: Location
    message: str
    hint: str = ""

    def __str__(self) -> str:
        text = f"{self.location}: {_sentence(self.message)}"
        if self.hint:
            text += f" Hint: {_sentence(self.hint)}"
        return text

    def sort_key(self) -> tuple:
        return (self.location, self.message)


def _sentence(text: str) -> str:
    text = text.rstrip()
    return text if text.endswith((".", "?", "!")) else text + "."


class OfficinaError(Exception):
    """Base of every error Officina reports to a user."""


class DefinitionErrors(OfficinaError):
    """The definitions could not be loaded; `problems` lists every reason."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = sorted(set(problems), key=Problem.sort_key)
        super().__init__(self.render())

    def render(self) -> str:
        return "\n".join(str(problem) for problem in self.problems)

    def __iter__(self) -> Iterator[Problem]:
        return iter(self.problems)

    def __len__(self) -> int:
        return len(self.problems)


class SiteError(OfficinaError):
    """A site folder or its site.yaml is missing or unusable."""


@dataclass
class ProblemList:
    """Collects problems during a run; raise them all at once at the end."""

    problems: list[Problem] = field(default_factory=list)

    def add(self, location: Location, message: str, hint: str = "") -> None:
        self.problems.append(Problem(location, message, hint))

    def extend(self, problems: Iterable[Problem]) -> None:
        self.problems.extend(problems)

    def __bool__(self) -> bool:
        return bool(self.problems)

    def __len__(self) -> int:
        return len(self.problems)

    def raise_if_any(self) -> None:
        if self.problems:
            raise DefinitionErrors(self.problems)


def suggest(name: object, candidates: Iterable[str]) -> str:
    """A `did you mean ...?` hint for a misspelt name, or an empty string."""
    if not isinstance(name, str):
        return ""
    pool = sorted(set(candidates))
    close = difflib.get_close_matches(name, pool, n=1, cutoff=0.6)
    if not close:
        lowered = {candidate.lower(): candidate for candidate in pool}
        if name.lower() in lowered:
            close = [lowered[name.lower()]]
    return f"did you mean '{close[0]}'?" if close else ""


def a(word: str) -> str:
    """`a order` -> `an order`: the word with its indefinite article."""
    text = str(word).strip("'")
    return f"{'an' if text[:1].lower() in 'aeiou' else 'a'} {word}"


def one_of(candidates: Iterable[str], limit: int = 12) -> str:
    """`one of: a, b, c` for hints, shortened when the list is long."""
    pool = sorted(set(candidates))
    if not pool:
        return "there are none defined"
    shown = ", ".join(pool[:limit])
    if len(pool) > limit:
        shown += f", ... ({len(pool)} in all)"
    return f"use one of: {shown}"


def display_path(path: str) -> str:
    """A path relative to the working folder when it lies inside it."""
    try:
        relative = os.path.relpath(path)
    except ValueError:
        return path
    return path if relative.startswith("..") else relative
