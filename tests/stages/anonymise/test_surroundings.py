"""Everything around the comments under --anonymise ([G]): posts, authors,
file names, links back to the original, ids, dates, kept names.

The export is generated here: a site whose URL, users and post titles name
people, posts whose ``dc:creator`` is a user spelled differently, a
commenter, or nobody known, and comments whose ids a reader could look up on
the live original.
"""
from __future__ import annotations

import json
import os
import re
import sqlite3
from datetime import datetime, timezone

import pytest

from migrator import api
from migrator.ledger import Ledger
from migrator.model import Post, origin_label
from migrator.pipeline import Options, Pipeline
from migrator.stages.anonymise import Anonymiser
from migrator.stages.anonymise.scrub_posts import ID_LOW, slugify
from migrator.stages.dates import PRECISIONS, round_date
from wxr_builder import C, P, author, wxr

SITE = "https://www.hollyhock-notes.example/blog"
SECRET = b"a secret of at least sixteen bytes"
HOLLY = ("Holly Walker", "holly.walker@hollyhock.example")
ANNA = ("Anna Kowalski", "anna.k@gmail.example")
BART = ("Bartholomew Quince", "bq@quince.example")
#: Every original id: none may be left in an anonymised output.
POST_IDS = (4101, 4102, 4103, 4104, 4105)
COMMENT_IDS = (1677, 1678, 1679, 1680, 1690, 1691, 1692, 1693, 1694)
#: Personal tokens of everyone but a kept Holly Walker.
OTHERS = ["Anna", "Kowalski", "anna.k", "gmail.example", "Bartholomew", "Quince", "quince.example",
          "Zebedee", "Marchbanks", "555-123-4567", "hollyhock-notes", "kowalskis"]
HOLLY_TOKENS = ["Holly", "Walker", "hwalker", "holly.walker", "hollyhock.example"]


def c(id, who, content, **kw) -> C:
    name, email = who
    return C(id=id, author=name, email=email, content=content, **kw)


def export(tmp_path, name="around.xml", author_tag="wp:author") -> str:
    posts = [
        P(id=4101, title="Answering Anna Kowalski&#8217;s question",
          slug="answering-anna-kowalskis-question", author="Holly Walker",  # display name
          site=SITE, date="2019-05-01 09:15:42",
          excerpt="For Anna Kowalski, who asked.",
          content='<p>Anna Kowalski asked me this. Write to anna.k@gmail.example or call '
                  '555-123-4567.</p><p><a href="' + SITE + '/?p=4101#comment-1677" '
                  'title="Anna Kowalski">her comment</a></p>',
          comments=[
              c(1677, ANNA, "Thanks for answering!", date="2019-05-04 13:45:17"),
              c(1678, HOLLY, "You are welcome, Anna.", parent=1677, user_id=1,
                date="2019-05-04 14:02:01"),
              c(1679, BART, "A great post, thank you for writing it up so clearly for us all.",
                date="2019-05-05 08:00:00"),
              c(1680, BART, "A great post, thank you for writing it up so clearly for us all.",
                date="2019-05-05 08:00:20"),
          ]),
        P(id=4102, title="Notes", slug="notes-for-bartholomew", author="Bartholomew Quince",
          site=SITE, content="Bartholomew sent these.", comments=[
              # siblings on one day: their order is the exact times', not the ids'
              c(1690, ANNA, "Second of the day.", date="2019-06-01 15:00:00"),
              c(1691, BART, "First of the day.", date="2019-06-01 09:00:00"),
          ]),
        P(id=4103, title="About", slug="about", author="HWALKER", site=SITE, type="page",
          comments=[c(1692, ANNA, "Hello Holly.", date="2019-07-01 10:00:00")]),
        P(id=4104, title="Guest post", slug="guest-post", author="Zebedee Marchbanks", site=SITE,
          content="Zebedee Marchbanks wrote this.", comments=[
              # 50 hours apart: never a resubmission (24h), even where dates round together
              c(1693, BART, "One two three four five six seven eight nine ten.",
                date="2019-08-03 10:00:00"),
              c(1694, BART, "One two three four five six seven eight nine ten. And more.",
                date="2019-08-05 12:00:00"),
          ]),
        P(id=4105, title="Attachment", slug="attachment", type="attachment", author="hwalker",
          site=SITE),
    ]
    authors = author("hwalker", HOLLY[1], HOLLY[0], "Holly", "Walker", tag=author_tag)
    path = tmp_path / name
    path.write_text(wxr(posts, site=SITE, authors=authors, title="Hollyhock Notes"),
                    encoding="utf-8")
    return str(path)


