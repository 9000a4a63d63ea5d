"""Dedupe stage: double posts and resubmissions become one comment.

Two kinds of duplicate are found, and only ever between comments on the same
post, of the same status and type, by the same person: same e-mail when both
have one, else the same normalised name (see :func:`person_keys` for a name
that more than one e-mail uses):

``exact``
    WordPress's own rule -- same parent, same author, identical content, not in
    the trash -- after :func:`normalise` (entities, tags, Unicode, quotes,
    dashes, whitespace, case; link targets, image sources and code stay text).
    A double click on "Post Comment". A text that normalises to (near) nothing
    -- fewer than ``MEANINGFUL`` letters or digits: a bare link's markup, an
    emoticon, an empty paragraph -- is equal only to the very same raw content.
``resubmission``
    Within the window (default 24h) one text is contained in the other: at
    least 90% of the shorter text's word shingles occur in the longer one, and
    the shorter has at least 8 words. What people do after WordPress says
    "Duplicate comment detected": post the same text with a sentence added.

Each cluster keeps one comment exactly as it was submitted (``--keep longest``,
``first`` or ``last``); the other copies are ledgered ``merged`` into it and
their replies are re-pointed to it. Nothing here recurses and per-post work is
near-linear: comments are grouped by person first, and texts are only
normalised and shingled for people with more than one comment on the post.
"""
from __future__ import annotations

import heapq
import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Iterable, Iterator

from ..ledger import Ledger
from ..model import Comment, Post
from .similarity import (SHINGLE, _WORD, _assign, _email_key, _identity, _name_key, _ratio,
                         containment, normalise, person_keys, shingles)
from .thread import retree

KEEP_POLICIES = ("longest", "first", "last")
#: The shorter text of a resubmission needs at least this many words ...
MIN_WORDS = 8
#: ... and at least this share of its shingles must occur in the longer text.
CONTAINMENT = 0.9
#: A person with more comments than this inside the window on one post is
#: compared through a shingle index instead of pair by pair.
INDEX_FROM = 24
#: Comments in these statuses are never compared (WordPress's "not in trash").
NOT_COMPARED = frozenset({"trash", "post-trashed"})
#: A normalised text with fewer letters and digits than this says too little to
#: call two comments equal: they are exact duplicates only if the raw content is.
MEANINGFUL = 3


# -- results ------------------------------------------------------------------

@dataclass
class Dropped:
    comment: Comment
    reason: str  # "exact" | "resubmission"
    similarity: float
    seconds_apart: float | None


@dataclass
class Cluster:
    survivor: Comment
    dropped: list[Dropped] = field(default_factory=list)

    def as_dict(self) -> dict:
        s = self.survivor
        when = s.when
        return {
            "post_id": s.post_id,
            "survivor": {"id": s.id, "author": s.author_name,
                         "date": when.isoformat() if when else None},
            "dropped": [{"id": d.comment.id, "reason": d.reason,
                         "similarity": round(d.similarity, 3),
                         "seconds_apart": d.seconds_apart} for d in self.dropped],
        }


def _apart(a: Comment, b: Comment) -> float | None:
    wa, wb = a.when, b.when
    return abs((wa - wb).total_seconds()) if wa is not None and wb is not None else None


# -- the tree a merge works on ----------------------------------------------------

class _Tree:
    """Parent links of one post's comments, changed one cluster at a time.

    :meth:`merge` keeps the forest acyclic and orphan-free: the survivor first
    leaves the subtree of any copy being dropped, then every reply of a dropped
    copy moves under the survivor, then the (now childless) copies go."""

    def __init__(self, comments: Iterable[Comment]) -> None:
        self.parent: dict[int, int | None] = {c.id: c.parent_id for c in comments}
        self.children: dict[int, dict[int, None]] = defaultdict(dict)  # ordered sets
        for cid, p in self.parent.items():
            if p in self.parent:
                self.children[p][cid] = None

    def _move(self, x: int, new: int | None) -> None:
        old = self.parent[x]
        if old in self.parent:
            self.children[old].pop(x, None)
        self.parent[x] = new
        if new in self.parent:
            self.children[new][x] = None

    def merge(self, survivor: int, dropped: Iterable[int]) -> set[int]:
        """Merge one cluster; returns the comments whose parent changed."""
        drops = set(dropped)
        moved = set()
        top, a, seen = None, self.parent[survivor], {survivor}
        while a in self.parent and a not in seen:
            seen.add(a)
            if a in drops:
                top = a
            a = self.parent[a]
        if top is not None:  # the survivor was a reply (in)to one of its copies
            self._move(survivor, self.parent[top])
            moved.add(survivor)
        for d in sorted(drops):
            for x in list(self.children.get(d, ())):
                self._move(x, survivor)
                moved.add(x)
        for d in drops:
            self._move(d, None)
            self.children.pop(d, None)
            del self.parent[d]
        return moved - drops


