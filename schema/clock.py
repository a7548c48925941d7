"""Time: stored in UTC, periods cut in Europe/London local time."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")
UTC = dt.UTC


def now_utc() -> dt.datetime:
    return dt.datetime.now(UTC)


def local_date(at: dt.datetime) -> dt.date:
    """The Europe/London calendar date of an aware instant."""
    return at.astimezone(LONDON).date()


def local_time(at: dt.datetime) -> dt.time:
    return at.astimezone(LONDON).time()


def to_utc(on: dt.date, at: dt.time) -> dt.datetime:
    """The UTC instant of a London wall-clock time."""
    return dt.datetime.combine(on, at, tzinfo=LONDON).astimezone(UTC)


def month_start(d: dt.date) -> dt.date:
    return d.replace(day=1)


def next_month(d: dt.date) -> dt.date:
    return (d.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