def convert(tmp_path, src, out="out", keep=("Holly Walker",), **kw):
    d = tmp_path / out
    d.mkdir()
    targets = [f"sqlite:{d}/db.sqlite", f"json:{d}/json/", f"json:{d}/one.json",
               f"jsonl:{d}/all.jsonl", f"wxr:{d}/clean.wxr", f"html:{d}/html/"]
    o = dict(statuses=None, types=None, anonymise=True, secret=SECRET, keep_names=keep)
    o.update(kw)
    ledger = api.convert([src], targets, Options(**o), private_fields=True,
                         report=str(tmp_path / f"{out}-report.json"))
    return d, ledger


def everything(d) -> tuple[bytes, list[str]]:
    """Every byte every sink wrote, and every file name."""
    data, names = b"", []
    for root, _, files in os.walk(d):
        for f in files:
            names.append(f)
            with open(os.path.join(root, f), "rb") as fh:
                data += fh.read()
    return data, names


def whole(token: str, data: bytes) -> bool:
    return re.search(rb"(?<![\w])" + re.escape(token.encode()) + rb"(?![\w])", data, re.I) is not None


def test_posts_and_surroundings_carry_no_personal_token(tmp_path):
    src = export(tmp_path)
    d, ledger = convert(tmp_path, src)
    assert ledger.totals()["written"] == 8 and ledger.totals()["merged"] == 1
    data, names = everything(d)
    for token in OTHERS:
        assert not whole(token, data), token
        assert not any(token.lower() in n.lower() for n in names), (token, names)
    # the original site's URL, host and path are gone; its name stays
    for url in (SITE, "hollyhock-notes.example", "www.hollyhock"):
        assert url.encode() not in data
    assert b"Hollyhock Notes" in data
    # no original id anywhere: ids, anchors, links, guids, file names
    for i in POST_IDS + COMMENT_IDS:
        assert not re.search(rb"(?<!\d)%d(?!\d)" % i, data), i
        assert not any(re.search(rf"(?<!\d){i}(?!\d)", n) for n in names), (i, names)
    # the kept blog author reads as before, everywhere
    assert b"Holly Walker" in data
    rows = sqlite3.connect(d / "db.sqlite").execute(
        "SELECT title, slug, author, link, guid FROM posts ORDER BY title").fetchall()
    by_title = {r[0]: r for r in rows}
    q = by_title["Answering Commenter " + Anonymiser(secret=SECRET).pseudonym(*ANNA)[10:]
                 + "&#8217;s question"]
    assert q[2] == "Holly Walker"  # dc:creator was her display name: kept as written
    assert q[1].startswith("answering-commenter-") and q[1].endswith("s-question")
    assert by_title["About"][2] == "HWALKER"
    assert re.fullmatch(r"commenter-[0-9a-f]{8}", by_title["Notes"][2])  # a commenter's name
    assert re.fullmatch(r"commenter-[0-9a-f]{8}", by_title["Guest post"][2])  # nobody known
    for r in rows:
        assert ".anonymous.invalid" in r[3] and ".anonymous.invalid/?p=" in r[4]
    # file names come from the scrubbed slug, or the id alone
    files = sorted(os.listdir(d / "json"))
    assert any(re.fullmatch(r"\d{16}-answering-commenter-[0-9a-f]{8}s-question\.json", f)
               for f in files), files
    assert any(re.fullmatch(r"\d{16}-notes-for-commenter-[0-9a-f]{8}\.json", f) for f in files)


