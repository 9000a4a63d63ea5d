"""The dedupe stage: what counts as a duplicate, what merging does, the
`dedupe` verb, and the reference thread (the "Dr. Todd" resubmission)."""
from __future__ import annotations

import copy
import json
import os
import re
from datetime import datetime, timedelta, timezone

import pytest
from click.testing import CliRunner

from migrator.review import format_clusters, review
from migrator.stages.dedupe import Cluster, Deduper, containment, normalise
from migrator.ledger import Ledger
from migrator.model import Comment, Post
from migrator.pipeline import Options, Pipeline
from migrator.stages.thread import thread
from wxr_builder import C, P, write
from paths import FIXTURES

T0 = datetime(2019, 4, 10, 12, 0, tzinfo=timezone.utc)
SEED = os.path.join(FIXTURES, "therapy-blog-thread.txt")  # [H] 12: in the repository

TODD = ("I saw Dr. Todd, my psychiatrist of 25 years, yesterday. It was the only the 2nd time "
        "I talked to him about him retiring. I think that I felt I needed to do it because May "
        "1st is coming quickly, and I feel so lost, sad and confused.")
TODD_AGAIN = TODD + (" I just received a comment about something being duplicated. "
                     "I don’t understand what that means.")
LONG_A = ("My therapist of fifteen years just told me she is moving away in two months and I "
          "feel a brutal shock, shame and loss all at once.")
LONG_B = ("Thank you for this post. I have my last session next week and I am not ready at all, "
          "I feel angry and abandoned by him.")


def mk(cid, parent=None, minutes=0.0, name="Peggy", email="peggy@example.com", text="Hello.",
       status="approved", type="comment"):
    return Comment(id=cid, post_id=1, parent_id=parent, author_name=name, author_email=email,
                   date_gmt=T0 + timedelta(minutes=minutes), content=text, status=status,
                   type=type, source_file="t.xml", source_line=cid)


def threaded(comments):
    post = Post(id=1, title="Saying good bye", comments=list(comments))
    ledger = Ledger()
    for c in post.comments:
        ledger.received(c)
    thread(post, ledger)
    return post, ledger


def dedupe(comments, **kw):
    """Thread, dedupe, write the rest: returns (post, ledger, clusters)."""
    post, ledger = threaded(comments)
    clusters = Deduper(**kw).apply(post, ledger)
    for c in post.comments:
        ledger.written(c)
    ledger.flush()
    assert ledger.balanced()
    return post, ledger, clusters


def shape(post):
    return [(c.id, c.parent_id, c.depth) for c in post.comments]


def merged_entries(ledger):
    return {e.id: e for e in ledger.entries() if e.fate == "merged"}


# -- normalise -------------------------------------------------------------------

@pytest.mark.parametrize("raw, want", [
    ("<p>Thank   you!</p>", "thank you!"),
    ("I&#8217;m fine &amp; you?", "i'm fine & you?"),
    ("I’m “quoted” — and ‘single’ – ok", "i'm \"quoted\" - and 'single' - ok"),
    ("<p>one</p><p>two</p>", "one two"),
    ("line one<br/>line two", "line one line two"),
    ("<strong>bo</strong>ld <a href=\"x\">link</a>", "bold x link"),  # [H] 7: a link target is text
    ("ﬁne ＦＵＬＬ", "fine full"),  # NFKC: ligature and full-width letters
    ("STRASSE Straße", "strasse strasse"),  # casefold, not lower
    ("soft\u00adhyphen zero\u200bwidth", "softhyphen zerowidth"),
    ("  tabs\tand\n\nnewlines\u00a0nbsp ", "tabs and newlines nbsp"),
    ("a < b and c > d", "a < b and c > d"),  # not a tag: kept
    ("&lt;b&gt; is literal", "<b> is literal"),  # escaped text is not a tag
    ("", ""),
])
def test_normalise(raw, want):
    assert normalise(raw) == want


def test_normalise_makes_wordpress_variants_equal():
    a = "<p>I don’t understand what that means.</p>"
    b = "I don&#8217;t   understand what that MEANS."
    assert normalise(a) == normalise(b)


