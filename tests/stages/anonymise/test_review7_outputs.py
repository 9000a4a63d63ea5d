"""The seventh review: what an anonymised run lets out beside the comment
bodies (fields a hostile export fills, problem messages, file names, the
runs table). Each test is a leak found by running the tool the way a user
would; the exports are generated here.
"""
from __future__ import annotations

import json
import os
import re
import sqlite3

import pytest

from migrator import api
from migrator.pipeline import Options
from wxr_builder import C, P, wxr

SITE = "https://blog.hollyhock-notes.example"
SECRET = b"a secret of at least sixteen bytes"


def write(tmp_path, posts, name="export.xml") -> str:
    path = tmp_path / name
    path.write_text(wxr(posts, site=SITE, title="Hollyhock Notes"), encoding="utf-8")
    return str(path)


def convert(tmp_path, src, out="out", **kw):
    d = tmp_path / out
    d.mkdir()
    targets = [f"sqlite:{d}/db.sqlite", f"json:{d}/json/", f"json:{d}/one.json",
               f"jsonl:{d}/all.jsonl", f"wxr:{d}/clean.wxr", f"html:{d}/html/"]
    o = dict(statuses=None, types=None, anonymise=True, secret=SECRET)
    o.update(kw)
    ledger = api.convert([src], targets, Options(**o), private_fields=True,
                         report=str(tmp_path / f"{out}-report.json"))
    return d, ledger


def everything(d) -> tuple[str, list[str]]:
    """Every file's text (SQLite: every cell of every table) and every file name."""
    texts, names = [], []
    for root, _, files in os.walk(d):
        for f in files:
            names.append(f)
            p = os.path.join(root, f)
            if f.endswith(".sqlite"):
                db = sqlite3.connect(p)
                for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'"):
                    texts += [str(v) for row in db.execute(f'SELECT * FROM "{t}"') for v in row]
                db.close()
            else:
                with open(p, encoding="utf-8") as fh:
                    texts.append(fh.read())
    return "\n".join(texts), names


def test_a_name_only_in_the_e_mail_is_that_commenters(tmp_path):
    """A commenter who signs "Anonymous" (or only a first name) but writes
    from mike.thornbury@...: the surname other comments use is theirs."""
    src = write(tmp_path, [P(id=4101, site=SITE, comments=[
        C(id=1, author="Anonymous", email="bartholomew.quince@quince.example", content="Hi."),
        C(id=2, author="Mike", email="mike.thornbury@example.net", content="Hello."),
        C(id=3, author="anon", email="j.fairweather@example.net", content="Hey."),
        C(id=4, author="Zed", email="zed@example.net",
          content="Thanks, Mike and Bartholomew! Thornbury said so, and I agree with "
                  "Fairweather. Quince is right."),
        # ordinary local parts give no names: 'info', 'sales', 'garden'
        C(id=5, author="Shop", email="info.sales@shop.example", content="Buy."),
        C(id=6, author="Zed", email="zed@example.net",
          content="Sales were down, Info desk closed. The rose garden is lovely."),
    ])])
    d, _ = convert(tmp_path, src)
    data, _ = everything(d)
    for token in ("Bartholomew", "Quince", "Thornbury", "Fairweather"):
        assert not re.search(rf"\b{token}\b", data), token
    assert "Sales were down, Info desk closed. The rose garden is lovely." in data


def test_a_cut_off_title_in_a_problem_keeps_no_half_name(tmp_path):
    """A truncated file's message quotes the cut post's title: cut in the
    middle of a name, the half name matches no rule and went out as it was."""
    title = "Photos from the garden party, by Kowalski and Quince"
    assert title[:40].endswith("Kowalsk")
    doc = wxr([P(id=4101, site=SITE, comments=[
                  C(id=1, author="Anna Kowalski", email="anna.k@gmail.example", content="Hi.")]),
               P(id=4102, title=title, site=SITE, comments=[
                  C(id=2, author="Bob Quince", email="bq@quince.example", content="One."),
                  C(id=3, author="Bob Quince", email="bq@quince.example",
                    content="Two, cut off here and there.")])],
              site=SITE, title="Hollyhock Notes")
    src = tmp_path / "cut.xml"
    src.write_text(doc[:doc.index("cut off here")], encoding="utf-8")
    d, ledger = convert(tmp_path, str(src))
    messages = " ".join(p.message for p in ledger.problems)
    assert "truncated" in messages
    assert "Kowalsk" not in messages and "Quince" not in messages, messages
    report = (tmp_path / "out-report.json").read_text()
    assert "Kowalsk" not in report