def test_post_authors_are_pseudonymised_without_keep_names(tmp_path):
    src = export(tmp_path)
    d, _ = convert(tmp_path, src, keep=())
    data, names = everything(d)
    for token in OTHERS + HOLLY_TOKENS:
        assert not whole(token, data), token
    authors = {r[0] for r in sqlite3.connect(d / "db.sqlite").execute("SELECT author FROM posts")}
    assert all(re.fullmatch(r"commenter-[0-9a-f]{8}", a) for a in authors), authors
    # Holly's login, display name and odd-cased login are one person
    posts = json.loads((d / "one.json").read_text())["posts"]
    by_title = {p["post"]["title"]: p["post"]["author"] for p in posts}
    assert by_title["About"] == by_title["Attachment"] == by_title[next(
        t for t in by_title if t.startswith("Answering"))]
    assert "<dc:creator><![CDATA[commenter-" in (d / "clean.wxr").read_text()


def test_wp_wp_author_blocks_are_read_and_pseudonymised(tmp_path):
    src = export(tmp_path, author_tag="wp:wp_author")
    d, _ = convert(tmp_path, src, keep=())
    data, _ = everything(d)
    for token in HOLLY_TOKENS:
        assert not whole(token, data), token
    assert b"<wp:author_login><![CDATA[commenter-" in (d / "clean.wxr").read_bytes()


def test_ids_are_derived_from_the_secret_and_the_report_maps_them(tmp_path):
    src = export(tmp_path)
    d1, _ = convert(tmp_path, src, out="a")
    d2, _ = convert(tmp_path, src, out="b")
    d3, _ = convert(tmp_path, src, out="c", secret=b"another secret, also long enough")

    def ids(d):
        rows = sqlite3.connect(d / "db.sqlite").execute(
            "SELECT id, post_id, parent_id FROM comments ORDER BY id").fetchall()
        return rows

    assert ids(d1) == ids(d2)  # stable for one secret: re-runs upsert the same rows
    assert not {r[0] for r in ids(d1)} & {r[0] for r in ids(d3)}
    assert all(ID_LOW <= r[0] < 2 ** 53 for r in ids(d1))
    report = json.loads((tmp_path / "a-report.json").read_text())
    written = [e for e in report["comments"] if e["fate"] == "written"]
    assert {e["id"] for e in written} == set(COMMENT_IDS) - {1680}
    new = {e["id"]: e["new_id"] for e in written}
    assert set(new.values()) == {r[0] for r in ids(d1)}
    parent = {r[0]: r[2] for r in ids(d1)}
    assert parent[new[1678]] == new[1677]  # the thread holds, in new ids
    merged = next(e for e in report["comments"] if e["fate"] == "merged")
    assert merged["id"] == 1680 and merged["into"] == 1679 and "new_id" not in merged


def test_dates_round_as_asked_and_stages_use_the_exact_ones(tmp_path):
    src = export(tmp_path)
    d, ledger = convert(tmp_path, src, date_precision="month")
    assert ledger.totals()["merged"] == 1  # 1693/1694 are 50h apart: not a resubmission
    lines = [json.loads(x) for x in (d / "all.jsonl").read_text().splitlines()]
    assert {x["date_gmt"][8:] for x in lines} == {"01T00:00:00Z"}
    posts = json.loads((d / "one.json").read_text())["posts"]
    notes = next(p for p in posts if p["post"]["title"] == "Notes")
    assert [x["content"] for x in notes["comments"]] == ["First of the day.", "Second of the day."]
    assert notes["post"]["date_gmt"] == "2020-01-01T00:00:00Z"
    wxr_text = (d / "clean.wxr").read_text()
    assert "2019-05-04 13:45:17" not in wxr_text and "2019-05-01 00:00:00" in wxr_text
    # the default under --anonymise is day; without it, second
    d2, _ = convert(tmp_path, src, out="day")
    first = json.loads((d2 / "all.jsonl").read_text().splitlines()[0])
    assert first["date_gmt"].endswith("T00:00:00Z")
    plain = tmp_path / "plain.jsonl"
    api.convert([src], [f"jsonl:{plain}"], Options(statuses=None, types=None))
    assert "2019-05-04T13:45:17Z" in plain.read_text()
    minute = tmp_path / "minute.jsonl"
    api.convert([src], [f"jsonl:{minute}"], Options(statuses=None, types=None,
                                                   date_precision="minute"))
    assert "2019-05-04T13:45:00Z" in minute.read_text()