def test_containment_of_a_resubmission():
    assert containment(TODD, TODD_AGAIN) == 1.0
    assert containment(TODD_AGAIN, TODD) == 1.0  # symmetric: the shorter decides
    assert containment(LONG_A, LONG_B) < 0.2
    assert containment("", TODD) == 0.0


# -- what counts as a duplicate -----------------------------------------------------

def test_exact_double_post_is_one_cluster():
    post, ledger, clusters = dedupe([
        mk(1, name="JS", email="js@example.com", text="Post body reply"),
        mk(2, parent=1, minutes=1, text="<p>Thank you!</p>"),
        mk(3, parent=1, minutes=1.05, text="Thank you!"),
    ])
    assert [c.id for c in post.comments] == [1, 2]
    [cl] = clusters
    assert cl.survivor.id == 2
    assert [(d.comment.id, d.reason, d.similarity, d.seconds_apart) for d in cl.dropped] == \
        [(3, "exact", 1.0, 3.0)]
    e = merged_entries(ledger)[3]
    assert (e.into, e.reason, e.similarity) == (2, "exact", 1.0)
    assert ledger.stats["dedupe"]["clusters"] == 1
    assert ledger.stats["dedupe"]["exact"] == 1


def test_exact_needs_the_same_parent():
    # A short "Thank you!" to two different people is two comments.
    _, _, clusters = dedupe([
        mk(1, name="A", email="a@x"), mk(2, name="B", email="b@x", minutes=1),
        mk(3, parent=1, minutes=2, text="Thank you!"),
        mk(4, parent=2, minutes=3, text="Thank you!"),
    ])
    assert clusters == []


def test_exact_has_no_window_but_resubmission_does():
    far = 60 * 24 * 30
    _, _, clusters = dedupe([mk(1, text="Thank you!"), mk(2, minutes=far, text="Thank you!")])
    assert [(cl.survivor.id, cl.dropped[0].reason) for cl in clusters] == [(1, "exact")]
    _, _, clusters = dedupe([mk(1, text=TODD), mk(2, minutes=far, text=TODD_AGAIN)])
    assert clusters == []


def test_resubmission_with_a_sentence_added():
    post, ledger, clusters = dedupe([
        mk(1, name="JS", email="js@example.com", text="Share with another human being. JS"),
        mk(2, parent=1, minutes=5, text=TODD),
        mk(3, parent=1, minutes=9, text=TODD_AGAIN),
    ])
    [cl] = clusters
    assert cl.survivor.id == 3 and cl.survivor.content == TODD_AGAIN  # as submitted
    [d] = cl.dropped
    assert (d.comment.id, d.reason, d.similarity, d.seconds_apart) == (2, "resubmission", 1.0, 240.0)
    assert [c.id for c in post.comments] == [1, 3]
    assert merged_entries(ledger)[2].reason == "resubmission"


def test_resubmission_window_is_configurable():
    comments = [mk(1, text=TODD), mk(2, minutes=180, text=TODD_AGAIN)]
    assert len(dedupe(copy.deepcopy(comments))[2]) == 1
    assert dedupe(copy.deepcopy(comments), window=timedelta(hours=2))[2] == []


def test_resubmission_needs_eight_words_in_the_shorter():
    seven = "one two three four five six seven"
    eight = seven + " eight"
    assert dedupe([mk(1, text=seven), mk(2, minutes=1, parent=None, text=seven + " and more words")],
                  )[2] == []
    [cl] = dedupe([mk(1, text=eight), mk(2, minutes=1, text=eight + " and more words")])[2]
    assert cl.dropped[0].reason == "resubmission"


def test_resubmission_threshold_is_ninety_percent():
    words = [f"w{i}" for i in range(42)]  # 40 shingles
    base = " ".join(words)
    one_change = " ".join(words[:20] + ["X"] + words[21:]) + " tail"  # 3 of 40 shingles lost
    two_changes = " ".join(words[:10] + ["X"] + words[11:30] + ["Y"] + words[31:])  # 6 of 40
    assert len(dedupe([mk(1, text=base), mk(2, minutes=1, text=one_change)])[2]) == 1
    assert dedupe([mk(1, text=base), mk(2, minutes=1, text=two_changes)])[2] == []


