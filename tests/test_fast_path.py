"""Every fast path gives the bytes the plain code gives.

``MIGRATOR_REFERENCE_PATH=1`` makes migrator take its plain, slow code
wherever a fast one exists (see ``migrator.model.reference_path``). Both runs
here convert the same exports (damaged bytes, double posts, the same comments
in two files, orphans, a truncated file, a second site) with dedupe and
anonymisation into every output at once, and every table, every file and
every ledger entry must match, apart from the run's clock."""
from __future__ import annotations

import json
import os
import re
import sqlite3

import pytest

from bench.gen_wxr import write_wxr
from migrator import api, parallel
from migrator import ledger as ledger_module
from migrator.identity import Identity
from migrator.pipeline import Options, RunInfo

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
THERAPY = os.path.join(ROOT, "fixtures", "therapy-thread.wxr")

#: What holds the run's clock: (pattern, how many to blank; 0 = all)
CLOCK = [
    (re.compile(rb'"generated": "[^"]*"'), 0),                    # json:DIR/ and json:FILE
    (re.compile(rb"\d{4}-\d\d-\d\d \d\d:\d\d UTC"), 0),              # html:DIR footer
    (re.compile(rb"<pubDate>[^<]*</pubDate>"), 1),                 # wxr: the channel's, first
    (re.compile(rb'created="[^"]*"'), 1),                          # wxr: the generator line
]


@pytest.fixture(scope="module")
def exports(tmp_path_factory) -> list[str]:
    d = tmp_path_factory.mktemp("fast")
    busy = str(d / "busy.xml")
    # damage: raw '&', control characters and unsplit ']]>' the sanitiser repairs
    write_wxr(busy, comments=1500, posts=40, seed=11, damage=0.05)
    other = str(d / "other.xml")
    write_wxr(other, comments=600, posts=15, seed=12, damage=0.02)
    # The same export again, cut off in the middle: its complete comments are
    # the same comments in two files, one is cut (rejected), its ids collide.
    with open(other, "rb") as fh:
        data = fh.read()
    cut = str(d / "cut.xml")
    with open(cut, "wb") as fh:
        # bytes that are not UTF-8 too
        fh.write(data[:len(data) // 2].replace(b"<wp:comment_content><![CDATA[",
                                              b"<wp:comment_content><![CDATA[\xff\xc3", 3))
    return [busy, other, cut, THERAPY]


def _tables(db: str) -> dict:
    con = sqlite3.connect(db)
    try:
        out = {}
        names = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table' "
                                           "ORDER BY name")]
        for name in names:
            cols = [r[1] for r in con.execute(f"PRAGMA table_info({name})")]
            if name == "runs":  # the clock, and the options named by the run
                keep = [c for c in cols if c not in ("started", "finished", "id")]
            else:
                keep = cols
            sel = ", ".join(f"typeof({c}), {c}" for c in keep)
            out[name] = con.execute(f"SELECT {sel} FROM {name} ORDER BY rowid").fetchall()
        out["schema"] = con.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall()
        return out
    finally:
        con.close()


def _files(folder: str) -> dict[str, bytes]:
    out = {}
    for here, _, files in os.walk(folder):
        for f in files:
            if f.endswith((".db", ".db-wal", ".db-shm")):
                continue
            path = os.path.join(here, f)
            data = open(path, "rb").read().replace(folder.encode(), b"(out)")
            for pat, count in CLOCK:
                data = pat.sub(b"(clock)", data, count=count)
            out[os.path.relpath(path, folder)] = data
    return out


def _convert(tmp_path, name, exports, monkeypatch, reference: bool, jobs: int | None,
             anonymise: bool = True) -> dict:
    if reference:
        monkeypatch.setenv("MIGRATOR_REFERENCE_PATH", "1")
    else:
        monkeypatch.delenv("MIGRATOR_REFERENCE_PATH", raising=False)
    out = tmp_path / name
    out.mkdir()
    o = Options(statuses=None, types=None, anonymise=anonymise, dedupe=True, secret=b"same secret",
                jobs=jobs, ip="truncate", keep_names=("Jeffery Smith",))
    targets = [f"sqlite:{out}/o.db", f"json:{out}/dir/", f"json:{out}/o.json", f"jsonl:{out}/o.jsonl",
               f"wxr:{out}/o.xml", f"html:{out}/html"]
    ledger = api.convert(exports, targets, o, private_fields=True, report=str(out / "report.json"))
    return {"tables": _tables(str(out / "o.db")), "files": _files(str(out)),
            "totals": ledger.totals(), "stats": {k: dict(v) for k, v in ledger.stats.items()}}