@pytest.mark.parametrize("precision,want", [
    ("second", datetime(2019, 5, 4, 13, 45, 17, tzinfo=timezone.utc)),
    ("minute", datetime(2019, 5, 4, 13, 45, tzinfo=timezone.utc)),
    ("hour", datetime(2019, 5, 4, 13, tzinfo=timezone.utc)),
    ("day", datetime(2019, 5, 4, tzinfo=timezone.utc)),
    ("month", datetime(2019, 5, 1, tzinfo=timezone.utc)),
    ("year", datetime(2019, 1, 1, tzinfo=timezone.utc)),
])
def test_round_date(precision, want):
    assert round_date(datetime(2019, 5, 4, 13, 45, 17, tzinfo=timezone.utc), precision) == want
    assert round_date(None, precision) is None
    assert precision in PRECISIONS


def test_html_links_nowhere_outside_the_archive(tmp_path):
    src = export(tmp_path)
    d, _ = convert(tmp_path, src)
    shown = set()
    for page in (d / "html").glob("*.html"):
        for href in re.findall(r'href="([^"]*)"', page.read_text()):
            assert href.startswith("#comment-") or href.endswith(".html"), (page.name, href)
        shown |= set(re.findall(r"<time datetime=\"[^\"]*Z\">([^<]*)</time>", page.read_text()))
    assert "2019-05-04" in shown and not any(":" in x for x in shown), shown  # no made-up midnight


def test_site_label_needs_no_secret_and_ids_need_it():
    a, b = Anonymiser(secret=SECRET), Anonymiser(secret=b"x" * 16)
    assert a.derive_id("comment", SITE, 1677) == Anonymiser(secret=SECRET).derive_id(
        "comment", SITE, 1677)
    assert a.derive_id("comment", SITE, 1677) != b.derive_id("comment", SITE, 1677)
    assert a.derive_id("comment", SITE, 1677) != a.derive_id("post", SITE, 1677)
    assert a.fingerprint() != b.fingerprint() and SECRET.hex() not in a.fingerprint()
    assert origin_label(SITE) == origin_label(SITE + "/") == origin_label(SITE.upper())


def test_push_keeps_posts_but_renumbers_comments(tmp_path):
    """push finds the target's posts by slug and link: those stay; comment
    ids (the journal's keys) are still derived from the secret."""
    src = export(tmp_path)
    pipe = Pipeline([src], Options(anonymise=True, secret=SECRET), keep_posts=True)
    seen = []
    for site, post in pipe.posts():
        seen.append((site.key, post.id, post.slug, [c.id for c in post.comments]))
        pipe.settle(post)
    pipe.ledger.close()
    assert {s[0] for s in seen} == {SITE}
    assert [s[1] for s in seen] == list(POST_IDS)
    assert seen[0][2] == "answering-anna-kowalskis-question"
    assert all(i >= ID_LOW for s in seen for i in s[3])


def test_slugify_like_wordpress():
    assert slugify("Attachment to Your Therapist: Saying Good Bye") == \
        "attachment-to-your-therapist-saying-good-bye"
    assert slugify("Answering Anna Kowalski&#8217;s question") == "answering-anna-kowalskis-question"