def test_repetitive_text_is_not_a_resubmission_of_anything():
    laugh = "ha ha ha ha ha ha ha ha ha"
    assert dedupe([mk(1, text=laugh), mk(2, minutes=1, text="ha ha ha that was " + LONG_A)])[2] == []


def test_two_different_comments_by_one_person_are_kept():
    _, _, clusters = dedupe([mk(1, text=LONG_A), mk(2, minutes=5, text=LONG_B),
                             mk(3, minutes=6, text=TODD)])
    assert clusters == []


def test_same_text_by_different_people_is_never_merged():
    _, _, clusters = dedupe([
        mk(1, name="JS", email="js@x"),
        mk(2, parent=1, minutes=1, name="Ann", email="ann@x", text="Thank you!"),
        mk(3, parent=1, minutes=2, name="Bob", email="bob@x", text="Thank you!"),
        mk(4, parent=1, minutes=3, name="Cy", email="", text="Thank you!"),
        mk(5, parent=1, minutes=4, name="Di", email="ann2@x", text=TODD),
        mk(6, parent=1, minutes=5, name="Ed", email="ed@x", text=TODD_AGAIN),
    ])
    assert clusters == []


def test_same_email_with_another_name_is_the_same_person():
    [cl] = dedupe([mk(1, name="Peggy", email="Peggy@Example.com ", text=TODD),
                   mk(2, minutes=3, name="Peggy S.", email="peggy@example.com", text=TODD_AGAIN)])[2]
    assert cl.survivor.id == 2


def test_same_name_with_two_emails_is_two_people():
    assert dedupe([mk(1, name="Peggy", email="p1@x", text=TODD),
                   mk(2, minutes=3, name="Peggy", email="p2@x", text=TODD_AGAIN)])[2] == []


def test_name_decides_when_one_has_no_email():
    [cl] = dedupe([mk(1, name="Peggy  B", email="p1@x", text=TODD),
                   mk(2, minutes=3, name="peggy b", email="", text=TODD_AGAIN)])[2]
    assert cl.survivor.id == 2
    assert dedupe([mk(1, name="Peggy", email="", text=TODD),
                   mk(2, minutes=3, name="Peg", email="", text=TODD_AGAIN)])[2] == []


def test_no_name_and_no_email_is_nobody():
    assert dedupe([mk(1, name="", email="", text="Thank you!"),
                   mk(2, minutes=1, name=" ", email="", text="Thank you!")])[2] == []


def test_a_name_used_with_two_emails_is_nobody_in_particular():
    # 1 has no e-mail and the name Sam belongs to two people here: it could be
    # either, so it is merged with neither (and 2 and 3 are two people).
    _, _, clusters = dedupe([
        mk(1, name="Sam", email="", minutes=0, text=TODD_AGAIN),
        mk(2, name="Sam", email="sam1@x", minutes=1, text=TODD_AGAIN),
        mk(3, name="Sam", email="sam2@x", minutes=2, text=TODD_AGAIN),
    ])
    assert clusters == []


def test_person_keys():
    from migrator.stages.dedupe import person_keys

    keys = person_keys([
        mk(1, name="Peggy", email="P@x "), mk(2, name=" peggy ", email=""),
        mk(3, name="Sam", email="s1@x"), mk(4, name="Sam", email="s2@x"), mk(5, name="SAM", email=""),
        mk(6, name="Lone", email=""), mk(7, name="", email=""), mk(8, name="", email="e@x"),
    ])
    assert keys == {1: ("e", "p@x"), 2: ("e", "p@x"), 3: ("e", "s1@x"), 4: ("e", "s2@x"),
                    5: ("n", "sam"), 6: ("n", "lone"), 7: None, 8: ("e", "e@x")}


def test_trash_and_other_statuses_are_not_compared():
    post, ledger = threaded([mk(1, text="Thank you!"), mk(2, minutes=1, text="Thank you!",
                                                          status="trash")])
    assert Deduper().clusters(post) == []
    post, ledger = threaded([mk(1, text="Thank you!"), mk(2, minutes=1, text="Thank you!",
                                                          status="pending")])
    assert Deduper().clusters(post) == []


