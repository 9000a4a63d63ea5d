"""Dates as WXR writes them: parsing, and the site's UTC offset learned from
records that carry both a local and a GMT date (see :class:`_Offsets`)."""
from __future__ import annotations

from bisect import bisect_left
from datetime import datetime, timedelta, timezone

from ..model import as_utc

_MIDNIGHT = datetime.min.time()


def parse_wp_date(value: str | None) -> datetime | None:
    """``2019-05-01 13:45:00`` -> naive datetime; zero or junk dates -> None."""
    value = (value or "").strip()
    if not value or value.startswith("0000"):
        return None
    try:
        d = datetime.fromisoformat(value)
    except ValueError:
        pass
    else:  # with a UTC offset ("...T12:00:40+02:00"): UTC, naive, as dateutil's below
        return d if d.tzinfo is None else d.astimezone(timezone.utc).replace(tzinfo=None)
    try:
        from dateutil import parser as dateparser

        d = dateparser.parse(value)
        return d.replace(tzinfo=None) if d.tzinfo is None else \
            d.astimezone(timezone.utc).replace(tzinfo=None)
    except (ValueError, OverflowError):
        return None


class _Offsets:
    """Learns the site's UTC offset from records that carry both dates, so a
    missing or zero GMT date can be derived from the local one."""

    def __init__(self) -> None:
        self._points: list[tuple[datetime, timedelta]] = []
        self._seen: set[tuple[datetime, timedelta]] = set()
        self._rounded: dict[timedelta, int | bool] = {}
        self._days: set[tuple[int, int]] = set()

    def learn(self, local: datetime | None, gmt: datetime | None) -> None:
        """``local`` and ``gmt`` both naive (or both None-able)."""
        if local is None or gmt is None:
            return
        off = local - gmt
        # Nearly every record of a site has one of a few offsets: remember
        # what each rounds to (bounded), and which days are already known.
        minutes = self._rounded.get(off)
        if minutes is None:
            if len(self._rounded) > 4096:
                self._rounded.clear()
            minutes = round(off.total_seconds() / 900) * 15
            minutes = self._rounded[off] = minutes if abs(minutes) <= 14 * 60 else False
        if minutes is False:
            return
        day = (local.toordinal(), minutes)
        if day in self._days:
            return
        self._days.add(day)
        off = timedelta(minutes=minutes)
        # Remember the first record of each offset per day: enough to follow DST.
        point = (datetime.combine(local.date(), _MIDNIGHT), off)
        if point not in self._seen:
            self._seen.add(point)
            self._points.insert(bisect_left(self._points, point), point)

    def offset_near(self, local: datetime) -> timedelta | None:
        if not self._points:
            return None
        i = bisect_left(self._points, (local, timedelta.min))
        near = [self._points[j] for j in (i - 1, i) if 0 <= j < len(self._points)]
        return min(near, key=lambda p: abs(p[0] - local))[1]


_utc = as_utc  # (the reader's name for it)


def _fmt(off: timedelta) -> str:
    minutes = int(off.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
