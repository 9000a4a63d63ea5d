"""One scan over every output of an anonymised run ([G] "done means").

For the reference thread (``fixtures/therapy-thread.wxr``, its author kept
as its manifest says), every ``fixtures/*.wxr`` and every real export another
helper adds under ``fixtures/real/*.xml``: ``migrator convert --anonymise``
into SQLite, JSON (folder and file), JSONL with ``--private-fields``, WXR and
HTML, then every byte written, every file name, stdout and stderr are
searched for every personal token the export itself holds:

* each commenter's name (and its words that are not common words), e-mail,
  its local part, IP and URL - a kept person keeps the name but never the
  rest;
* the site's own users (``wp:author``): login, e-mail, names, unless kept;
  every post author (``dc:creator``) but a kept one;
* the original site's URL and host (its name may stay);
* every original post and comment id, as ids, ``#comment-N`` anchors and
  links.

The ledger report is left out: it is private by design (it maps old ids to
new ones).
"""
from __future__ import annotations

import glob
import json
import os
import re
import sqlite3
from urllib.parse import urlparse

import pytest

from migrator.ledger import Ledger
from migrator.stages.anonymise import people as peoplemod
from migrator.stages.anonymise import words as wordlists
from migrator.wxr.reader import WXRReader
from paths import FIXTURES

SECRET = "the test secret, long enough"
EXPORTS = sorted(glob.glob(os.path.join(FIXTURES, "*.wxr")) +
                 glob.glob(os.path.join(FIXTURES, "real", "*.xml")))


def kept_names(path: str) -> tuple[str, ...]:
    """The reference thread keeps its blog author (as the README shows)."""
    manifest = os.path.splitext(path)[0] + ".manifest.json"
    if os.path.exists(manifest):
        with open(manifest, encoding="utf-8") as fh:
            a = json.load(fh).get("blog_author")
        if isinstance(a, dict) and a.get("name"):
            return (a["name"],)
    return ()


def _words(name: str) -> set[str]:
    return {w for w in peoplemod._name_words(name)
            if not peoplemod._is_initial(w) and len(w) >= 3
            and w.lower() not in wordlists.COMMON_WORDS}


def personal(path: str, keep: tuple[str, ...]) -> tuple[set[str], set[int], list[str]]:
    """(tokens, original ids, site URLs) of the export, read with the reader."""
    kept = {tuple(w.lower() for w in peoplemod._name_words(k)) for k in keep}

    def is_kept(name: str) -> bool:
        return tuple(w.lower() for w in peoplemod._name_words(name)) in kept

    tokens: set[str] = set()
    ids: set[int] = set()
    ledger = Ledger()
    reader = WXRReader(path, ledger)
    try:
        for post in reader.posts():
            ids.add(post.id)
            a = post.author.strip()  # dc:creator: a login, or a name
            if a and not is_kept(a) and a.lower() not in wordlists.COMMON_WORDS:
                tokens.add(a)
                tokens |= _words(a)
            for c in post.comments:
                ids.add(c.id)
                if c.author_email:
                    tokens.add(c.author_email)
                    local = c.author_email.split("@")[0]
                    if len(local) >= 4 and local.lower() not in wordlists.COMMON_WORDS:
                        tokens.add(local)
                if c.author_ip:
                    tokens.add(c.author_ip)
                if c.author_url and urlparse(c.author_url).netloc:
                    tokens.add(c.author_url.rstrip("/"))
                if c.type == "comment" and c.author_name.strip() and not is_kept(c.author_name):
                    tokens.add(c.author_name.strip())
                    tokens |= _words(c.author_name)
    finally:
        ledger.close()
    site = reader.site
    for a in site.authors:
        if a.email:
            tokens.add(a.email)
        full = a.display_name or " ".join(x for x in (a.first_name, a.last_name) if x)
        if is_kept(full) or is_kept(f"{a.first_name} {a.last_name}"):
            tokens.discard(a.login)  # a kept user's login stays, as dc:creator too
        else:
            for x in (a.login, a.display_name):
                if x and len(x) >= 3 and x.lower() not in wordlists.COMMON_WORDS:
                    tokens.add(x)
            tokens |= _words(full)
    urls = []
    for u in {site.base_site_url, site.base_blog_url, site.link}:
        u = (u or "").rstrip("/")
        if urlparse(u).netloc:
            urls += [u, urlparse(u).netloc]
    # The site's name may stay (a user named like the site, as in a demo).
    title = (site.title or "").lower()
    tokens = {t for t in tokens if len(t.strip()) >= 3 and t.lower() not in title}
    return tokens, {i for i in ids if i > 0}, urls


def forms(s: str) -> set[bytes]:
    import html

    out = {s, json.dumps(s)[1:-1], html.escape(s), html.escape(s).replace("&#x27;", "&#39;"),
           html.escape(s, quote=False)}
    return {f.encode("utf-8") for f in out}