def test_a_prolific_commenter_is_compared_through_the_index():
    # 300 different comments by one person within a day (more than INDEX_FROM),
    # one of them resubmitted: found, and nothing else merged.
    import random

    from migrator.stages import dedupe as dd

    rnd = random.Random(5)
    vocab = [f"word{i}" for i in range(400)]
    texts = [" ".join(rnd.choices(vocab, k=30)) for _ in range(300)]
    comments = [mk(i + 1, minutes=i, name="JS", email="js@x", text=t) for i, t in enumerate(texts)]
    comments.append(mk(1000, minutes=400, name="JS", email="js@x", text=texts[150] + " Sorry, again."))
    assert len(comments) > dd.INDEX_FROM
    _, ledger, clusters = dedupe(comments)
    assert [(cl.survivor.id, [d.comment.id for d in cl.dropped]) for cl in clusters] == [(1000, [151])]


def test_a_short_text_inside_two_long_ones_does_not_join_them():
    short = "I feel so lost, sad and confused about all of this"
    _, ledger, clusters = dedupe([
        mk(1, minutes=0, text=LONG_A + " " + short),
        mk(2, minutes=5, text=short),
        mk(3, minutes=10, text=LONG_B + " " + short),
    ])
    [cl] = clusters
    assert [d.comment.id for d in cl.dropped] == [2]
    assert set(merged_entries(ledger)) == {2}


# -- which copy survives ---------------------------------------------------------

@pytest.mark.parametrize("keep, survivor", [("longest", 2), ("first", 1), ("last", 3)])
def test_keep_policies(keep, survivor):
    [cl] = dedupe([mk(1, minutes=0, text=TODD), mk(2, minutes=2, text=TODD_AGAIN),
                   mk(3, minutes=4, text=TODD + " Sorry.")], keep=keep)[2]
    assert cl.survivor.id == survivor
    assert sorted(d.comment.id for d in cl.dropped) == sorted({1, 2, 3} - {survivor})


def test_longest_tie_keeps_the_earliest():
    [cl] = dedupe([mk(7, minutes=3, text="Thank you!"), mk(5, minutes=1, text="Thank  you!"),
                   mk(6, minutes=2, text="<b>Thank</b> you!")])[2]
    assert cl.survivor.id == 5


def test_bad_keep_policy_is_refused():
    with pytest.raises(ValueError):
        Deduper(keep="newest")


# -- what merging does to the tree ------------------------------------------------

def test_replies_to_a_dropped_copy_move_to_the_survivor():
    post, ledger, _ = dedupe([
        mk(1, name="JS", email="js@x", text="root"),
        mk(2, parent=1, minutes=5, text=TODD),
        mk(3, parent=1, minutes=9, text=TODD_AGAIN),
        mk(4, parent=2, minutes=20, name="Bob", email="bob@x", text="Reply to the first copy"),
        mk(5, parent=4, minutes=30, name="Cy", email="cy@x", text="Reply to Bob"),
        mk(6, parent=3, minutes=15, name="Di", email="di@x", text="Reply to the second copy"),
    ])
    assert shape(post) == [(1, None, 1), (3, 1, 2), (6, 3, 3), (4, 3, 3), (5, 4, 4)]
    bob = post.comments[3]
    assert bob.original_parent_id == 2
    assert bob.notes == ["re-pointed to 3: parent 2 merged as a duplicate"]
    notes = {e.id: e.notes for e in ledger.entries()}
    assert notes[4] == ["re-pointed to 3: parent 2 merged as a duplicate"]
    assert ledger.stats["dedupe"]["replies re-pointed"] == 1


def test_survivor_that_replied_to_its_own_copy_takes_the_copy_place():
    # People click "Reply" under their first copy and post the longer one.
    post, _, _ = dedupe([
        mk(1, name="JS", email="js@x", text="root"),
        mk(2, parent=1, minutes=5, text=TODD),
        mk(3, parent=2, minutes=9, text=TODD_AGAIN),
        mk(4, parent=2, minutes=20, name="Bob", email="bob@x", text="Reply to the first copy"),
        mk(5, parent=3, minutes=25, name="Cy", email="cy@x", text="Reply to the second"),
    ])
    assert shape(post) == [(1, None, 1), (3, 1, 2), (4, 3, 3), (5, 3, 3)]
    assert "was under its own duplicate copy" in post.comments[1].notes[0]


