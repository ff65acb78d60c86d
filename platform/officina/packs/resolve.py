"""Dependency resolution: which packs, in which order, at which versions."""

from __future__ import annotations

from officina.errors import Location, Problem, suggest
from officina.packs.catalog import Catalog, PackSource
from officina.packs.versions import Version, VersionRange


def resolve(
    requested: dict[str, tuple[str, Location]],
    catalog: Catalog,
    extra: list[PackSource] = (),
) -> tuple[list[PackSource], list[Problem]]:
    """Packs to load, dependencies first, and the problems found.

    `requested` maps pack names to (version range, where it was asked for);
    `extra` are packs given directly (by folder) that are loaded as well.
    """
    problems: list[Problem] = []
    order: list[PackSource] = []
    state: dict[str, str] = {}  # name -> "visiting" | "done"
    given = {source.info.name: source for source in extra}

    def visit(name: str, wanted: str, location: Location, chain: tuple[str, ...]):
        source = given.get(name) or catalog.get(name)
        if source is None:
            known = set(catalog.packs) | set(given)
            hint = suggest(name, known) or (
                "available packs: " + ", ".join(sorted(known))
                if known
                else "no packs are available"
            )
            problems.append(
                Problem(location, f"the pack '{name}' is not available", hint)
            )
            return
        version = Version.parse(source.info.version)
        if version not in VersionRange.parse(wanted):
            needed_by = f" (needed by '{chain[-1]}')" if chain else ""
            problems.append(
                Problem(
                    location,
                    f"'{name}' {version} does not satisfy '{wanted}'{needed_by}",
                    "change the version range, or install a "
                    "matching version of the pack",
                )
            )
        if state.get(name) == "done":
            return
        if state.get(name) == "visiting":
            cycle = " -> ".join((*chain[chain.index(name) :], name))
            problems.append(
                Problem(
                    location,
                    f"packs depend on each other in a circle: {cycle}",
                    "remove one of the dependencies",
                )
            )
            return
        state[name] = "visiting"
        for dependency, wanted_range in source.info.depends.items():
            visit(
                dependency,
                wanted_range,
                source.depends_location(dependency),
                (*chain, name),
            )
        state[name] = "done"
        order.append(source)

    for name, (wanted, location) in requested.items():
        visit(name, wanted, location, ())
    for source in extra:
        visit(source.info.name, "*", Location(str(source.folder)), ())
    return order, problems


def dependency_closure(sources: list[PackSource]) -> dict[str, set[str]]:
    """For each pack, every pack it depends on, directly or not."""
    by_name = {source.info.name: source for source in sources}
    closure: dict[str, set[str]] = {}

    def collect(name: str, seen: set[str]) -> set[str]:
        if name in closure:
            return closure[name]
        result: set[str] = set()
        source = by_name.get(name)
        for dependency in source.info.depends if source else ():
            if dependency in seen:
                continue
            result.add(dependency)
            result |= collect(dependency, seen | {dependency})
        closure[name] = result
        return result

    for name in by_name:
        collect(name, {name})
    return closure
