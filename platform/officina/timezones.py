"""The site's timezone: `timezone:` in site.yaml, an IANA name such as
`Asia/Shanghai` (default UTC).

Datetimes are stored in UTC; the timezone says where the site's days begin
and end: when cron schedules fire, which days are weekends for business-day
SLAs, and what `today()` is.
"""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo

from officina.errors import suggest

DEFAULT = "UTC"
EXAMPLES = "e.g. Asia/Shanghai, Europe/Berlin, America/New_York or UTC"
# Places people write that the database names after another city.
_SAME_AS = {"beijing": "Asia/Shanghai", "china": "Asia/Shanghai"}


@functools.cache
def _known() -> frozenset[str]:
    # Read from the system's (or the tzdata package's) database once.
    return frozenset(zoneinfo.available_timezones() | {DEFAULT})


def zone(name: str | None) -> dt.tzinfo:
    """The timezone called `name` (UTC when None); ValueError with a hint
    when there is no such timezone."""
    if name in (None, DEFAULT):
        return dt.UTC
    problem = unknown(name)
    if problem:
        message, hint = problem
        raise ValueError(f"{message}. Hint: {hint}")
    return zoneinfo.ZoneInfo(name)


def unknown(name: object) -> tuple[str, str] | None:
    """(what is wrong, a hint with a did-you-mean) when `name` is not a
    timezone; None when it is one."""
    if isinstance(name, str) and name.strip():
        try:
            zoneinfo.ZoneInfo(name)
            return None
        except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
            pass  # e.g. 'Asia', a folder; the names are read only to suggest one
    hint = _closest(name) or (
        f"write a name from the IANA time zone database, {EXAMPLES}"
    )
    return f"'{name}' is not a timezone", hint


def _closest(name: object) -> str:
    if not isinstance(name, str) or not name.strip():
        return ""
    wanted = name.strip().replace(" ", "_")
    # 'shanghai' or 'new york': the city part of 'Asia/Shanghai' is enough.
    by_city = {known.rsplit("/", 1)[-1].lower(): known for known in _known()}
    by_city.update(_SAME_AS)
    if wanted.lower() in by_city:
        return f"did you mean '{by_city[wanted.lower()]}'?"
    return suggest(wanted, _known())