def test_a_name_kept_by_its_e_mail_is_not_written_into_the_runs_table(tmp_path):
    """--keep-name accepts an e-mail; kept people still lose their e-mail,
    so the run's recorded options must not carry it."""
    src = write(tmp_path, [P(id=4101, site=SITE, comments=[
        C(id=1, author="Holly Walker", email="holly.walker@hollyhock.example", content="Hi."),
        C(id=2, author="Anna Kowalski", email="anna.k@gmail.example", content="Hello Holly.")])])
    d, _ = convert(tmp_path, src, keep_names=("holly.walker@hollyhock.example",))
    data, _ = everything(d)
    assert "Holly Walker" in data  # kept
    assert "holly.walker@" not in data
    options = json.loads(sqlite3.connect(d / "db.sqlite").execute(
        "SELECT options FROM runs").fetchone()[0])
    assert options["keep_names"] and "@" not in json.dumps(options)


def test_an_attachment_titled_by_its_file_name_is_scrubbed(tmp_path):
    """WordPress titles an upload after its file: 'anna_kowalski_portrait.jpg'.
    The slug was scrubbed word by word; the title went out as it was."""
    src = write(tmp_path, [
        P(id=4101, site=SITE, comments=[
            C(id=1, author="Anna Kowalski", email="anna.k@gmail.example", content="Hi.")]),
        P(id=4102, site=SITE, type="attachment", title="anna_kowalski_portrait.jpg",
          slug="anna_kowalski_portrait"),
        P(id=4103, site=SITE, type="attachment", title="Kowalski-Anna-2019",
          slug="kowalski-anna-2019"),
        P(id=4104, site=SITE, type="attachment", title="IMG_2041.jpg", slug="img_2041"),
    ])
    d, _ = convert(tmp_path, src)
    data, names = everything(d)
    assert not re.search(r"(?i)kowalski|anna", data)
    assert not any(re.search(r"(?i)kowalski|anna", n) for n in names), names
    assert "IMG_2041.jpg" in data  # a file name naming nobody stays


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_slug_that_is_the_post_id_does_not_carry_it_out(tmp_path, jobs):
    """WordPress gives an untitled post its id as slug ('4101'): kept as
    written, it put the original id into file names, links and post_name."""
    doc = wxr([
        P(id=4101, title="", slug="4101", site=SITE, comments=[
            C(id=1677, author="Anna Kowalski", email="anna.k@gmail.example", content="Hi.")]),
        P(id=4102, title="Top 10 of 2019", slug="top-10-of-2019-4102", site=SITE),
        P(id=4103, title="Party", slug="4102-revision-v1", type="revision", site=SITE),
    ], site=SITE, title="Hollyhock Notes")
    # a revision's slug is its parent's id
    doc = doc.replace("<wp:post_id>4103</wp:post_id>",
                      "<wp:post_id>4103</wp:post_id><wp:post_parent>4102</wp:post_parent>")
    src = tmp_path / "ids.xml"
    src.write_text(doc, encoding="utf-8")
    d, _ = convert(tmp_path, str(src), jobs=jobs)
    data, names = everything(d)
    assert "revision-v1" in data
    for i in (4101, 4102, 4103, 1677):
        assert not re.search(rf"(?<!\d){i}(?!\d)", data), i
        assert not any(re.search(rf"(?<!\d){i}(?!\d)", n) for n in names), (i, names)
    assert any(n.endswith("-top-10-of-2019.json") for n in names), names


def test_a_site_users_original_id_does_not_lead_back_to_them(tmp_path):
    """A pseudonymised user kept their wp:author_id: on the live original,
    '/?author=7' redirects to their login and shows their name."""
    from wxr_builder import author

    authors = (author("hwalker", "holly.walker@hollyhock.example", "Holly Walker", id=7)
               + author("staff", "staff@hollyhock.example", "Jeffery Smith", id=8))
    path = tmp_path / "users.xml"
    path.write_text(wxr([P(id=4101, site=SITE, author="hwalker", comments=[
        C(id=1, author="Holly Walker", email="holly.walker@hollyhock.example", user_id=7,
          content="Hi."),
        C(id=2, author="Jeffery Smith", email="staff@hollyhock.example", user_id=8,
          content="Hello.")])], site=SITE, title="Hollyhock Notes", authors=authors),
        encoding="utf-8")
    d, _ = convert(tmp_path, str(path), keep_names=("Jeffery Smith",))
    wxr_out = (d / "clean.wxr").read_text()
    ids = re.findall(r"<wp:author_id>(\d+)</wp:author_id>", wxr_out)
    assert len(ids) == 2 and "7" not in ids, ids
    assert "8" in ids  # a kept user is shown as they are, with their id
    assert "<wp:comment_user_id>7<" not in wxr_out


