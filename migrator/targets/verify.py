"""``verify``: every comment the journal says was pushed is on the target,
under the right parent, with its date, author and status."""
from __future__ import annotations

import os
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from typing import Iterable

from ..model import Comment, Post
from ..pipeline import Options, Pipeline
from .base import Platform, iso_seconds, sha
from .http import PushError
from .journal import Journal, default_state_path
from .push import check_options, journal_name


# -- verify ------------------------------------------------------------------------------
@dataclass
class VerifyResult:
    checked: int = 0
    ok: int = 0
    problems: list[dict] = field(default_factory=list)
    extra: int = 0  # comments on the pushed posts that no source comment maps to
    requests: dict = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return not self.problems and self.checked > 0

    def counts(self) -> dict[str, int]:
        return dict(Counter(p["problem"] for p in self.problems))

    def as_dict(self) -> dict:
        return {"passed": self.passed, "checked": self.checked, "ok": self.ok,
                "problems": self.problems, "counts": self.counts(), "extra": self.extra,
                "requests": self.requests}


def verify(paths: Iterable[str], platform: Platform, options: Options | None = None, *,
           state: str | None = None) -> VerifyResult:
    """Read the target back and check every comment of the exports (after the
    same pipeline options as the push): it is in the journal, it exists on the
    target with the right parent (so depth; on a two-level platform also the
    right thread root), date, author, content and status, and it is there once."""
    options = replace(options or Options(), dry_run=False)
    try:
        platform.connect()
    except PushError as e:
        raise type(e)(platform.redact(str(e))) from None
    state = state or default_state_path(platform.url, platform=platform.name)
    if not os.path.exists(state):
        raise PushError(f"no journal at {state}: nothing was pushed to {platform.url} from here "
                        "(give --state if it lives elsewhere)")
    journal = Journal(state, journal_name(platform), redact=platform.redact)
    result = VerifyResult()
    cache: dict[object, dict] = {}
    pipeline = Pipeline(list(paths), options, keep_posts=True)  # the target has the posts
    try:
        check_options(options, pipeline)
        for site, post in pipeline.posts():
            _verify_post(post, journal, platform, cache, result)
            pipeline.settle(post)
            # keep only the target posts of recent source posts in memory
            while len(cache) > 8:
                cache.pop(next(iter(cache)))
        result.requests = dict(platform.requests)
        result.problems = platform.redact.deep(result.problems)
        return result
    except PushError as e:
        raise type(e)(platform.redact(str(e))) from None
    finally:
        journal.close()
        pipeline.ledger.close()
        platform.close()


def _top(v) -> bool:
    return v in (None, 0, "")


def _verify_post(post: Post, journal: Journal, pf: Platform,
                 cache: dict[object, dict], result: VerifyResult) -> None:
    rows = {c.id: journal.get(c.site, c.id) for c in post.comments}
    tid_of = {cid: r.target_id for cid, r in rows.items()
              if r is not None and r.state in ("done", "merged") and r.target_id}
    target_posts = {r.target_post for r in rows.values() if r is not None and r.target_post}
    on_target: dict[object, dict] = {}
    for tp in target_posts:
        if tp not in cache:
            cache[tp] = pf.comments(tp)
        on_target.update(cache[tp])

    def problem(c: Comment, kind: str, **kw) -> None:
        d = {"problem": kind, "site": c.site, "source_id": c.id, "source_post": post.id}
        d.update(kw)
        result.problems.append(d)

    def depth(tid) -> int:
        d, seen = 0, set()
        while not _top(tid) and tid in on_target and tid not in seen:
            seen.add(tid)
            d += 1
            tid = on_target[tid].get("parent")
        return d if _top(tid) else d + 1000  # parent outside the post: impossible depth

    def root(tid):
        seen = set()
        while tid in on_target and not _top(on_target[tid].get("parent")) and tid not in seen:
            seen.add(tid)
            tid = on_target[tid]["parent"]
        return tid

    for c in post.comments:
        if pf.unsupported(c):
            continue  # the platform cannot create these; push reports them
        result.checked += 1
        row = rows[c.id]
        if row is None or row.state in ("in-flight", "rejected"):
            why = "never pushed" if row is None else \
                ("in flight when a push stopped" if row.state == "in-flight" else row.note)
            problem(c, "missing", reason=why)
            continue
        t = on_target.get(row.target_id)
        if t is None:
            problem(c, "missing", target_id=row.target_id,
                    reason="in the journal but not on the target (deleted, or another site?)")
            continue
        bad = False
        want_parent = 0 if c.parent_id is None else tid_of.get(c.parent_id)
        if c.parent_id is not None and want_parent is None:
            jr = journal.get(c.site, c.parent_id)
            want_parent = jr.target_id if jr is not None and jr.target_id else None
        got_parent = t.get("parent") or 0
        if want_parent is None or got_parent != want_parent:
            problem(c, "parent", target_id=row.target_id, expected=want_parent, found=got_parent)
            bad = True
        elif depth(row.target_id) != c.depth and c.depth:
            problem(c, "depth", target_id=row.target_id, expected=c.depth,
                    found=depth(row.target_id))
            bad = True
        elif pf.levels and (t.get("thread") or 0) != (root(want_parent) if want_parent else 0):
            problem(c, "thread", target_id=row.target_id,
                    expected=root(want_parent) if want_parent else 0, found=t.get("thread"))
            bad = True
        if row.state == "merged":
            result.ok += 0 if bad else 1
            continue
        exp = row.expect
        if exp.get("date_gmt"):
            if t.get("date_gmt") != exp["date_gmt"]:
                problem(c, "date", target_id=row.target_id, expected=exp["date_gmt"],
                        found=t.get("date_gmt"))
                bad = True
        if c.date_gmt is not None and exp.get("date_gmt") != iso_seconds(c.date_gmt):
            problem(c, "date", target_id=row.target_id, expected=iso_seconds(c.date_gmt),
                    found=t.get("date_gmt"), reason="export and journal disagree")
            bad = True
        if sha(pf.norm_name(t.get("author", ""))) != exp.get("author"):
            problem(c, "author", target_id=row.target_id, found=t.get("author"),
                    expected=c.author_name or "(as sent: see journal)")
            bad = True
        raw = t.get("content") or ""
        if pf.norm_content(raw) != pf.norm_content(c.content):
            problem(c, "content", target_id=row.target_id, expected=c.content[:200],
                    found=raw[:200])
            bad = True
        if t.get("status") != exp.get("status"):
            problem(c, "status", target_id=row.target_id, expected=exp.get("status"),
                    found=t.get("status"))
            bad = True
        if not bad:
            result.ok += 1

    # duplicates: the same comment more than once on the target
    groups: dict[tuple, list] = defaultdict(list)
    for tid, t in on_target.items():
        groups[(t.get("post"), t.get("parent") or 0, pf.norm_name(t.get("author", "")),
                t.get("date_gmt"), pf.loose_content(t.get("content") or ""))].append(tid)
    mine = set(tid_of.values())
    by_tid = {v: k for k, v in tid_of.items()}
    for ids in groups.values():
        if len(ids) > 1 and mine.intersection(ids):
            owner = next(i for i in ids if i in mine)
            c = next(x for x in post.comments if x.id == by_tid[owner])
            problem(c, "duplicate", target_id=owner, found=sorted(ids, key=str))
