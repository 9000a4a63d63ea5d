"""The streaming reader: versions, fields, dates, and damaged or hostile input."""
from __future__ import annotations

import time
from datetime import datetime, timezone

import pytest
from hypothesis import given, settings, strategies as st

from migrator.ledger import Ledger
from migrator.wxr.reader import WXRError, WXRReader

from wxr_builder import C, P, cdata, wxr, write


def read_all(path, chunk_size=1 << 20):
    ledger = Ledger()
    r = WXRReader(str(path), ledger, chunk_size=chunk_size)
    posts = list(r.posts())
    return r, posts, ledger


@pytest.mark.parametrize("version", ["1.0", "1.1", "1.2"])
@pytest.mark.parametrize("scheme", ["http", "https"])
def test_every_version_and_namespace_scheme(tmp_path, version, scheme):
    path = write(tmp_path, [P(1, [C(5, content="hi")])], version=version, scheme=scheme)
    r, posts, ledger = read_all(path)
    assert r.site.wxr_version == version
    assert r.site.wp_namespace == f"{scheme}://wordpress.org/export/{version}/"
    assert [c.content for c in posts[0].comments] == ["hi"]
    assert not ledger.problems


def test_every_comment_field(small_wxr):
    r, posts, _ = read_all(small_wxr)
    assert r.site.key == "https://blog.example.org"
    assert r.site.authors[0].login == "admin"
    post = posts[0]
    assert (post.id, post.slug, post.type, post.status) == (10, "first-post", "post", "publish")
    assert post.content == "<p>Hello world. Code: a[b[0]]> ends here.</p>"  # split CDATA joined
    c = {c.id: c for c in post.comments}
    alice = c[101]
    assert alice.author_name == "Alice Example"
    assert alice.author_email == "alice@example.com"
    assert alice.author_url == "https://alice.example.com"
    assert alice.author_ip == "192.0.2.11"
    assert alice.date == datetime(2020, 6, 1, 14, 0)
    assert alice.date_gmt == datetime(2020, 6, 1, 12, 0, tzinfo=timezone.utc)
    assert alice.type == "comment"  # '' means comment
    assert alice.status == "approved"
    assert alice.parent_id is None
    assert alice.meta == [("akismet_result", "false")]
    assert c[103].author_url == "https://carol.example.net/?a=1&b=2"
    assert c[103].author_ip == "2001:db8::7"
    assert c[103].parent_id == 102
    assert c[105].status == "pending"
    assert c[107].type == "pingback"
    assert posts[1].type == "page" and posts[1].comments[0].user_id == 1


@pytest.mark.parametrize("raw,status", [("1", "approved"), ("0", "pending"), ("spam", "spam"),
                                        ("trash", "trash"), ("post-trashed", "post-trashed")])
def test_statuses(tmp_path, raw, status):
    path = write(tmp_path, [P(1, [C(1, approved=raw)])])
    assert read_all(path)[1][0].comments[0].status == status


@pytest.mark.parametrize("raw,kind", [("", "comment"), ("comment", "comment"), ("pingback", "pingback"),
                                      ("trackback", "trackback"), ("note", "note"), ("custom", "custom")])
def test_types(tmp_path, raw, kind):
    path = write(tmp_path, [P(1, [C(1, type=raw)])])
    assert read_all(path)[1][0].comments[0].type == kind


def test_zero_gmt_is_derived_from_the_learned_offset(tmp_path):
    path = write(tmp_path, [P(1, [
        C(1, date="2020-06-01 14:00:00", date_gmt="2020-06-01 12:00:00"),
        C(2, date="2020-06-02 09:00:00", date_gmt="0000-00-00 00:00:00"),
        C(3, date="2020-06-02 10:00:00", date_gmt=""),
    ], date="2020-06-01 12:00:00", date_gmt="2020-06-01 10:00:00")])
    _, posts, ledger = read_all(path)
    c = {c.id: c for c in posts[0].comments}
    assert c[2].date_gmt == datetime(2020, 6, 2, 7, 0, tzinfo=timezone.utc)
    assert c[3].date_gmt == datetime(2020, 6, 2, 8, 0, tzinfo=timezone.utc)
    assert "+02:00" in c[2].date_note
    assert ledger.stats["dates"]["gmt derived"] == 2


def test_dates_with_a_utc_offset_are_read_as_utc(tmp_path):
    # ISO dates with an offset used to stop the reader (naive minus aware)
    path = write(tmp_path, [P(1, [
        C(1, date="2020-06-01T14:00:00+02:00", date_gmt="2020-06-01T12:00:00+00:00"),
        C(2, date="2020-06-01 14:30:00", date_gmt="2020-06-01T14:30:00+02:00"),
    ], date="2020-06-01T12:00:00+02:00", date_gmt="2020-06-01 10:00:00")])
    _, posts, _ = read_all(path)
    c = {c.id: c for c in posts[0].comments}
    assert c[1].date == datetime(2020, 6, 1, 12, 0)
    assert c[1].date_gmt == datetime(2020, 6, 1, 12, 0, tzinfo=timezone.utc)
    assert c[2].date_gmt == datetime(2020, 6, 1, 12, 30, tzinfo=timezone.utc)
    assert posts[0].date == datetime(2020, 6, 1, 10, 0)


