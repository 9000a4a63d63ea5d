"""Issue [H] 1-5: reading exports as other tools and people write them.

The files are in fixtures/real/ (other projects' own test exports, see its
README for sources and licences) and fixtures/cases/ (hand-made, one case
each). Variants (cut, moved, renamed) are made from them in code.
"""
from __future__ import annotations

import json
import os
import re
import shutil

import pytest

from migrator import api
from migrator.ledger import Ledger
from migrator.pipeline import Options

from migrator.wxr.reader import WXRReader
from paths import FIXTURES

REAL = os.path.join(FIXTURES, "real")
CASES = os.path.join(FIXTURES, "cases")

ISSO = os.path.join(REAL, "isso-wordpress.xml")
REMARK42_FRAGMENT = os.path.join(REAL, "remark42-wordpress_test-xmlTestWPmd.xml")
A11Y = os.path.join(REAL, "wordpress-importer-a11y-unit-test-data-excerpt.xml")
THEME = os.path.join(REAL, "wordpress-importer-theme-unit-test-data-excerpt.xml")
NO_POST_ID = os.path.join(CASES, "no-post-id.wxr")
ATOM = os.path.join(CASES, "wordpresscom-atom.wxr")
FRAGMENT = os.path.join(CASES, "fragment-channel.wxr")
MISSING_APPROVED = os.path.join(CASES, "missing-approved.wxr")
WHITESPACE = os.path.join(CASES, "whitespace-fields.wxr")


def read(path):
    ledger = Ledger()
    reader = WXRReader(str(path), ledger)
    posts = list(reader.posts())
    return reader, posts, ledger


def comments(posts):
    return [c for p in posts for c in p.comments]


def damage(ledger):
    return [p for p in ledger.problems if p.kind == "damage"]


def jsonl(path):
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def convert(run_cli, tmp_path, *paths, extra=()):
    out = tmp_path / f"out-{len(list(tmp_path.iterdir()))}.jsonl"
    r = run_cli("convert", *paths, "--to", f"jsonl:{out}", "--json", *extra)
    return r, (jsonl(out) if out.exists() else None)


# -- 1. items without wp:post_id ---------------------------------------------------

def test_items_without_post_id_keep_their_comments_under_positive_ids():
    _, posts, ledger = read(NO_POST_ID)
    by_title = {p.title: p for p in posts}
    # Every item is a post, with an id, and none is negative.
    assert set(by_title) == {"Has a guid", "Has only a link", "Has only a title and a date",
                             "A normal post", "No id and no comments"}
    assert all(p.id > 0 for p in posts)
    assert by_title["A normal post"].id == 5
    assert len({p.id for p in posts}) == len(posts)
    cs = comments(posts)
    assert len(cs) == 5
    assert not [c for c in cs if c.reject_reason]
    assert all(c.post_id > 0 and c.id > 0 for c in cs)
    # The reply keeps its parent inside the derived post.
    guid_post = by_title["Has a guid"]
    assert [(c.id, c.parent_id, c.post_id) for c in guid_post.comments] == [
        (1, None, guid_post.id), (2, 1, guid_post.id)]
    # Reported once per post that got a derived id, with file and line, not as damage.
    derived = [p for p in ledger.problems if "wp:post_id" in p.message]
    assert len(derived) == 4
    assert sorted(p.line for p in derived) == sorted(
        by_title[t].source_line for t in ("Has a guid", "Has only a link",
                                          "Has only a title and a date", "No id and no comments"))
    assert all(p.file == NO_POST_ID for p in derived)
    assert not damage(ledger)
    for t in ("Has a guid", "Has only a link", "Has only a title and a date"):
        assert any(str(by_title[t].id) in p.message for p in derived), t


def test_derived_post_ids_are_the_same_every_run_and_in_every_file(tmp_path):
    _, first, _ = read(NO_POST_ID)
    _, again, _ = read(NO_POST_ID)
    ids = {p.title: p.id for p in first}
    assert ids == {p.title: p.id for p in again}
    # Another file of the same site: other items before them, other lines, other order.
    text = open(NO_POST_ID, encoding="utf-8").read()
    items = re.findall(r"\t<item>.*?</item>\n", text, re.S)
    head = text[:text.index("\t<item>")]
    other = tmp_path / "part-2.wxr"
    other.write_text(head + "\n\n\n" + "".join(reversed(items)) + "</channel>\n</rss>\n",
                     encoding="utf-8")
    _, moved, _ = read(other)
    assert {p.title: p.id for p in moved} == ids