# -- finding clusters -------------------------------------------------------------

class _Item:
    """A comment being compared, with its texts computed on first use."""

    __slots__ = ("c", "when", "_norm", "_words", "_shingles")

    def __init__(self, c: Comment) -> None:
        self.c = c
        self.when = c.when
        self._norm: str | None = None
        self._words: list[str] | None = None
        self._shingles: frozenset | None = None

    @property
    def norm(self) -> str:
        if self._norm is None:
            self._norm = normalise(self.c.content)
        return self._norm

    @property
    def exact_key(self) -> tuple[str, str]:
        """What an exact duplicate must share: the normalised text, or the raw
        content when the normalised text is (near) empty."""
        norm = self.norm
        if sum(map(str.isalnum, norm[:64])) >= MEANINGFUL:  # map: no generator frame a character
            return ("n", norm)
        return ("raw", self.c.content)

    @property
    def words(self) -> int:
        if self._words is None:
            self._words = _WORD.findall(self.norm)
        return len(self._words)

    @property
    def shingles(self) -> frozenset:
        if self._shingles is None:
            self.words  # noqa: B018 - fills self._words
            self._shingles = shingles(self._words)  # type: ignore[arg-type]
        return self._shingles


class Deduper:
    """Finds (:meth:`clusters`) and merges (:meth:`apply`) duplicate comments,
    one post at a time."""

    def __init__(self, window: timedelta = timedelta(hours=24), keep: str = "longest") -> None:
        if keep not in KEEP_POLICIES:
            raise ValueError(f"keep must be one of {KEEP_POLICIES}, not {keep!r}")
        if window < timedelta(0):
            raise ValueError("the dedupe window cannot be negative")
        self.window = window
        self.keep = keep

    @classmethod
    def from_options(cls, o) -> "Deduper":
        """The deduper a set of pipeline options (anything with these attributes) asks for."""
        return cls(window=o.dedupe_window, keep=o.keep)

    # -- public -------------------------------------------------------------
    def clusters(self, post: Post) -> list[Cluster]:
        """The clusters :meth:`apply` would merge. Changes nothing."""
        return self._plan(post)[0]

    def apply(self, post: Post, ledger: Ledger) -> list[Cluster]:
        """Merge every cluster in place: dropped copies leave ``post.comments``
        and are ledgered ``merged``; their replies move to the survivor."""
        clusters, tree = self._plan(post)
        if not clusters or tree is None:
            return clusters
        by_id = {c.id: c for c in post.comments}
        before = {c.id: c.parent_id for c in post.comments}
        # Depth of parents that live outside this post's comments (a post
        # split across files): retree cannot know them, so keep them here.
        external = {c.parent_id: c.depth - 1 for c in post.comments
                    if c.parent_id is not None and c.parent_id not in by_id}
        into: dict[int, int] = {}
        for cl in clusters:
            for d in cl.dropped:
                into[d.comment.id] = cl.survivor.id
        survivors = {cl.survivor.id for cl in clusters}
        for cid, new in tree.parent.items():
            old = before[cid]
            if new == old:
                continue
            c = by_id[cid]
            if c.original_parent_id is None:
                c.original_parent_id = old
            c.parent_id = new
            if old in into and into[old] != cid:
                msg = f"re-pointed to {new}: parent {old} merged as a duplicate"
                ledger.count("dedupe", "replies re-pointed")
            elif cid in survivors:
                where = f"reply to {new}" if new is not None else "top level"
                msg = f"moved to {where}: was under its own duplicate copy"
            else:  # pragma: no cover - merge() only moves those two kinds
                msg = f"re-pointed to {new}"
            c.notes.append(msg)
            ledger.note(c, msg)
        for cl in clusters:
            ledger.count("dedupe", "clusters")
            for d in cl.dropped:
                d.comment.notes.append(f"merged into {cl.survivor.id} ({d.reason})")
                ledger.merged(d.comment, into=cl.survivor.id, reason=d.reason,
                              similarity=d.similarity)
                ledger.count("dedupe", d.reason)
        post.comments = [c for c in post.comments if c.id not in into]
        retree(post)
        if external:
            depth: dict[int, int] = {}
            for c in post.comments:  # pre-order: parents first
                p = c.parent_id
                c.depth = (depth[p] + 1 if p in depth else
                           external[p] + 1 if p in external else 1)
                depth[c.id] = c.depth
        return clusters

    # -- planning ---------------------------------------------------------------
    def _plan(self, post: Post) -> tuple[list[Cluster], "_Tree | None"]:
        """The clusters, and the parent links once they are merged.

        Merging moves replies, and two identical replies that were under two
        copies can become exact duplicates under the survivor (and removing
        copies can settle whose a name is); so the search runs again on what is
        left, on the merged tree, until it finds nothing. That makes the result
        idempotent: deduping the output finds nothing."""
        comments = post.comments
        live = {c.id: c for c in comments if c.status not in NOT_COMPARED}
        # _identity(c), inlined: one Python call less a comment
        ident = {cid: (_email_key(c.author_email), _name_key(c.author_name))
                 for cid, c in live.items()}
        items: dict[int, _Item] = {}
        tree: _Tree | None = None
        final: dict[int, Cluster] = {}
        keys = _assign(ident)
        changed: set[int] | None = None  # None: look at every group
        while True:
            groups: dict[tuple, list[int]] = defaultdict(list)
            for cid, c in live.items():
                k = keys[cid]
                if k is not None:
                    groups[(c.status, c.type, k)].append(cid)
            todo = []
            for ids in groups.values():
                # After a round only a group with a moved comment or a new
                # member can hold a new duplicate: the rest were settled.
                if len(ids) > 1 and (changed is None or not changed.isdisjoint(ids)):
                    todo.append([items[i] if i in items else items.setdefault(i, _Item(live[i]))
                                 for i in ids])
            if not todo:
                break
            if tree is None:
                tree = _Tree(comments)
            found: list[tuple[_Item, list[tuple[_Item, str, float]]]] = []
            for group in todo:
                found.extend(self._group_clusters(group, tree.parent))
            if not found:
                break
            changed = set()
            for s, drops in found:
                ids = [d.c.id for d, _, _ in drops]
                changed |= tree.merge(s.c.id, ids)
                cluster = final.setdefault(s.c.id, Cluster(s.c))
                for d, reason, sim in drops:
                    del live[d.c.id], ident[d.c.id]
                    earlier = final.pop(d.c.id, None)  # a survivor of an earlier round
                    if earlier is not None:
                        cluster.dropped.extend(earlier.dropped)
                    cluster.dropped.append(Dropped(d.c, reason, sim, None))
            old_keys, keys = keys, _assign(ident)
            changed |= {cid for cid, k in keys.items() if k != old_keys[cid]}
        clusters = sorted(final.values(), key=lambda cl: cl.survivor.sort_key)
        for cl in clusters:
            cl.dropped.sort(key=lambda d: d.comment.sort_key)
            for d in cl.dropped:
                d.seconds_apart = _apart(d.comment, cl.survivor)
        return clusters, tree

    def _group_clusters(self, group: list[_Item], parent: dict[int, int | None]
                        ) -> list[tuple[_Item, list[tuple[_Item, str, float]]]]:
        """Clusters among one person's comments on one post (one status, type)."""
        edges: dict[tuple[int, int], tuple[str, float]] = {}
        # Exact: same parent, same normalised text (a text is only normalised
        # when another comment of the group has its parent).
        siblings: dict[int | None, list[int]] = defaultdict(list)
        for i, it in enumerate(group):
            siblings[parent[it.c.id]].append(i)
        for same_parent in siblings.values():
            if len(same_parent) < 2:
                continue
            exact: dict[tuple[str, str], list[int]] = defaultdict(list)
            for i in same_parent:
                exact[group[i].exact_key].append(i)
            for members in exact.values():
                for a in range(len(members)):
                    for b in range(a + 1, len(members)):
                        edges[(members[a], members[b])] = ("exact", 1.0)
        # Resubmission: within the window, one text contained in the other.
        self._resubmissions(group, edges)
        if not edges:
            return []
        adj: dict[int, dict[int, tuple[str, float]]] = defaultdict(dict)
        for (i, j), e in edges.items():
            adj[i][j] = e
            adj[j][i] = e
        out = []
        seen: set[int] = set()
        for start in sorted(adj):
            if start in seen:
                continue
            comp = _component(start, adj, None)
            seen |= comp
            out.extend(self._peel(comp, adj, group))
        return out

    def _resubmissions(self, group: list[_Item], edges: dict) -> None:
        """Add resubmission edges. Only comments with another one of the
        person's inside the window are looked at; few of them are compared
        pair by pair, many through an index of their shingles (near-linear)."""
        window = self.window
        timed = sorted((i for i in range(len(group)) if group[i].when is not None),
                       key=lambda i: group[i].when)
        usable = [i for a, i in enumerate(timed)
                  if ((a + 1 < len(timed) and group[timed[a + 1]].when - group[i].when <= window)
                      or (a > 0 and group[i].when - group[timed[a - 1]].when <= window))
                  and group[i].words >= MIN_WORDS]
        if len(usable) < 2:
            return
        pairs = self._pairs_by_index if len(usable) > INDEX_FROM else self._pairs_in_window
        for i, j in pairs(group, usable):
            key = (i, j) if i < j else (j, i)
            if key in edges:
                continue
            x, y = group[i], group[j]
            sx, sy = x.shingles, y.shingles
            # "ha ha ha ha ha ha ha ha" has 8 words but one shingle: the
            # shorter text needs as many distinct shingles as 8 words give.
            if min(len(sx), len(sy)) < MIN_WORDS - SHINGLE + 1:
                continue
            sim = 1.0 if x.norm == y.norm else _ratio(sx, sy)
            if sim >= CONTAINMENT:
                edges[key] = ("resubmission", sim)

    def _pairs_in_window(self, group: list[_Item], usable: list[int]) -> Iterator[tuple[int, int]]:
        """Every pair inside the window (``usable`` is in time order)."""
        for a, i in enumerate(usable):
            when = group[i].when
            for j in usable[a + 1:]:
                if group[j].when - when > self.window:
                    break
                yield i, j

    def _pairs_by_index(self, group: list[_Item], usable: list[int]) -> Iterator[tuple[int, int]]:
        """The pairs inside the window that can reach 90% containment, found
        by prefix filtering: a text with k shingles sharing at least t of them
        with a longer one shares one of any k - t + 1 of them, so each text
        probes an index with just that many of its rarest shingles."""
        usable = [i for i in usable if len(group[i].shingles) >= MIN_WORDS - SHINGLE + 1]
        df: dict[str, int] = defaultdict(int)
        index: dict[str, list[int]] = defaultdict(list)
        for i in usable:
            for sh in group[i].shingles:
                df[sh] += 1
                index[sh].append(i)
        for i in usable:
            x = group[i]
            k = len(x.shingles)
            need = math.ceil(CONTAINMENT * k - 1e-9)
            seen = {i}
            # Any k - need + 1 of them will do; the rarest find the fewest candidates.
            for sh in heapq.nsmallest(k - need + 1, x.shingles, key=df.__getitem__):
                for j in index[sh]:
                    if j in seen:
                        continue
                    seen.add(j)
                    y = group[j]
                    ky = len(y.shingles)
                    if (ky > k or (ky == k and j > i)) and abs(y.when - x.when) <= self.window:
                        yield i, j  # each pair once, from its smaller side

    def _peel(self, comp: set[int], adj, group: list[_Item]):
        """One survivor per cluster, each dropped copy a direct duplicate of it.

        A component of the duplicate graph is not always one comment: a short
        text contained in two different long ones links them. So the survivor
        takes only its direct duplicates, and what is left is searched again.
        The survivors that come out have no duplicate among them."""
        out = []
        stack = [comp]
        while stack:
            comp = stack.pop()
            if len(comp) < 2:
                continue
            s = min(comp, key=lambda i: self._rank(group[i]))
            near = sorted(j for j in adj[s] if j in comp)
            out.append((group[s], [(group[j], *adj[s][j]) for j in near]))
            rest = comp - {s} - set(near)
            while rest:
                sub = _component(min(rest), adj, rest)
                rest -= sub
                stack.append(sub)
        return out

    def _rank(self, it: _Item) -> tuple:
        key = it.c.sort_key
        if self.keep == "longest":
            return (-len(it.norm), key)
        if self.keep == "first":
            return key
        when, cid = key
        return (-when.timestamp(), -cid)


def _component(start: int, adj, within: set[int] | None) -> set[int]:
    comp = {start}
    stack = [start]
    while stack:
        for j in adj[stack.pop()]:
            if j not in comp and (within is None or j in within):
                comp.add(j)
                stack.append(j)
    return comp


__all__ = ["Cluster", "Deduper", "Dropped", "normalise",
           "person_keys", "containment"]
