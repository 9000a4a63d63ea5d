"""Properties of merging, over generated threads full of near-duplicates:
the ledger balances, nothing is orphaned or cycled, no reply is lost, a
cluster never holds two people, and deduping the output finds nothing."""
from __future__ import annotations

import copy
from datetime import datetime, timedelta, timezone

from hypothesis import HealthCheck, given, settings, strategies as st

from migrator.stages.dedupe import CONTAINMENT, Deduper, person_keys  # noqa: F401
from migrator.ledger import Ledger
from migrator.model import Comment, Post
from migrator.stages.thread import thread

T0 = datetime(2020, 5, 1, 8, 0, tzinfo=timezone.utc)
BASE = ("I saw Dr. Todd, my psychiatrist of 25 years, yesterday. It was the only the 2nd time "
        "I talked to him about him retiring.")
OTHER = "My therapist of fifteen years just told me she is moving away in two months."
SHORT = "I feel so lost, sad and confused about all of this"
#: Texts that are duplicates, resubmissions, containments of each other or not.
TEXTS = [
    BASE, BASE + " I just received a comment about something being duplicated.",
    "<p>" + BASE.replace("’", "&#8217;") + "</p>", BASE.upper(),
    OTHER, OTHER + " " + SHORT, SHORT, SHORT + " " + BASE,
    "Thank you!", "<p>Thank you!</p>", "thank   you!", "Thanks.",
    "",
]
#: (name, email): one name with two e-mails, a name without e-mail, nobody.
PEOPLE = [("Ann", "ann@example.com"), ("Ann", ""), ("ann ", "ANN@example.com"),
          ("Ann", "ann.other@example.com"), ("Bob", "bob@example.com"), ("Bob", ""),
          ("", ""), ("Cy", "ann@example.com")]
STATUSES = ["approved", "approved", "approved", "pending", "trash"]


@st.composite
def threads(draw):
    n = draw(st.integers(1, 24))
    comments = []
    for i in range(1, n + 1):
        name, email = draw(st.sampled_from(PEOPLE))
        # Any parent: none, earlier, later, itself, missing -- thread() sorts it out.
        parent = draw(st.none() | st.integers(1, n + 2))
        minutes = draw(st.none() | st.integers(0, 3 * 24 * 60))
        comments.append(Comment(
            id=i, post_id=1, parent_id=parent, author_name=name, author_email=email,
            date_gmt=None if minutes is None else T0 + timedelta(minutes=minutes),
            content=draw(st.sampled_from(TEXTS)), status=draw(st.sampled_from(STATUSES)),
            type=draw(st.sampled_from(["comment", "comment", "pingback"])),
            source_file="gen.xml", source_line=i))
    keep = draw(st.sampled_from(["longest", "first", "last"]))
    hours = draw(st.sampled_from([1, 24, 48]))
    return comments, Deduper(window=timedelta(hours=hours), keep=keep)


VARIANTS = [lambda t: t, lambda t: "<p>" + t + "</p>", lambda t: t + " Sorry, it said duplicate.",
            lambda t: t.replace(" ", "  ").upper()]


@st.composite
def copied_threads(draw):
    """A thread whose comments were posted twice or thrice (same parent, or as
    a reply to the first copy), with replies spread over the copies -- often
    the same short reply by the same person under two copies."""
    comments: list[Comment] = []

    def add(name, email, parent, minutes, text):
        cid = len(comments) + 1
        comments.append(Comment(
            id=cid, post_id=1, parent_id=parent, author_name=name, author_email=email,
            date_gmt=None if minutes is None else T0 + timedelta(minutes=minutes),
            content=text, source_file="gen.xml", source_line=cid))
        return comments[-1]

    for _ in range(draw(st.integers(1, 6))):
        name, email = draw(st.sampled_from(PEOPLE))
        parent = draw(st.none() | st.sampled_from([c.id for c in comments])) if comments else None
        minutes = draw(st.integers(0, 2 * 24 * 60))
        original = add(name, email, parent, minutes, draw(st.sampled_from(TEXTS[:8])))
        for _ in range(draw(st.integers(0, 2))):
            under = draw(st.sampled_from([parent, original.id]))
            later = minutes + draw(st.integers(0, 120))
            add(name, email, under, later, draw(st.sampled_from(VARIANTS))(original.content))
    for _ in range(draw(st.integers(0, 10))):
        name, email = draw(st.sampled_from(PEOPLE[:3]))
        add(name, email, draw(st.sampled_from([c.id for c in comments])),
            draw(st.none() | st.integers(0, 3 * 24 * 60)),
            draw(st.sampled_from(["Thank you!", "<p>Thank you!</p>", SHORT, BASE])))
    keep = draw(st.sampled_from(["longest", "first", "last"]))
    return comments, Deduper(window=timedelta(hours=draw(st.sampled_from([1, 24]))), keep=keep)


