"""Issue [H] 7: dedupe never loses a comment by merging two that differ.

Link targets, image sources and code are part of the text; text that
normalises to (near) nothing is equal only when the raw content is.
"""
from __future__ import annotations

import json
import os
from datetime import datetime, timedelta, timezone

import pytest

from migrator.ledger import Ledger
from migrator.model import Comment, Post

from migrator.stages.dedupe import Deduper, normalise
from paths import FIXTURES

LINKS = os.path.join(FIXTURES, "cases", "link-only-comments.wxr")
T0 = datetime(2021, 5, 2, 10, 0, tzinfo=timezone.utc)


def post_of(*contents: str, parent=None) -> Post:
    p = Post(id=1, site="s")
    for i, text in enumerate(contents):
        p.comments.append(Comment(id=10 + i, post_id=1, author_name="Ida", author_email="ida@example.net",
                                  date_gmt=T0 + timedelta(seconds=30 * i), content=text,
                                  parent_id=parent, site="s"))
    return p


def merged(*contents: str) -> list[tuple[int, list[int]]]:
    clusters = Deduper().clusters(post_of(*contents))
    return [(cl.survivor.id, [d.comment.id for d in cl.dropped]) for cl in clusters]


@pytest.mark.parametrize("a, b", [
    ('<a href="https://a.example/1">link</a>', '<a href="https://a.example/2">link</a>'),
    ("<a href='https://a.example/1'>https://a.example/…</a>", "<a href='https://a.example/2'>https://a.example/…</a>"),
    ('<img src="https://img.example/cat.jpg" alt="" />', '<img src="https://img.example/dog.jpg" alt="" />'),
    ('See <a href="https://x.example/a">this</a>, it is what I meant yesterday.',
     'See <a href="https://x.example/b">this</a>, it is what I meant yesterday.'),
    ("<code><br></code>", "<code><hr></code>"),
    ("<pre><b>bold</b></pre>", "<pre><i>bold</i></pre>"),
    ("<br />", "<p>&nbsp;</p>"),
    ("<p></p>", ""),
    (":)", ":("),
    ("!!!", "?"),
    ("ok", "OK"),
])
def test_different_comments_are_never_merged(a, b):
    assert merged(a, b) == []
    assert merged(b, a) == []


@pytest.mark.parametrize("text", [
    ":)", "<br />", '<a href="https://a.example/1">link</a>',
    "Same words posted twice by a double click.",
])
def test_a_real_double_post_is_still_merged(text):
    assert merged(text, text) == [(10, [11])]


def test_equal_meaningful_text_still_merges_across_markup():
    # Normalising still works for real text: tags, entities and case.
    assert merged("<p>Thank you so much, Dr. Smith!</p>", "Thank you so much, Dr. Smith!") == [(10, [11])]


def test_normalise_keeps_link_targets_image_sources_and_code():
    assert "https://a.example/1" in normalise('<a href="https://a.example/1">link</a>')
    assert "https://img.example/cat.jpg" in normalise('<img alt="" src="https://img.example/cat.jpg">')
    assert "<br>" in normalise("<code><br></code>")
    assert normalise("<code>&lt;br&gt;</code>") == normalise("<code><br></code>")


def test_link_only_fixture_merges_only_identical_raw_content(run_cli, tmp_path):
    out = tmp_path / "out.jsonl"
    report = tmp_path / "report.json"
    r = run_cli("convert", LINKS, "--to", f"jsonl:{out}", "--report", report, "--json")
    assert r.exit_code == 0, r.output
    totals = json.loads(r.stdout)["totals"]
    assert totals == {"input": 13, "written": 11, "filtered": 0, "merged": 2, "rejected": 0}
    fates = {c["id"]: c for c in json.loads(report.read_text())["comments"]}
    dropped = {cid: c["into"] for cid, c in fates.items() if c["fate"] == "merged"}
    assert dropped in ({52: 51, 53: 47}, {52: 51, 47: 53}, {51: 52, 53: 47}, {51: 52, 47: 53})


def test_apply_keeps_every_link_only_comment():
    post = post_of('<a href="https://a.example/1">link</a>', '<a href="https://a.example/2">link</a>')
    ledger = Ledger()
    for c in post.comments:
        ledger.received(c)
    Deduper().apply(post, ledger)
    assert [c.id for c in post.comments] == [10, 11]
