"""Issue [H] "Done means", and [H] 6: every fixture, every file target, and back.

Every export in fixtures/ (fixtures/real/ and fixtures/cases/ included) goes
through ``inspect --json`` and ``convert --status all --type all`` into every
file target. Then:

* the ledger adds up, and counts exactly the ``<wp:comment>`` elements of the file;
* every written comment's parent is the one the file gives it, or the ledger says
  why not (re-attached orphan, merged parent);
* no id anywhere is negative (JSON, JSONL, SQLite, WXR, file names);
* the WXR we wrote reads back under ``--strict`` with no problem at all, and
  gives the same comments.

The file's own view (ids, parents, number of comments) is taken with regular
expressions, independent of the reader under test.
"""
from __future__ import annotations

import glob
import json
import os
import re
import sqlite3

import pytest

from paths import FIXTURES as FIXTURES_DIR

FIXTURES = sorted(
    p for pattern in ("*.wxr", "*.xml", "real/*.xml", "real/*.wxr", "cases/*.xml", "cases/*.wxr")
    for p in glob.glob(os.path.join(FIXTURES_DIR, pattern)))

_COMMENT = re.compile(r"<wp:comment>(.*?)</wp:comment>", re.S)
_ITEM = re.compile(r"<item>(.*?)</item>", re.S)


def _field(block: str, name: str) -> str | None:
    m = re.search(rf"<wp:{name}>\s*(?:<!\[CDATA\[)?\s*(.*?)\s*(?:\]\]>)?\s*</wp:{name}>", block, re.S)
    if m is None:
        return None
    return m.group(1).strip()


def file_comments(path: str) -> list[dict]:
    """Every <wp:comment> of the file: its post's id text, its id and parent."""
    text = open(path, encoding="utf-8", errors="replace").read()
    text = re.sub(r"<!--.*?-->", "", text, flags=re.S)
    out = []
    for item in _ITEM.finditer(text):
        body = item.group(1)
        post_id = _field(re.sub(r"<wp:comment>.*?</wp:comment>", "", body, flags=re.S), "post_id")
        for c in _COMMENT.finditer(body):
            cid = _field(c.group(1), "comment_id")
            parent = _field(c.group(1), "comment_parent")
            out.append({"post_id": post_id, "id": int(cid) if cid and cid.isdigit() else None,
                        "parent": int(parent) if parent and parent.isdigit() and int(parent) else None,
                        "content": _field(c.group(1), "comment_content")})
    return out


def test_the_fixture_list_holds_the_real_exports():
    names = {os.path.relpath(p, FIXTURES_DIR) for p in FIXTURES}
    assert "therapy-thread.wxr" in names
    assert len([n for n in names if n.startswith("real" + os.sep)]) >= 6
    assert len([n for n in names if n.startswith("cases" + os.sep)]) >= 6


def _targets(tmp_path):
    return {
        "sqlite": f"sqlite:{tmp_path / 'out.db'}",
        "jsondir": f"json:{tmp_path / 'json'}/",
        "jsonfile": f"json:{tmp_path / 'out.json'}",
        "jsonl": f"jsonl:{tmp_path / 'out.jsonl'}",
        "wxr": f"wxr:{tmp_path / 'out.wxr'}",
        "html": f"html:{tmp_path / 'html'}",
    }


def _jsonl(path) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _negative_ints(obj, where="") -> list[str]:
    """Paths of every negative integer under a key that names an id."""
    bad = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            if isinstance(v, int) and not isinstance(v, bool) and (k == "id" or k.endswith("_id")) and v < 0:
                bad.append(f"{where}.{k}={v}")
            else:
                bad.extend(_negative_ints(v, f"{where}.{k}"))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            bad.extend(_negative_ints(v, f"{where}[{i}]"))
    return bad


