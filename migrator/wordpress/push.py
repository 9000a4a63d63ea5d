"""The push sink and the ``push`` entry point: each post's comments, parents
before replies, ``workers`` at a time."""
from __future__ import annotations

import ipaddress
import os
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import timezone
from typing import Callable, Iterable

import requests
from urllib3.util import SKIP_HEADER

from ..ledger import Ledger
from ..model import Comment, Post, Site
from ..pipeline import Options, Pipeline
from .client import (NO_IP, PLACEHOLDER_EMAIL, PLACEHOLDER_NAME, PushError, REST_STATUS, WordPress,
                     _retry_after, _sha, _short, normalise_content, normalise_name, rest_date,
                     wp_error)
from .journal import Journal, default_state_path
from .mapping import PostMapper, Users
from .run import Outcome, PostPlan, _PostRun


# -- the sink ---------------------------------------------------------------------
class Pusher:
    """A pipeline Sink writing comments into a WordPress site.

    Comments whose parent's target id is known are posted ``workers`` at a
    time; a reply is submitted as soon as its parent is on the target. The
    ledger is only touched from the calling thread."""

    def __init__(self, client: WordPress, journal: Journal, *,
                 post_map: dict[int, int] | None = None, workers: int = 4,
                 dry_run: bool = False, delay: float = 0.0, orphans: str = "reattach",
                 attempts: int = 5, progress: Callable[[str], None] | None = None):
        self.client = client
        self.journal = journal
        self.mapper = PostMapper(client, post_map)
        self.users = Users(client)
        self.workers = max(1, int(workers))
        self.dry_run = dry_run
        self.delay = max(0.0, float(delay))
        self.orphans = orphans
        self.attempts = max(1, attempts)
        self.progress = progress
        self.fill_required = False  # the target insists on name + e-mail
        self.plan: list[PostPlan] = []
        self.unmapped: list[PostPlan] = []
        self.closed: dict[int, str] = {}  # target post -> message
        self.stats: Counter = Counter()
        self._claimed: set[int] = set()
        self._claim_lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None

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
        self.client.close()

    def write_post(self, site: Site, post: Post, ledger: Ledger) -> None:
        if not post.comments:
            return
        target = self.mapper.resolve(site, post)
        entry = PostPlan(post.site, post.id, post.title, post.slug,
                         target.id if target else None, target.how if target else "",
                         len(post.comments))
        if target is None:
            entry.reason = self.mapper.reasons.get((post.site, post.id), "no target post")
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

    def claim(self, target_id: int) -> bool:
        with self._claim_lock:
            if target_id in self._claimed:
                return False
            self._claimed.add(target_id)
            return True

    def is_claimed(self, target_id: int) -> bool:
        with self._claim_lock:
            return target_id in self._claimed

    def payload(self, c: Comment, post: int, parent: int) -> tuple[dict, list[str]]:
        """The REST body for one comment, and notes on what had to change."""
        notes: list[str] = []
        p: dict = {"post": post, "parent": parent, "content": c.content,
                   "status": REST_STATUS.get(c.status, "hold")}
        if c.status == "post-trashed":
            notes.append("status post-trashed sent as trash")
        author = self.users.target_id(c)
        if author is not None:
            p["author"] = author
        name, email, url = c.author_name, c.author_email, c.author_url
        if not (name or email or url) and author is None:
            # WordPress would credit the pushing user (it fills in the logged-in
            # user when a comment names nobody); it shows "Anonymous" for no name.
            name = PLACEHOLDER_NAME
            notes.append(f"no author: sent as {PLACEHOLDER_NAME!r}")
        if self.fill_required:
            if not name.strip():
                name = PLACEHOLDER_NAME
                notes.append(f"target requires a name: sent {PLACEHOLDER_NAME!r}")
            if not email:
                email = PLACEHOLDER_EMAIL
                notes.append(f"target requires an e-mail: sent {PLACEHOLDER_EMAIL}")
        if name:
            p["author_name"] = name
        if email:
            p["author_email"] = email
        if url:
            p["author_url"] = url
        ip = (c.author_ip or "").strip()
        try:
            ipaddress.ip_address(ip)
            p["author_ip"] = ip
        except ValueError:
            p["author_ip"] = NO_IP
            if ip:
                notes.append(f"author_ip {ip!r} is not an IP address: sent {NO_IP}")
            else:
                self.stats["no ip: sent 127.0.0.1"] += 1
        if c.author_user_agent:
            p["author_user_agent"] = c.author_user_agent
        if c.date_gmt is not None:
            p["date_gmt"] = rest_date(c.date_gmt.astimezone(timezone.utc))
        elif c.date is not None:
            p["date"] = rest_date(c.date)
            notes.append("no GMT date: sent the local date, read in the target's time zone")
        else:
            notes.append("no date: WordPress dated it now")
        return p, notes

    @staticmethod
    def expect(payload: dict) -> dict:
        """What verify checks later (hashes, so no text of the comment is kept)."""
        return {"post": payload["post"], "parent": payload["parent"],
                "date_gmt": payload.get("date_gmt"), "date": payload.get("date"),
                "status": payload["status"],
                "author": _sha(normalise_name(payload.get("author_name", ""))),
                "content": _sha(normalise_content(payload.get("content", "")))}

    # -- worker side (runs in the pool) ---------------------------------------------
    def job(self, c: Comment, payload: dict, look_first: bool) -> Outcome:
        # "in flight" means: a POST may have reached WordPress. Committed
        # before the POST, so a kill at any later moment is found again.
        self.journal.in_flight(c, payload["post"], payload["parent"], self.expect(payload))
        if look_first:
            hit = self._unclaimed(self.client.find(payload, match_date=True))
            if hit is not None:
                return self._found(hit, payload, "found on target: it was in flight when an "
                                                 "earlier run stopped")
        return self._post(payload)

    def _unclaimed(self, candidates: list[dict]) -> dict | None:
        for x in candidates:
            if not self.is_claimed(int(x["id"])):
                return x
        return None

    def _found(self, x: dict, payload: dict, note: str) -> Outcome:
        if x.get("status") != payload["status"]:
            r = self.client.post(f"/wp/v2/comments/{x['id']}", {"status": payload["status"]})
            if r.status_code == 200:
                note += f" (status set to {payload['status']})"
        return Outcome("found", int(x["id"]), notes=[note], payload=payload)

    def _post(self, payload: dict) -> Outcome:
        notes: list[str] = []
        last = ""
        filled = False
        headers = None if payload.get("author_user_agent") else {"User-Agent": SKIP_HEADER}
        for attempt in range(self.attempts):
            resp = None
            try:
                resp = self.client.post("/wp/v2/comments", payload, headers=headers)
            except (requests.ConnectionError, requests.Timeout) as e:
                last = f"no answer ({_short(e)})"
            else:
                if self.delay:
                    time.sleep(self.delay)
                status = resp.status_code
                if status == 201:
                    return Outcome("created", int(resp.json()["id"]), notes=notes, payload=payload)
                code, msg = wp_error(resp)
                if status == 409 and code == "comment_duplicate":
                    cands = self.client.find(payload, match_date=False)
                    hit = self._unclaimed(cands)
                    if hit is not None:
                        return self._found(hit, payload, "already on target (WordPress: duplicate)")
                    return Outcome("duplicate", reason=f"http 409 {code}: {msg}", code=code,
                                   payload=payload, candidates=cands, notes=notes)
                if status == 400 and code == "rest_comment_author_data_required" and not filled:
                    payload = dict(payload)
                    if not payload.get("author_name", "").strip():
                        payload["author_name"] = PLACEHOLDER_NAME
                        notes.append(f"target requires a name: sent {PLACEHOLDER_NAME!r}")
                    if not payload.get("author_email"):
                        payload["author_email"] = PLACEHOLDER_EMAIL
                        notes.append(f"target requires an e-mail: sent {PLACEHOLDER_EMAIL}")
                    filled = True
                    self.fill_required = True
                    continue
                if status == 401:
                    return Outcome("fatal", reason=self.client.redact(
                        f"{self.client.url} stopped accepting the login (http 401 {code}: {msg})"))
                if status == 429:
                    last = f"http 429 {code}: {msg}".rstrip(": ")
                    time.sleep(min(self.client.backoff_max,
                                   _retry_after(resp) or self.client.backoff * 2 ** attempt))
                    continue
                if status not in (500, 502, 503, 504):
                    kind = "closed" if code == "rest_comment_closed" else "rejected"
                    return Outcome(kind, reason=f"http {status} {code}: {msg}", code=code,
                                   payload=payload, notes=notes)
                last = f"http {status} {code}: {msg}".rstrip(": ")
            # The answer is lost or a 5xx: WordPress may have stored it anyway.
            time.sleep(min(self.client.backoff_max,
                           _retry_after(resp) or self.client.backoff * 2 ** attempt))
            hit = self._unclaimed(self.client.find(payload, match_date=True))
            if hit is not None:
                return self._found(hit, payload, f"on target although the answer was lost ({last})")
        return Outcome("lost", reason=f"target did not answer: {last}", payload=payload, notes=notes)


