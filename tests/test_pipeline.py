"""The whole pipeline: several files, identities, the ledger and its report."""
from __future__ import annotations

import json

from migrator.ledger import Ledger
from migrator.pipeline import Options, Pipeline

from wxr_builder import C, P, write


class Collect:
    """A sink that keeps what it is given (the pipeline's own contract)."""

    def __init__(self, reject=()):
        self.posts, self.reject = [], set(reject)

    def open(self, run):
        self.run = run

    def write_post(self, site, post, ledger):
        for c in post.comments:
            if c.id in self.reject:
                ledger.rejected(c, "test sink refuses it")
        self.posts.append(post)

    def close(self, ok):
        self.ok = ok


def run(paths, sink=None, **opts):
    sink = sink or Collect()
    opts.setdefault("dedupe", False)
    ledger = Pipeline(paths, Options(**opts)).run([sink])
    return sink, ledger


def test_overlapping_exports_merge_the_same_comment(tmp_path):
    a = write(tmp_path, [P(1, [C(1), C(2, parent=1)]), P(2, [C(3)])], name="a.xml")
    b = write(tmp_path, [P(2, [C(3), C(4, parent=3)])], name="b.xml")
    sink, ledger = run([a, b])
    assert ledger.totals() == {"input": 5, "written": 4, "filtered": 0, "merged": 1, "rejected": 0}
    merged = [e for e in ledger.entries() if e.fate == "merged"]
    assert merged[0].id == 3 and merged[0].into == 3 and merged[0].reason == "same comment in two files"
    # The reply in b.xml still hangs under comment 3, written from a.xml.
    c4 = [c for p in sink.posts for c in p.comments if c.id == 4][0]
    assert (c4.parent_id, c4.depth) == (3, 2)


def test_id_collision_keeps_both_and_reports(tmp_path):
    a = write(tmp_path, [P(1, [C(7, content="first")])], name="a.xml")
    b = write(tmp_path, [P(2, [C(7, content="other"), C(8, parent=7, content="reply")])], name="b.xml")
    sink, ledger = run([a, b])
    written = {c.id: c for p in sink.posts for c in p.comments}
    assert len(written) == 3 and ledger.totals()["written"] == 3
    renamed = [c for c in written.values() if c.source_id == 7][0]
    assert renamed.id != 7 and renamed.content == "other"
    assert written[8].parent_id == renamed.id  # its reply followed it
    assert any(p.kind == "collision" and "kept as" in p.message for p in ledger.problems)


def test_sink_rejections_are_ledgered_not_written(tmp_path):
    path = write(tmp_path, [P(1, [C(1), C(2)])])
    _, ledger = run([path], Collect(reject={2}))
    t = ledger.totals()
    assert (t["written"], t["rejected"]) == (1, 1)


def test_report_accounts_for_every_comment(tmp_path, small_wxr):
    _, ledger = run([small_wxr])
    out = tmp_path / "r.json"
    with open(out, "w") as fh:
        ledger.write_report(fh)
    report = json.loads(out.read_text())
    t = report["totals"]
    assert t["input"] == t["written"] + t["filtered"] + t["merged"] + t["rejected"] == 8
    assert len(report["comments"]) == 8
    fates = {c["id"]: c for c in report["comments"]}
    assert fates[105]["fate"] == "filtered" and fates[105]["reason"] == "status pending"
    assert fates[107]["reason"] == "type pingback"
    assert "re-attached to 101" in fates[106]["notes"][0]
    assert {"id", "post_id", "fate", "reason", "into"} <= set(fates[101])


def test_dry_run_opens_no_sink(tmp_path, small_wxr):
    sink, ledger = run([small_wxr], dry_run=True)
    assert sink.posts == [] and not hasattr(sink, "run")
    assert ledger.totals()["written"] == 6


def test_truncated_input_is_accounted_for(tmp_path):
    path = write(tmp_path, [P(1, [C(1), C(2, content="the end is cut")])])
    text = open(path).read()
    open(path, "w").write(text[:text.index("is cut")])
    _, ledger = run([path])
    t = ledger.totals()
    assert t == {"input": 2, "written": 1, "filtered": 0, "merged": 0, "rejected": 1}
    rejected = [e for e in ledger.entries() if e.fate == "rejected"][0]
    assert rejected.id == 2 and rejected.reason.startswith("cut off at line")


