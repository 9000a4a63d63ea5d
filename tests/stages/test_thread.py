"""The thread stage alone: order, depth, orphans, cycles, filters."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings, strategies as st

from migrator.ledger import Ledger
from migrator.model import Comment, Post, nest, walk
from migrator.stages.thread import select, thread

T0 = datetime(2020, 1, 1, tzinfo=timezone.utc)


def mk(cid, parent=None, minutes=0, status="approved", type="comment"):
    return Comment(id=cid, post_id=1, parent_id=parent, date_gmt=T0 + timedelta(minutes=minutes),
                   status=status, type=type, source_file="t", source_line=cid)


def run(comments, orphans="reattach", statuses=("approved",), types=("comment",)):
    ledger = Ledger()
    post = Post(id=1, comments=list(comments))
    for c in post.comments:
        ledger.received(c)
    removed = select(post, ledger, statuses, types)
    thread(post, ledger, orphans, removed)
    for c in post.comments:
        ledger.written(c)
    ledger.flush()
    assert ledger.balanced()
    return post, ledger


def shape(post):
    return [(c.id, c.parent_id, c.depth) for c in post.comments]


def test_replies_before_parents_and_higher_parent_ids():
    post, _ = run([mk(5, parent=9, minutes=10), mk(9, minutes=5), mk(2, parent=9, minutes=7)])
    assert shape(post) == [(9, None, 1), (2, 9, 2), (5, 9, 2)]


def test_siblings_by_date_then_id():
    post, _ = run([mk(3, minutes=1), mk(2, minutes=1), mk(1, minutes=2)])
    assert [c.id for c in post.comments] == [2, 3, 1]


def test_chain_3000_deep_has_no_recursion_limit():
    chain = [mk(1)] + [mk(i, parent=i - 1, minutes=i) for i in range(2, 3001)]
    post, _ = run(reversed(chain))
    assert [c.depth for c in post.comments] == list(range(1, 3001))
    events = sum(1 for ev, _ in walk(nest(post.comments)) if ev == "enter")
    assert events == 3000


def test_reattach_to_nearest_surviving_ancestor_through_filtered_parents():
    post, ledger = run([mk(1), mk(2, parent=1, minutes=1, status="spam"),
                        mk(3, parent=2, minutes=2, status="pending"), mk(4, parent=3, minutes=3)])
    assert shape(post) == [(1, None, 1), (4, 1, 2)]
    c4 = post.comments[1]
    assert c4.original_parent_id == 3
    assert "re-attached to 1" in c4.notes[0] and "filtered" in c4.notes[0]
    assert ledger.totals() == {"input": 4, "written": 2, "filtered": 2, "merged": 0, "rejected": 0}


def test_missing_parent_goes_to_top_level_when_no_ancestor_survives():
    post, ledger = run([mk(4, parent=999)])
    assert shape(post) == [(4, None, 1)]
    assert "not in export" in post.comments[0].notes[0]
    assert ledger.stats["thread"]["orphans"] == 1


def test_root_policy_moves_orphans_to_top_level():
    post, _ = run([mk(1), mk(2, parent=1, minutes=1, status="spam"), mk(3, parent=2, minutes=2)],
                  orphans="root")
    assert shape(post) == [(1, None, 1), (3, None, 1)]


def test_drop_policy_drops_orphan_and_its_replies_and_ledgers_them():
    post, ledger = run([mk(1), mk(4, parent=999, minutes=1), mk(5, parent=4, minutes=2),
                        mk(6, parent=5, minutes=3)], orphans="drop")
    assert shape(post) == [(1, None, 1)]
    t = ledger.totals()
    assert t["filtered"] == 3 and t["written"] == 1
    reasons = {e.id: e.reason for e in ledger.entries()}
    assert "orphan dropped" in reasons[4] and "reply under dropped 4" in reasons[5]


def test_cycles_and_self_parents_are_broken_without_loss():
    post, ledger = run([mk(1, parent=3, minutes=5), mk(2, parent=1, minutes=1), mk(3, parent=2, minutes=9),
                        mk(7, parent=7, minutes=0)])
    assert sorted(c.id for c in post.comments) == [1, 2, 3, 7]
    by = {c.id: c for c in post.comments}
    assert by[2].parent_id is None  # the earliest of the cycle becomes top level
    assert (by[3].parent_id, by[1].parent_id) == (2, 3)
    assert by[7].parent_id is None and "own parent" in by[7].notes[0]
    assert ledger.stats["thread"]["cycles"] == 2


def test_filter_all_keeps_everything():
    post, _ = run([mk(1, type="pingback"), mk(2, status="trash")], statuses=None, types=None)
    assert len(post.comments) == 2


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 30), st.integers(0, 3)), min_size=1, max_size=30),
       st.sampled_from(["reattach", "root", "drop"]))
def test_any_parent_graph_gives_a_valid_forest(spec, orphans):
    statuses = ["approved", "approved", "spam", "pending"]
    comments = [mk(i + 1, parent=p or None, minutes=(i * 7) % 11, status=statuses[s])
                for i, (p, s) in enumerate(spec)]
    post, ledger = run(comments, orphans=orphans)
    ids = [c.id for c in post.comments]
    assert len(ids) == len(set(ids))
    pos = {cid: i for i, cid in enumerate(ids)}
    for c in post.comments:
        if c.parent_id is None:
            assert c.depth == 1
        else:  # parent present, earlier, one level up
            parent = post.comments[pos[c.parent_id]]
            assert pos[c.parent_id] < pos[c.id] and c.depth == parent.depth + 1
    t = ledger.totals()
    assert t["input"] == len(spec) == t["written"] + t["filtered"]
