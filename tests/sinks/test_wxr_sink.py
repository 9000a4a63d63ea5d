"""``wxr:FILE``: a cleaned WXR 1.2 that our reader, and a real third-party
importer (isso), read back as what went in."""
from __future__ import annotations

import calendar
import copy
import dataclasses
import os
import shutil
import sqlite3
import subprocess
import sys
import time
import tracemalloc
from datetime import datetime, timezone
from urllib.parse import urlparse

import pytest
from lxml import etree

from migrator.ledger import Ledger
from migrator.model import Author, Comment, Post, Site
from migrator.pipeline import Options, Pipeline
from migrator.wxr.reader import WXRReader
from migrator.sinks import open_sink
from migrator.sinks.wxr import WXRSink, cdata

from paths import ROOT  # noqa: E402
THERAPY = os.path.join(ROOT, "fixtures", "therapy-thread.wxr")
IN_CI = os.environ.get("CI", "").lower() == "true"

#: Model fields a WXR file carries, compared one by one after a round trip.
POST_FIELDS = ("id", "title", "slug", "link", "guid", "type", "status", "date", "date_gmt",
               "author", "content", "excerpt", "comment_status", "ping_status", "parent",
               "menu_order", "site")
COMMENT_FIELDS = ("id", "post_id", "author_name", "author_email", "author_url", "author_ip",
                  "author_user_agent", "date", "date_gmt", "content", "status", "type",
                  "parent_id", "user_id", "meta", "site")
#: What a WXR file cannot carry: where a record was read, and what the
#: pipeline learned about it (the thread stage recomputes depth on reading).
NOT_CARRIED_POST = {"source_file", "source_line", "comments"}
NOT_CARRIED_COMMENT = {"source_file", "source_line", "source_id", "depth",
                       "original_parent_id", "date_note", "notes", "reject_reason",
                       "frozen_key", "origin_post_id"}  # the ledger's, never written


def skip_or_fail(reason: str):
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: this test must run)")
    pytest.skip(reason)


class Capture:
    """A sink that keeps a deep copy of what the pipeline handed the sinks."""

    def __init__(self):
        self.items: list[tuple[Site, Post]] = []

    def open(self, run):
        pass

    def write_post(self, site, post, ledger):
        self.items.append((copy.deepcopy(site), copy.deepcopy(post)))

    def close(self, ok):
        pass


def convert(paths, out, **opts) -> tuple[Capture, Ledger]:
    opts.setdefault("statuses", None)  # --status all
    opts.setdefault("types", None)  # --type all
    cap = Capture()
    ledger = Pipeline(paths, Options(**opts)).run([cap, open_sink(f"wxr:{out}")])
    return cap, ledger


def read_back(path) -> tuple[WXRReader, list[Post]]:
    reader = WXRReader(str(path), Ledger())
    return reader, list(reader.posts())


def assert_same_posts(expected: list[Post], got: list[Post]):
    assert [p.id for p in got] == [p.id for p in expected]
    for want, have in zip(expected, got):
        for f in POST_FIELDS:
            assert getattr(have, f) == getattr(want, f), f"post {want.id}: {f}"
        assert [c.id for c in have.comments] == [c.id for c in want.comments], \
            f"post {want.id}: comments or their order"
        for cw, ch in zip(want.comments, have.comments):
            for f in COMMENT_FIELDS:
                assert getattr(ch, f) == getattr(cw, f), f"comment {cw.id}: {f}"


def test_every_model_field_is_either_compared_or_declared_not_carried():
    # A field added to the model must be written (and compared) or listed
    # here on purpose: the round trip tests cannot silently miss it.
    post_fields = {f.name for f in dataclasses.fields(Post)}
    comment_fields = {f.name for f in dataclasses.fields(Comment)}
    assert post_fields == set(POST_FIELDS) | NOT_CARRIED_POST
    assert comment_fields == set(COMMENT_FIELDS) | NOT_CARRIED_COMMENT