def test_a_name_in_the_web_site_field_is_that_commenters(tmp_path):
    """A commenter 'Reader' whose site is thaddeus-marchbanks.example is
    called 'Marchbanks' by others: the URL field named them, and only it."""
    src = write(tmp_path, [P(id=4101, site=SITE, comments=[
        C(id=1, author="Reader", email="r@example.net",
          url="https://www.thaddeus-marchbanks.example/about/", content="Hi."),
        C(id=2, author="Guest", email="g@example.net",
          url="https://twitter.example/ophelia_thistlewood", content="Hello."),
        C(id=3, author="Cook", email="c@example.net",
          url="https://my-cooking-blog.example/", content="Yum."),
        C(id=4, author="Zed", email="zed@example.net",
          content="Marchbanks wrote it first, and Thaddeus agreed. Ophelia too. "
                  "My Cooking Blog is a good read."),
    ])])
    d, _ = convert(tmp_path, src)
    data, _ = everything(d)
    for token in ("Marchbanks", "Thaddeus", "Ophelia"):
        assert not re.search(rf"\b{token}\b", data), token
    assert "My Cooking Blog is a good read." in data


def test_strict_refusal_of_an_anonymised_run_names_no_original_id_or_title(tmp_path, run_cli):
    """--strict stops before writing and says where the damage is: it quoted
    the original ids and title, unscrubbed, though every other message of an
    anonymised run is."""
    doc = wxr([P(id=4101, site=SITE, comments=[
                  C(id=1, author="Anna Kowalski", email="anna.k@gmail.example", content="Hi.")]),
               P(id=4102, title="Garden party, by Anna Kowalski", site=SITE, comments=[
                  C(id=1678, author="Bob Quince", email="bq@quince.example",
                    content="Two, cut off here and there.")])],
              site=SITE, title="Hollyhock Notes")
    src = tmp_path / "cut.xml"
    # cut inside the item, before its comments: the message quotes the title
    src.write_text(doc[:doc.index("<wp:comment>", doc.index("Garden party"))], encoding="utf-8")
    r = run_cli("convert", src, "--anonymise", "--strict", "--to", f"sqlite:{tmp_path}/x.db",
                env={"MIGRATOR_SECRET": SECRET.decode()})
    assert r.exit_code == 1 and "truncated" in r.stderr, r.stderr
    assert not re.search(r"Kowalski|Anna|(?<!\d)410[12](?!\d)", r.stderr), r.stderr
    assert not os.path.exists(tmp_path / "x.db")


def test_wordpress_markup_naming_a_post_by_id_is_renumbered(tmp_path):
    """Captions, image classes, galleries, blocks and '?attachment_id=' name
    an upload or a page by its original id; the live site answers each one.
    They now carry the derived id the upload itself gets in the outputs."""
    body = ('[caption id="attachment_4102" align="alignnone" width="300"]'
            '<img class="wp-image-4102 size-medium" src="/up/party.jpg" /> The party[/caption]\n'
            '[gallery ids="4102,4103"]\n<!-- wp:image {"id":4102,"sizeSlug":"large"} -->\n'
            '<figure class="wp-block-image"><img data-id="4102" class="wp-image-4102"/></figure>\n'
            '<!-- /wp:image -->\n<p>See ?attachment_id=4102 and ?page_id=4103, but 4102 '
            'balloons stay.</p>')
    src = write(tmp_path, [
        P(id=4101, title="Party", slug="party", content=body, site=SITE, comments=[
            C(id=1677, author="Anna Kowalski", email="a@k.example",
              content='Love [caption id="attachment_4102"]x[/caption] and ?attachment_id=4102')]),
        P(id=4102, title="party", slug="party-2", type="attachment", site=SITE),
        P(id=4103, title="About", slug="about", type="page", site=SITE)])
    d, _ = convert(tmp_path, src)
    data, _ = everything(d)
    refs = re.findall(r"(?:attachment_|wp-image-|data-id=\"|_id=|ids=\"|\"id\":)(\d+)", data)
    assert refs and not {r for r in refs if len(r) < 16}, refs
    posts = {r[0]: r[1] for r in sqlite3.connect(d / "db.sqlite").execute(
        "SELECT slug, id FROM posts")}
    assert f"attachment_{posts['party-2']}" in data  # the upload's own new id
    assert f'[gallery ids="{posts["party-2"]},{posts["about"]}"]' in data
    assert "but 4102 balloons stay" in data  # a number in prose is no id


