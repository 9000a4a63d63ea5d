"""One kind of rows per site ([G] 3): anonymised output never joins earlier
plain output of the same site (or the reverse, or another secret's) in one
database or folder, unless --replace deletes the earlier output first.

On SQLite and on PostgreSQL (``db_url``; run under ``flock /tmp/migrator-pg.lock``).
"""
from __future__ import annotations

import os

import pytest
from sqlalchemy import create_engine, text

from migrator import api
from migrator.pipeline import Options, Pipeline
from migrator.sinks import open_sink
from migrator.sinks.common import MARKER, StaleOutput
from wxr_builder import C, P, write

SECRET = b"one secret, sixteen bytes or more"
OTHER = b"another secret, also long enough"
SITE = "https://anna-and-friends.example"


def export(tmp_path) -> str:
    return write(tmp_path, [P(id=7, title="A post", site=SITE, comments=[
        C(id=1, author="Anna Kowalski", email="anna@mail.example", ip="203.0.113.9",
          content="First.", meta=[("akismet_history", "anna 203.0.113.9")]),
        C(id=2, parent=1, author="Bob Ray", email="bob@mail.example", content="Second."),
        C(id=3, author="Spammer", email="s@spam.example", content="Buy.", approved="spam"),
    ])], site=SITE)


def anon(secret=SECRET, **kw) -> Options:
    return Options(anonymise=True, secret=secret, **kw)


def dump(url) -> dict:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return {
                "sites": conn.execute(text(
                    "SELECT key, anonymised, fingerprint FROM sites ORDER BY key")).all(),
                "comments": conn.execute(text(
                    "SELECT site, id, author_name, author_email, author_ip FROM comments "
                    "ORDER BY site, id")).all(),
                "meta": conn.execute(text("SELECT value FROM comment_meta")).all(),
                "runs": conn.execute(text(
                    "SELECT anonymised, fingerprint, status FROM runs ORDER BY id")).all(),
            }
    finally:
        engine.dispose()


def blob(d: dict) -> str:
    return repr(d)


def test_anonymised_rows_never_join_plain_ones(db_url, tmp_path):
    src = export(tmp_path)
    api.convert([src], [db_url], Options(statuses=None))  # --status all: spam too
    before = dump(db_url)
    assert "anna@mail.example" in blob(before) and len(before["comments"]) == 3
    with pytest.raises(StaleOutput, match="without --anonymise.*--replace"):
        api.convert([src], [db_url], anon())
    assert dump(db_url) == before  # nothing written, not even a run row
    api.convert([src], [db_url], anon(), replace=True)
    after = dump(db_url)
    text_ = blob(after)
    for old in ("anna@mail.example", "Anna", "203.0.113.9", SITE, "Spammer", "akismet"):
        assert old not in text_, old
    assert len(after["comments"]) == 2 and not after["meta"]
    (key, anonymised, fingerprint), = after["sites"]
    assert anonymised and len(fingerprint) == 32 and SECRET.decode() not in text_
    assert key.endswith(".anonymous.invalid")
    assert [r[0] for r in after["runs"]] == [False, True]


def test_a_meta_row_no_longer_kept_goes_when_its_comment_is_rewritten(db_url, tmp_path):
    """An anonymised run that kept a meta key (--keep-meta), then one of the
    same secret that does not: the comment is rewritten, and its old meta row
    (a name and an IP) went on standing beside it. Plain runs alike: a meta
    row the export no longer has is not the comment's any more."""
    src = export(tmp_path)
    api.convert([src], [db_url], anon(keep_meta=("akismet_history",)))
    assert "203.0.113.9" in blob(dump(db_url)["meta"])
    api.convert([src], [db_url], anon())
    assert dump(db_url)["meta"] == []
    other = tmp_path / "plain"
    other.mkdir()
    plain = export(other)
    api.convert([plain], [db_url], Options(), replace=True)
    assert len(dump(db_url)["meta"]) == 1
    with open(plain, encoding="utf-8") as fh:
        doc = fh.read()
    with open(plain, "w", encoding="utf-8") as fh:
        fh.write(doc.replace("<wp:commentmeta>", "<!--").replace("</wp:commentmeta>", "-->"))
    api.convert([plain], [db_url], Options())
    assert dump(db_url)["meta"] == []


