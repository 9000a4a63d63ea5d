"""The anonymise stage in a second process (migrator.parallel) gives the
same output as in-process, fails loudly, and never hangs."""
from __future__ import annotations

import json
import re
import multiprocessing
import os
import signal
import sqlite3

import pytest
from sqlalchemy import create_engine

from bench.gen_wxr import write_wxr
from migrator import api, parallel
from migrator.stages.anonymise import Anonymiser
from migrator.ledger import Ledger
from migrator.pipeline import Options, Pipeline
from sinks.test_sql_sink import dump  # tests/ is on sys.path (conftest)
from wxr_builder import C, P, write

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
THERAPY = os.path.join(ROOT, "fixtures", "therapy-thread.wxr")

needs_fork = pytest.mark.skipif(not parallel.available(2), reason="no fork on this platform")


@pytest.fixture(scope="module")
def busy_export(tmp_path_factory) -> str:
    """A varied export: many posts, threads, people who recur and address
    each other, e-mails, URLs and phone numbers in bodies, two sites' worth
    of ids is not needed: the therapy fixture is the second file."""
    path = tmp_path_factory.mktemp("gen") / "busy.xml"
    write_wxr(str(path), comments=1500, posts=40, seed=11)
    return str(path)


def _convert(tmp_path, name, paths, jobs, anonymise=True, dedupe=True):
    out = tmp_path / name
    out.mkdir()
    o = Options(statuses=None, types=None, anonymise=anonymise, dedupe=dedupe,
                secret=b"same secret", jobs=jobs, ip="truncate", keep_names=("Jeffery Smith",))
    report = out / "report.json"
    ledger = api.convert(paths, [f"sqlite:{out}/o.db", f"json:{out}/o.json"], o,
                         private_fields=True, report=str(report))
    engine = create_engine(f"sqlite:///{out}/o.db")
    try:
        tables = dump(engine)
    finally:
        engine.dispose()
    rep = json.loads(report.read_text(encoding="utf-8"))
    doc = json.loads((out / "o.json").read_text(encoding="utf-8"))
    doc.pop("generated")  # the clock
    return {"tables": tables, "json": doc,
            "totals": ledger.totals(), "stats": {k: dict(v) for k, v in ledger.stats.items()},
            # Posts overlap in flight, so fates are settled in another order.
            "entries": sorted(json.dumps(e, sort_keys=True) for e in rep["comments"])}


@needs_fork
@pytest.mark.parametrize("dedupe,anonymise", [(True, True), (True, False), (False, True)])
def test_worker_output_is_identical_to_in_process(tmp_path, busy_export, dedupe, anonymise):
    paths = [busy_export, THERAPY]
    one = _convert(tmp_path, "one", paths, 1, anonymise, dedupe)
    two = _convert(tmp_path, "two", paths, 2, anonymise, dedupe)
    assert one["totals"]["input"] > 1500 and one["totals"]["written"] > 1000
    if anonymise:
        assert one["stats"]["anonymise"]["people"] > 50
        assert one["stats"]["anonymise"]["names in bodies"] > 100
        # posts' own titles and bodies: scrubbed in the worker with jobs=2
        assert one["stats"]["anonymise"]["in posts"] > 0
    if dedupe:  # double posts, resubmissions, and replies moved to survivors
        assert one["totals"]["merged"] > 30
        assert one["stats"]["dedupe"]["replies re-pointed"] > 0
    for part in ("totals", "stats", "entries", "json", "tables"):
        assert one[part] == two[part], part


@needs_fork
def test_a_post_split_across_files_is_threaded_the_same(tmp_path):
    """The second file continues a thread of the first: its replies need
    the depth the first part was written with, so posts in flight are
    settled at the end of each file."""
    first = write(tmp_path, [P(id=n, comments=[C(id=100 + n, content=f"Post {n}.")])
                             for n in range(2, 14)] + [P(id=1, comments=[
                                 C(id=1, author="Ann", email="a@x.test", content="Top."),
                                 C(id=2, parent=1, author="Bob", email="b@x.test",
                                   content="Reply to Ann.")])],  # last: still in flight
                  name="a.xml")
    second = write(tmp_path, [P(id=1, comments=[
        C(id=3, parent=2, author="Cy", email="c@x.test", date="2020-01-02 10:00:00",
          content="Deeper, answering Bob at length about everything he said there."),
        C(id=4, parent=2, author="Cy", email="c@x.test", date="2020-01-02 10:00:30",
          content="Deeper, answering Bob at length about everything he said there."),
        C(id=5, parent=4, author="Ann", email="a@x.test", date="2020-01-03 10:00:00",
          content="Thanks Cy."),
    ])], name="b.xml")
    one = _convert(tmp_path, "one", [first, second], 1)
    two = _convert(tmp_path, "two", [first, second], 2)
    # Ids are derived from the secret: the report maps old to new.
    old = {e["new_id"]: e["id"] for e in map(json.loads, one["entries"]) if "new_id" in e}
    depth = {old[c["id"]]: c["depth"] for p in one["json"]["posts"] for c in p["comments"]}
    assert depth[3] == 3 and depth[5] == 4 and 4 not in depth  # 4 merged into 3, 5 moved
    for part in ("totals", "stats", "entries", "json", "tables"):
        assert one[part] == two[part], part


