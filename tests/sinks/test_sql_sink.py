"""The SQL sink on SQLite and PostgreSQL (``db_url`` runs each test on both).

Schema, rows, foreign keys and indexes, provenance, idempotence, two sites in
one database, and what an interrupted run leaves behind.
"""
from __future__ import annotations

import hashlib
import json
import os
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import create_engine, func, inspect, insert, select
from sqlalchemy.exc import IntegrityError

from migrator.model import Comment, Post, Site
from migrator.pipeline import Options, Pipeline
from migrator.sinks import sql
from migrator.sinks.sql import SQLSink, metadata

from wxr_builder import C, P, write

SITE = "https://blog.example.org"
OTHER = "https://other.example.net"

#: small.wxr with every status and type kept, by hand from the file:
#: id -> (post, parent, depth, local date, GMT date, status, type, user_id)
EXPECTED = {
    101: (10, None, 1, "2020-06-01 14:00", "2020-06-01 12:00", "approved", "comment", 0),
    102: (10, 101, 2, "2020-06-01 18:00", "2020-06-01 16:00", "approved", "comment", 0),
    103: (10, 102, 3, "2020-06-02 09:30", "2020-06-02 07:30", "approved", "comment", 0),
    104: (10, None, 1, "2020-06-03 08:00", "2020-06-03 06:00", "approved", "comment", 0),
    105: (10, 101, 2, "2020-06-03 09:00", "2020-06-03 07:00", "pending", "comment", 0),
    106: (10, 105, 3, "2020-06-03 10:00", "2020-06-03 08:00", "approved", "comment", 0),
    107: (10, None, 1, "2020-06-04 10:00", "2020-06-04 08:00", "approved", "pingback", 0),
    201: (20, None, 1, "2020-06-02 13:00", "2020-06-02 11:00", "approved", "comment", 1),
}


