"""The push sink and the ``push`` entry point, for any platform: each post's
comments, parents before replies, ``workers`` at a time; every comment
journalled before it is sent; after a lost answer or a 5xx, looked up on the
target before it is ever sent again."""
from __future__ import annotations

import os
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Callable, Iterable

import requests

from ..ledger import Ledger
from ..model import Comment, Post, Site
from ..pipeline import Options, Pipeline
from .base import Answer, Outcome, Platform, PostPlan, sha
from .http import PushError, short_error
from .journal import Journal, default_state_path
from .run import _PostRun


class Pusher:
    """A pipeline Sink writing comments into a live platform.

    Comments whose parent's target id is known are posted ``workers`` at a
    time; a reply is submitted as soon as its parent is on the target. The
    ledger is only touched from the calling thread."""

    def __init__(self, platform: Platform, journal: Journal, *, workers: int = 4,
                 dry_run: bool = False, delay: float = 0.0, orphans: str = "reattach",
                 attempts: int = 5, progress: Callable[[str], None] | None = None):
        self.platform = platform
        self.journal = journal
        self.workers = max(1, int(workers))
        self.dry_run = dry_run
        self.delay = max(0.0, float(delay))
        self.orphans = orphans
        self.attempts = max(1, attempts)
        self.progress = progress
        self.plan: list[PostPlan] = []
        self.unmapped: list[PostPlan] = []
        self.closed: dict[object, str] = {}  # target post -> message
        self.stats: Counter = Counter()
        self._claimed: set = set()
        self._claim_lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None

    @property
    def client(self):
        """The platform (WordPress callers knew it as the client)."""
        return self.platform

    def redact(self, text):
        return self.platform.redact(text)

    # -- Sink protocol ----------------------------------------------------------
    def open(self, run) -> None:
        self._claimed = self.journal.claimed()
        if not self.dry_run:
            self._pool = ThreadPoolExecutor(max_workers=self.workers,
                                            thread_name_prefix="migrator-push")

    def close(self, ok: bool) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        self.platform.close()

    def write_post(self, site: Site, post: Post, ledger: Ledger) -> None:
        if not post.comments:
            return
        target = self.platform.resolve(site, post)
        entry = PostPlan(post.site, post.id, post.title, post.slug,
                         target.id if target else None, target.how if target else "",
                         len(post.comments))
        if target is None:
            entry.reason = self.redact(self.platform.unmapped_reason(post))
            self.unmapped.append(entry)
            for c in post.comments:
                ledger.rejected(c, f"no target post: source post {post.id}"
                                   + (f" '{post.slug}'" if post.slug else ""))
                self._tick("rejected")
            return
        self.plan.append(entry)
        _PostRun(self, site, post, target, ledger, entry).run()

    # -- helpers used by _PostRun -------------------------------------------------
    def _tick(self, what: str) -> None:
        self.stats[what] += 1
        if self.progress is not None:
            self.progress(what)

    def claim(self, target_id) -> bool:
        with self._claim_lock:
            if target_id in self._claimed:
                return False
            self._claimed.add(target_id)
            return True

    def is_claimed(self, target_id) -> bool:
        with self._claim_lock:
            return target_id in self._claimed

    def expect(self, payload: dict) -> dict:
        """What verify checks later (hashes, so no text of the comment is kept)."""
        pf = self.platform
        s = pf.summary(payload)
        return {"post": s.get("post"), "parent": s.get("parent"),
                "date_gmt": s.get("date_gmt"), "date": s.get("date"),
                "status": s.get("status"),
                "author": sha(pf.norm_name(s.get("author", ""))),
                "content": sha(pf.norm_content(s.get("content", "")))}

    # -- worker side (runs in the pool) ---------------------------------------------
    def job(self, c: Comment, payload: dict, look_first: bool) -> Outcome:
        s = self.platform.summary(payload)
        # "in flight" means: a request may have reached the target. Committed
        # before it is sent, so a kill at any later moment is found again.
        self.journal.in_flight(c, s.get("post"), s.get("parent"), self.expect(payload))
        if look_first:
            hit = self._unclaimed(self.platform.find(payload, match_date=True))
            if hit is not None:
                return self._found(hit, payload, "found on target: it was in flight when an "
                                                 "earlier run stopped")
        return self._post(payload)

    def _unclaimed(self, candidates: list[dict]) -> dict | None:
        for x in candidates:
            if not self.is_claimed(x["id"]):
                return x
        return None

    def _found(self, x: dict, payload: dict, note: str) -> Outcome:
        extra = self.platform.adopt(x, payload)
        return Outcome("found", x["id"], notes=[note + (f" ({extra})" if extra else "")],
                       payload=payload)

    def _post(self, payload: dict) -> Outcome:
        pf = self.platform
        notes: list[str] = []
        last = ""
        amended = False
        for attempt in range(self.attempts):
            wait = None
            try:
                a: Answer = pf.create(payload)
            except (requests.ConnectionError, requests.Timeout) as e:
                last = f"no answer ({short_error(e)})"
            else:
                if self.delay:
                    time.sleep(self.delay)
                notes.extend(a.notes if a.kind != "amend" else [])
                if a.kind == "created":
                    return Outcome("created", a.id, notes=notes, payload=payload)
                if a.kind == "duplicate":
                    cands = pf.find(payload, match_date=False)
                    hit = self._unclaimed(cands)
                    if hit is not None:
                        return self._found(hit, payload,
                                           f"already on target ({pf.title}: duplicate)")
                    return Outcome("duplicate", reason=a.reason, code=a.code, payload=payload,
                                   candidates=cands, notes=notes)
                if a.kind == "amend" and not amended:
                    payload, amended = a.payload, True
                    notes.extend(a.notes)
                    continue
                if a.kind == "fatal":
                    return Outcome("fatal", reason=self.redact(a.reason))
                if a.kind == "busy":
                    last = a.reason
                    time.sleep(min(pf.http.backoff_max, a.wait or pf.http.backoff * 2 ** attempt))
                    continue
                if a.kind in ("closed", "rejected", "amend"):
                    return Outcome("closed" if a.kind == "closed" else "rejected",
                                   reason=self.redact(a.reason), code=a.code, payload=payload,
                                   notes=notes)
                last, wait = a.reason, a.wait  # unknown: it may be stored
            # The answer is lost or a 5xx: the target may have stored it anyway.
            time.sleep(min(pf.http.backoff_max, wait or pf.http.backoff * 2 ** attempt))
            hit = self._unclaimed(pf.find(payload, match_date=True))
            if hit is not None:
                return self._found(hit, payload, f"on target although the answer was lost ({last})")
        return Outcome("lost", reason=self.redact(f"target did not answer: {last}"),
                       payload=payload, notes=notes)