def test_the_same_site_under_another_spelling_of_its_url_is_the_same_site(db_url, tmp_path):
    """A plain run from an export that spells the site http://www.… and an
    anonymised run from one that spells it https://… are one site: refused."""
    variant = "http://www." + SITE.split("://", 1)[1] + "/"
    plain_dir, anon_dir = tmp_path / "plain", tmp_path / "anon"
    plain_dir.mkdir()
    anon_dir.mkdir()
    plain = write(plain_dir, [P(id=7, title="A post", site=variant, comments=[
        C(id=1, author="Anna Kowalski", email="anna@mail.example", content="First.")])],
        site=variant)
    api.convert([plain], [db_url], Options())
    before = dump(db_url)
    with pytest.raises(StaleOutput):
        api.convert([export(anon_dir)], [db_url], anon())
    assert dump(db_url) == before


def test_plain_rows_never_join_anonymised_ones_nor_another_secret(db_url, tmp_path):
    src = export(tmp_path)
    api.convert([src], [db_url], anon())
    first = dump(db_url)
    api.convert([src], [db_url], anon())  # the same secret again: a re-run, same rows
    again = dump(db_url)
    assert again["comments"] == first["comments"] and len(again["runs"]) == 2
    with pytest.raises(StaleOutput, match="with --anonymise under another secret"):
        api.convert([src], [db_url], anon(OTHER))
    with pytest.raises(StaleOutput, match="written with --anonymise: write"):
        api.convert([src], [db_url], Options())
    assert dump(db_url)["comments"] == first["comments"]
    api.convert([src], [db_url], Options(), replace=True)
    plain = dump(db_url)
    assert {r[0] for r in plain["comments"]} == {SITE}
    assert {r[1] for r in plain["comments"]} == {1, 2}
    assert plain["sites"] == [(SITE, False, None)]


def test_other_sites_rows_are_left_alone(db_url, tmp_path):
    src = export(tmp_path)
    other = write(tmp_path, [P(id=1, site="https://other.example", comments=[C(id=1)])],
                  name="other.xml", site="https://other.example")
    api.convert([other], [db_url], Options())
    api.convert([src], [db_url], anon())  # a new site: nothing to refuse
    api.convert([src], [db_url], anon(), replace=True)
    sites = {r[0] for r in dump(db_url)["sites"]}
    assert "https://other.example" in sites and len(sites) == 2


def test_cli_refuses_in_one_line_and_replace_deletes(tmp_path, run_cli):
    src = export(tmp_path)
    db = tmp_path / "blog.db"
    assert run_cli("convert", src, "--status", "all", "--to", f"sqlite:{db}").exit_code == 0
    env = {"MIGRATOR_SECRET": SECRET.decode()}
    r = run_cli("convert", src, "--anonymise", "--to", f"sqlite:{db}", env=env)
    assert r.exit_code == 2 and r.stderr.count("\n") == 1, r.output
    assert "--replace" in r.stderr and "Traceback" not in r.output
    r = run_cli("convert", src, "--anonymise", "--replace", "--to", f"sqlite:{db}", env=env)
    assert r.exit_code == 0, r.output
    assert b"anna@mail.example" not in db.read_bytes()
    # no secret: each run has a random one, so a second run is another secret's
    r = run_cli("convert", src, "--anonymise", "--to", f"sqlite:{db}", env={"MIGRATOR_SECRET": ""})
    assert r.exit_code == 2 and "no secret was given" in r.stderr and r.stderr.count("\n") == 1


def test_older_database_without_the_new_columns(tmp_path):
    """A database an older migrator wrote: its rows count as not anonymised."""
    src = export(tmp_path)
    url = f"sqlite:///{tmp_path / 'old.db'}"
    api.convert([src], [url], Options())
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP INDEX ix_sites_origin"))
        for table, col in (("sites", "origin"), ("sites", "anonymised"),
                           ("sites", "fingerprint"), ("runs", "anonymised"),
                           ("runs", "fingerprint")):
            conn.execute(text(f"ALTER TABLE {table} DROP COLUMN {col}"))
    engine.dispose()
    with pytest.raises(StaleOutput):
        api.convert([src], [url], anon())
    api.convert([src], [url], Options())  # plain again: fine, and the columns are back
    assert dump(url)["sites"] == [(SITE, False, None)]


