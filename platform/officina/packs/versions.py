"""Semantic versions and the ranges packs use to name their dependencies.

Ranges accept what package managers taught people to write: `>=1.0, <2`,
`^1.2` (compatible: same major), `~1.2` (same minor), `1.x`, `1.2.*`, an exact
`1.2.3` or `*`. Comparators are separated by commas or spaces.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import total_ordering

_VERSION = re.compile(
    r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$"
)
_COMPARATOR = re.compile(
    r"^(>=|<=|>|<|==|=|!=|\^|~)?\s*v?([0-9x*]+(?:\.[0-9x*]+){0,2}(?:-[0-9A-Za-z.-]+)?)$"
)


class VersionError(ValueError):
    """A version or range that cannot be read; the message says why."""


@total_ordering
@dataclass(frozen=True)
class Version:
    major: int
    minor: int
    patch: int
    prerelease: tuple = ()

    @classmethod
    def parse(cls, text: str) -> Version:
        match = _VERSION.match(str(text).strip())
        if not match:
            raise VersionError(f"'{text}' is not a version like '1.2.0'")
        major, minor, patch, pre = match.groups()
        prerelease = tuple(
            (0, int(part), "") if part.isdigit() else (1, 0, part)
            for part in (pre.split(".") if pre else ())
        )
        return cls(int(major), int(minor), int(patch), prerelease)

    def _key(self):
        # A release sorts after its pre-releases: 1.0.0-beta < 1.0.0.
        return (
            self.major,
            self.minor,
            self.patch,
            not self.prerelease,
            self.prerelease,
        )

    def __lt__(self, other: Version) -> bool:
        return self._key() < other._key()

    def __str__(self) -> str:
        text = f"{self.major}.{self.minor}.{self.patch}"
        if self.prerelease:
            text += "-" + ".".join(
                str(p[1]) if p[0] == 0 else p[2] for p in self.prerelease
            )
        return text


@dataclass(frozen=True)
class VersionRange:
    text: str
    bounds: tuple[tuple[str, Version], ...]

    @classmethod
    def parse(cls, text: str) -> VersionRange:
        cleaned = str(text).strip()
        if cleaned in ("", "*", "x", "any"):
            return cls(cleaned or "*", ())
        parts = [p for p in re.split(r"[,\s]+(?=[<>=!^~v0-9*x])", cleaned) if p.strip()]
        bounds: list[tuple[str, Version]] = []
        for part in parts:
            match = _COMPARATOR.match(part.strip().rstrip(","))
            if not match:
                raise VersionError(
                    f"'{part.strip()}' in '{text}' is not a version condition"
                )
            operator, version = match.groups()
            bounds.extend(_expand(operator or "", version, text))
        return cls(cleaned, tuple(bounds))

    def __contains__(self, version: Version) -> bool:
        checks = {
            ">=": version.__ge__,
            ">": version.__gt__,
            "<=": version.__le__,
            "<": version.__lt__,
            "==": version.__eq__,
            "!=": version.__ne__,
        }
        return all(checks[operator](bound) for operator, bound in self.bounds)

    def __str__(self) -> str:
        return self.text


def _expand(operator: str, text: str, whole: str) -> list[tuple[str, Version]]:
    if "-" in text:
        if not _VERSION.match(text):
            raise VersionError(f"'{text}' in '{whole}' is not a version")
        exact = Version.parse(text)
        return [("==" if operator in ("", "=") else operator, exact)]
    pieces = text.split(".")
    wildcard = next((i for i, p in enumerate(pieces) if p in ("x", "*")), None)
    if wildcard is not None and any(p not in ("x", "*") for p in pieces[wildcard:]):
        raise VersionError(f"'{text}' in '{whole}' has digits after a wildcard")
    given = pieces[:wildcard] if wildcard is not None else pieces
    if any(not p.isdigit() for p in given):
        raise VersionError(f"'{text}' in '{whole}' is not a version")
    numbers = [int(p) for p in given] + [0] * (3 - len(given))
    low = Version(*numbers[:3])
    precision = len(given)
    if operator in ("", "=", "==") and precision < 3:
        operator = "~" if precision == 2 else "^" if precision == 1 else ""
        if precision == 0:
            return []
        if precision == 1:
            return [(">=", low), ("<", Version(low.major + 1, 0, 0))]
    if operator == "^":
        if low.major > 0 or precision == 1:
            high = Version(low.major + 1, 0, 0)
        elif low.minor > 0 or precision == 2:
            high = Version(0, low.minor + 1, 0)
        else:
            high = Version(0, 0, low.patch + 1)
        return [(">=", low), ("<", high)]
    if operator == "~":
        if precision == 1:
            return [(">=", low), ("<", Version(low.major + 1, 0, 0))]
        return [(">=", low), ("<", Version(low.major, low.minor + 1, 0))]
    if operator in ("", "="):
        operator = "=="
    return [(operator, low)]