def test_zero_gmt_without_any_offset_keeps_local_and_says_so(tmp_path):
    path = write(tmp_path, [P(1, [C(2, date="2020-06-02 09:00:00", date_gmt="0000-00-00 00:00:00")],
                              date_gmt="0000-00-00 00:00:00")])
    _, posts, ledger = read_all(path)
    c = posts[0].comments[0]
    assert c.date_gmt is None and c.date == datetime(2020, 6, 2, 9, 0)
    assert "local date kept" in c.date_note
    assert ledger.stats["dates"]["gmt unknown"] == 1


def test_external_entity_is_never_loaded(tmp_path):
    prolog = '<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/hostname">]>\n'
    path = write(tmp_path, [P(1, [C(1, author="x")])], prolog=prolog)
    # Put the entity where an author name would be, outside CDATA.
    text = open(path).read().replace("<wp:comment_author><![CDATA[x]]>", "<wp:comment_author>&xxe;")
    open(path, "w").write(text)
    hostname = open("/etc/hostname").read().strip()
    _, posts, ledger = read_all(path)
    c = posts[0].comments[0]
    assert hostname not in repr(c.__dict__)
    assert c.author_name == "&xxe;"  # kept literally, never expanded
    assert any("DOCTYPE" in p.message for p in ledger.problems)