def test_survivor_deep_under_its_copy_makes_no_cycle():
    # 2 (dropped) <- 4 (Bob) <- 3 (survivor): 4 must not end up under 3 under 4.
    post, _, _ = dedupe([
        mk(2, minutes=0, text=TODD),
        mk(4, parent=2, minutes=2, name="Bob", email="bob@x", text="What do you mean?"),
        mk(3, parent=4, minutes=4, text=TODD_AGAIN),
    ])
    assert shape(post) == [(3, None, 1), (4, 3, 2)]


def test_top_level_copies_keep_replies_under_the_survivor_with_first():
    post, _, _ = dedupe([
        mk(1, minutes=0, text=TODD), mk(2, minutes=1, text=TODD_AGAIN),
        mk(3, parent=2, minutes=5, name="Bob", email="bob@x", text="Welcome"),
    ], keep="first")
    assert shape(post) == [(1, None, 1), (3, 1, 2)]


def test_identical_replies_under_two_copies_merge_too():
    # Ann thanked both copies; once they are one comment her two replies are
    # WordPress duplicates as well: found in the same run, so a second run
    # finds nothing.
    post, ledger, clusters = dedupe([
        mk(1, minutes=0, text=TODD), mk(2, minutes=4, text=TODD_AGAIN),
        mk(3, parent=1, minutes=30, name="Ann", email="ann@x", text="Thank you!"),
        mk(4, parent=2, minutes=31, name="Ann", email="ann@x", text="Thank you!"),
    ])
    assert shape(post) == [(2, None, 1), (3, 2, 2)]
    assert {(cl.survivor.id, tuple(d.comment.id for d in cl.dropped)) for cl in clusters} == \
        {(2, (1,)), (3, (4,))}
    assert Deduper().clusters(post) == []


def test_survivor_dropped_in_a_later_round_takes_its_cluster_along():
    # Round 1: 4 merges into 3 (same parent 2, exact) is impossible, 3 and 4
    # have different parents; round 2 after 1 -> 2 they share parent 2.
    post, ledger, clusters = dedupe([
        mk(1, minutes=0, text=TODD), mk(2, minutes=4, text=TODD_AGAIN),
        mk(3, parent=1, minutes=30, name="Ann", email="ann@x", text="Thank you!"),
        mk(5, parent=1, minutes=30.5, name="Ann", email="ann@x", text="Thank you!"),
        mk(4, parent=2, minutes=29, name="Ann", email="ann@x", text="Thank you!"),
    ])
    merged = merged_entries(ledger)
    assert {k: v.into for k, v in merged.items()} == {1: 2, 3: 4, 5: 4}
    assert [c.id for c in post.comments] == [2, 4]
    [ann] = [cl for cl in clusters if cl.survivor.id == 4]
    assert sorted(d.comment.id for d in ann.dropped) == [3, 5]


def test_clusters_changes_nothing():
    post, _ = threaded([mk(1, text=TODD), mk(2, minutes=4, text=TODD_AGAIN),
                        mk(3, parent=1, minutes=5, name="Bob", email="bob@x")])
    before = copy.deepcopy(post)
    assert len(Deduper().clusters(post)) == 1
    assert post == before


def test_depth_of_replies_to_a_comment_from_an_earlier_file_is_kept():
    # Comment 50 was written from an earlier file; here its subtree continues.
    comments = [mk(2, parent=50, minutes=0, text=TODD), mk(3, parent=50, minutes=3, text=TODD_AGAIN),
                mk(4, parent=2, minutes=9, name="Bob", email="bob@x")]
    post = Post(id=1, comments=comments)
    ledger = Ledger()
    for c in comments:
        ledger.received(c)
    thread(post, ledger, known=lambda site, cid: (1, 3) if cid == 50 else None)
    assert shape(post) == [(2, 50, 4), (4, 2, 5), (3, 50, 4)]
    Deduper().apply(post, ledger)
    assert shape(post) == [(3, 50, 4), (4, 3, 5)]