def test_dedupe_review_is_anonymised_and_says_when_not_reproducible(tmp_path, run_cli):
    src = export(tmp_path)
    r = run_cli("dedupe", src, "--anonymise", env={"MIGRATOR_SECRET": ""})
    assert r.exit_code == 0, r.output
    assert "not reproducible" in r.stderr
    for token in OTHERS + ["13:45"]:
        assert token not in r.output, token
    for old in ("1679", "1680", "4101"):  # as whole numbers: the new ids are random digits
        assert not re.search(rf"(?<!\d){old}(?!\d)", r.output), old
    r = run_cli("dedupe", src, "--anonymise", env={"MIGRATOR_SECRET": SECRET.decode()})
    assert "not reproducible" not in r.stderr


@pytest.mark.parametrize("verb", ["convert", "dedupe"])
def test_short_secret_is_refused_in_one_line(tmp_path, run_cli, verb):
    src = export(tmp_path)
    r = run_cli(verb, src, "--anonymise", "--to" if verb == "convert" else "--json",
                *([f"sqlite:{tmp_path}/x.db"] if verb == "convert" else []),
                env={"MIGRATOR_SECRET": "fifteen bytes!!"})
    assert r.exit_code == 2
    assert r.stderr.count("\n") == 1 and "at least 16" in r.stderr
    assert not (tmp_path / "x.db").exists()
    key = tmp_path / "key"
    key.write_text("sixteen bytes!!!")
    r = run_cli(verb, src, "--anonymise", "--secret-file", key, "--to" if verb == "convert"
                else "--json", *([f"sqlite:{tmp_path}/x.db"] if verb == "convert" else []))
    assert r.exit_code == 0, r.output


# ---------------------------------------------------------------------------
# --keep-name keeps only its own person ([G] 4)
# ---------------------------------------------------------------------------


def test_keep_name_does_not_unmask_a_commenter_who_shares_a_word(tmp_path):
    """``--keep-name "Anna Berg"`` used to keep commenter Anna Kowalski's
    first name wherever written. Her word is hers now, unless 'Anna Berg' is
    written in full, or the comment is by or answers the kept person."""
    anna_k = ("Anna Kowalski", "ak@mail.example")
    anna_b = ("Anna Berg", "berg@mail.example")
    bob = ("Bob Ray", "bob@mail.example")
    src = write_export(tmp_path, [
        c(1, anna_k, "Hello everyone."),
        c(2, bob, "Thanks Anna, and Anna Berg too. Dear Anna, yes.", parent=1),
        c(3, anna_b, "Anna here. Kowalski is right.", user_id=2),
        c(4, bob, "Anna, I agree with you.", parent=3),
        c(5, ("Cy Moss", "cy@mail.example"), "Anna said so, and anna berg agreed."),
    ])
    posts = Pipeline([src], Options(anonymise=True, secret=SECRET, keep_names=("Anna Berg",)))
    got = {}
    for _, post in posts.posts():
        for x in post.comments:
            got[x.frozen_key[-1]] = (x.author_name, x.content)
        posts.settle(post)
    posts.ledger.close()
    k = Anonymiser(secret=SECRET).pseudonym(*anna_k)
    assert got[1][0] == k and got[3][0] == "Anna Berg"
    assert got[2][1] == f"Thanks {k}, and Anna Berg too. Dear {k}, yes."
    assert got[3][1] == f"Anna here. {k} is right."       # her own comment: her name
    assert got[4][1] == "Anna, I agree with you."           # an answer to her
    assert got[5][1] == f"{k} said so, and anna berg agreed."
    # Without anyone sharing the word, the kept name is kept everywhere.
    a = Anonymiser(secret=SECRET, keep_names=("Anna Berg",))
    assert a.scrub("Anna wrote, Anna Berg wrote.") == "Anna wrote, Anna Berg wrote."


def write_export(tmp_path, comments) -> str:
    path = tmp_path / "keep.xml"
    path.write_text(wxr([P(id=1, comments=comments)]), encoding="utf-8")
    return str(path)