class Boom:
    """A sink that fails on the first post (the run fails)."""

    def open(self, run):
        pass

    def write_post(self, site, post, ledger):
        raise RuntimeError("boom")

    def close(self, ok):
        pass


def test_replace_deletes_nothing_when_the_run_fails(tmp_path):
    src = export(tmp_path)
    url = f"sqlite:///{tmp_path / 'x.db'}"
    api.convert([src], [url, f"json:{tmp_path}/j/", f"html:{tmp_path}/h/"], Options())
    before = dump(url)
    files = sorted(os.listdir(tmp_path / "j")), sorted(os.listdir(tmp_path / "h"))
    sinks = [open_sink(t, replace=True) for t in (url, f"json:{tmp_path}/j/",
                                                   f"html:{tmp_path}/h/")]
    with pytest.raises(RuntimeError):
        Pipeline([src], anon()).run(sinks + [Boom()])
    assert dump(url)["comments"] == before["comments"]
    assert (sorted(os.listdir(tmp_path / "j")), sorted(os.listdir(tmp_path / "h"))) == files


@pytest.mark.parametrize("kind,ext", [("json", ".json"), ("html", ".html")])
def test_folders_keep_to_one_kind(tmp_path, kind, ext):
    src = export(tmp_path)
    folder = tmp_path / "out"
    target = f"{kind}:{folder}/"
    api.convert([src], [target], Options())
    plain = sorted(os.listdir(folder))
    assert MARKER not in plain  # a plain folder looks as it always did
    api.convert([src], [target], Options())  # plain again: fine
    with pytest.raises(StaleOutput, match="--replace"):
        api.convert([src], [target], anon())
    assert sorted(os.listdir(folder)) == plain
    (folder / "notes.txt").write_text("mine")  # not ours: never touched
    api.convert([src], [target], anon(), replace=True)
    now = sorted(os.listdir(folder))
    assert MARKER in now and "notes.txt" in now
    assert not (set(plain) - {"index" + ext}) & set(now), "every plain file is gone"
    data = b"".join((folder / n).read_bytes() for n in now if n.endswith(ext))
    assert b"Anna" not in data and SITE.encode() not in data
    api.convert([src], [target], anon())  # the same secret: a re-run
    with pytest.raises(StaleOutput, match="another secret"):
        api.convert([src], [target], anon(OTHER))
    with pytest.raises(StaleOutput, match="with --anonymise"):
        api.convert([src], [target], Options())
    api.convert([src], [target], Options(), replace=True)
    assert MARKER not in os.listdir(folder)


def test_anonymised_run_refuses_a_folder_an_older_run_filled(tmp_path):
    src = export(tmp_path)
    folder = tmp_path / "old"
    folder.mkdir()
    (folder / "7-a-post.json").write_text("{}")
    with pytest.raises(StaleOutput, match="cannot be told"):
        api.convert([src], [f"json:{folder}/"], anon())


def test_a_marker_vouches_only_for_the_files_its_run_wrote(tmp_path):
    """json: and html: may share a folder. Plain pages, then anonymised JSON
    there (which wrote the marker), then anonymised pages: the marker said
    'anonymised, this secret', so the plain pages were taken for this run's
    and stayed, real names and all, beside the new ones."""
    src = export(tmp_path)
    folder = tmp_path / "out"
    api.convert([src], [f"html:{folder}/"], Options())
    plain = {n for n in os.listdir(folder) if n.endswith(".html") and n != "index.html"}
    assert plain
    api.convert([src], [f"json:{folder}/"], anon())
    with pytest.raises(StaleOutput, match="--replace"):
        api.convert([src], [f"html:{folder}/"], anon())
    api.convert([src], [f"html:{folder}/"], anon(), replace=True)
    assert not plain & set(os.listdir(folder))
    assert b"Anna" not in b"".join(p.read_bytes() for p in folder.iterdir() if p.is_file())
    api.convert([src], [f"json:{folder}/", f"html:{folder}/"], anon())  # a re-run: fine
    # a plain --replace of the pages leaves the marker to the JSON files
    api.convert([src], [f"html:{folder}/"], Options(), replace=True)
    with pytest.raises(StaleOutput, match="cannot be told"):
        api.convert([src], [f"html:{folder}/"], anon())
    api.convert([src], [f"json:{folder}/"], anon())  # the JSON files are still vouched for