def found(token: str, data: bytes) -> bool:
    """``token`` as a whole word, in any encoding an output uses. A single
    word is looked for as written (a surname 'Waiting' is not 'still
    waiting'; names that are words are [F]'s to tell apart), anything longer
    (full names, e-mails, URLs, IPs) in any case."""
    flags = 0 if re.fullmatch(r"[^\W\d_]+", token) else re.I
    return any(re.search(rb"(?<![\w@.])" + re.escape(f) + rb"(?![\w@])", data, flags)
               for f in forms(token))


#: Where an id stands as an id, an anchor or a link, in any output.
_ID_SPOTS = [rb'"(?:id|post_id|parent_id|original_parent_id|source_id|comment_id)": (\d+)',
             rb"<wp:(?:comment_id|comment_parent|post_id|post_parent)>(\d+)<",
             rb"comment-(\d+)", rb"[?&](?:p|page_id|attachment_id)=(\d+)",
             rb"replytocom=(\d+)"]


def ids_in(data: bytes) -> set[int]:
    return {int(m) for spot in _ID_SPOTS for m in re.findall(spot, data)}


def convert_everywhere(run_cli, path, out, report, keep=()) -> tuple[bytes, list[str]]:
    """``convert --anonymise`` into every file target: (every byte written,
    stdout and stderr; every file name)."""
    targets = [f"sqlite:{out}/db.sqlite", f"json:{out}/json/", f"json:{out}/all.json",
               f"jsonl:{out}/all.jsonl", f"wxr:{out}/clean.wxr", f"html:{out}/html/"]
    args = ["convert", path, "--anonymise", "--status", "all", "--type", "all",
            "--private-fields", "--json", "--report", report]
    for k in keep:
        args += ["--keep-name", k]
    for t in targets:
        args += ["--to", t]
    r = run_cli(*args, env={"MIGRATOR_SECRET": SECRET})
    assert r.exit_code == 0, r.output
    data, names = r.stdout.encode() + r.stderr.encode(), []
    for root, _, files in os.walk(out):
        for f in files:
            names.append(f)
            with open(os.path.join(root, f), "rb") as fh:
                data += fh.read()
    return data, names


@pytest.fixture(scope="module")
def tool_text(tmp_path_factory):
    """What the outputs say whatever the export (templates, headers: "a
    WordPress eXtended RSS file"): a word found there is no leak."""
    from click.testing import CliRunner

    from migrator.cli import cli
    from wxr_builder import C, P, write

    tmp = tmp_path_factory.mktemp("baseline")
    src = write(tmp, [P(id=1, title="Qz", comments=[
        C(id=1, author="Zq Xv", content="Qx."),
        C(id=2, parent=1, author="Xq Zv", content="Qv.", approved="0", type="pingback")])],
        site="https://qz.invalid")

    def run(*args, env=None):
        return CliRunner().invoke(cli, [str(a) for a in args], env=env, catch_exceptions=False)

    return convert_everywhere(run, src, tmp / "out", tmp / "report.json")[0]


@pytest.mark.parametrize("path", EXPORTS, ids=[os.path.relpath(p, FIXTURES) for p in EXPORTS])
def test_no_personal_token_in_any_output(path, tmp_path, run_cli, tool_text):
    keep = kept_names(path)
    tokens, ids, urls = personal(path, keep)
    tokens = {t for t in tokens if not found(t, tool_text)}
    out = tmp_path / "out"
    data, names = convert_everywhere(run_cli, path, out, tmp_path / "private-report.json", keep)
    with sqlite3.connect(out / "db.sqlite") as db:  # SQL ids as numbers, not text
        sql_ids = {i for table, cols in (("comments", "id, post_id, parent_id, source_id"),
                                         ("posts", "id"))
                   for row in db.execute(f"SELECT {cols} FROM {table}") for i in row if i}
        written = db.execute("SELECT count(*) FROM comments").fetchone()[0]
    report = json.loads((tmp_path / "private-report.json").read_text())
    assert written == report["totals"]["written"]
    leaks = sorted(t for t in tokens if found(t, data) or any(
        t.lower() in n.lower() for n in names))
    assert not leaks, f"{len(leaks)} of {len(tokens)} personal tokens survive: {leaks[:20]}"
    for u in urls:
        assert u.encode() not in data, u
    named = sorted((ids_in(data) | sql_ids | {int(m) for n in names
                                              for m in re.findall(r"\d+", n)}) & ids)
    assert not named, f"original ids in outputs: {named[:20]}"
    print(f"{os.path.relpath(path, FIXTURES)}: {len(tokens)} personal tokens, {len(ids)} ids, "
          f"{written} comments written: 0 found")