def test_derived_post_id_comes_from_guid_then_link_then_title_and_date(tmp_path):
    text = open(NO_POST_ID, encoding="utf-8").read()
    _, posts, _ = read(NO_POST_ID)
    ids = {p.title: p.id for p in posts}

    def variant(old, new):
        path = tmp_path / f"v{len(list(tmp_path.iterdir()))}.wxr"
        assert old in text
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
        return {p.title: p.id for p in read(path)[1]}

    # The guid decides when there is one: a new link changes nothing ...
    assert variant("<link>https://preview.example/?p=19</link>",
                   "<link>https://preview.example/boat/</link>")["Has a guid"] == ids["Has a guid"]
    # ... a new guid does.
    assert variant("<guid isPermaLink=\"false\">http://preview.example/?p=19</guid>",
                   "<guid isPermaLink=\"false\">http://preview.example/?p=20</guid>"
                   )["Has a guid"] != ids["Has a guid"]
    # Without a guid, the link decides.
    assert variant("<link>https://preview.example/?p=36</link>",
                   "<link>https://preview.example/?p=37</link>"
                   )["Has only a link"] != ids["Has only a link"]
    # Without either, the title and the date.
    assert variant("<wp:post_date>2008-09-01 09:00:00</wp:post_date>",
                   "<wp:post_date>2008-09-01 09:00:01</wp:post_date>"
                   )["Has only a title and a date"] != ids["Has only a title and a date"]


def test_comment_without_an_id_gets_a_stable_positive_one(tmp_path):
    text = open(NO_POST_ID, encoding="utf-8").read()
    path = tmp_path / "no-comment-id.wxr"
    path.write_text(text.replace("<wp:comment_id>3</wp:comment_id>", "", 1), encoding="utf-8")
    _, posts, ledger = read(path)
    _, again, _ = read(path)
    cs, cs2 = comments(posts), comments(again)
    assert len(cs) == 5 and all(c.id > 0 and not c.reject_reason for c in cs)
    assert [c.id for c in cs] == [c.id for c in cs2]
    assert any("comment" in p.message and "id" in p.message for p in ledger.problems)


def test_isso_export_writes_8_comments_as_isso_imports_8(run_cli, tmp_path):
    r, rows = convert(run_cli, tmp_path, ISSO)
    assert r.exit_code == 0, r.output
    totals = json.loads(r.stdout)["totals"]
    assert totals["input"] == 8
    assert totals["written"] == 8, totals
    assert len(rows) == 8
    assert all(row["id"] > 0 and row["post_id"] > 0 for row in rows)
    # The comment of the item without wp:post_id is there, on its own post.
    anonymous = [row for row in rows if row["author_name"] == "Anonymous"]
    assert len(anonymous) == 1
    assert anonymous[0]["post_id"] != 18


def test_no_negative_id_in_any_output_of_an_export_without_post_ids(run_cli, tmp_path):
    out = tmp_path / "json"
    wxr = tmp_path / "out.wxr"
    r = run_cli("convert", NO_POST_ID, "--status", "all", "--type", "all",
                "--to", f"json:{out}/", "--to", f"wxr:{wxr}")
    assert r.exit_code == 0, r.output
    names = os.listdir(out)
    assert not [n for n in names if n.startswith("-")], names
    text = wxr.read_text(encoding="utf-8")
    assert not re.search(r"<wp:(post|comment)_id>\s*-", text)
    assert re.findall(r"<wp:comment>", text).__len__() == 5


# -- 2. undeclared namespace prefixes ----------------------------------------------

def test_wordpress_com_atom_prefix_is_read_whole_with_a_note(run_cli, tmp_path):
    reader, posts, ledger = read(ATOM)
    assert reader.complete
    assert len(comments(posts)) == 2
    assert not damage(ledger), ledger.problems
    assert not [p for p in ledger.problems if "truncated" in p.message]
    notes = [p for p in ledger.problems if "atom" in p.message]
    assert len(notes) == 1 and notes[0].kind != "damage"
    r, rows = convert(run_cli, tmp_path, ATOM, extra=("--strict",))
    assert r.exit_code == 0, r.output
    assert len(rows) == 2


def test_truncation_is_reported_only_when_the_file_ends_early(tmp_path):
    text = open(ATOM, encoding="utf-8").read()
    cut = tmp_path / "cut.wxr"
    cut.write_text(text[:text.index("<wp:comment_id>32")], encoding="utf-8")
    reader, posts, ledger = read(cut)
    assert not reader.complete
    assert [p for p in damage(ledger) if "truncated" in p.message]
    # The complete comment before the cut is kept.
    assert [c.id for c in comments(posts) if not c.reject_reason] == [31]


def test_an_unknown_undeclared_prefix_is_not_truncation(tmp_path):
    text = open(ATOM, encoding="utf-8").read()
    path = tmp_path / "georss.wxr"
    path.write_text(text.replace("<wp:post_id>12</wp:post_id>",
                                 "<georss:point>52.5 13.4</georss:point>\n\t\t<wp:post_id>12</wp:post_id>"),
                    encoding="utf-8")
    reader, posts, ledger = read(path)
    assert reader.complete
    assert len(comments(posts)) == 2
    assert not [p for p in ledger.problems if "truncated" in p.message]
    assert [p for p in ledger.problems if "georss" in p.message]