def test_rounded_local_and_gmt_dates_together_say_no_more_than_the_day(tmp_path):
    """Each rounded alone, a comment at 21:30 in New York (02:30 GMT the next
    day) got two different days, and one at 12:30 the same day: the pair
    told which comments came in the last five hours of the day. Now the GMT
    date keeps the site's offset to the rounded local one."""
    src = write(tmp_path, [P(id=4101, site=SITE, date="2019-05-04 08:00:00",
                             date_gmt="2019-05-04 13:00:00", comments=[
        C(id=1, author="Anna Kowalski", email="a@k.example", content="Late at night, I think.",
          date="2019-05-04 21:30:00", date_gmt="2019-05-05 02:30:00"),
        C(id=2, author="Bob Quince", email="b@q.example", content="At midday, I think.",
          date="2019-05-04 12:30:00", date_gmt="2019-05-04 17:30:00"),
        # damaged: an offset no clock has; each is rounded alone
        C(id=3, author="Cara Dune", email="c@d.example", content="An odd clock, I think.",
          date="2019-05-04 12:30:00", date_gmt="2019-05-04 09:17:13")])])
    d, _ = convert(tmp_path, src)
    rows = {json.loads(x)["content"]: json.loads(x) for x in
            (d / "all.jsonl").read_text().splitlines()}
    late, midday = rows["Late at night, I think."], rows["At midday, I think."]
    assert (late["date"], late["date_gmt"]) == (midday["date"], midday["date_gmt"]) == (
        "2019-05-04T00:00:00", "2019-05-04T05:00:00Z")
    assert (rows["An odd clock, I think."]["date"], rows["An odd clock, I think."]["date_gmt"]) == (
        "2019-05-04T00:00:00", "2019-05-04T00:00:00Z")
    post = json.loads((d / "one.json").read_text())["posts"][0]["post"]
    assert (post["date"], post["date_gmt"]) == ("2019-05-04T00:00:00", "2019-05-04T05:00:00Z")
    assert "2019-05-04 21:30" not in (d / "clean.wxr").read_text()


def test_a_handle_with_its_at_sign_as_display_name_is_looked_for(tmp_path):
    """'@ophelia_t' as display name was read as an e-mail with nothing before
    its '@': no name and no handle were learned, and others' 'ophelia_t' and
    'Ophelia' stayed."""
    src = write(tmp_path, [P(id=4101, site=SITE, comments=[
        C(id=1, author="@ophelia_t", email="", content="Hi."),
        C(id=2, author="Zed", email="zed@example.net",
          content="Thanks ophelia_t, and well said, Ophelia.")])])
    d, _ = convert(tmp_path, src)
    data, _ = everything(d)
    assert not re.search(r"(?i)ophelia", data)


def test_anchors_naming_a_comment_by_id_follow_it_to_its_new_id(tmp_path):
    """'#comment-1677' in text, 'id="comment-1677"', 'div-comment-1677' kept
    the original ids of comments (links were already cut): on the live
    site each leads to the comment and its real name."""
    src = write(tmp_path, [P(id=4101, site=SITE, excerpt="About comment-1677 here", comments=[
        C(id=1677, author="Anna Kowalski", email="a@k.example", content="First of all."),
        C(id=1678, parent=1677, author="Bob Quince", email="b@q.example",
          content='<span id="div-comment-1677">x</span> see #comment-1677 '
                  '/2019/05/party/comment-page-2/#comment-1677 and comment 1677 in words')])])
    d, _ = convert(tmp_path, src)
    data, _ = everything(d)
    assert not re.search(r"comment-(?:1677|1678)(?!\d)", data)
    new = sqlite3.connect(d / "db.sqlite").execute(
        "SELECT id FROM comments WHERE content = 'First of all.'").fetchone()[0]
    assert f"#comment-{new} " in data and f"div-comment-{new}" in data
    assert "comment-page-2" in data and "comment 1677 in words" in data