@pytest.mark.parametrize("fixture", ["small.wxr", "therapy-thread.wxr"])
def test_round_trip_field_by_field(tmp_path, fixture):
    src = os.path.join(ROOT, "fixtures", fixture)
    if not os.path.exists(src):
        pytest.skip(f"{fixture} is not in fixtures/ yet")
    out = tmp_path / "clean.wxr"
    cap, ledger = convert([src], out)
    assert ledger.totals()["written"] > 0
    expected = [p for _, p in cap.items]
    reader, got = read_back(out)
    # Our own output needs no repair and is complete.
    assert reader.ledger.problems == []
    assert reader.complete
    assert_same_posts(expected, got)
    # The channel header is the first post's site.
    site = cap.items[0][0]
    for f in ("title", "link", "description", "language", "base_site_url", "base_blog_url",
              "authors"):
        assert getattr(reader.site, f) == getattr(site, f), f"site {f}"
    assert reader.site.wxr_version == "1.2"
    assert reader.site.wp_namespace == "http://wordpress.org/export/1.2/"
    assert reader.site.key == site.key


def test_round_trip_keeps_the_tree(tmp_path, small_wxr):
    """Processing our output again gives the same threads, depths and order."""
    out = tmp_path / "clean.wxr"
    first, _ = convert([small_wxr], out)
    second, _ = convert([str(out)], tmp_path / "again.wxr")
    shape = lambda cap: [[(c.id, c.parent_id, c.depth) for c in p.comments] for _, p in cap.items]  # noqa: E731
    assert shape(second) == shape(first)
    # The orphan (its parent 999 was never exported) went to the top level,
    # and the file says so: a WXR importer sees it as top level too.
    by_id = {c.id: c for _, p in first.items for c in p.comments}
    assert by_id[104].parent_id is None and by_id[104].original_parent_id == 999
    assert by_id[106].depth == 3


def test_output_is_strict_wxr_1_2(tmp_path, small_wxr):
    out = tmp_path / "clean.wxr"
    convert([small_wxr], out)
    raw = out.read_bytes()
    # Well-formed for a strict parser, not only for our forgiving reader.
    root = etree.fromstring(raw, etree.XMLParser(resolve_entities=False))
    wp = "http://wordpress.org/export/1.2/"
    assert root.tag == "rss" and root.get("version") == "2.0"
    assert root.nsmap["wp"] == wp
    assert root.nsmap["excerpt"] == "http://wordpress.org/export/1.2/excerpt/"
    channel = root.find("channel")
    header = [el.tag for el in channel if el.tag != "item"]
    assert header[:8] == ["title", "link", "description", "pubDate", "language",
                          f"{{{wp}}}wxr_version", f"{{{wp}}}base_site_url",
                          f"{{{wp}}}base_blog_url"]
    assert channel.findtext(f"{{{wp}}}wxr_version") == "1.2"
    authors = channel.findall(f"{{{wp}}}author")
    assert [a.findtext(f"{{{wp}}}author_login") for a in authors] == ["admin"]
    # pubDate is RFC 822.
    datetime.strptime(channel.findtext("pubDate"), "%a, %d %b %Y %H:%M:%S +0000")
    # Every comment carries every field WordPress's exporter writes, in its order.
    fields = ["comment_id", "comment_author", "comment_author_email", "comment_author_url",
              "comment_author_IP", "comment_date", "comment_date_gmt", "comment_content",
              "comment_approved", "comment_type", "comment_parent", "comment_user_id"]
    comments = root.iter(f"{{{wp}}}comment")
    seen = 0
    for c in comments:
        tags = [el.tag.split("}")[1] for el in c if el.tag != f"{{{wp}}}commentmeta"]
        assert tags == fields
        seen += 1
    assert seen == 8
    c105 = next(c for c in root.iter(f"{{{wp}}}comment") if c.findtext(f"{{{wp}}}comment_id") == "105")
    assert c105.findtext(f"{{{wp}}}comment_approved") == "0"  # pending, as WordPress writes it
    c101 = next(c for c in root.iter(f"{{{wp}}}comment") if c.findtext(f"{{{wp}}}comment_id") == "101")
    meta = c101.find(f"{{{wp}}}commentmeta")
    assert meta.findtext(f"{{{wp}}}meta_key") == "akismet_result"
    # The split CDATA end of the fixture's post survives as WordPress writes it.
    assert b"a[b[0]]]]><![CDATA[> ends here." in raw
    item = channel.find("item")
    assert item.findtext("{http://purl.org/rss/1.0/modules/content/}encoded") == \
        "<p>Hello world. Code: a[b[0]]> ends here.</p>"


