"""Thread stage: filters, orphans, cycles, and the reply tree of one post.

Works on one post's comments whatever their order in the file: a reply may
come before its parent and a parent may have the higher id. Depth 1 is top
level; siblings are ordered by ``date_gmt`` then id. Nothing here recurses,
so a chain thousands deep is fine.
"""
from __future__ import annotations

from typing import Callable, Iterable

from ..ledger import Ledger
from ..model import Comment, Post

ORPHAN_POLICIES = ("reattach", "root", "drop")

#: ``known(site, id)`` -> (post_id, depth) of a comment already written by an
#: earlier part of this run (a post repeated across split exports), or None.
KnownLookup = Callable[[str, int], "tuple[int, int] | None"]


def select(post: Post, ledger: Ledger, statuses: Iterable[str] | None,
           types: Iterable[str] | None) -> dict[int, Comment]:
    """Apply the --status and --type filters.

    Filtered comments are ledgered and taken out of ``post.comments``; they
    are returned by id so the tree stage can re-attach their replies to the
    nearest surviving ancestor."""
    statuses = None if statuses is None else set(statuses)
    types = None if types is None else set(types)
    kept: list[Comment] = []
    removed: dict[int, Comment] = {}
    for c in post.comments:
        if statuses is not None and c.status not in statuses:
            ledger.filtered(c, f"status {c.status}")
        elif types is not None and c.type not in types:
            ledger.filtered(c, f"type {c.type}")
        else:
            kept.append(c)
            continue
        removed[c.id] = c
    post.comments = kept
    return removed


def thread(post: Post, ledger: Ledger, orphans: str = "reattach",
           removed: dict[int, Comment] | None = None,
           known: KnownLookup | None = None) -> Post:
    """Resolve parents and put ``post.comments`` in tree pre-order with depths."""
    if orphans not in ORPHAN_POLICIES:
        raise ValueError(f"orphans must be one of {ORPHAN_POLICIES}, not {orphans!r}")
    removed = removed or {}
    comments = post.comments
    by_id = {c.id: c for c in comments}
    external_depth: dict[int, int] = {}
    dropped: set[int] = set()

    # Only comments whose parent is missing are looked at (in date order).
    for c in sorted([c for c in comments if c.parent_id is not None and c.parent_id not in by_id],
                    key=_sort_key):
        p = c.parent_id
        # The parent is not among this post's surviving comments.
        if p not in removed and known is not None:
            hit = known(c.site, p)
            if hit is not None and hit[0] == c.post_id:
                external_depth[p] = hit[1]  # written earlier in this run
                continue
        reason, ancestor = _nearest_surviving(p, by_id, removed, dropped)
        if hit_other_post(known, c, p):
            reason = f"parent {p} is on another post"
        if orphans == "drop":
            dropped.add(c.id)
            continue
        c.original_parent_id = p
        if orphans == "reattach" and ancestor is not None:
            c.parent_id = ancestor
            msg = f"re-attached to {ancestor}: {reason}"
        else:
            c.parent_id = None
            msg = f"moved to top level: {reason}"
        c.notes.append(msg)
        ledger.note(c, msg)
        ledger.count("thread", "orphans")

    if dropped:
        _drop_orphans(comments, dropped, by_id, ledger)
        comments = [c for c in comments if c.id not in dropped]
        by_id = {c.id: c for c in comments}

    _break_cycles(comments, by_id, ledger)
    post.comments = _preorder(comments, by_id, external_depth)
    return post


def hit_other_post(known: KnownLookup | None, c: Comment, p: int) -> bool:
    if known is None:
        return False
    hit = known(c.site, p)
    return hit is not None and hit[0] != c.post_id


def _nearest_surviving(p: int, by_id: dict[int, Comment], removed: dict[int, Comment],
                       dropped: set[int]) -> tuple[str, int | None]:
    """Why ``p`` is missing, and the nearest ancestor of it that survives."""
    if p in removed:
        reason = f"parent {p} filtered ({_filter_word(removed[p])})"
    elif p in dropped:
        reason = f"parent {p} dropped"
    else:
        reason = f"parent {p} not in export"
    seen = {p}
    while p in removed:
        p = removed[p].parent_id
        if p is None or p in seen:
            return reason, None
        seen.add(p)
    return reason, (p if p in by_id and p not in dropped else None)


