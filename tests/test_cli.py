"""The CLI: exit codes, one-line errors, inspect, convert's summary."""
from __future__ import annotations

import json
import os

from click.testing import CliRunner

from migrator.cli import cli

from wxr_builder import C, P, write


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def test_inspect_json(small_wxr):
    r = invoke("inspect", small_wxr, "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    assert data["posts"]["total"] == 2
    assert data["comments"]["total"] == 8
    assert data["comments"]["by_status"] == {"approved": 7, "pending": 1}
    assert data["comments"]["by_type"] == {"comment": 7, "pingback": 1}
    assert data["threads"]["max_depth"] == 3
    assert data["threads"]["orphans"] == 1 and data["threads"]["cycles"] == 0
    assert data["people"]["distinct_commenters"] == 8
    assert data["problems"] == []


def test_inspect_text(small_wxr):
    r = invoke("inspect", small_wxr)
    assert "comments: 8" in r.output and "max depth 3" in r.output


def test_convert_writes_and_summarises(tmp_path, small_wxr):
    db = tmp_path / "x.db"
    r = invoke("convert", small_wxr, "--to", f"sqlite:{db}", "--json", "--report", tmp_path / "r.json")
    assert r.exit_code == 0, r.output
    assert "8 comments in: 6 written, 2 filtered, 0 merged, 0 rejected" in r.stderr
    assert json.loads(r.stdout)["totals"]["written"] == 6
    assert db.exists() and (tmp_path / "r.json").exists()


def test_bad_input_is_one_line_and_exit_1(tmp_path):
    bad = tmp_path / "bad.xml"
    bad.write_bytes(b"\x00\x01binary" * 100)
    r = invoke("convert", bad, "--to", f"sqlite:{tmp_path / 'x.db'}")
    assert r.exit_code == 1
    assert r.stderr.count("\n") == 1 and r.stderr.startswith("migrator: error:")
    assert "Traceback" not in r.output
    assert not (tmp_path / "x.db").exists()


def test_usage_errors_exit_2(tmp_path, small_wxr):
    assert invoke("convert", small_wxr, "--to", "nosuch:thing").exit_code == 2
    assert invoke("convert", small_wxr, "--status", "bogus").exit_code == 2
    assert invoke("convert", tmp_path / "missing.xml").exit_code == 2


def test_strict_refuses_damage_and_writes_nothing(tmp_path):
    path = write(tmp_path, [P(1, [C(1, content="x")])])
    text = open(path).read().replace("<![CDATA[x]]>", "<![CDATA[a\x01b]]>")
    open(path, "w").write(text)
    out = tmp_path / "out.jsonl"
    ok = invoke("convert", path, "--to", f"jsonl:{out}")
    assert ok.exit_code == 0 and "control character" in ok.stderr
    out.unlink()
    strict = invoke("convert", path, "--to", f"jsonl:{out}", "--strict")
    assert strict.exit_code == 1 and "control character" in strict.stderr
    assert not out.exists()


def test_help_has_examples():
    for verb in ("inspect", "convert", "dedupe"):
        r = invoke(verb, "--help")
        assert r.exit_code == 0 and "Examples:" in r.output


def test_default_targets_go_to_exports(tmp_path, small_wxr, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = invoke("convert", small_wxr, "--no-dedupe")
    assert r.exit_code == 0, r.output
    assert os.path.exists("exports/small.db") and os.path.exists("exports/small/index.json")


def test_dedupe_report_holds_the_clusters(tmp_path, fixtures_dir):
    path = os.path.join(fixtures_dir, "therapy-thread.wxr")
    out = tmp_path / "clusters.json"
    r = invoke("dedupe", path, "--report", out)
    assert r.exit_code == 0, r.output
    doc = json.loads(out.read_text())
    assert doc["totals"] == {"clusters": 2, "dropped": 2}
    assert sorted(d["reason"] for c in doc["clusters"] for d in c["dropped"]) == ["exact", "resubmission"]


def test_empty_secret_file_is_a_usage_error(tmp_path, small_wxr):
    key = tmp_path / "empty.key"
    key.write_text("")
    r = invoke("convert", small_wxr, "--anonymise", "--secret-file", key, "--dry-run")
    assert r.exit_code == 2 and "empty" in r.stderr and "Traceback" not in r.output