def test_entity_bomb_is_refused_quickly(tmp_path):
    ents = ['<!ENTITY lol "lol">'] + [
        f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">' for i in range(1, 10)]
    prolog = "<!DOCTYPE rss [" + "".join(ents) + "]>\n"
    path = write(tmp_path, [P(1, [C(1)])], prolog=prolog)
    text = open(path).read().replace("<title>Test site</title>", "<title>&lol9;</title>")
    open(path, "w").write(text)
    start = time.monotonic()
    r, posts, ledger = read_all(path)
    assert time.monotonic() - start < 1.0
    assert "lollol" not in r.site.title
    assert len(posts) == 1


def test_control_chars_bad_bytes_raw_cdata_end_and_raw_ampersand(tmp_path):
    doc = wxr([P(1, [C(1, content="PLACEHOLDER", url="URL")])], version="1.0")
    doc = doc.replace("<![CDATA[URL]]>", "http://x.org/?a=1&b=2")  # raw & outside CDATA
    doc = doc.replace("PLACEHOLDER", "a\x01b ]]> c &nbsp;")  # control char + raw ]]> in CDATA
    data = doc.encode("utf-8").replace(b"Hello", b"Hello")
    data = data.replace(b"<title>Test site</title>", b"<title>Caf\xe9 &nbsp;&copy; site</title>")
    path = tmp_path / "damaged.xml"
    path.write_bytes(data)
    r, posts, ledger = read_all(path)
    c = posts[0].comments[0]
    assert c.content == "ab ]]> c &nbsp;"
    assert c.author_url == "http://x.org/?a=1&b=2"
    assert r.site.title == "Caf\ufffd \u00a0\u00a9 site"
    messages = " | ".join(f"{p.line}:{p.message}" for p in ledger.problems)
    assert "control character" in messages
    assert "raw ']]>'" in messages
    assert "raw '&'" in messages
    assert "U+FFFD" in messages
    assert all(p.line for p in ledger.problems)


@settings(max_examples=30, deadline=None)
@given(chunk=st.integers(min_value=1, max_value=300))
def test_repairs_do_not_depend_on_chunk_boundaries(tmp_path_factory, chunk):
    tmp = tmp_path_factory.mktemp("chunks")
    doc = wxr([P(1, [C(1, content="x ]]> y & z", url="URL"), C(2, parent=1, content="é\x02 ]]]]><![CDATA[>")])])
    doc = doc.replace("<![CDATA[URL]]>", "http://x.org/?a=1&b=2&amp;c")
    doc = doc.replace(cdata("x ]]> y & z"), "<![CDATA[x ]]> y & z]]>")
    path = tmp / "d.xml"
    path.write_text(doc)
    _, big, _ = read_all(path)
    _, small, _ = read_all(path, chunk_size=chunk)
    key = lambda posts: [(c.id, c.content, c.author_url, c.parent_id) for p in posts for c in p.comments]
    assert key(small) == key(big)
    assert key(big)[0][1:3] == ("x ]]> y & z", "http://x.org/?a=1&b=2&c")


def test_truncated_file_keeps_complete_comments_and_rejects_the_cut_one(tmp_path):
    doc = wxr([P(1, [C(1)]), P(2, [C(10), C(11, parent=10), C(12, content="cut here please")])])
    cut = doc.index("cut here")
    path = tmp_path / "cut.xml"
    path.write_text(doc[:cut])
    _, posts, ledger = read_all(path)
    assert [p.id for p in posts] == [1, 2]
    got = {c.id: c for c in posts[1].comments}
    assert not got[10].reject_reason and not got[11].reject_reason
    assert got[12].reject_reason.startswith("cut off at line")
    [problem] = [p for p in ledger.problems if "truncated" in p.message]
    assert problem.line == doc[:cut].count("\n") + 1
    assert "post 2" in problem.message and "comment 12" in problem.message


def test_truncated_before_any_comment_reports_the_post(tmp_path):
    doc = wxr([P(1, [C(1)]), P(2, [C(10)])])
    cut = doc.index("<wp:post_id>2")
    (tmp_path / "cut.xml").write_text(doc[:cut])
    _, posts, ledger = read_all(tmp_path / "cut.xml")
    assert [p.id for p in posts] == [1]
    assert any("truncated" in p.message and "lost" in p.message for p in ledger.problems)


def test_twenty_megabyte_comment_is_kept_whole(tmp_path):
    body = ("Ω grief and hope. " * 1_200_000)[:20_000_000]
    path = write(tmp_path, [P(1, [C(1, content=body)])])
    _, posts, ledger = read_all(path)
    assert posts[0].comments[0].content == body
    assert not ledger.problems


@pytest.mark.parametrize("content,fragment", [
    (b"", "empty"),
    (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20, "not an XML file"),
    (b'<?xml version="1.0"?><rss><channel><title>feed</title><item><title>x</title></item></channel></rss>',
     "namespace"),
    (b"<html><body>oops</body></html>", "namespace"),
    (b"<rss><channel><item>", "not a WXR"),
])
def test_not_a_wxr_is_one_clear_error(tmp_path, content, fragment):
    path = tmp_path / "bad.xml"
    path.write_bytes(content)
    with pytest.raises(WXRError) as e:
        read_all(path)
    assert fragment in str(e.value)
    assert "\n" not in str(e.value)


def test_item_with_a_junk_post_id_keeps_its_comments_under_a_derived_id(tmp_path):
    # [H] 1: was "its post has no valid id" (comments rejected, a negative post id).
    doc = wxr([P(1, [C(1)]), P(2, [C(2)])]).replace("<wp:post_id>2</wp:post_id>", "<wp:post_id>x</wp:post_id>")
    (tmp_path / "e.xml").write_text(doc)
    _, posts, ledger = read_all(tmp_path / "e.xml")
    assert all(p.id > 0 for p in posts)
    derived = [p for p in posts if p.id != 1][0]
    assert derived.comments[0].reject_reason == ""
    assert derived.comments[0].post_id == derived.id
    note = [p for p in ledger.problems if "wp:post_id" in p.message]
    assert len(note) == 1 and "'x'" in note[0].message and str(derived.id) in note[0].message


def test_xml_comments_are_not_damage(tmp_path):
    """WordPress's exporter writes '<!-- 4. Activate & Run Importer. -->'."""
    prolog = "<!-- 4. Activate & Run Importer. ]]> -->\n"
    path = write(tmp_path, [P(1, [C(1, content="<!-- wp:paragraph --><p>a & b</p><!-- /wp:paragraph -->")])],
                 prolog=prolog)
    _, posts, ledger = read_all(path)
    assert ledger.problems == []
    assert posts[0].comments[0].content.startswith("<!-- wp:paragraph --><p>a & b</p>")


def test_real_wordpress_export_reads_clean(fixtures_dir):
    import json
    import os

    manifest = json.load(open(os.path.join(fixtures_dir, "therapy-thread.manifest.json")))
    r, posts, ledger = read_all(os.path.join(fixtures_dir, "therapy-thread.wxr"))
    assert ledger.problems == []
    assert r.site.wxr_version == "1.2"
    exported = sum(p["comments_exported"] for p in manifest["posts"])
    assert sum(len(p.comments) for p in posts) == exported


@settings(max_examples=300, deadline=None)
@given(pad=st.integers(0, 400), chunk=st.integers(130, 700))
def test_long_unbroken_values_across_chunk_cuts(tmp_path_factory, pad, chunk):
    """Serialised commentmeta has no spaces: a chunk cut through its
    '<![CDATA[' used to lose track of CDATA and escape the '&' inside it."""
    tmp = tmp_path_factory.mktemp("cut")
    value = 'a:1:{s:3:"url";s:9:"?a=1&b=2";d:' + "9" * pad + "&c;}"
    doc = wxr([P(1, [C(1, meta=[("akismet_history", value)], content="x" * pad),
                     C(2, parent=1, content="y&z")])])
    path = tmp / "d.xml"
    path.write_text(doc)

    def read(size):
        ledger = Ledger()
        r = WXRReader(str(path), ledger, chunk_size=size)
        return ([(c.id, c.content, c.meta) for p in r.posts() for c in p.comments],
                [p.message for p in ledger.problems])

    assert read(chunk) == read(1 << 20)
    assert read(chunk)[0][0][2] == [("akismet_history", value)]