def _hostile_post() -> tuple[Site, Post]:
    site = Site(title="Tricky & <Blog>", link="https://tricky.example/", description="a ]]> b",
                language="de-DE", base_site_url="https://tricky.example",
                base_blog_url="https://tricky.example",
                authors=[Author(id=3, login="x]]>y", email="a@b.c", display_name="Zoë <Z>",
                                first_name="Zoë", last_name="]]>")])
    post = Post(id=7, title="  ]]> <b>title</b> & more  ", slug="s/../../etc", link="https://tricky.example/?p=7&x=1",
                guid="https://tricky.example/?p=7", type="post", status="publish",
                date=datetime(2021, 3, 4, 5, 6, 7), date_gmt=None, author="x]]>y",
                content="<![CDATA[ nested ]]> and ]]]]> and ]]]]><![CDATA[> \U0001F600",
                excerpt="", comment_status="open", ping_status="closed", parent=0, menu_order=0,
                site="https://tricky.example")
    bad = "\x01\x08\x0b\x0c\x1f\ufffe\uffff\ud800"
    post.comments = [
        Comment(id=1, post_id=7, author_name=f"Ann {bad}<script>&amp;", author_email="ann@x.example",
                author_url="https://ann.example/?a=1&b=<2>", author_ip="::1",
                author_user_agent="Mozilla/5.0 ]]>", date=datetime(2021, 3, 4, 6, 0, 0),
                date_gmt=None, content=f"</wp:comment_content>]]>{bad}\ttab\nline\n\npara &nbsp; \u2028 ok",
                status="spam", type="comment", parent_id=None, user_id=0,
                meta=[("k]]>", "v\x00<&>"), ("empty", "")], site="https://tricky.example"),
        Comment(id=2, post_id=7, author_name="Ben", date=datetime(2021, 3, 4, 7, 0, 0),
                date_gmt=None, content="", status="trash", type="pingback", parent_id=1,
                user_id=5, site="https://tricky.example"),
    ]
    return site, post


def test_hostile_text_cdata_ends_and_forbidden_characters(tmp_path):
    site, post = _hostile_post()
    out = tmp_path / "t.wxr"
    sink = WXRSink.from_target("wxr", str(out), private_fields=True)
    sink.open(None)
    sink.write_post(site, copy.deepcopy(post), Ledger())
    sink.close(True)
    raw = out.read_bytes()
    etree.fromstring(raw)  # strict XML 1.0: forbidden characters are gone
    for ch in ("\x01", "\x0b", "\x1f", "\ufffe", "\uffff"):
        assert ch.encode("utf-8") not in raw
    # A missing GMT date is written the way WordPress writes it.
    assert raw.count(b"<wp:comment_date_gmt><![CDATA[0000-00-00 00:00:00]]></wp:comment_date_gmt>") == 2
    assert b"<wp:post_date_gmt><![CDATA[0000-00-00 00:00:00]]></wp:post_date_gmt>" in raw
    reader, got = read_back(out)
    assert reader.ledger.problems == []
    strip = lambda s: s.replace("\x01", "").replace("\x08", "").replace("\x0b", "").replace(  # noqa: E731
        "\x0c", "").replace("\x1f", "").replace("\ufffe", "").replace("\uffff", "").replace("\ud800", "")
    want = copy.deepcopy(post)
    want.title = want.title.strip()  # [H] 5: single-line fields are read trimmed
    for c in want.comments:
        c.author_name = strip(c.author_name)
        c.content = strip(c.content)
        c.meta = [(k, v.replace("\x00", "")) for k, v in c.meta]
    assert_same_posts([want], got)
    assert got[0].comments[0].date_gmt is None and got[0].date_gmt is None
    assert reader.site.title == site.title and reader.site.description == site.description
    assert reader.site.authors == site.authors


