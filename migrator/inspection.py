"""``inspect``: what is in the exports, before touching them."""
from __future__ import annotations

from collections import Counter, deque
from operator import attrgetter
from typing import Iterable, Iterator

from . import parallel
from .model import reference_path
from .stages.dedupe import Deduper
from .ledger import Ledger
from .wxr.reader import WXRReader
from .stages.thread import thread


_status, _type, _parent = attrgetter("status"), attrgetter("type"), attrgetter("parent_id")
#: The personal fields counted (a comment with commentmeta counts as one).
_PERSONAL = [(name, attrgetter(name.replace("commentmeta", "meta")))
             for name in ("author_email", "author_ip", "author_url", "author_user_agent",
                          "commentmeta")]


def _note_site(sites: dict[str, dict], site, path: str) -> None:
    info = sites.setdefault(site.key, {"key": site.key, "title": site.title, "link": site.link,
                                       "wxr_version": site.wxr_version,
                                       "wp_namespace": site.wp_namespace, "files": []})
    if str(path) not in info["files"]:
        info["files"].append(str(path))


def _posts(paths: list[str], ledger: Ledger, progress) -> Iterator[tuple]:
    """``(path, site, post)`` for every post, and ``(path, site, None)`` at
    the end of each file. Read in a second process where there are two
    cores (:class:`migrator.parallel.ReaderProcess`), else here."""
    if parallel.available() and not reference_path():
        ends: deque = deque()
        # Its comments are built here: this side's work (threads, duplicates)
        # is lighter than parsing, and the two then take about as long.
        # Only whether a comment has commentmeta is reported: it is not read.
        reader = parallel.ReaderProcess(paths, ledger, progress,
                                        on_file_end=lambda path, site: ends.append((path, site)),
                                        build_here=True, meta=False)
        try:
            for site, post in reader.posts():
                while ends:
                    yield (*ends.popleft(), None)
                yield post.source_file, site, post
            while ends:
                yield (*ends.popleft(), None)
        finally:
            reader.close()
        return
    for path in paths:
        reader = WXRReader(path, ledger, on_bytes=progress)
        for post in reader.posts():
            yield path, reader.site, post
        yield path, reader.site, None


def inspect_exports(paths: Iterable[str], progress=None, dedupe: bool = True) -> dict:
    """Read every export once and describe it. Nothing is written.

    Threads are built with nothing filtered, so orphans and depth describe
    the files themselves; only distinct people are kept in memory."""
    ledger = Ledger()
    posts_by_type: Counter = Counter()
    by_status: Counter = Counter()
    by_type: Counter = Counter()
    people: set[str] = set()
    fields: Counter = Counter()
    sites: dict[str, dict] = {}
    replies = max_depth = total = clusters = dropped = 0
    deduper = Deduper() if dedupe else None
    paths = [str(p) for p in paths]
    for path, site, post in _posts(paths, ledger, progress):
        if post is not None:
            _note_site(sites, site, path)
            posts_by_type[post.type] += 1
            # Counted a post at a time, each count one pass at C speed
            # (Counter.update, map): the keys still appear in reading order.
            cs = post.comments
            total += len(cs)
            by_status.update(map(_status, cs))
            by_type.update(map(_type, cs))
            replies += sum(map(bool, map(_parent, cs)))
            people.update([(c.author_email or "").strip().lower() or
                           "name:" + (c.author_name or "").strip().casefold() for c in cs])
            for name, get in _PERSONAL:
                n = sum(map(bool, map(get, cs)))
                if n:
                    fields[name] += n
            post.comments = [c for c in post.comments if not c.reject_reason]
            tally = Ledger()  # the thread stage's notes and counts for this post
            thread(post, tally, "reattach")
            for k, v in tally.stats.get("thread", {}).items():
                ledger.count("thread", k, v)
            for p in tally.problems:
                ledger.problem(p.file, p.line, p.message, p.kind)
            if post.comments:
                max_depth = max(max_depth, max(c.depth for c in post.comments))
            if deduper is not None:
                found = deduper.clusters(post)
                clusters += len(found)
                dropped += sum(len(cl.dropped) for cl in found)
        elif site.key:  # the end of a file: one without posts still names its site
            _note_site(sites, site, path)
    thread_stats = ledger.stats.get("thread", Counter())
    result = {
        "sites": list(sites.values()),
        "posts": {"total": sum(posts_by_type.values()), "by_type": dict(posts_by_type)},
        "comments": {"total": total, "by_status": dict(by_status), "by_type": dict(by_type)},
        "threads": {"replies": replies, "max_depth": max_depth,
                    "orphans": thread_stats.get("orphans", 0),
                    "cycles": thread_stats.get("cycles", 0)},
        "people": {"distinct_commenters": len(people),
                   "personal_fields": {k: fields.get(k, 0) for k in
                                       ("author_email", "author_ip", "author_url",
                                        "author_user_agent", "commentmeta")}},
        "duplicates": {"clusters": clusters, "copies": dropped} if deduper else None,
        "problems": [p.as_dict() for p in ledger.problems],
    }
    ledger.close()
    return result


def format_inspection(r: dict) -> str:
    """The human-readable form of :func:`inspect_exports`."""
    lines = []
    for s in r["sites"]:
        lines.append(f"site: {s['title'] or '(untitled)'} <{s['key']}>  WXR {s['wxr_version'] or '?'}"
                     f"  ({', '.join(s['files'])})")
    pt = r["posts"]
    lines.append(f"posts: {pt['total']}  " + ", ".join(f"{k} {v}" for k, v in sorted(pt["by_type"].items())))
    c = r["comments"]
    lines.append(f"comments: {c['total']}")
    lines.append("  by status: " + (", ".join(f"{k} {v}" for k, v in sorted(c["by_status"].items())) or "-"))
    lines.append("  by type:   " + (", ".join(f"{k} {v}" for k, v in sorted(c["by_type"].items())) or "-"))
    t = r["threads"]
    lines.append(f"threads: {t['replies']} replies, max depth {t['max_depth']}, "
                 f"{t['orphans']} orphans, {t['cycles']} cycles")
    p = r["people"]
    pf = p["personal_fields"]
    lines.append(f"people: {p['distinct_commenters']} distinct commenters; personal fields present: "
                 + ", ".join(f"{k.replace('author_', '')} {v}" for k, v in pf.items()))
    if r.get("duplicates") is not None:
        d = r["duplicates"]
        lines.append(f"duplicates: {d['clusters']} clusters, {d['copies']} copies to merge "
                     "(see `migrator dedupe`)")
    if r["problems"]:
        lines.append(f"problems: {len(r['problems'])}")
        for pr in r["problems"][:20]:
            note = " (note: not damage)" if pr.get("kind") == "note" else ""
            lines.append(f"  {pr['file']}:{pr['line'] or '-'}: {pr['message']}{note}")
    else:
        lines.append("problems: none")
    return "\n".join(lines)