def _same(row: dict) -> tuple:
    return (row["post_id"], row["id"], row["parent_id"], row["author_name"], row.get("author_url"),
            row["content"], row["status"], row["type"], row.get("date_gmt"))


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: os.path.relpath(p, FIXTURES_DIR))
def test_fixture_through_every_target_and_back(path, run_cli, tmp_path):
    expected = file_comments(path)

    # inspect --json
    r = run_cli("inspect", path, "--json")
    assert r.exit_code == 0, r.output
    seen = json.loads(r.stdout)
    assert seen["comments"]["total"] == len(expected)

    # convert --status all --type all to every file target
    t = _targets(tmp_path)
    report = tmp_path / "report.json"
    r = run_cli("convert", path, "--status", "all", "--type", "all", *sum((["--to", v] for v in t.values()), []),
                "--report", report, "--json")
    assert r.exit_code == 0, r.output
    totals = json.loads(r.stdout)["totals"]
    assert totals["input"] == len(expected)
    assert totals["input"] == totals["written"] + totals["filtered"] + totals["merged"] + totals["rejected"]
    assert totals["rejected"] == 0, json.loads(r.stdout)
    ledger = json.loads(report.read_text(encoding="utf-8"))
    assert len(ledger["comments"]) == totals["input"]
    fates = {}
    for c in ledger["comments"]:
        fates.setdefault(c["fate"], []).append(c)
    assert {k: len(v) for k, v in fates.items()} == {k: v for k, v in totals.items() if k != "input" and v}

    rows = _jsonl(tmp_path / "out.jsonl")
    assert len(rows) == totals["written"]

    # every parent matches the file, or the ledger says why it moved
    by_id: dict[int, list[dict]] = {}
    for c in expected:
        if c["id"] is not None:
            by_id.setdefault(c["id"], []).append(c)
    merged_into = {c["id"]: c["into"] for c in fates.get("merged", [])}
    gone = {c["id"] for c in ledger["comments"] if c["fate"] != "written"}
    for row in rows:
        candidates = by_id.get(row["id"], [])
        if len(candidates) != 1:
            continue  # an id the file uses twice (collision) or none: checked by the count
        want = candidates[0]["parent"]
        if row["parent_id"] == want:
            continue
        # moved: the file's parent is not written, or was merged into another comment
        assert row.get("original_parent_id") == want, (row, want)
        assert want is None or want in gone or want not in by_id or want in merged_into, (row, want)

    # no negative id anywhere
    assert not _negative_ints(rows)
    assert not _negative_ints(json.loads((tmp_path / "out.json").read_text(encoding="utf-8")))
    for name in os.listdir(tmp_path / "json"):
        assert not name.startswith("-"), name
        assert not _negative_ints(json.loads((tmp_path / "json" / name).read_text(encoding="utf-8")))
    db = sqlite3.connect(tmp_path / "out.db")
    try:
        assert db.execute("SELECT count(*) FROM comments WHERE id < 0 OR post_id < 0 OR parent_id < 0").fetchone() == (0,)
        assert db.execute("SELECT count(*) FROM posts WHERE id < 0").fetchone() == (0,)
        assert db.execute("SELECT count(*) FROM comments").fetchone() == (totals["written"],)
    finally:
        db.close()
    out_wxr = (tmp_path / "out.wxr").read_text(encoding="utf-8")
    assert not re.search(r"<wp:(?:post_id|comment_id|comment_parent|post_parent)>\s*(?:<!\[CDATA\[)?-", out_wxr)
    for name in os.listdir(tmp_path / "html"):
        assert not name.startswith("-"), name

    # [H] 6: our own WXR is valid input: no problem at all, --strict passes, same comments
    assert len(file_comments(str(tmp_path / "out.wxr"))) == totals["written"]
    r = run_cli("inspect", tmp_path / "out.wxr", "--json")
    assert r.exit_code == 0, r.output
    again = json.loads(r.stdout)
    assert again["problems"] == [], again["problems"]
    assert again["comments"]["total"] == totals["written"]
    back = tmp_path / "back.jsonl"
    r = run_cli("convert", tmp_path / "out.wxr", "--strict", "--status", "all", "--type", "all",
                "--to", f"jsonl:{back}", "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["problems"] == []
    assert sorted(map(_same, _jsonl(back))) == sorted(map(_same, rows))