def test_streams_and_renames_only_on_success(tmp_path):
    out = tmp_path / "out.wxr"
    sink = WXRSink(str(out))
    sink.open(None)
    site = Site(title="S", link="https://s.example", base_blog_url="https://s.example")
    tmp = sink._out.tmp
    sizes = []
    for i in range(1, 301):
        p = Post(id=i, title=f"P{i}", slug=f"p{i}", link=f"https://s.example/?p={i}",
                 comments=[Comment(id=i * 10 + k, post_id=i, content="x" * 200) for k in range(5)])
        sink.write_post(site, p, Ledger())
        sizes.append(os.path.getsize(tmp))
    # Written as it goes: the part file grows while posts come in...
    assert sizes[-1] > sizes[100] > sizes[10] > 0
    # ...but the target appears only when the run succeeded.
    assert not out.exists()
    sink.close(True)
    assert out.exists() and not os.path.exists(tmp)
    _, got = read_back(out)
    assert len(got) == 300 and sum(len(p.comments) for p in got) == 1500
    # A failed run leaves no file and no part file.
    failed = tmp_path / "failed.wxr"
    sink = WXRSink(str(failed))
    sink.open(None)
    sink.write_post(site, Post(id=1, title="x"), Ledger())
    tmp = sink._out.tmp
    sink.close(False)
    assert not failed.exists() and not os.path.exists(tmp)


def _peak_bytes(n_posts: int, path) -> int:
    site = Site(title="S", link="https://s.example")
    sink = WXRSink(str(path))
    sink.open(None)
    tracemalloc.start()
    try:
        for i in range(1, n_posts + 1):
            p = Post(id=i, title=f"P{i}", link=f"https://s.example/?p={i}",
                     comments=[Comment(id=i * 100 + k, post_id=i, content="y" * 500) for k in range(20)])
            sink.write_post(site, p, Ledger())
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
        sink.close(True)


def test_memory_does_not_grow_with_the_number_of_posts(tmp_path):
    small = _peak_bytes(50, tmp_path / "a.wxr")
    big = _peak_bytes(1000, tmp_path / "b.wxr")  # 20x the posts, ~10 MB of output
    assert os.path.getsize(tmp_path / "b.wxr") > 10_000_000
    assert big < small * 2 + 200_000, (small, big)


def test_empty_run_is_a_valid_empty_export(tmp_path):
    out = tmp_path / "empty.wxr"
    sink = WXRSink(str(out))
    sink.open(None)
    sink.close(True)
    root = etree.fromstring(out.read_bytes())
    assert root.find("channel") is not None and root.find("channel/item") is None


def test_second_site_is_reported_not_silently_merged(tmp_path):
    out = tmp_path / "two.wxr"
    sink = WXRSink(str(out))
    sink.open(None)
    ledger = Ledger()
    a = Site(title="A", base_blog_url="https://a.example")
    b = Site(title="B", base_blog_url="https://b.example")
    sink.write_post(a, Post(id=1, title="a"), ledger)
    sink.write_post(b, Post(id=2, title="b"), ledger)
    sink.write_post(b, Post(id=3, title="b2"), ledger)
    sink.close(True)
    msgs = [p.message for p in ledger.problems]
    assert len(msgs) == 1 and "https://b.example" in msgs[0] and "https://a.example" in msgs[0]
    reader, got = read_back(out)
    assert reader.site.title == "A" and [p.id for p in got] == [1, 2, 3]


def test_cdata_helper_matches_wordpress():
    assert cdata("a]]>b") == "<![CDATA[a]]]]><![CDATA[>b]]>"
    assert cdata("") == "<![CDATA[]]>"


def test_anonymised_output_carries_no_personal_data(tmp_path, small_wxr):
    pytest.importorskip("migrator.stages.anonymise")
    out = tmp_path / "anon.wxr"
    cap, _ = convert([small_wxr], out, anonymise=True, secret=b"k" * 32)
    raw = out.read_text(encoding="utf-8")
    for secret in ("alice@example.com", "192.0.2.11", "carol@example.net", "Alice Example",
                   "198.51.100.22"):
        assert secret not in raw
    _, got = read_back(out)
    assert_same_posts([p for _, p in cap.items], got)


