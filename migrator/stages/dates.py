"""Date precision: how exactly outputs say when something was written.

An exact timestamp is a fingerprint: with the live original, "2018-04-04
14:06:37" finds the one comment behind a pseudonym. ``--date-precision``
rounds (down) every date a post and its comments carry, local and GMT alike.
It runs after threading and dedupe, which need the exact dates, just before
the sinks. The default is ``day`` under ``--anonymise`` and ``second``
(nothing changes) otherwise.
"""
from __future__ import annotations

from datetime import datetime

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


def round_dates(post: Post, precision: str) -> Post:
    """Round the dates of ``post`` and its comments in place."""
    if precision == "second":
        return post
    floor = _FLOOR[precision]
    if post.date is not None:
        post.date = post.date.replace(**floor)
    if post.date_gmt is not None:
        post.date_gmt = post.date_gmt.replace(**floor)
    for c in post.comments:
        if c.date is not None:
            c.date = c.date.replace(**floor)
        if c.date_gmt is not None:
            c.date_gmt = c.date_gmt.replace(**floor)
    return post


__all__ = ["PRECISIONS", "default_precision", "round_date", "round_dates"]