def test_anonymised_json_still_meets_the_schemas(tmp_path):
    from sinks.test_json_sinks import read_jsonl, validator

    d, _ = convert(tmp_path, export(tmp_path))
    index = json.loads((d / "json" / "index.json").read_text())
    validator("index").validate(index)
    for entry in index["posts"]:
        validator("archive").validate(json.loads((d / "json" / entry["file"]).read_text()))
    assert sorted(os.listdir(d / "json")) == sorted(
        [e["file"] for e in index["posts"]] + ["index.json", ".migrator.json"])
    assert len(read_jsonl(d / "all.jsonl")) == 8
    validator("document").validate(json.loads((d / "one.json").read_text()))


def test_problem_messages_carry_no_original_id(tmp_path, run_cli):
    """A damaged thread (a parent cycle, an id collision between two files)
    makes problem messages that quote ids: under --anonymise they quote the
    derived ids, in stderr, in --json and in the report alike."""
    cycle = [P(id=5501, title="A post", site=SITE, comments=[
        C(id=7001, author="Anna Kowalski", email="a@x.example", content="One.", parent=7003),
        C(id=7002, author="Bob Ray", email="b@x.example", content="Two.", parent=7001),
        C(id=7003, author="Cleo Dunn", email="c@x.example", content="Three.", parent=7002)])]
    other = [P(id=5502, title="Another", site=SITE, comments=[
        C(id=7002, author="Dara Finch", email="d@x.example", content="Not the same comment.")])]
    (tmp_path / "a.xml").write_text(wxr(cycle, site=SITE), encoding="utf-8")
    (tmp_path / "b.xml").write_text(wxr(other, site=SITE), encoding="utf-8")
    report = tmp_path / "report.json"
    r = run_cli("convert", tmp_path / "a.xml", tmp_path / "b.xml", "--anonymise", "--json",
                "--to", f"jsonl:{tmp_path / 'out.jsonl'}", "--report", report,
                env={"MIGRATOR_SECRET": SECRET.decode()})
    assert r.exit_code == 0, r.output
    messages = [p["message"] for p in json.loads(report.read_text())["problems"]]
    assert any("cycle" in m for m in messages) and any("collision" in m for m in messages)
    said = r.stdout + r.stderr + json.dumps(messages)
    for old in ("7001", "7002", "7003", "5501", "5502", "2000007002", "1000007002"):
        assert not re.search(rf"(?<!\d){old}(?!\d)", said), (old, said)
    # ... and they are the ids the outputs use.
    ids = {json.loads(line)["id"] for line in (tmp_path / "out.jsonl").read_text().splitlines()
           if '"id"' in line and "comment" in line}
    assert any(str(i) in said for i in ids)


def test_dedupe_review_says_no_more_of_the_gap_than_the_dates(tmp_path, run_cli):
    """Two copies 61 seconds apart: the plain review says so; an anonymised
    one (dates to the day) says only that they came within a day."""
    posts = [P(id=9101, title="A post", site=SITE, comments=[
        C(id=9201, author="Anna Kowalski", email="a@x.example", content="Same words here.",
          date="2020-03-04 10:00:00"),
        C(id=9202, author="Anna Kowalski", email="a@x.example", content="Same words here.",
          date="2020-03-04 10:01:01")])]
    (tmp_path / "d.xml").write_text(wxr(posts, site=SITE), encoding="utf-8")
    plain = run_cli("dedupe", tmp_path / "d.xml")
    assert "1m 01s apart" in plain.stdout, plain.output
    anon = run_cli("dedupe", tmp_path / "d.xml", "--anonymise",
                   env={"MIGRATOR_SECRET": SECRET.decode()})
    assert anon.exit_code == 0, anon.output
    assert "within a day" in anon.stdout and "1m" not in anon.stdout, anon.stdout
    assert "10:01" not in anon.stdout and "10:00" not in anon.stdout
