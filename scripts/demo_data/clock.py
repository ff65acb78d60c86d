"""Time in the demo data: every moment is a number of hours before the
moment the data is loaded, written as an expression the pack loader
evaluates then (`=add_hours(now(), -897.25)`), so a demo site made on any
day shows the 90 days before it.

`NOW` is the day the generator pretends it is, used only to choose realistic
weekdays and hours of the day; nothing in the files depends on it.
"""

from __future__ import annotations

import datetime as dt

NOW = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC)
HOUR = 1.0
DAY = 24.0


def at(hours_ago: float) -> str:
    """A moment, `hours_ago` hours before the data is loaded (negative:
    after it, such as a deadline)."""
    if hours_ago < 0:
        return f"=add_hours(now(), {-hours_ago:.2f})"
    return f"=add_hours(now(), -{hours_ago:.2f})"


def on(days_ago: float) -> str:
    """A date, that many days before the day the data is loaded (negative:
    after it)."""
    days = round(days_ago)
    if days < 0:
        return f"=add_days(today(), {-days})"
    return f"=add_days(today(), -{days})"


def moment(hours_ago: float) -> dt.datetime:
    """The generator's idea of that moment (for weekdays and hours)."""
    return NOW - dt.timedelta(hours=hours_ago)
