"""The ``dedupe`` verb: what merging would do, shown and never written.

It composes the pipeline (read, identity, filter, thread) with the dedupe
stage's :meth:`~migrator.stages.dedupe.Deduper.clusters`, so it lives with
the face, not in the stage.
"""
from __future__ import annotations

import html
from collections import Counter
from contextlib import closing
from dataclasses import replace
from typing import Iterable, Iterator

from .ledger import Ledger
from .model import Post
from .pipeline import Options, Pipeline, learn_commenters
from .stages.anonymise import Anonymiser
from .stages.dates import round_dates
from .stages.dedupe import Cluster, Deduper
from .stages.similarity import _TAG


def review(paths: Iterable[str], options: "Options | None" = None, *,
           ledger: Ledger | None = None) -> Iterator[tuple[Post, list[Cluster]]]:
    """Every post of ``paths`` with the clusters merging would act on.

    Runs read, identity, filter and thread exactly as ``convert`` does (same
    options), but not the merge, and writes nothing. With ``anonymise`` the
    clusters are found on the original text (as the pipeline does) and then
    shown anonymised: a review never shows what the output would not. Pass a
    ``ledger`` to see the input's problems afterwards (it is not closed)."""
    options = options or Options()
    deduper = Deduper.from_options(options)
    quiet = replace(options, dedupe=False, anonymise=False, dry_run=True, date_precision="second")
    own = ledger is None
    pipe = Pipeline(list(paths), quiet, ledger=ledger if ledger is not None else Ledger())
    anonymiser = None
    if options.anonymise:
        anonymiser = Anonymiser.from_options(options)
        learn_commenters(anonymiser, pipe.paths)
    sites: dict = {}
    try:
        with closing(pipe.posts()) as posts:
            for site, post in posts:
                clusters = deduper.clusters(post)
                if anonymiser is not None:
                    # As convert would write it (clusters hold these same comments):
                    # bodies and names, then the post, its ids and the site's URLs.
                    if site.key not in sites:
                        sites[site.key] = anonymiser.output_site(site)
                    anonymiser.apply(post, pipe.ledger)
                    anonymiser.apply_post(post, site, *sites[site.key], Counter())
                round_dates(post, options.precision)
                grain = _GRAIN.get(options.precision)
                if grain:  # the gap between copies says no more than the dates do
                    for cl in clusters:
                        cl.dropped = [replace(d, seconds_apart=None if d.seconds_apart is None
                                              else d.seconds_apart // grain * grain)
                                      for d in cl.dropped]
                yield post, clusters
                pipe.settle(post)  # bounded memory: the private ledger spills
    finally:
        if own:
            pipe.ledger.close()


def _excerpt(text: str, width: int = 70) -> str:
    flat = " ".join(html.unescape(_TAG.sub(" ", text or "")).split())
    return flat if len(flat) <= width else flat[:width - 1] + "…"


#: --date-precision -> the unit gaps between copies are rounded down to.
_GRAIN = {"minute": 60, "hour": 3600, "day": 86400, "month": 86400 * 28, "year": 86400 * 365}


def _duration(seconds: float | None, precision: str = "second") -> str:
    if seconds is None:
        return "time unknown"
    s = int(round(seconds))
    if s < _GRAIN.get(precision, 1):
        return f"within a {precision}"
    if s < 60:
        return f"{s}s apart"
    if s < 3600:
        return f"{s // 60}m {s % 60:02d}s apart"
    if s < 86400:
        return f"{s // 3600}h {s % 3600 // 60:02d}m apart"
    return f"{s // 86400}d {s % 86400 // 3600}h apart"


def format_clusters(found: Iterable[tuple[Post, list[Cluster]]], precision: str = "second") -> str:
    """The human-readable listing of :func:`review`'s result (gaps between
    copies no more exact than ``precision``, as the review rounded them)."""
    lines: list[str] = []
    n_clusters = n_dropped = 0
    for post, clusters in found:
        if not clusters:
            continue
        title = post.title or "(untitled)"
        lines.append(f"post {post.id}: {title}")
        for cl in clusters:
            n_clusters += 1
            s = cl.survivor
            when = s.when
            lines.append(f"  keep  #{s.id}  {s.author_name or '(no name)'}  "
                         f"{when.strftime('%Y-%m-%d %H:%M') if when else '(no date)'}  "
                         f"\"{_excerpt(s.content)}\"")
            for d in cl.dropped:
                n_dropped += 1
                lines.append(f"  drop  #{d.comment.id}  {d.reason}, similarity "
                             f"{d.similarity:.2f}, {_duration(d.seconds_apart, precision)}")
        lines.append("")
    if not n_clusters:
        return "no duplicates found"
    lines.append(f"{n_clusters} cluster(s), {n_dropped} cop{'y' if n_dropped == 1 else 'ies'} "
                 "would be merged")
    return "\n".join(lines)



__all__ = ["review", "format_clusters"]