@needs_fork
def test_worker_runs_in_another_process_only_when_asked(busy_export, monkeypatch):
    pids = []
    real = Anonymiser.apply

    def spy(self, post, ledger):
        pids.append(os.getpid())
        return real(self, post, ledger)

    monkeypatch.setattr(Anonymiser, "apply", spy)
    for jobs in (1, 2):
        pipe = Pipeline([busy_export], Options(anonymise=True, secret=b"k", jobs=jobs))
        n = 0
        for _site, post in pipe.posts():
            n += 1
            pipe.settle(post)
        assert n > 30 and pipe.ledger.balanced()
        pipe.ledger.close()
    # jobs=1: scrubbed here; jobs=2: the spy ran in the child, where this
    # list is the child's own copy, so nothing was added here.
    assert pids and set(pids) == {os.getpid()}
    assert not multiprocessing.active_children()


def _fail_on_call(monkeypatch, nth: int, fail) -> None:
    """Anonymiser.apply runs ``fail()`` on its nth call and works as usual
    otherwise (the worker inherits the patch when it is forked)."""
    calls = []
    real = Anonymiser.apply

    def patched(self, post, ledger):
        calls.append(1)
        if len(calls) == nth:
            fail()
        return real(self, post, ledger)

    monkeypatch.setattr(Anonymiser, "apply", patched)


@needs_fork
def test_worker_error_stops_the_run_with_its_message(tmp_path, busy_export, monkeypatch):
    def broken():
        raise ValueError("scrubbing went wrong")

    _fail_on_call(monkeypatch, 3, broken)
    with pytest.raises(parallel.WorkerError, match="ValueError: scrubbing went wrong"):
        api.convert([busy_export], [f"sqlite:{tmp_path}/o.db"],
                    Options(anonymise=True, secret=b"k", jobs=2))
    assert not multiprocessing.active_children()
    with sqlite3.connect(tmp_path / "o.db") as db:  # the run is on record as failed
        assert db.execute("SELECT status FROM runs").fetchall() == [("failed",)]


@needs_fork
def test_a_killed_worker_is_an_error_not_a_hang(tmp_path, busy_export, monkeypatch):
    _fail_on_call(monkeypatch, 2, lambda: os.kill(os.getpid(), signal.SIGKILL))
    with pytest.raises(parallel.WorkerError, match=r"stopped \(exit code -9\)"):
        api.convert([busy_export], [f"sqlite:{tmp_path}/o.db"],
                    Options(anonymise=True, secret=b"k", jobs=2))
    assert not multiprocessing.active_children()


def test_cli_reports_a_dead_worker_in_one_line(tmp_path, busy_export, monkeypatch, run_cli):
    if not parallel.available(2):
        pytest.skip("no fork on this platform")

    def dies(self, post, ledger):
        os.kill(os.getpid(), signal.SIGKILL)

    monkeypatch.setattr(Anonymiser, "apply", dies)
    monkeypatch.setenv("MIGRATOR_SECRET", "a test secret of 24 bytes")
    r = run_cli("convert", busy_export, "--anonymise", "--jobs", "2",
                "--to", f"sqlite:{tmp_path}/o.db")
    assert r.exit_code == 1
    assert "anonymise worker stopped" in r.stderr and "Traceback" not in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_available_follows_jobs_and_cores(monkeypatch):
    assert parallel.available(1) is False
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    assert parallel.available(None) is False
    if "fork" in multiprocessing.get_all_start_methods():
        assert parallel.available(2) is True  # asked for: used even on one core
        monkeypatch.setattr(os, "cpu_count", lambda: 4)
        assert parallel.available(None) is True