def test_cluster_as_dict():
    _, _, [cl] = dedupe([mk(1, text=TODD), mk(2, minutes=4, text=TODD_AGAIN)])
    assert cl.as_dict() == {
        "post_id": 1,
        "survivor": {"id": 2, "author": "Peggy", "date": "2019-04-10T12:04:00+00:00"},
        "dropped": [{"id": 1, "reason": "resubmission", "similarity": 1.0, "seconds_apart": 240.0}],
    }


# -- the reference thread (from the seed text, built in code) ------------------------

#: Who wrote which bullet of the seed thread (index in document order).
JS_BULLETS = {7, 9, 14, 21, 26, 30, 33, 37, 40, 47}
PEGGY_BULLETS = {6, 25, 27, 28, 29}
PLANTED_OF = 13  # Snow's comment: posted twice (double click), JS replied to the 2nd copy


def reference_thread() -> list[C]:
    """The therapy thread as WXR comments: indentation gives the parents."""
    bullets: list[tuple[int, list[str]]] = []
    with open(SEED, encoding="utf-8") as fh:
        for line in fh.read().split("\n"):
            m = re.match(r"^( *)• (.*)$", line)
            if m:
                bullets.append((len(m.group(1)) // 2, [m.group(2)]))
            elif bullets and line.strip():
                bullets[-1][1].append(line.strip())
    comments: list[C] = []
    stack: list[int] = []  # ids of the open ancestors, by depth
    t = datetime(2016, 3, 1, 9, 0)
    for i, (depth, lines) in enumerate(bullets):
        cid = 100 + i
        del stack[depth - 1:]
        parent = stack[-1] if stack else 0
        stack.append(cid)
        if i in JS_BULLETS:
            who, email = "Jeffery Smith", "js@example.org"
        elif i in PEGGY_BULLETS:
            who, email = "Peggy", "peggy@example.net"
        else:
            who, email = f"Reader {i}", f"reader{i}@example.net"
        t += timedelta(minutes=4) if i == 28 else timedelta(hours=3)
        comments.append(C(id=cid, parent=parent, author=who, email=email,
                          date=t.strftime("%Y-%m-%d %H:%M:%S"), content="\n".join(lines)))
    return comments


@pytest.fixture
def reference_wxr(tmp_path):
    comments = reference_thread()
    snow = comments[PLANTED_OF]
    planted = copy.deepcopy(snow)
    planted.id = 900
    planted.content = snow.content.replace("’", "&#8217;")  # same text as WordPress stored it
    planted.date = (datetime.fromisoformat(snow.date) + timedelta(seconds=2)).isoformat(" ")
    reply = next(c for c in comments if c.parent == snow.id)  # "Dear Snow" (JS)
    reply.parent = 900
    comments.insert(PLANTED_OF + 1, planted)
    return write(tmp_path, [P(id=7, title="Attachment to Your Therapist: Saying Good Bye",
                              comments=comments)], name="therapy.xml")


def test_reference_thread_text_has_the_resubmission():
    comments = reference_thread()
    first, second = comments[27], comments[28]
    assert first.content.startswith("I saw Dr. Todd") and second.content.startswith("I saw Dr. Todd")
    assert second.content.endswith("I don’t understand what that means.")


def test_reference_thread_merges_the_pair_and_the_double_post_only(reference_wxr):
    ledger = Pipeline([reference_wxr], Options(dry_run=True)).run([])
    assert ledger.balanced()
    t = ledger.totals()
    assert (t["input"], t["merged"], t["written"]) == (51, 2, 49)
    merged = merged_entries(ledger)
    assert {k: (v.into, v.reason) for k, v in merged.items()} == {
        127: (128, "resubmission"), 900: (113, "exact")}
    assert merged[127].similarity == 1.0


def test_reference_thread_replies_end_up_under_the_survivor(reference_wxr):
    p = Pipeline([reference_wxr], Options())
    [(_, post)] = list(p.posts())
    by_id = {c.id: c for c in post.comments}
    dear_snow = by_id[114]
    assert dear_snow.content.startswith("Dear Snow")
    assert (dear_snow.parent_id, dear_snow.depth, dear_snow.original_parent_id) == (113, 2, 900)
    assert by_id[128].parent_id == 126 and by_id[128].depth == 3
    assert 127 not in by_id and 900 not in by_id
    # nothing orphaned, pre-order intact
    seen = set()
    for c in post.comments:
        assert c.parent_id is None or c.parent_id in seen
        seen.add(c.id)
    p.settle(post)
    assert p.ledger.balanced()


def test_reference_thread_other_jeffery_and_peggy_comments_stay(reference_wxr):
    found = [cl for _, cls in review([reference_wxr], Options()) for cl in cls]
    kept_people = {cl.survivor.author_name for cl in found}
    assert kept_people == {"Peggy", "Reader 13"}
    assert len(found) == 2


# -- the reference thread exported by a real WordPress (fixtures/therapy-thread.*) ----------

@pytest.fixture
def therapy(fixtures_dir):
    with open(os.path.join(fixtures_dir, "therapy-thread.manifest.json"), encoding="utf-8") as fh:
        manifest = json.load(fh)
    return os.path.join(fixtures_dir, "therapy-thread.wxr"), manifest


def _found(path, **options):
    return {cl.survivor.id: [(d.comment.id, d.reason) for d in cl.dropped]
            for _, cls in review([path], Options(**options)) for cl in cls}


def test_wordpress_export_has_exactly_the_resubmission_and_the_double_post(therapy):
    path, m = therapy
    first, again = m["resubmission"]
    original, copy_ = m["exact_double"]
    want = {again: [(first, "resubmission")], original: [(copy_, "exact")]}
    assert _found(path) == want
    # Nothing else either, with every status and type in (pending, trash, pingback).
    assert _found(path, statuses=None, types=None) == want


def test_wordpress_export_resubmission_is_the_dr_todd_comment(therapy):
    path, m = therapy
    first, again = m["resubmission"]
    [(post, clusters)] = [(p, c) for p, c in review([path], Options()) if c]
    [cl] = [cl for cl in clusters if cl.survivor.id == again]
    assert cl.survivor.content.startswith("I saw Dr. Todd")
    assert "something being duplicated" in cl.survivor.content
    d = cl.dropped[0]
    assert d.similarity == 1.0 and 0 < d.seconds_apart < 24 * 3600


def test_wordpress_export_convert_merges_two_and_keeps_the_rest(therapy):
    path, m = therapy
    p = Pipeline([path], Options())
    posts = {}
    for _, post in p.posts():
        posts[post.id] = post
        p.settle(post)
    ledger = p.ledger
    assert ledger.balanced()
    merged = merged_entries(ledger)
    first, again = m["resubmission"]
    original, copy_ = m["exact_double"]
    assert {k: (v.into, v.reason) for k, v in merged.items()} == {
        first: (again, "resubmission"), copy_: (original, "exact")}
    main = posts[m["main_post"]["id"]]
    ids = {c.id for c in main.comments}
    # Peggy's other comments and every one of the blog author's stay.
    peggy = next(x for x in m["commenters"] if x["name"] == "Peggy")["comment_ids"]
    assert set(peggy) - {first} <= ids
    assert set(m["blog_author_comment_ids"]) & {c["id"] for c in m["comments"]
                                                if c["post_id"] == main.id} <= ids
    assert ledger.stats["dedupe"]["clusters"] == 2


def test_wordpress_export_replies_follow_the_survivor(therapy):
    # With --keep last the double post's second copy survives, so the blog
    # author's reply to the first copy (and the reply under it) must move.
    path, m = therapy
    original, copy_ = m["exact_double"]
    replies = [c for c in m["comments"] if c["parent"] == original]
    assert replies, "the fixture's double post has a reply"
    p = Pipeline([path], Options(keep="last"))
    for _, post in p.posts():
        by_id = {c.id: c for c in post.comments}
        if copy_ in by_id:
            assert original not in by_id
            for r in replies:
                c = by_id[r["id"]]
                assert (c.parent_id, c.depth, c.original_parent_id) == (copy_, 2, original)
                for below in (x for x in post.comments if x.parent_id == c.id):
                    assert below.depth == 3
            seen = set()
            for c in post.comments:
                assert c.parent_id is None or c.parent_id in seen
                seen.add(c.id)
        p.settle(post)
    assert p.ledger.balanced()
    assert merged_entries(p.ledger)[original].into == copy_


# -- review and the dedupe verb ---------------------------------------------------------

def test_review_finds_clusters_and_writes_nothing(reference_wxr, tmp_path):
    before = sorted(os.listdir(tmp_path))
    found = list(review([reference_wxr], Options()))
    assert len(found) == 1
    post, clusters = found[0]
    assert [cl.survivor.id for cl in clusters] == [113, 128]
    assert 127 in {c.id for c in post.comments}  # not merged: review only
    assert sorted(os.listdir(tmp_path)) == before


def test_review_honours_the_options(reference_wxr):
    found = [cl for _, cls in review([reference_wxr], Options(keep="first")) for cl in cls]
    assert sorted(cl.survivor.id for cl in found) == [113, 127]
    found = [cl for _, cls in review([reference_wxr], Options(dedupe_window=timedelta(minutes=1)))
             for cl in cls]
    assert [cl.survivor.id for cl in found] == [113]


def test_format_clusters_lists_survivor_and_copies(reference_wxr):
    text = format_clusters(review([reference_wxr], Options()))
    assert "post 7: Attachment to Your Therapist" in text
    assert "keep  #128  Peggy" in text
    assert "drop  #127  resubmission, similarity 1.00, 4m 00s apart" in text
    assert "drop  #900  exact, similarity 1.00, 2s apart" in text
    assert text.endswith("2 cluster(s), 2 copies would be merged")
    assert format_clusters([]) == "no duplicates found"


def test_cli_dedupe_json(reference_wxr, tmp_path, monkeypatch):
    from migrator.cli import cli

    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["dedupe", reference_wxr, "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["totals"] == {"clusters": 2, "dropped": 2}
    by_survivor = {c["survivor"]["id"]: c for c in out["clusters"]}
    assert by_survivor[128]["dropped"] == [
        {"id": 127, "reason": "resubmission", "similarity": 1.0, "seconds_apart": 240.0}]
    assert by_survivor[113]["dropped"][0]["reason"] == "exact"
    assert not os.path.exists(tmp_path / "exports")  # writes nothing


def test_cli_dedupe_table_and_options(reference_wxr, tmp_path, monkeypatch):
    from migrator.cli import cli

    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["dedupe", reference_wxr, "--keep", "first"])
    assert result.exit_code == 0, result.output
    assert "keep  #127  Peggy" in result.stdout
    assert "drop  #128  resubmission" in result.stdout
    result = CliRunner().invoke(cli, ["dedupe", reference_wxr, "--dedupe-window", "1m"])
    assert "#127" not in result.stdout and "1 cluster(s), 1 copy would be merged" in result.stdout


def test_inspect_counts_clusters(reference_wxr):
    from migrator.inspection import inspect_exports

    assert inspect_exports([reference_wxr])["duplicates"] == {"clusters": 2, "copies": 2}


def test_convert_ledgers_merges(reference_wxr, tmp_path):
    ledger = Pipeline([reference_wxr], Options(dedupe=False, dry_run=True)).run([])
    assert ledger.totals()["merged"] == 0
    ledger = Pipeline([reference_wxr], Options(dry_run=True)).run([])
    assert ledger.reasons()["merged"] == {"exact": 1, "resubmission": 1}
    assert ledger.stats["dedupe"]["clusters"] == 2
    assert ledger.stats["dedupe"]["replies re-pointed"] == 1



def test_review_with_anonymise_shows_no_real_names(fixtures_dir):
    import os

    from click.testing import CliRunner

    from migrator.cli import cli

    path = os.path.join(fixtures_dir, "therapy-thread.wxr")
    plain = CliRunner().invoke(cli, ["dedupe", path])
    anon = CliRunner().invoke(cli, ["dedupe", path, "--anonymise"])
    assert plain.exit_code == anon.exit_code == 0
    assert "Peggy" in plain.stdout and "Laura Bennett" in plain.stdout
    assert "Peggy" not in anon.stdout and "Laura" not in anon.stdout
    assert "Commenter " in anon.stdout and "2 cluster(s)" in anon.stdout
