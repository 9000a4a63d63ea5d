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


def round_date(d: datetime | None, precision: str) -> datetime | None:
    """``d`` cut down to ``precision`` (its time zone, if any, is kept)."""
    if d is None or precision == "second":
        return d.replace(microsecond=0) if d is not None else None
    if precision not in PRECISIONS:
        raise ValueError(f"date precision must be one of {', '.join(PRECISIONS)}, not {precision!r}")
    d = d.replace(second=0, microsecond=0)
    if precision == "minute":
        return d
    d = d.replace(minute=0)
    if precision == "hour":
        return d
    d = d.replace(hour=0)
    if precision == "day":
        return d
    d = d.replace(day=1)
    if precision == "month":
        return d
    return d.replace(month=1)


def round_dates(post: Post, precision: str) -> Post:
    """Round the dates of ``post`` and its comments in place."""
    if precision == "second":
        return post
    post.date = round_date(post.date, precision)
    post.date_gmt = round_date(post.date_gmt, precision)
    for c in post.comments:
        c.date = round_date(c.date, precision)
        c.date_gmt = round_date(c.date_gmt, precision)
    return post


__all__ = ["PRECISIONS", "default_precision", "round_date", "round_dates"]