def _filter_word(c: Comment) -> str:
    return f"{c.status}" if c.status != "approved" else f"{c.type}"


def _drop_orphans(comments: list[Comment], dropped: set[int], by_id: dict[int, Comment],
                  ledger: Ledger) -> None:
    """--orphans drop: the orphan and every reply under it are filtered."""
    children: dict[int, list[Comment]] = {}
    for c in comments:
        if c.parent_id is not None:
            children.setdefault(c.parent_id, []).append(c)
    stack = list(dropped)
    for cid in stack:
        ledger.filtered(by_id[cid], f"orphan dropped (--orphans drop): parent {by_id[cid].parent_id} missing")
    seen = set(stack)
    while stack:
        for child in children.get(stack.pop(), ()):
            if child.id not in seen:
                seen.add(child.id)
                dropped.add(child.id)
                ledger.filtered(child, f"orphan dropped (--orphans drop): reply under dropped {child.parent_id}")
                stack.append(child.id)


def _break_cycles(comments: list[Comment], by_id: dict[int, Comment], ledger: Ledger) -> None:
    """Self-parents and parent cycles: the earliest comment of each cycle
    becomes top level. Nothing in a cycle is lost."""
    state: dict[int, int] = {}  # 1 = on current path, 2 = done
    for start in comments:
        if start.id in state:
            continue
        path: list[Comment] = []
        c: Comment | None = start
        while c is not None and c.id not in state:
            state[c.id] = 1
            path.append(c)
            c = by_id.get(c.parent_id) if c.parent_id is not None else None
        if c is not None and state.get(c.id) == 1:
            cycle = path[path.index(c):]
            first = min(cycle, key=lambda x: x.sort_key)
            first.original_parent_id = first.parent_id
            first.parent_id = None
            ids = ", ".join(str(x.id) for x in cycle)
            msg = f"moved to top level: parent cycle ({ids})" if len(cycle) > 1 else \
                "moved to top level: comment was its own parent"
            first.notes.append(msg)
            ledger.note(first, msg)
            ledger.count("thread", "cycles")
            ledger.problem(first.source_file, first.source_line,
                           f"post {first.post_id}: {msg}", kind="tree")
        for x in path:
            state[x.id] = 2


def _sort_key(c: Comment) -> tuple:
    return c.sort_key


def _preorder(comments: list[Comment], by_id: dict[int, Comment],
              external_depth: dict[int, int]) -> list[Comment]:
    children: dict[int | None, list[Comment]] = {}
    for c in comments:
        p = c.parent_id
        parent = p if (p in by_id or p in external_depth) else None
        group = children.get(parent)
        if group is None:
            children[parent] = [c]
        else:
            group.append(c)
    for group in children.values():
        if len(group) > 1:
            group.sort(key=_sort_key)
    out: list[Comment] = []
    roots = list(children.get(None, []))
    if external_depth:
        for ext, depth in external_depth.items():
            for c in children.get(ext, []):
                c.depth = depth + 1
                roots.append(c)
        stack = [(c, c.depth if c.parent_id in external_depth else 1) for c in reversed(sorted(
            roots, key=_sort_key))]
    else:  # the roots are one group, sorted above
        stack = [(c, 1) for c in reversed(roots)]
    while stack:
        c, depth = stack.pop()
        c.depth = depth
        out.append(c)
        replies = children.get(c.id)
        if replies:
            depth += 1
            stack.extend([(r, depth) for r in reversed(replies)])
    if len(out) != len(comments):  # pragma: no cover - guarded by tests
        raise AssertionError("thread stage lost comments")
    return out


def retree(post: Post) -> Post:
    """Recompute pre-order and depths after a stage changed parents (dedupe
    re-points replies to a survivor). Every parent must be present."""
    by_id = {c.id: c for c in post.comments}
    post.comments = _preorder(post.comments, by_id, {})
    return post