# -- entry points ---------------------------------------------------------------------
@dataclass
class PushResult:
    ledger: Ledger
    pusher: Pusher
    state: str
    pipeline: Pipeline

    @property
    def requests(self) -> dict[str, int]:
        return dict(self.pusher.client.requests)

    def not_delivered(self) -> int:
        """Comments the target did not take (unmapped posts, refusals, lost answers)."""
        return self.pusher.stats["rejected"]

    def extra(self) -> dict:
        p = self.pusher
        return {"target": p.client.url, "rest": p.client.rest_base, "state": self.state,
                "posts": [e.as_dict() for e in p.plan],
                "unmapped": [e.as_dict() for e in p.unmapped],
                "closed": sorted(p.closed.values()),
                "push": dict(p.stats), "requests": self.requests,
                "workers": p.workers, "dry_run": p.dry_run}


def _check_options(options: Options, pipeline: Pipeline) -> None:
    anon = pipeline.anonymiser
    if anon is not None and not getattr(anon, "reproducible", True):
        raise PushError("push --anonymise needs a fixed secret (MIGRATOR_SECRET or "
                        "--secret-file): a second run must produce the same pseudonyms, or "
                        "it cannot recognise what the first one posted")


def push(paths: Iterable[str], url: str, options: Options | None = None, *, user: str,
         password: str, state: str | None = None, post_map: dict[int, int] | None = None,
         workers: int = 4, dry_run: bool = False, delay: float = 0.0,
         rest_base: str | None = None, progress=None, client: WordPress | None = None,
         retries: int = 6, backoff: float = 0.5) -> PushResult:
    """Push the comments of ``paths`` into the WordPress at ``url``.

    Returns a :class:`PushResult` (its ``ledger`` holds every comment's fate).
    Raises :class:`PushError` when the run cannot go on; run it again to
    resume — the journal at ``state`` knows what is already there."""
    options = replace(options or Options(), dry_run=False)
    client = client or WordPress(url, user, password, rest_base=rest_base, retries=retries,
                                 backoff=backoff)
    if client.rest_base is None:
        client.discover()
    client.login()
    state = state or default_state_path(url)
    # a dry run writes nothing, not even an empty journal
    journal = Journal(":memory:" if dry_run and not os.path.exists(state) else state, client.url)
    try:
        pipeline = Pipeline(list(paths), options, keep_posts=True)  # the target has the posts
        _check_options(options, pipeline)
        if not dry_run:
            anon = pipeline.anonymiser
            journal.keep_to(anon.fingerprint() if anon is not None else "plain")
        pusher = Pusher(client, journal, post_map=post_map, workers=workers, dry_run=dry_run,
                        delay=delay, orphans=options.orphans, progress=progress)
        ledger = pipeline.run([pusher])
        return PushResult(ledger, pusher, state, pipeline)
    finally:
        journal.close()
