"""One post's push: comments go out parents first, ``workers`` at a time; a
reply waits for its parent's target id."""
from __future__ import annotations

from collections import defaultdict, deque
from concurrent.futures import FIRST_COMPLETED, Future, wait

from ..ledger import Ledger
from ..model import Comment, Post, Site
from .base import Outcome, Place, PostPlan, Target
from .http import PushError


class _PostRun:
    """One post's comments through the pool, parents before replies."""

    def __init__(self, pusher, site: Site, post: Post, target: Target,
                 ledger: Ledger, entry: PostPlan):
        # pusher: the push.Pusher that owns the pool, the journal and the client
        self.p, self.site, self.post, self.target = pusher, site, post, target
        self.ledger, self.entry = ledger, entry
        self.by_id = {c.id: c for c in post.comments}
        self.known: dict[int, object] = {}  # source id -> target id
        self.roots: dict[object, object] = {}  # target id -> its thread root's target id
        self.failed: set[int] = set()
        self.waiting: dict[int, list[Comment]] = defaultdict(list)
        self.running: dict[Future, tuple[Comment, int, list[str], str]] = {}
        self.busy_keys: dict[tuple, deque] = {}

    def run(self) -> None:
        p, ledger = self.p, self.ledger
        todo: list[Comment] = []
        for c in self.post.comments:
            row = p.journal.get(c.site, c.id)
            if row is not None and row.state in ("done", "merged") and row.target_id:
                self.known[c.id] = row.target_id
                self.entry.in_journal += 1
                if row.state == "merged":
                    owner = p.journal.owner_of(row.target_id)
                    ledger.merged(c, into=owner.source_id if owner else c.id,
                                  reason=row.note or "duplicate on target")
                else:
                    ledger.note(c, f"already on target: comment {row.target_id}")
                p._tick("already")
            elif p.platform.unsupported(c):
                self.failed.add(c.id)
                ledger.rejected(c, p.platform.unsupported(c))
                p._tick("rejected")
            else:
                todo.append(c)
        self.entry.to_post = len(todo)
        if p.dry_run:
            return
        self.rows = {c.id: p.journal.get(c.site, c.id) for c in todo}
        for c in todo:
            self.dispatch(c)
        while self.running:
            done, _ = wait(list(self.running), return_when=FIRST_COMPLETED)
            for fut in done:
                self.finish(fut)
        rows = [p.journal.get(c.site, c.id) for c in self.post.comments]
        p.platform.finish_post(self.target, [r for r in rows if r is not None
                                             and r.state == "done" and r.target_id])

    # parent resolution ------------------------------------------------------------
    def parent_target(self, c: Comment) -> tuple[str, object, str]:
        """('ok', target parent id, note) | ('wait', source id to wait for, '') |
        ('drop', 0, reason). A reply whose parent failed is re-attached to the
        nearest ancestor that made it, waiting for it if it is still on its way."""
        pid = c.parent_id
        if pid is None or pid == 0:
            return "ok", 0, ""
        if pid in self.known:
            return "ok", self.known[pid], ""
        if pid in self.by_id and pid not in self.failed:
            return "wait", pid, ""
        if pid not in self.by_id:  # written by an earlier part (split export) or run
            row = self.p.journal.get(c.site, pid)
            if row is not None and row.state in ("done", "merged") and row.target_id:
                return "ok", row.target_id, ""
            ancestor = None
        else:
            ancestor = self.by_id[pid].parent_id
            while ancestor is not None and ancestor not in self.known:
                if ancestor in self.by_id and ancestor not in self.failed:
                    return "wait", ancestor, ""  # on its way: re-attach once it is there
                ancestor = self.by_id[ancestor].parent_id if ancestor in self.by_id else None
        why = f"parent not on target: comment {pid}"
        if self.p.orphans == "drop":
            return "drop", 0, why
        if self.p.orphans == "reattach" and ancestor is not None:
            return "ok", self.known[ancestor], f"re-attached to {ancestor}: {why}"
        return "ok", 0, f"moved to top level: {why}"

    def dispatch(self, c: Comment) -> None:
        p, ledger = self.p, self.ledger
        if self.target.id in p.closed:
            self.reject(c, p.closed[self.target.id])
            return
        state, parent, note = self.parent_target(c)
        if state == "wait":
            self.waiting[parent].append(c)
            return
        if state == "drop":
            self.reject(c, note)
            return
        if note:
            ledger.note(c, note)
        # identical siblings one after the other, so that a lookup never takes
        # the copy a sibling in flight is creating
        key = (parent,) + p.platform.key(c)
        if key in self.busy_keys:
            self.busy_keys[key].append(c)
            return
        self.busy_keys[key] = deque()
        place = Place(self.target.id, parent or None, self.root_of(parent) if parent else None)
        payload, notes = p.platform.payload(c, place)
        row = self.rows.get(c.id)
        look_first = row is not None and row.state == "in-flight"
        fut = p._pool.submit(p.job, c, payload, look_first)
        self.running[fut] = (c, parent, notes, key)

    def root_of(self, target_id):
        """The thread root of a comment already on the target."""
        if target_id not in self.roots:
            self.roots[target_id] = self.p.journal.root_of(target_id)
        return self.roots[target_id]

    def release(self, key: tuple) -> None:
        queue = self.busy_keys.pop(key, None) or deque()
        while queue:
            self.dispatch(queue.popleft())
            if key in self.busy_keys:  # that one is in flight now: the rest wait for it
                self.busy_keys[key].extend(queue)
                return

    def reject(self, c: Comment, reason: str, keep_in_flight: bool = False) -> None:
        self.failed.add(c.id)
        reason = self.p.redact(reason)
        self.ledger.rejected(c, reason)
        self.p.journal.rejected(c, self.target.id, reason, keep_in_flight)
        self.p._tick("rejected")
        self.wake(c.id)

    def wake(self, cid: int) -> None:
        for child in self.waiting.pop(cid, []):
            self.dispatch(child)

    def finish(self, fut: Future) -> None:
        c, parent, notes, key = self.running.pop(fut)
        p, ledger = self.p, self.ledger
        try:
            out: Outcome = fut.result()
        except PushError:
            raise
        except Exception as e:  # noqa: BLE001 - a bug or an odd answer: keep it in flight
            out = Outcome("lost", reason=p.redact(f"{type(e).__name__}: {e}"))
        for n in notes + out.notes:
            ledger.note(c, p.redact(n))
        payload = out.payload or {}
        if out.kind in ("created", "found"):
            p.claim(out.target_id)
            p.journal.done(c, self.target.id, out.target_id, parent, p.expect(payload),
                           "" if out.kind == "created" else out.notes[-1])
            self.known[c.id] = out.target_id
            self.roots[out.target_id] = self.root_of(parent) if parent else out.target_id
            p._tick("posted" if out.kind == "created" else "found")
        elif out.kind == "duplicate":
            owner = None
            for x in out.candidates:
                owner = p.journal.owner_of(x["id"])
                if owner is not None:
                    break
            if owner is None:
                self.reject(c, out.reason + " (and no such comment found on the target)")
            else:
                reason = (f"duplicate on target: {p.platform.title} refused it as identical to source "
                          f"comment {owner.source_id} (target {owner.target_id})")
                p.journal.merged(c, self.target.id, owner.target_id, parent, p.expect(payload),
                                 reason)
                ledger.merged(c, into=owner.source_id, reason=p.redact(reason))
                self.known[c.id] = owner.target_id
                p._tick("merged")
        elif out.kind == "fatal":
            raise PushError(p.redact(out.reason))
        elif out.kind == "closed":
            msg = (f"{out.reason} ({self.target.describe()}, source post {self.post.id}"
                   + (f" '{self.post.slug}'" if self.post.slug else "") + ")")
            p.closed[self.target.id] = msg
            self.reject(c, msg)
        elif out.kind == "lost":
            self.reject(c, out.reason + " (it is looked up first on the next run)",
                        keep_in_flight=True)
        else:
            self.reject(c, out.reason)
        self.release(key)
        if c.id in self.known:
            self.wake(c.id)