@pytest.mark.parametrize("jobs,anonymise,buffer_rows", [
    (1, True, None),   # all in one process
    (2, True, 7),      # dedupe and anonymise in the stage worker
    (None, False, 7),  # the reader in a process of its own
])
def test_fast_paths_write_what_the_reference_path_writes(tmp_path, exports, monkeypatch, jobs,
                                                         anonymise, buffer_rows):
    if buffer_rows:  # the id table's rows and the ledger's reach their files many times
        monkeypatch.setattr(Identity, "BUFFER_ROWS", buffer_rows)
        monkeypatch.setattr(ledger_module, "SPILL_ROWS", buffer_rows * 13)
    readers = []
    real_init = parallel.ReaderProcess.__init__

    def spy(self, *a, **k):
        readers.append(1)
        real_init(self, *a, **k)

    monkeypatch.setattr(parallel.ReaderProcess, "__init__", spy)
    ref = _convert(tmp_path, "reference", exports, monkeypatch, True, jobs, anonymise)
    assert not readers
    fast = _convert(tmp_path, "fast", exports, monkeypatch, False, jobs, anonymise)
    assert bool(readers) == (jobs is None and parallel.available()), readers
    # The data is what the test claims to cover.
    t = ref["totals"]
    assert t["input"] > 2400 and t["merged"] > 150 and t["rejected"] >= 1, t
    assert ref["stats"]["thread"]["orphans"] > 0
    if anonymise:
        assert ref["stats"]["anonymise"]["people"] > 50
    report = json.loads(ref["files"]["report.json"])
    kinds = {p["kind"] for p in report["problems"]}
    assert {"damage", "collision"} <= kinds, kinds
    messages = " ".join(p["message"] for p in report["problems"])
    for repair in ("raw '&'", "control character", "]]>", "U+FFFD", "truncated"):
        assert repair in messages, repair
    assert fast["totals"] == ref["totals"]
    assert fast["stats"] == ref["stats"]
    assert sorted(fast["files"]) == sorted(ref["files"])
    for name in ref["files"]:
        assert fast["files"][name] == ref["files"][name], name
    assert sorted(fast["tables"]) == sorted(ref["tables"])
    for name in ref["tables"]:
        assert fast["tables"][name] == ref["tables"][name], name


def test_inspect_reads_the_same_in_a_second_process(exports, monkeypatch, tmp_path):
    empty = tmp_path / "no-posts.xml"  # a file without posts still names its site
    with open(exports[1], encoding="utf-8") as fh:
        head = fh.read().split("<item>")[0]
    empty.write_text(head + "</channel></rss>\n", encoding="utf-8")
    paths = [*exports, str(empty)]
    monkeypatch.setenv("MIGRATOR_REFERENCE_PATH", "1")
    ref = api.inspect(paths)
    monkeypatch.delenv("MIGRATOR_REFERENCE_PATH")
    fast = api.inspect(paths)
    assert ref["comments"]["total"] > 2400 and len(ref["sites"]) >= 2 and ref["problems"]
    assert json.dumps(fast) == json.dumps(ref)


def test_inspect_reads_broken_files_the_same_with_a_third_process(exports, monkeypatch, tmp_path):
    """inspect's reader process parses what a third one sanitises
    (parallel._sanitise_into): a file whose XML breaks midway (the rest of
    it is skipped, the files after it are read), a repair in every part,
    and a file that cannot be opened or is not XML fail with the same line."""
    with open(exports[1], "rb") as fh:
        data = fh.read()
    at = data.find(b"<wp:comment_author>", len(data) // 2)
    broken = tmp_path / "broken.xml"  # unreadable XML in the middle
    broken.write_bytes(data[:at] + b"<wp:comment_author><<<>" + data[at + 20:])
    amps = tmp_path / "amps.xml"  # a raw '&' outside CDATA: a repair in each part
    amps.write_bytes(data.replace(b"<title>", b"<title>A & ", 400))
    spawned = tmp_path / "spawned"  # written by the third process, if there is one
    real = parallel._sanitise_into
    monkeypatch.setattr(parallel, "_sanitise_into",
                        lambda *a: (spawned.write_text("yes"), real(*a)))
    for paths in ([str(broken), exports[0], str(amps), exports[2]], [str(amps), str(tmp_path)],
                  [exports[0], THERAPY + ".json"]):
        monkeypatch.setenv("MIGRATOR_REFERENCE_PATH", "1")
        try:
            ref = api.inspect(paths)
        except Exception as e:  # noqa: BLE001 - compared below
            ref = f"{type(e).__name__}: {e}"
        monkeypatch.delenv("MIGRATOR_REFERENCE_PATH")
        try:
            fast = api.inspect(paths)
        except Exception as e:  # noqa: BLE001
            fast = f"{type(e).__name__}: {e}"
        assert json.dumps(fast) == json.dumps(ref)
    assert ref == f"WXRError: {THERAPY}.json: cannot open: No such file or directory"
    assert spawned.read_text() == "yes"
    first = api.inspect([str(broken), str(amps)])
    messages = [p["message"] for p in first["problems"]]
    assert any("unreadable XML" in m for m in messages)
    assert sum("raw '&'" in m for m in messages) >= 3


def test_an_empty_index_is_streamed_as_the_whole_one_is_written(tmp_path, monkeypatch):
    from migrator.sinks.json import JSONSink

    texts = []
    for ref in (True, False):
        if ref:
            monkeypatch.setenv("MIGRATOR_REFERENCE_PATH", "1")
        else:
            monkeypatch.delenv("MIGRATOR_REFERENCE_PATH")
        out = tmp_path / ("ref" if ref else "fast")
        sink = JSONSink(str(out) + "/")
        sink.open(RunInfo([], Options()))
        sink.close(True)
        texts.append(re.sub(r'"generated": "[^"]*"', "", (out / "index.json").read_text("utf-8")))
    assert texts[0] == texts[1] and '"posts": []' in texts[0]


@pytest.mark.postgres
def test_postgresql_rows_are_the_same_through_the_driver(exports, monkeypatch, pg_url):
    from sqlalchemy import create_engine

    from migrator.sinks.sql import metadata
    from sinks.test_sql_sink import dump

    engine = create_engine(pg_url)
    got = []
    try:
        for ref in (True, False):
            if ref:
                monkeypatch.setenv("MIGRATOR_REFERENCE_PATH", "1")
            else:
                monkeypatch.delenv("MIGRATOR_REFERENCE_PATH")
            metadata.drop_all(engine)
            api.convert(exports, [pg_url], Options(statuses=None, types=None, jobs=1))
            got.append(dump(engine))
    finally:
        engine.dispose()
    assert len(got[0]["comments"]) > 2000 and got[0]["comment_meta"]
    assert got[0] == got[1]