def dt(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M")


def options(**kw) -> Options:
    # Every status and type; no dedupe: these tests are about storage.
    kw.setdefault("statuses", None)
    kw.setdefault("types", None)
    kw.setdefault("dedupe", False)
    return Options(**kw)


def convert(paths, url, sink=None, **kw):
    sink = sink or SQLSink(url)
    return Pipeline([str(p) for p in paths], options(**kw)).run([sink])


@pytest.fixture
def engine(db_url):
    e = create_engine(db_url)
    yield e
    e.dispose()


def rows(engine, table, *order):
    with engine.connect() as conn:
        q = select(table).order_by(*(order or table.primary_key.columns))
        return [r._asdict() for r in conn.execute(q)]


def dump(engine, skip=("runs",)) -> dict:
    """Every row of every table, in primary-key order, with column types as read."""
    out = {}
    with engine.connect() as conn:
        for t in metadata.sorted_tables:
            if t.name in skip:
                continue
            res = conn.execute(select(t).order_by(*t.primary_key.columns))
            out[t.name] = [tuple((type(v).__name__, v) for v in r) for r in res]
    return out


def other_site_copy(small_wxr, tmp_path) -> str:
    """small.wxr as exported by another site: same post and comment ids."""
    with open(small_wxr, encoding="utf-8") as fh:
        text = fh.read()
    assert text.count(SITE) > 5
    path = tmp_path / "other-site.wxr"
    path.write_text(text.replace(SITE, OTHER).replace("Small Test Blog", "Other Blog"),
                    encoding="utf-8")
    return str(path)


# -- schema ---------------------------------------------------------------------
def test_schema_tables_keys_and_indexes(db_url, engine, small_wxr):
    convert([small_wxr], db_url)
    insp = inspect(engine)
    assert {"sites", "posts", "comments", "comment_meta", "runs"} <= set(insp.get_table_names())

    cols = {c["name"] for c in insp.get_columns("comments")}
    assert {"site", "id", "post_id", "parent_id", "depth", "author_name", "author_email",
            "author_url", "author_ip", "date", "date_gmt", "content", "status", "type",
            "user_id"} <= cols
    assert insp.get_pk_constraint("comments")["constrained_columns"] == ["site", "id"]
    assert insp.get_pk_constraint("posts")["constrained_columns"] == ["site", "id"]

    fks = {(fk["referred_table"], tuple(fk["constrained_columns"]), tuple(fk["referred_columns"]))
           for fk in insp.get_foreign_keys("comments")}
    assert ("posts", ("site", "post_id"), ("site", "id")) in fks
    assert ("comments", ("site", "parent_id"), ("site", "id")) in fks
    meta_fks = {(fk["referred_table"], tuple(fk["constrained_columns"]))
                for fk in insp.get_foreign_keys("comment_meta")}
    assert ("comments", ("site", "comment_id")) in meta_fks
    assert ("sites", ("site",)) in {(fk["referred_table"], tuple(fk["constrained_columns"]))
                                    for fk in insp.get_foreign_keys("posts")}

    indexes = [tuple(ix["column_names"]) for ix in insp.get_indexes("comments")]
    # "the thread of post P" and "the replies to comment C", without a table scan
    assert any(ix[:2] == ("site", "post_id") for ix in indexes), indexes
    assert any(ix[:2] == ("site", "parent_id") for ix in indexes), indexes


def test_foreign_keys_are_enforced(db_url, engine, small_wxr):
    """SQLite ignores foreign keys unless asked per connection: make sure
    the sink's engine asks (and PostgreSQL of course refuses)."""
    convert([small_wxr], db_url)
    e = sql.engine_for(db_url)
    try:
        bad = {"site": SITE, "id": 9999, "post_id": 10, "parent_id": None, "depth": 1}
        with pytest.raises(IntegrityError), e.begin() as conn:
            conn.execute(insert(sql.comments).values(**{**bad, "post_id": 12345}))
        with pytest.raises(IntegrityError), e.begin() as conn:
            conn.execute(insert(sql.comments).values(**{**bad, "parent_id": 12345, "depth": 2}))
    finally:
        e.dispose()


# -- rows -----------------------------------------------------------------------
def test_rows_match_the_export(db_url, engine, small_wxr):
    ledger = convert([small_wxr], db_url)
    assert ledger.totals()["written"] == 8

    got = {r["id"]: r for r in rows(engine, sql.comments)}
    assert set(got) == set(EXPECTED)
    for cid, (post, parent, depth, date, gmt, status, ctype, user) in EXPECTED.items():
        r = got[cid]
        assert (r["site"], r["post_id"], r["parent_id"], r["depth"]) == (SITE, post, parent, depth), cid
        assert (r["date"], r["date_gmt"]) == (dt(date), dt(gmt)), cid
        assert (r["status"], r["type"], r["user_id"]) == (status, ctype, user), cid

    alice = got[101]
    assert alice["author_name"] == "Alice Example"
    assert alice["author_email"] == "alice@example.com"
    assert alice["author_url"] == "https://alice.example.com"
    assert alice["author_ip"] == "192.0.2.11"
    assert alice["content"] == "<p>Thanks for this post, it helped me a lot.</p>"
    assert got[103]["author_url"] == "https://carol.example.net/?a=1&b=2"
    assert got[201]["content"] == "Welcome, everyone. — Ada"
    assert "999" in json.loads(got[104]["notes"])[0]  # the orphan says what happened

    assert [(m["comment_id"], m["key"], m["value"]) for m in rows(engine, sql.comment_meta)] == [
        (101, "akismet_result", "false")]
    posts = rows(engine, sql.posts)
    assert [(p["id"], p["slug"], p["type"], p["date"], p["date_gmt"]) for p in posts] == [
        (10, "first-post", "post", dt("2020-06-01 12:00"), dt("2020-06-01 10:00")),
        (20, "about", "page", dt("2020-06-02 12:00"), dt("2020-06-02 10:00"))]
    assert [(s["key"], s["title"]) for s in rows(engine, sql.sites)] == [(SITE, "Small Test Blog")]


def test_default_filters_reach_the_database(db_url, engine, small_wxr):
    """With the defaults (approved comments only) the pending comment and the
    pingback stay out, and the reply under the pending one is re-attached."""
    Pipeline([small_wxr], Options(dedupe=False)).run([SQLSink(db_url)])
    got = {r["id"]: r for r in rows(engine, sql.comments)}
    assert set(got) == {101, 102, 103, 104, 106, 201}
    assert (got[106]["parent_id"], got[106]["depth"]) == (101, 2)


def test_wordpress_column_widths_fit(db_url, engine, tmp_path):
    """Values as long as WordPress's own columns allow are stored on both
    databases (PostgreSQL refuses what does not fit its varchar)."""
    path = write(tmp_path, [P(5, [C(1, ip="f" * 100, type="x" * 20, approved="y" * 20,
                                     author="n" * 245, url="u" * 200, email="e" * 100)],
                           type="t" * 20)])
    ledger = convert([path], db_url)
    assert ledger.totals()["written"] == 1
    (r,) = rows(engine, sql.comments)
    assert (r["author_ip"], r["type"], r["status"]) == ("f" * 100, "x" * 20, "y" * 20)


def test_runs_row_has_provenance(db_url, engine, small_wxr):
    before = datetime.now(timezone.utc).replace(tzinfo=None)
    convert([small_wxr], db_url)
    (run,) = rows(engine, sql.runs)
    assert run["status"] == "done"
    assert before.replace(microsecond=0) <= run["started"] <= run["finished"]
    assert run["tool"].startswith("migrator ")

    with open(small_wxr, "rb") as fh:
        digest = hashlib.sha256(fh.read()).hexdigest()
    (inp,) = json.loads(run["inputs"])
    assert inp == {"path": os.path.abspath(small_wxr), "bytes": os.path.getsize(small_wxr),
                   "sha256": digest}
    opts = json.loads(run["options"])
    assert opts["statuses"] is None and opts["dedupe"] is False and opts["orphans"] == "reattach"
    counts = json.loads(run["counts"] or "null")
    assert counts == {"input": 8, "written": 8, "filtered": 0, "merged": 0, "rejected": 0}


# -- idempotence and sites --------------------------------------------------------
def test_same_export_twice_changes_nothing_but_runs(db_url, engine, small_wxr):
    convert([small_wxr], db_url)
    first = dump(engine)
    assert len(first["comments"]) == 8 and len(first["comment_meta"]) == 1
    convert([small_wxr], db_url)
    assert dump(engine) == first
    assert [r["status"] for r in rows(engine, sql.runs)] == ["done", "done"]


def test_same_export_twice_via_cli(db_url, engine, small_wxr, run_cli, tmp_path):
    """The CLI with a SQLAlchemy URL target (sqlite:///... or postgresql+psycopg://...)."""
    for _ in range(2):
        r = run_cli("convert", small_wxr, "--no-dedupe", "--to", db_url, cwd=tmp_path)
        assert r.exit_code == 0, r.output
    assert len(rows(engine, sql.comments)) == 6  # approved comments only, by default
    assert len(rows(engine, sql.runs)) == 2


def test_sqlite_target_with_path(small_wxr, run_cli, tmp_path):
    """``sqlite:PATH`` (relative, in a folder not made yet) is the same database
    as ``sqlite:///ABSOLUTE``."""
    r = run_cli("convert", small_wxr, "--no-dedupe", "--to", "sqlite:out/sub/blog.db", cwd=tmp_path)
    assert r.exit_code == 0, r.output
    db = tmp_path / "out" / "sub" / "blog.db"
    e = create_engine(f"sqlite:///{db}")
    try:
        assert len(rows(e, sql.comments)) == 6
    finally:
        e.dispose()


def test_two_sites_in_one_database(db_url, engine, small_wxr, tmp_path):
    other = other_site_copy(small_wxr, tmp_path)
    convert([small_wxr], db_url)
    first = dump(engine)
    convert([other], db_url)
    got = rows(engine, sql.comments)
    assert len(got) == 16
    by_site = {}
    for r in got:
        by_site.setdefault(r["site"], set()).add(r["id"])
    assert by_site == {SITE: set(EXPECTED), OTHER: set(EXPECTED)}
    assert {r["key"] for r in rows(engine, sql.sites)} == {SITE, OTHER}
    assert sorted((m["site"], m["comment_id"]) for m in rows(engine, sql.comment_meta)) == [
        (SITE, 101), (OTHER, 101)]
    # the first site's rows are untouched by the second
    after = dump(engine)
    for table, before_rows in first.items():
        assert set(before_rows) <= set(after[table]), table


def test_two_sites_in_one_run(db_url, engine, small_wxr, tmp_path):
    other = other_site_copy(small_wxr, tmp_path)
    ledger = convert([small_wxr, other], db_url)
    assert ledger.totals()["written"] == 16 and ledger.totals()["merged"] == 0
    assert len(rows(engine, sql.comments)) == 16


def test_post_split_across_files_in_one_batch(db_url, engine, tmp_path):
    """The same post in two files of one site (split exports): one post row,
    the reply in the second file under its parent in the first, and the post
    twice in one batch is no error."""
    a = write(tmp_path, [P(10, [C(1), C(2, parent=1)])], name="a.xml")
    b = write(tmp_path, [P(10, [C(3, parent=2, date="2020-01-02 12:00:00")])], name="b.xml")
    ledger = convert([a, b], db_url)
    assert ledger.totals()["written"] == 3
    assert [p["id"] for p in rows(engine, sql.posts)] == [10]
    got = {r["id"]: (r["parent_id"], r["depth"]) for r in rows(engine, sql.comments)}
    assert got == {1: (None, 1), 2: (1, 2), 3: (2, 3)}


def test_posts_without_comments_are_batched_too(db_url, engine, tmp_path, monkeypatch):
    """Batches close on a post count as well, so thousands of comment-less
    posts (attachments, menu items) are not all held in memory."""
    path = write(tmp_path, [P(i) for i in range(1, 8)] + [P(8, [C(1)])])
    flushes = []
    real = SQLSink._flush

    def counting(self):
        flushes.append(len(self._pending))
        return real(self)

    monkeypatch.setattr(SQLSink, "_flush", counting)
    convert([path], db_url, sink=SQLSink(db_url, batch_posts=3))
    assert [n for n in flushes if n] == [3, 3, 2]
    assert len(rows(engine, sql.posts)) == 8


# -- interrupted runs ---------------------------------------------------------------
DEFERRED = {"ix_comments_thread", "ix_comments_parent", "ix_comments_date"}


def _index_names(url: str) -> set[str]:
    e = create_engine(url)
    try:
        return {ix["name"] for ix in inspect(e).get_indexes("comments")}
    finally:
        e.dispose()


def test_a_new_sqlite_file_gets_its_comment_indexes_at_the_end(tmp_path, small_wxr, monkeypatch):
    """A new SQLite file is loaded without the three secondary indexes of
    ``comments`` (an anonymised run's ids are keyed hashes, so each row would
    land on a random page of each) and gets them when the run ends."""
    url = f"sqlite:///{tmp_path / 'new.db'}"
    during = []
    real = SQLSink._flush

    def spy(self):
        with self.engine.connect() as conn:
            during.append({ix["name"] for ix in inspect(conn).get_indexes("comments")})
        return real(self)

    monkeypatch.setattr(SQLSink, "_flush", spy)
    convert([small_wxr], url, sink=SQLSink(url, batch_comments=1))
    assert len(during) > 1 and all(not (names & DEFERRED) for names in during)
    assert DEFERRED <= _index_names(url)
    # a second run into the same file keeps them, and changes no row
    e = create_engine(url)
    first = dump(e)
    convert([small_wxr], url)
    assert DEFERRED <= _index_names(url) and dump(e) == first
    e.dispose()


def test_sqlite_indexes_also_after_a_failed_run_and_repaired_on_open(tmp_path):
    """A failed run still builds them over what it wrote; a file some run
    left without them (killed before its end) gets them when opened again."""
    from migrator.ledger import Ledger
    from migrator.pipeline import RunInfo

    url = f"sqlite:///{tmp_path / 'cut.db'}"
    site = Site(link="https://x.example")
    sink = SQLSink(url)
    sink.open(RunInfo([], options()))
    sink.write_post(site, Post(id=1, site=site.key, comments=[
        Comment(id=1, post_id=1, site=site.key, depth=1)]), Ledger())
    sink.close(False)
    assert DEFERRED <= _index_names(url)

    e = create_engine(url)
    with e.begin() as conn:  # as a run killed before close() leaves the file
        for name in DEFERRED:
            conn.exec_driver_sql(f"DROP INDEX {name}")
    e.dispose()
    assert not (DEFERRED & _index_names(url))
    sink = SQLSink(url)
    sink.open(RunInfo([], options()))
    assert DEFERRED <= _index_names(url)  # at once, before anything is written
    sink.close(True)


class Boom(Exception):
    pass


@pytest.mark.parametrize("exc", [Boom, KeyboardInterrupt])
@pytest.mark.parametrize("batch_comments, where", [(1, "write_post"), (5, "record_counts")])
def test_interrupted_batch_leaves_nothing_half_written(db_url, engine, small_wxr, monkeypatch,
                                                      exc, batch_comments, where):
    """Batch 1 is post 10 (7 comments), batch 2 is post 20 (1 comment). The
    second batch fails after its post and comment rows went in, but before
    the end of its transaction: none of them may stay, batch 1 stays whole,
    and the run is marked failed. ``where``: the failing batch is flushed by
    write_post (batch full) or, being the last, partial batch, once every
    post is in (record_counts, before any sink is closed)."""
    real = sql._upsert
    calls = {"comment_meta": 0}

    def failing(conn, table, rows_, keys):
        real(conn, table, rows_, keys)
        if table.name == "comment_meta":
            calls["comment_meta"] += 1
            if calls["comment_meta"] == 2:
                raise exc("disk full")

    monkeypatch.setattr(sql, "_upsert", failing)
    sink = SQLSink(db_url, batch_comments=batch_comments)
    flushed_by = []
    real_flush = sink._flush

    def tracking():
        import inspect as pyinspect

        flushed_by.append(pyinspect.stack()[1].function)
        return real_flush()

    sink._flush = tracking
    with pytest.raises(exc):
        convert([small_wxr], db_url, sink=sink)
    assert flushed_by[:2] == ["write_post", where]

    assert {r["id"] for r in rows(engine, sql.comments)} == set(EXPECTED) - {201}
    assert [p["id"] for p in rows(engine, sql.posts)] == [10]
    assert len(rows(engine, sql.comment_meta)) == 1
    (run,) = rows(engine, sql.runs)
    assert run["status"] == "failed" and run["finished"] is not None

    # and a rerun completes what was missing
    monkeypatch.setattr(sql, "_upsert", real)
    convert([small_wxr], db_url)
    assert {r["id"] for r in rows(engine, sql.comments)} == set(EXPECTED)
    assert [r["status"] for r in rows(engine, sql.runs)] == ["failed", "done"]


def test_failing_input_marks_the_run_failed(db_url, engine, tmp_path):
    """The input fails after the sink opened (a post in hand, unflushed): the
    run row says failed and nothing of the unfinished batch is written."""
    path = write(tmp_path, [P(1, [C(1)]), P(2, [C(2)])])

    class Stop(Exception):
        pass

    class Failing(Pipeline):
        def posts(self):
            for i, item in enumerate(super().posts()):
                if i == 1:
                    raise Stop
                yield item

    with pytest.raises(Stop):
        Failing([path], options()).run([SQLSink(db_url)])
    assert rows(engine, sql.comments) == [] and rows(engine, sql.posts) == []
    assert [r["status"] for r in rows(engine, sql.runs)] == ["failed"]


def test_last_batch_failing_in_close_marks_the_run_failed(db_url, engine, monkeypatch):
    """Used without the pipeline, close(True) writes the last batch; if that
    fails, the run is failed, not done."""
    from migrator.ledger import Ledger
    from migrator.pipeline import RunInfo

    site = Site(link="https://x.example")
    sink = SQLSink(db_url)
    sink.open(RunInfo([], options()))
    sink.write_post(site, Post(id=1, site=site.key, comments=[
        Comment(id=1, post_id=1, site=site.key, depth=1)]), Ledger())

    def failing(conn, table, rows_, keys):
        raise Boom("disk full")

    monkeypatch.setattr(sql, "_upsert", failing)
    with pytest.raises(Boom):
        sink.close(True)
    assert rows(engine, sql.posts) == []
    assert [r["status"] for r in rows(engine, sql.runs)] == ["failed"]


def test_sink_direct_api_roundtrip(db_url, engine):
    """The sink used without the pipeline: aware dates are stored as UTC."""
    from migrator.ledger import Ledger
    from migrator.pipeline import RunInfo

    site = Site(link="https://x.example", title="X")
    post = Post(id=1, slug="p", site=site.key)
    c = Comment(id=7, post_id=1, site=site.key, depth=1,
                date=datetime(2021, 3, 1, 9, 0),
                date_gmt=datetime(2021, 3, 1, 14, 0, tzinfo=timezone(timedelta(hours=5))),
                meta=[("a", "1"), ("a", "2")])
    post.comments = [c]
    sink = SQLSink(db_url)
    sink.open(RunInfo([], options()))
    sink.write_post(site, post, Ledger())
    sink.close(True)
    (r,) = rows(engine, sql.comments)
    assert r["date_gmt"] == datetime(2021, 3, 1, 9, 0)
    assert [(m["seq"], m["value"]) for m in rows(engine, sql.comment_meta)] == [(0, "1"), (1, "2")]


# -- a real export ------------------------------------------------------------------
def test_real_export_roundtrip(db_url, engine, fixtures_dir):
    """fixtures/therapy-thread.wxr (a real WordPress export): every written
    comment is stored once, each reply one level under its parent, and a
    second run changes nothing."""
    path = os.path.join(fixtures_dir, "therapy-thread.wxr")
    if not os.path.exists(path):
        pytest.skip("fixtures/therapy-thread.wxr not produced yet")
    ledger = convert([path], db_url)
    written = ledger.totals()["written"]
    assert written > 0
    got = rows(engine, sql.comments)
    assert len(got) == written
    by_key = {(r["site"], r["id"]): r for r in got}
    for r in got:
        if r["parent_id"] is None:
            assert r["depth"] == 1
        else:
            assert r["depth"] == by_key[(r["site"], r["parent_id"])]["depth"] + 1
        assert r["date_gmt"] is not None or r["notes"]
    first = dump(engine)
    convert([path], db_url)
    assert dump(engine) == first


def test_two_runs_write_the_same_schema_in_the_same_order(tmp_path):
    """The indexes a new SQLite file gets at the end are built in the order
    of their names: ``Table.indexes`` is a set, ordered by where each
    object sits in memory, so each process used to write its own order
    into the file's schema (and every ``.dump`` of it differed)."""
    import sqlite3
    import subprocess
    import sys

    export = write(tmp_path, [P(id=1, comments=[C(id=1), C(id=2, parent=1)])])
    orders = set()
    for n in range(3):
        db = tmp_path / f"run{n}.db"
        subprocess.run([sys.executable, "-c", "import sys; from migrator.cli import main; "
                        "sys.argv[0] = 'migrator'; main()", "convert", export, "--to",
                        f"sqlite:{db}"], check=True, capture_output=True,
                       env={**os.environ, "PYTHONHASHSEED": "random"})
        with sqlite3.connect(db) as con:
            orders.add(tuple(r[0] for r in con.execute(
                "SELECT name FROM sqlite_master WHERE name LIKE 'ix_comments_%' ORDER BY rowid")))
    assert orders == {("ix_comments_date", "ix_comments_parent", "ix_comments_thread")}