# -- 3. a fragment without <rss> and without namespaces ------------------------------

def test_remark42_fragment_gives_its_3_comments(run_cli, tmp_path):
    reader, posts, ledger = read(REMARK42_FRAGMENT)
    cs = comments(posts)
    assert len(cs) == 3
    assert not [c for c in cs if c.reject_reason]
    assert [c.content.split("\n")[0] for c in cs] == ["Row1", "markdown `text`",
                                                      "Row1 Link http://releases.rancher.com/os/latest markdown `text` blah"]
    bound = [p for p in ledger.problems if "prefix" in p.message or "namespace" in p.message]
    assert bound, ledger.problems
    assert all(p.file == REMARK42_FRAGMENT and p.line for p in bound)
    # Lines stay true despite the blank line before the XML declaration:
    # the first <wp:...> is on line 8, the item on line 4, the stray </rss> on line 60.
    assert [p.line for p in bound if "wp:" in p.message] == [8]
    assert [p.line for p in ledger.problems if "wp:post_id" in p.message] == [4]
    assert [p.line for p in ledger.problems if "after the end" in p.message] == [60]
    r, rows = convert(run_cli, tmp_path, REMARK42_FRAGMENT)
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["totals"]["written"] == 3
    assert len(rows) == 3


def test_channel_fragment_reads_every_prefixed_field():
    reader, posts, ledger = read(FRAGMENT)
    assert len(posts) == 1
    p = posts[0]
    assert (p.id, p.author, p.content, p.type) == (70, "writer", "<p>Body.</p>", "post")
    assert [(c.id, c.parent_id, c.author_name, c.author_email) for c in p.comments] == [
        (701, None, "Fran", "fran@example.net"), (702, 701, "Gus", "gus@example.net")]
    assert any("wp" in m.message and m.line for m in ledger.problems)


# -- 4. a missing or empty wp:comment_approved -------------------------------------

def test_missing_or_empty_comment_approved_is_held_and_reported():
    _, posts, ledger = read(MISSING_APPROVED)
    status = {c.id: c.status for c in comments(posts)}
    # WordPress's importer stores '' there, which no list shows: never published.
    assert status == {30: "approved", 31: "pending", 32: "pending", 33: "pending"}
    probs = [p for p in ledger.problems if "comment_approved" in p.message]
    assert sorted(p.line for p in probs) == [30, 35, 44]
    assert all(p.file == MISSING_APPROVED for p in probs)


def test_missing_comment_approved_in_the_importers_own_test_data(run_cli, tmp_path):
    _, posts, ledger = read(A11Y)
    anon = next(c for c in comments(posts) if c.id == 167)
    assert anon.status == "pending"
    assert [p.line for p in ledger.problems if "comment_approved" in p.message] == [55]
    r, rows = convert(run_cli, tmp_path, A11Y)  # default: approved comments only
    assert r.exit_code == 0, r.output
    assert 167 not in {row["id"] for row in rows}


# -- 5. whitespace outside CDATA in single-line fields --------------------------------

def test_single_line_fields_are_trimmed():
    reader, posts, _ = read(WHITESPACE)
    assert reader.site.title == "Whitespace blog"
    p = posts[0]
    assert (p.id, p.title, p.slug, p.status, p.type, p.author) == (
        9, "Pings", "pings", "publish", "post", "admin")
    ping, reply = p.comments
    assert ping.author_name == "Ping 2 with a much longer title &laquo; What&#8217;s a tellyworth?"
    assert ping.author_email == "ping@example.net"
    assert ping.author_url == "http://tellyworth.example/2007/11/21/ping-2/"
    assert ping.author_ip == "192.0.2.90"
    assert ping.author_user_agent == "The Incutio XML-RPC PHP Library"
    assert (ping.id, ping.status, ping.type, ping.parent_id, ping.user_id) == (
        90, "approved", "pingback", None, 0)
    assert ping.date is not None and ping.date_gmt is not None
    assert ping.content == "  Indented content stays as it is.  "  # content is verbatim
    assert (reply.author_name, reply.author_email, reply.parent_id) == (
        "Hanna Spaces", "hanna@example.net", 90)


@pytest.mark.parametrize("path", [A11Y, THEME])
def test_pingback_author_in_the_importers_theme_unit_test_data_is_trimmed(path):
    _, posts, _ = read(path)
    ping = next(c for c in comments(posts) if c.author_name.lstrip().startswith("Ping 2"))
    assert ping.author_name == ping.author_name.strip()
    assert ping.author_name.startswith("Ping 2 with a much longer title")
    assert ping.author_url == ping.author_url.strip() != ""


def test_isso_emails_are_trimmed():
    _, posts, _ = read(ISSO)
    emails = {c.author_email for c in comments(posts)}
    assert emails == {"test@example.org", "info@posativ.org", "multiline@example.org"}