CASES = st.one_of(threads(), copied_threads())


def threaded(comments):
    post = Post(id=1, comments=copy.deepcopy(comments))
    ledger = Ledger()
    for c in post.comments:
        ledger.received(c)
    thread(post, ledger, "root")
    return post, ledger


def check_tree(post):
    """Pre-order, no orphan, no cycle, depths right."""
    depth = {}
    for c in post.comments:
        assert c.parent_id is None or c.parent_id in depth, f"{c.id} orphaned or out of order"
        c_depth = 1 if c.parent_id is None else depth[c.parent_id] + 1
        assert c.depth == c_depth
        depth[c.id] = c.depth
    assert len(depth) == len(post.comments)


PROPS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPS
@given(CASES)
def test_merging_accounts_for_every_comment_and_keeps_the_tree(case):
    comments, deduper = case
    post, ledger = threaded(comments)
    before = {c.id: c for c in post.comments}
    clusters = deduper.apply(post, ledger)
    after = {c.id for c in post.comments}
    dropped = {d.comment.id for cl in clusters for d in cl.dropped}
    # No reply lost: exactly the dropped copies left.
    assert after == set(before) - dropped
    assert not dropped & {cl.survivor.id for cl in clusters}
    check_tree(post)
    for c in post.comments:
        ledger.written(c)
    ledger.flush()
    assert ledger.balanced()
    t = ledger.totals()
    assert t["input"] == len(comments)
    assert t["merged"] == len(dropped)
    assert t["written"] + t["filtered"] + t["merged"] + t["rejected"] == len(comments)
    for e in ledger.entries():
        if e.fate == "merged":
            assert e.into in after  # merged into a comment that is written


@PROPS
@given(CASES)
def test_clusters_hold_one_person_and_real_duplicates(case):
    comments, deduper = case
    post, _ = threaded(comments)
    keys = person_keys(post.comments)
    for cl in deduper.clusters(post):
        s = cl.survivor
        assert len(cl.dropped) >= 1
        emails = {c.author_email.strip().casefold()
                  for c in [s] + [d.comment for d in cl.dropped]} - {""}
        assert len(emails) <= 1, "a cluster holds two people"
        for d in cl.dropped:
            c = d.comment
            assert keys[c.id] is not None
            assert (c.status, c.type) == (s.status, s.type)
            assert c.status not in ("trash", "post-trashed")
            assert d.reason in ("exact", "resubmission")
            assert d.similarity >= CONTAINMENT


@PROPS
@given(CASES)
def test_dedupe_is_idempotent_and_clusters_is_pure(case):
    comments, deduper = case
    post, ledger = threaded(comments)
    snapshot = copy.deepcopy(post)
    planned = deduper.clusters(post)
    assert post == snapshot  # clusters() changed nothing
    applied = deduper.apply(post, ledger)
    assert [(cl.survivor.id, [d.comment.id for d in cl.dropped]) for cl in planned] == \
        [(cl.survivor.id, [d.comment.id for d in cl.dropped]) for cl in applied]
    # The output, as is and as a re-read would thread it, has no duplicates left.
    assert deduper.clusters(post) == []
    again, _ = threaded(post.comments)
    assert deduper.clusters(again) == []
    assert deduper.apply(again, Ledger()) == []


def _summary(clusters):
    return [(cl.survivor.id, [(d.comment.id, d.reason, round(d.similarity, 9))
                              for d in cl.dropped]) for cl in clusters]


@PROPS
@given(CASES)
def test_shingle_index_finds_what_pair_by_pair_finds(case):
    # Many comments by one person inside the window go through the shingle
    # index (prefix filtering); it must find exactly the pairs that comparing
    # every pair finds.
    import migrator.stages.dedupe as dedupe

    comments, deduper = case
    post, _ = threaded(comments)
    saved = dedupe.INDEX_FROM
    try:
        dedupe.INDEX_FROM = 10 ** 9
        pairwise = _summary(deduper.clusters(post))
        dedupe.INDEX_FROM = 0
        indexed = _summary(deduper.clusters(post))
    finally:
        dedupe.INDEX_FROM = saved
    assert indexed == pairwise