def test_cli_convert_to_wxr(tmp_path, small_wxr):
    from click.testing import CliRunner

    from migrator.cli import cli

    out = tmp_path / "cli.wxr"
    res = CliRunner().invoke(cli, ["convert", small_wxr, "--status", "all", "--type", "all",
                                   "--to", f"wxr:{out}"])
    assert res.exit_code == 0, res.output
    _, got = read_back(out)
    assert sorted(c.id for p in got for c in p.comments) == [101, 102, 103, 104, 105, 106, 107, 201]


# -- a real third-party importer ---------------------------------------------------
def _isso_bin() -> str | None:
    try:
        import isso  # noqa: F401
    except ImportError:
        return None
    here = os.path.join(os.path.dirname(sys.executable), "isso")
    return here if os.path.exists(here) else shutil.which("isso")


def _isso_import(tmp_path, wxr) -> sqlite3.Connection:
    isso = _isso_bin()
    if isso is None:
        skip_or_fail("isso is not installed (pip install -e '.[test]')")
    db = tmp_path / "isso.db"
    conf = tmp_path / "isso.cfg"
    conf.write_text(f"[general]\ndbpath = {db}\nhost = http://localhost/\n", encoding="utf-8")
    # isso reads comment_date_gmt with time.mktime (local time): pin UTC.
    env = dict(os.environ, TZ="UTC")
    # On an empty database isso does not prompt; if it ever did, stdin is
    # closed and the import fails loudly instead of hanging.
    res = subprocess.run([isso, "-c", str(conf), "import", "-t", "wordpress", str(wxr)],
                         stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env,
                         timeout=120)
    assert res.returncode == 0, res.stdout + res.stderr
    return sqlite3.connect(db)


def _root_of(c: Comment, by_id: dict[int, Comment]) -> Comment:
    seen = set()
    while c.parent_id is not None and c.parent_id in by_id and c.id not in seen:
        seen.add(c.id)
        c = by_id[c.parent_id]
    return c


@pytest.mark.parametrize("fixture", ["small.wxr", "therapy-thread.wxr"])
def test_isso_imports_the_threads(tmp_path, fixture):
    src = os.path.join(ROOT, "fixtures", fixture)
    if not os.path.exists(src):
        pytest.skip(f"{fixture} is not in fixtures/ yet")
    if _isso_bin() is None:
        skip_or_fail("isso is not installed (pip install -e '.[test]')")
    out = tmp_path / "clean.wxr"
    # isso parses comment_date_gmt strictly; every fixture comment has one
    # (or one the reader derived from the site's offset).
    cap, _ = convert([src], out)
    db = _isso_import(tmp_path, out)
    threads = {uri: (tid, title) for tid, uri, title in db.execute("SELECT id, uri, title FROM threads")}
    expected_threads = {}
    for _, p in cap.items:
        if not p.comments or not p.title:
            continue  # isso skips items without comments or title
        u = urlparse(p.link)
        expected_threads[u.path + ("?" + u.query if u.query else "")] = p
    assert set(threads) == set(expected_threads)
    for uri, post in expected_threads.items():
        tid, title = threads[uri]
        assert title == post.title.strip()
        rows = db.execute("SELECT id, parent, created, mode, author, email FROM comments WHERE tid = ?",
                          (tid,)).fetchall()
        assert len(rows) == len(post.comments), uri
        by_id = {c.id: c for c in post.comments}
        key = lambda c: (c.author_name.strip(), float(calendar.timegm(c.date_gmt.utctimetuple())))  # noqa: E731
        ours = {key(c): c for c in post.comments}
        assert len(ours) == len(post.comments), "fixture comments must be told apart by author+time"
        isso_by_key = {(r[4], r[2]): r for r in rows}
        isso_id_of = {ours[k].id: r[0] for k, r in isso_by_key.items()}
        assert set(isso_by_key) == set(ours)
        for k, (iid, parent, created, mode, author, email) in isso_by_key.items():
            c = ours[k]
            assert mode == (1 if c.status == "approved" else 2)
            assert (email or "") == c.author_email
            # isso keeps one level of replies: a reply hangs under the top
            # comment of its thread (isso's own rule); top level stays top level.
            if c.parent_id is None:
                assert parent is None, c.id
            else:
                assert parent == isso_id_of[_root_of(c, by_id).id], c.id
    # Nested replies were there to flatten (the test covers parent links).
    assert any(c.depth >= 3 for _, p in cap.items for c in p.comments)
