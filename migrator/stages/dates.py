"""Date precision: how exactly outputs say when something was written.

An exact timestamp is a fingerprint: with the live original, "2018-04-04
14:06:37" finds the one comment behind a pseudonym. ``--date-precision``
rounds (down) every date a post and its comments carry: the local date, and
the GMT date with it (it keeps its offset to the local one).
It runs after threading and dedupe, which need the exact dates, just before
the sinks. The default is ``day`` under ``--anonymise`` and ``second``
(nothing changes) otherwise.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from ..model import Post

PRECISIONS = ("second", "minute", "hour", "day", "month", "year")


def default_precision(anonymise: bool) -> str:
    return "day" if anonymise else "second"


#: What each precision sets to its floor (one ``replace`` call per date).
_FLOOR = {
    "minute": dict(second=0, microsecond=0),
    "hour": dict(minute=0, second=0, microsecond=0),
    "day": dict(hour=0, minute=0, second=0, microsecond=0),
    "month": dict(day=1, hour=0, minute=0, second=0, microsecond=0),
    "year": dict(month=1, day=1, hour=0, minute=0, second=0, microsecond=0),
}


def round_date(d: datetime | None, precision: str) -> datetime | None:
    """``d`` cut down to ``precision`` (its time zone, if any, is kept)."""
    if precision not in PRECISIONS:
        raise ValueError(f"date precision must be one of {', '.join(PRECISIONS)}, not {precision!r}")
    if d is None or precision == "second":
        return d
    return d.replace(**_FLOOR[precision])


#: The offsets a site's clock can have (UTC-12 to UTC+14, in quarter hours).
_QUARTER = timedelta(minutes=15)
_MAX_OFFSET = timedelta(hours=14)


def _round_pair(local: datetime | None, gmt: datetime | None, floor: dict) -> tuple:
    """A local and a GMT date rounded so that the pair says no more than the
    local one: each rounded alone, a comment at 21:30 in New York (02:30 GMT
    the next day) showed two different days, which says it was written in
    the last five hours of the local one. So the local date is rounded, and
    the GMT date keeps its offset to it (the site's, which says nothing of
    the time). A pair whose offset no clock has (damaged) is rounded apart."""
    if local is None or gmt is None:
        return (local.replace(**floor) if local is not None else None,
                gmt.replace(**floor) if gmt is not None else None)
    rounded = local.replace(**floor)
    offset = local - (gmt.replace(tzinfo=None) if gmt.tzinfo is None else
                      gmt.astimezone(timezone.utc).replace(tzinfo=None))
    if abs(offset) > _MAX_OFFSET or offset % _QUARTER:
        return rounded, gmt.replace(**floor)
    return rounded, gmt - (local - rounded)


def round_dates(post: Post, precision: str) -> Post:
    """Round the dates of ``post`` and its comments in place (see
    :func:`_round_pair`)."""
    if precision == "second":
        return post
    floor = _FLOOR[precision]
    post.date, post.date_gmt = _round_pair(post.date, post.date_gmt, floor)
    for c in post.comments:
        c.date, c.date_gmt = _round_pair(c.date, c.date_gmt, floor)
    return post


__all__ = ["PRECISIONS", "default_precision", "round_date", "round_dates"]