# -- entry points ---------------------------------------------------------------------
@dataclass
class PushResult:
    ledger: Ledger
    pusher: Pusher
    state: str
    pipeline: Pipeline

    @property
    def requests(self) -> dict[str, int]:
        return dict(self.pusher.platform.requests)

    def not_delivered(self) -> int:
        """Comments the target did not take (unmapped posts, refusals, lost answers)."""
        return self.pusher.stats["rejected"]

    def extra(self) -> dict:
        p = self.pusher
        return p.platform.redact.deep({
            "target": p.platform.url, "platform": p.platform.name, "rest": p.platform.api_root,
            "state": self.state, "posts": [e.as_dict() for e in p.plan],
            "unmapped": [e.as_dict() for e in p.unmapped], "closed": sorted(p.closed.values()),
            "push": dict(p.stats), "requests": self.requests, "workers": p.workers,
            "dry_run": p.dry_run})


def check_options(options: Options, pipeline: Pipeline) -> None:
    anon = pipeline.anonymiser
    if anon is not None and not getattr(anon, "reproducible", True):
        raise PushError("push --anonymise needs a fixed secret (MIGRATOR_SECRET or "
                        "--secret-file): a second run must produce the same pseudonyms, or "
                        "it cannot recognise what the first one posted")


def journal_name(platform: Platform) -> str:
    """The target a journal belongs to: the URL, prefixed for every platform
    but WordPress (whose journals came first)."""
    return platform.url if platform.name == "wordpress" else f"{platform.name}+{platform.url}"


def push(paths: Iterable[str], platform: Platform, options: Options | None = None, *,
         state: str | None = None, workers: int = 4, dry_run: bool = False, delay: float = 0.0,
         progress=None) -> PushResult:
    """Push the comments of ``paths`` into ``platform``.

    Returns a :class:`PushResult` (its ``ledger`` holds every comment's fate).
    Raises :class:`PushError` when the run cannot go on; run it again to
    resume: the journal at ``state`` knows what is already there."""
    options = replace(options or Options(), dry_run=False)
    try:
        platform.connect()
    except PushError as e:
        raise type(e)(platform.redact(str(e))) from None
    state = state or default_state_path(platform.url, platform=platform.name)
    # a dry run writes nothing, not even an empty journal
    journal = Journal(":memory:" if dry_run and not os.path.exists(state) else state,
                      journal_name(platform), redact=platform.redact)
    try:
        pipeline = Pipeline(list(paths), options, keep_posts=True)  # the target has the posts
        check_options(options, pipeline)
        if not dry_run:  # one kind of push per journal (plain, or one secret's)
            anon = pipeline.anonymiser
            journal.keep_to(anon.fingerprint() if anon is not None else "plain")
        pusher = Pusher(platform, journal, workers=workers, dry_run=dry_run, delay=delay,
                        orphans=options.orphans, progress=progress)
        ledger = pipeline.run([pusher])
        return PushResult(ledger, pusher, state, pipeline)
    except PushError as e:
        raise type(e)(platform.redact(str(e))) from None
    finally:
        journal.close()
