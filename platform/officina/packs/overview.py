"""The packs of a site at a glance: available, installed, upgradable."""

from __future__ import annotations

from officina.packs.changes import installed, site_catalog
from officina.packs.versions import Version, VersionError
from officina.site import Site


def pack_overview(site: Site, language: str = "en") -> list[dict]:
    """Every pack of the catalogue and every installed one, as plain data."""
    catalog = site_catalog(site)
    versions = installed(site)
    rows = []
    for name in sorted(set(catalog.packs) | set(versions)):
        source = catalog.get(name)
        available = source.info.version if source else None
        current = versions.get(name)
        if current is None:
            status = "available"
        elif available is None:
            status = "missing"
        elif _newer(available, current):
            status = "upgradable"
        else:
            status = "installed"
        rows.append(
            {
                "name": name,
                "title": source.info.title.get(language) if source else name,
                "description": source.info.description.get(language) if source else "",
                "available": available,
                "installed": current,
                "status": status,
                "depends": dict(source.info.depends) if source else {},
                "enhances": dict(source.info.enhances) if source else {},
                "path": str(source.folder) if source else None,
            }
        )
    return rows


def _newer(available: str, current: str) -> bool:
    try:
        return Version.parse(available) > Version.parse(current)
    except VersionError:
        return available != current