@needs_fork
def test_comments_in_flight_are_bounded_but_cover_a_sink_batch(busy_export, monkeypatch):
    """The worker is kept busy while this process writes a batch (many posts
    in flight, not 8), and memory still follows the largest post: never
    more than LOOKAHEAD_COMMENTS plus the post just sent."""
    monkeypatch.setattr(parallel, "LOOKAHEAD_COMMENTS", 300)
    live: dict[int, int] = {}
    peak = [0, 0, 0]  # comments, posts, the largest post sent
    real_submit, real_collect = parallel.StageWorker.submit, parallel.StageWorker.collect

    def submit(self, post, texts=False):
        live[id(post)] = len(post.comments)
        peak[0] = max(peak[0], sum(live.values()))
        peak[1] = max(peak[1], len(live))
        peak[2] = max(peak[2], len(post.comments))
        return real_submit(self, post, texts)

    def collect(self, post, ledger):
        live.pop(id(post))
        return real_collect(self, post, ledger)

    monkeypatch.setattr(parallel.StageWorker, "submit", submit)
    monkeypatch.setattr(parallel.StageWorker, "collect", collect)
    pipe = Pipeline([busy_export], Options(anonymise=True, secret=b"k", jobs=2))
    for _site, post in pipe.posts():
        pipe.settle(post)
    assert pipe.ledger.balanced() and not live
    pipe.ledger.close()
    assert peak[1] > 8  # more posts in flight than the old fixed 8
    assert 300 < peak[0] <= 300 + peak[2]


def test_ledger_flush_keeps_comments_still_in_flight(tmp_path):
    """With posts in flight, flush() spills what is settled and keeps the rest."""
    from migrator.model import Comment

    ledger = Ledger()
    a, b = Comment(id=1, post_id=1), Comment(id=2, post_id=2)
    ledger.received(a)
    ledger.received(b)
    ledger.written(a)
    ledger.flush()
    assert ledger.fate_of(a) is None  # spilled: no longer in memory
    assert not ledger.balanced()  # b has no fate yet: the totals say so
    ledger.written(b)
    ledger.flush()
    assert ledger.balanced()
    assert sorted((e.id, e.fate) for e in ledger.entries()) == [(1, "written"), (2, "written")]
    ledger.close()


def test_the_worker_is_wanted_for_anonymise_or_when_asked(monkeypatch):
    if "fork" not in multiprocessing.get_all_start_methods():
        pytest.skip("no fork on this platform")
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    assert parallel.wanted(None, dedupe=True, anonymise=True)
    assert parallel.wanted(None, dedupe=False, anonymise=True)
    assert not parallel.wanted(None, dedupe=True, anonymise=False)  # default convert: one process
    assert parallel.wanted(2, dedupe=True, anonymise=False)
    assert not parallel.wanted(2, dedupe=False, anonymise=False)  # nothing to do there
    assert not parallel.wanted(1, dedupe=True, anonymise=True)


@needs_fork
def test_anonymised_surroundings_are_the_same_with_a_worker(tmp_path):
    """Posts, authors, ids, links, dates and kept names ([G]) come out of the
    worker path byte for byte as in-process, in every file target."""
    import sys

    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "stages", "anonymise"))
    from test_surroundings import SECRET, export

    src = export(tmp_path)

    def run(jobs):
        out = tmp_path / f"jobs{jobs}"
        targets = [f"json:{out}/json/", f"jsonl:{out}/all.jsonl", f"wxr:{out}/clean.wxr",
                   f"html:{out}/html/", f"sqlite:{out}/db.sqlite"]
        api.convert([src, THERAPY], targets, Options(
            statuses=None, types=None, anonymise=True, secret=SECRET, jobs=jobs,
            keep_names=("Holly Walker", "Jeffery Smith")), private_fields=True)
        files = {}
        for root, _, names in os.walk(out):
            for n in names:
                if n.endswith((".json", ".jsonl", ".wxr", ".html")):
                    text = open(os.path.join(root, n), encoding="utf-8").read()
                    # the clock: generated/created stamps
                    files[os.path.relpath(os.path.join(root, n), out)] = re.sub(
                        r'"generated": "[^"]*"|created="[^"]*"|<pubDate>[^<]*</pubDate>\n\t<language>'
                        r"|Generated [^<]*|\d{4}-\d\d-\d\d \d\d:\d\d UTC", "", text)
        engine = create_engine(f"sqlite:///{out}/db.sqlite")
        try:
            files["tables"] = dump(engine)
        finally:
            engine.dispose()
        return files

    one, two = run(1), run(2)
    assert len(one) >= 8 and one.keys() == two.keys()
    for name in one:
        assert one[name] == two[name], name