def test_ledger_refuses_two_fates():
    import pytest

    from migrator.ledger import LedgerError
    from migrator.model import Comment

    ledger = Ledger()
    c = Comment(id=1, post_id=1)
    ledger.received(c)
    ledger.written(c)
    with pytest.raises(LedgerError):
        ledger.filtered(c, "again")


def test_a_sink_failing_to_close_makes_the_others_roll_back(tmp_path, small_wxr):
    import pytest

    class Boom(Collect):
        def close(self, ok):
            raise OSError("disk full")

    later = Collect()
    with pytest.raises(OSError):
        Pipeline([small_wxr], Options(dedupe=False)).run([later, Boom()])
    assert later.ok is False  # closed, and told the run failed


def test_the_spilled_ledger_reads_back_in_order_on_both_paths(monkeypatch):
    """Settled entries leave memory in batches (a pickled file on the fast
    path, a SQLite table on the reference one); reading them back gives every
    entry in the order it was settled, and writing may go on afterwards."""
    import pytest

    from migrator import ledger as ledger_module
    from migrator.ledger import LedgerError
    from migrator.model import Comment

    monkeypatch.setattr(ledger_module, "SPILL_ROWS", 3)
    got = []
    for ref in ("1", ""):
        monkeypatch.setenv("MIGRATOR_REFERENCE_PATH", ref)
        ledger = Ledger()
        comments = [Comment(id=i, post_id=i // 4, site="s") for i in range(1, 12)]
        for c in comments:
            ledger.received(c)
        ledger.merged(comments[1], into=1, reason="exact", similarity=0.5)
        ledger.note(comments[2], "a note")
        ledger.written_unless_settled(comments[:7])  # the merged one keeps its fate
        ledger.flush()
        first = [e.as_dict() for e in ledger.entries()]
        ledger.filtered(comments[7], "status spam")
        ledger.written_unless_settled(comments[8:])
        ledger.flush()
        got.append((first, [e.as_dict() for e in ledger.entries()], ledger.totals()))
        with pytest.raises(LedgerError):  # never received
            ledger.written_unless_settled([Comment(id=99, post_id=1, site="s")])
        ledger.close()
    assert got[0] == got[1]
    first, every, totals = got[1]
    assert [e["id"] for e in first] == list(range(1, 12))
    assert first[1]["fate"] == "merged" and first[2]["notes"] == ["a note"]
    assert [e["fate"] for e in every[7:]] == ["filtered", "written", "written", "written"]
    assert totals == {"input": 11, "written": 9, "filtered": 1, "merged": 1, "rejected": 0}


def test_collections_are_rarer_only_while_posts_stream(tmp_path, monkeypatch):
    """While posts stream the young generation is collected every
    parallel.GC_YOUNG live containers (the default 700 cost the main
    process 7% of a run); the caller's thresholds come back after, also
    when the caller stops early, and the reference path keeps them."""
    import gc

    from migrator import parallel

    path = write(tmp_path, [P(1, [C(1), C(2, parent=1)]), P(2, [C(3)])])
    before = gc.get_threshold()
    try:
        gc.set_threshold(700, 10, 10)
        seen = [gc.get_threshold() for _ in Pipeline([path], Options(jobs=1)).posts()]
        assert seen == [(parallel.GC_YOUNG, 10, 10)] * 2
        assert gc.get_threshold() == (700, 10, 10)
        posts = Pipeline([path], Options(jobs=1)).posts()
        next(posts)
        posts.close()  # a caller that stops early
        assert gc.get_threshold() == (700, 10, 10)
        monkeypatch.setenv("MIGRATOR_REFERENCE_PATH", "1")
        assert {gc.get_threshold() for _ in Pipeline([path], Options(jobs=1)).posts()} == {
            (700, 10, 10)}
    finally:
        gc.set_threshold(*before)