def test_flat_posts_keep_every_comment_whichever_way_it_crosses():
    """Comments cross the reader's pipe as rows, or as themselves when a
    date is unusual (an aware local date); none may be lost either way,
    including when no row needs the date columns at all."""
    from datetime import datetime, timezone

    from migrator.model import Comment, Post

    usual = Comment(id=1, post_id=9, date=datetime(2020, 1, 2, 3, 4),
                    date_gmt=datetime(2020, 1, 2, 8, 4, tzinfo=timezone.utc), content="a")
    odd = Comment(id=2, post_id=9, date=datetime(2020, 1, 2, 3, 5, tzinfo=timezone.utc))
    back = parallel._unflat(parallel._flat(Post(id=9, comments=[usual, odd])))
    assert [(c.id, c.date, c.date_gmt, c.content) for c in back.comments] == [
        (1, usual.date, usual.date_gmt, "a"), (2, odd.date, None, "")]
    d, _, _ = parallel._flat(Post(id=9, comments=[]))
    assert [c.id for c in parallel._unflat((d, (), [odd])).comments] == [2]


@needs_fork
def test_the_name_tables_are_built_in_the_worker_only(busy_export):
    """With the worker, this process learns no commenter and builds no
    table (the worker does, after the fork: the tables are not in two
    processes); in one process they are built here."""
    for jobs, here in ((2, False), (1, True)):
        pipe = Pipeline([busy_export, THERAPY], Options(anonymise=True, secret=b"k", jobs=jobs))
        for _site, post in pipe.posts():
            pipe.settle(post)
        anon = pipe.anonymiser
        assert bool(anon.compiled) is here and bool(anon._by_digest) is here, jobs
        assert pipe.ledger.stats["anonymise"]["names in bodies"] > 100
        pipe.ledger.close()


def _problem_run(tmp_path, name, paths, jobs):
    o = Options(anonymise=True, secret=b"same secret", jobs=jobs, dedupe=False)
    pipe = Pipeline(paths, o)
    ledger = api.convert(paths, [f"jsonl:{tmp_path}/{name}.jsonl"], pipeline=pipe)
    return pipe, [(p.kind, p.line, p.message) for p in ledger.problems]


@needs_fork
def test_a_worker_runs_problems_are_scrubbed_as_in_one_process(tmp_path):
    """Problems quote names, titles and ids. With the worker gone, this
    process learns the commenters and the sites' users in the worker's
    order, so each message comes out as a run in one process writes it."""
    ann = C(id=7, author="Rosalind Featherstonehaugh", email="rf@x.test",
            content="Rosalind here. Love & thanks to Bartholomew Quill \x01.")
    first = write(tmp_path, [P(id=1, title="Rosalind Featherstonehaugh's question",
                               comments=[ann, C(id=8, author="Bartholomew Quill",
                                                email="bq@x.test", content="Hi Rosalind!")])],
                  name="a.xml")
    second = write(tmp_path, [P(id=2, title="Bartholomew Quill answers", comments=[
        C(id=7, author="Bartholomew Quill", email="bq@x.test", content="Another comment 7.")])],
        name="b.xml")
    pipe1, one = _problem_run(tmp_path, "one", [first, second], 1)
    pipe2, two = _problem_run(tmp_path, "two", [first, second], 2)
    kinds = {k for k, _, _ in one}
    assert "collision" in kinds and "damage" in kinds, one
    assert one == two
    text = " ".join(m for _, _, m in two)
    assert "Rosalind" not in text and "Featherstonehaugh" not in text and "Quill" not in text
    assert pipe2.anonymiser.compiled >= 1  # learned here after the run, for the messages


@needs_fork
def test_an_error_while_the_worker_learns_is_raised_as_itself(busy_export):
    """What learning raises in the worker (an unreadable export, say) reaches
    the caller as the same exception, not as a worker failure."""
    def learn():
        raise PermissionError(13, "Permission denied", busy_export)

    worker = parallel.StageWorker(None, Anonymiser(secret=b"k"), learn=learn)
    try:
        with pytest.raises(PermissionError, match="Permission denied"):
            worker.site(_first_site(busy_export))
    finally:
        worker.close()
    assert not multiprocessing.active_children()


def _first_site(path):
    from migrator.wxr.reader import WXRReader
    reader = WXRReader(path)
    next(iter(reader.posts()))
    return reader.site
