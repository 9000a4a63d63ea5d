"""migrator push / verify --to waline+URL against the real local Waline
(scripts/waline.sh): the reference thread goes in, and what is stored is read
back raw (GET /api/db, through urllib, not migrator's client). Faults are
injected by a proxy in front of the real server. Skips without Waline; fails
under CI=true."""
from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
from collections import Counter
from pathlib import Path

from click.testing import CliRunner

from migrator import api
from migrator.cli import cli
from migrator.pipeline import Options, Pipeline

import paths
from push_kill import kill_mid_push
from fault_proxy import FaultProxy
from waline_service import call, raw_comments, site
from wxr_builder import C, P, write

ROOT = Path(paths.ROOT)
REFERENCE = ROOT / "fixtures" / "therapy-thread.wxr"
MANIFEST = ROOT / "fixtures" / "therapy-thread.manifest.json"
MIGRATOR = str(ROOT / ".venv" / "bin" / "migrator")
PATHS = {412: "/2018/04/attachment-to-your-therapist-saying-good-bye/",
         437: "/2018/05/will-i-ever-get-over-my-attachment/"}
STATUS = {"approved": "approved", "pending": "waiting", "spam": "spam"}
PSEUDONYM = re.compile(r"Commenter [0-9A-F]{8}")


# -- helpers ------------------------------------------------------------------------
def path_map(tmp_path) -> str:
    f = tmp_path / "paths.csv"
    f.write_text("source_post_id,path\n" + "".join(f"{k},{v}\n" for k, v in PATHS.items()))
    return str(f)


def cli_run(*args, env=None):
    e = {"MIGRATOR_WALINE_TOKEN": site()["token"]}
    e.update(env or {})
    return CliRunner(env=e).invoke(cli, [str(a) for a in args], catch_exceptions=False)


def to(url=None) -> list[str]:
    return ["--to", "waline+" + (url or site()["url"])]


def journal(state) -> dict[int, tuple]:
    """source id -> (target id, state)."""
    db = sqlite3.connect(f"file:{state}?mode=ro", uri=True, timeout=5)
    try:
        return {r[0]: (r[1], r[2]) for r in db.execute(
            "SELECT source_id, target_id, state FROM comments")}
    finally:
        db.close()


def written(path, options: Options | None = None) -> list:
    """The comments a push sends: the export through the same pipeline."""
    p = Pipeline([str(path)], options or Options(), keep_posts=True)  # as push runs it
    out = []
    for _, post in p.posts():
        out.extend(post.comments)
        p.settle(post)
    p.ledger.close()
    return out


def gmt(c) -> str:
    return c.date_gmt.strftime("%Y-%m-%d %H:%M:%S")


def assert_arrived(path, state, options: Options | None = None, paths_of=None) -> dict:
    """Every comment the pipeline writes is on Waline exactly once, with its
    author, e-mail, link, IP, GMT date, content, status, page, parent (pid)
    and thread root (rid); nothing else is there. Returns source id -> row."""
    comments = written(path, options)
    j = journal(state)
    raw = {r["objectId"]: r for r in raw_comments()}
    tid = {c.id: j[c.id][0] for c in comments}
    assert all(j[c.id][1] == "done" for c in comments)
    assert sorted(tid.values()) == sorted(raw), "one target comment per source comment, no more"
    by_id = {c.id: c for c in comments}

    def root(c):
        while c.parent_id:
            c = by_id[c.parent_id]
        return c

    rows = {}
    for c in comments:
        r = raw[tid[c.id]]
        rows[c.id] = r
        assert r["url"] == (paths_of or PATHS)[c.post_id]
        assert r["nick"] == c.author_name
        assert (r["mail"] or "") == c.author_email
        assert (r["link"] or "") == c.author_url
        assert (r["ip"] or "") == c.author_ip
        assert (r["ua"] or "") == c.author_user_agent
        assert r["comment"] == c.content
        assert r["status"] == STATUS[c.status]
        assert r["insertedAt"] == r["createdAt"] == gmt(c)
        if c.parent_id:
            assert r["pid"] == tid[c.parent_id]
            assert r["rid"] == tid[root(c).id]
        else:
            assert r["pid"] is None and r["rid"] is None
    return rows


def duplicates(rows) -> list:
    seen = Counter((r["url"], r["nick"], r["mail"], r["comment"], r["insertedAt"], r["pid"])
                   for r in rows)
    return [k for k, n in seen.items() if n > 1]


# -- the reference thread ---------------------------------------------------------------
def test_reference_thread_arrives_once_then_a_rerun_posts_nothing_and_verify_passes(
        waline, tmp_path):
    state = str(tmp_path / "state.db")
    r = cli_run("push", REFERENCE, *to(), "--path-map", path_map(tmp_path), "--state", state,
                "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["totals"]["written"] == 53 and out["requests"]["POST"] == 53
    rows = assert_arrived(REFERENCE, state)
    # the deepest replies keep their real parent (pid) under their root (rid)
    comments = {c.id: c for c in written(REFERENCE)}
    deep = [cid for cid, c in comments.items() if c.depth >= 3]
    assert deep and max(c.depth for c in comments.values()) == 4
    assert all(rows[cid]["pid"] != rows[cid]["rid"] for cid in deep)

    # what a reader sees: the public page shows the reply under its root, naming its parent
    c4 = next(c for c in comments.values() if c.depth == 4)
    status, body = call("GET", "/comment", params={"path": PATHS[c4.post_id], "pageSize": 100},
                        token="")
    shown = {ch["objectId"]: ch for root in body["data"]["data"] for ch in root["children"]}
    parent = comments[c4.parent_id]
    assert shown[rows[c4.id]["objectId"]]["reply_user"]["nick"] == parent.author_name

    again = cli_run("push", REFERENCE, *to(), "--path-map", path_map(tmp_path), "--state", state,
                    "--json")
    assert again.exit_code == 0, again.output
    out2 = json.loads(again.stdout)
    assert out2["requests"].get("POST", 0) == 0 and out2["push"]["already"] == 53
    assert len(raw_comments()) == 53

    v = cli_run("verify", REFERENCE, *to(), "--state", state)
    assert v.exit_code == 0, v.output
    assert "53 comments checked: 53 ok; problems: none" in v.stderr


def test_dry_run_shows_the_plan_and_writes_nothing(waline, tmp_path):
    state = tmp_path / "state.db"
    r = cli_run("push", REFERENCE, *to(), "--path-map", path_map(tmp_path), "--state", state,
                "--dry-run")
    assert r.exit_code == 0, r.output
    assert f"-> target {PATHS[412]} (by --path-map): 50 comments, 0 already there, 50 to post" \
        in r.stderr
    assert "53 would be written" in r.stderr
    assert not state.exists() and raw_comments() == []


def test_plain_permalinks_are_refused_with_a_reason_and_post_nothing(waline, tmp_path):
    state = tmp_path / "state.db"
    r = cli_run("push", REFERENCE, *to(), "--state", state, "--report", tmp_path / "r.json")
    assert r.exit_code == 1
    assert "?p=412 is a plain permalink" in r.stderr and "every post's path is '/'" in r.stderr
    assert "--path-map" in r.stderr
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["totals"]["rejected"] == 53 and report["requests"].get("POST", 0) == 0
    assert raw_comments() == []


def test_pretty_links_map_by_their_decoded_path(waline, tmp_path):
    path = write(tmp_path, [
        P(1, [C(1, author="A", content="one"), C(2, parent=1, author="B", content="two")],
          slug="%c3%a9t%c3%a9-2019"),
        P(2, [C(3, author="C", content="three")], slug="hello-world")])
    state = str(tmp_path / "state.db")
    r = cli_run("push", path, *to(), "--state", state)
    assert r.exit_code == 0, r.output
    assert_arrived(path, state, paths_of={1: "/été-2019/", 2: "/hello-world/"})


def test_statuses_waline_knows_and_one_it_does_not(waline, tmp_path):
    state = str(tmp_path / "state.db")
    r = cli_run("push", REFERENCE, *to(), "--path-map", path_map(tmp_path), "--state", state,
                "--status", "all", "--json", "--report", tmp_path / "r.json")
    assert r.exit_code == 1  # the trashed one did not reach the target, and says why
    out = json.loads(r.stdout)
    assert out["reasons"]["rejected"] == {"status not supported by target": 1}
    report = json.loads((tmp_path / "r.json").read_text())
    assert [c["reason"] for c in report["comments"] if c["fate"] == "rejected"] == [
        "status not supported by target: trash (Waline knows approved, waiting and spam)"]
    statuses = Counter(x["status"] for x in raw_comments())
    assert statuses["waiting"] == 1 and statuses["approved"] >= 50


# -- kills, lost answers, faults ----------------------------------------------------------
def test_killed_push_resumes_without_duplicates_or_gaps(waline, tmp_path):
    state = str(tmp_path / "state.db")
    env = dict(os.environ, MIGRATOR_WALINE_TOKEN=waline["token"])
    cmd = [MIGRATOR, "push", str(REFERENCE), *to(), "--path-map", path_map(tmp_path),
           "--state", state]
    # the kill lands where Waline has the comment and the journal still says "in flight"
    st = kill_mid_push(cmd, env, state)
    assert 8 <= st["done"] < 53 and st["in-flight"] == 1
    on_target = len(raw_comments())
    assert on_target == st["done"] + 1, "the in-flight comment is on Waline already"

    r = subprocess.run(cmd + ["--json"], env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["push"]["found"] == 1  # the in-flight one: found, not sent again
    assert out["requests"]["POST"] == 53 - on_target
    rows = raw_comments()
    assert len(rows) == 53 and duplicates(rows) == []
    assert_arrived(REFERENCE, state)
    v = cli_run("verify", REFERENCE, *to(), "--state", state)
    assert v.exit_code == 0, v.output


def test_lost_answers_5xx_429_and_dropped_connections(waline, tmp_path):
    """Through a proxy that answers 503 and 429, drops connections before they
    reach Waline and - the case that makes duplicates - after Waline stored
    the comment. Nothing is stored twice and nothing is missing."""
    def rule(method, n, route):
        if method == "POST" and "/api/db" in route:
            if n % 5 == 2:
                return "drop-after"
            if n % 7 == 3:
                return "503"
            if n % 8 == 4:
                return "429"
            if n % 11 == 6:
                return "drop-before"
        elif method == "GET" and n > 2:  # let the login through
            if n % 6 == 3:
                return "503"
            if n % 10 == 5:
                return "drop-before"
        return "pass"

    state = str(tmp_path / "state.db")
    with FaultProxy(waline["url"], rule) as proxy:
        result = api.push([str(REFERENCE)], "waline+" + proxy.url, Options(),
                          token=waline["token"], path_map=PATHS, state=state, workers=4,
                          backoff=0.05)
        assert result.ledger.totals()["written"] == 53
        assert result.ledger.totals()["rejected"] == 0
        for action in ("drop-after", "503", "429", "drop-before"):
            assert proxy.actions[("POST", action)] >= 1, (action, proxy.actions)
        assert result.pusher.stats["found"] >= proxy.actions[("POST", "drop-after")]
        v = api.verify([str(REFERENCE)], "waline+" + proxy.url, Options(),
                       token=waline["token"], state=state)
        assert v.passed, v.problems
    rows = raw_comments()
    assert len(rows) == 53 and duplicates(rows) == []
    assert_arrived(REFERENCE, state)


# -- verify sees what changed on the target --------------------------------------------------
def test_verify_fails_when_a_comment_is_deleted_or_moved(waline, tmp_path):
    state = str(tmp_path / "state.db")
    assert cli_run("push", REFERENCE, *to(), "--path-map", path_map(tmp_path),
                   "--state", state).exit_code == 0
    j = journal(state)
    rows = raw_comments()
    parents = {r["pid"] for r in rows}
    leaf = next(r for r in rows if r["pid"] and r["objectId"] not in parents)
    leaf_source = next(s for s, (t, _) in j.items() if t == leaf["objectId"])
    status, body = call("DELETE", f"/comment/{leaf['objectId']}")
    assert status == 200 and body["errno"] == 0
    assert len(raw_comments()) == 52

    v = cli_run("verify", REFERENCE, *to(), "--state", state, "--json")
    assert v.exit_code == 1
    out = json.loads(v.stdout)
    assert [(p["problem"], p["source_id"]) for p in out["problems"]] == [("missing", leaf_source)]
    assert "problems: 1 missing" in v.stderr

    # a reply put under another thread's root (rid), its parent (pid) untouched
    roots = [r for r in rows if not r["pid"] and r["url"] == PATHS[412]]
    reply = next(r for r in rows if r["pid"] and r["rid"] != roots[-1]["objectId"]
                 and r["objectId"] not in parents and r["objectId"] != leaf["objectId"])
    status, body = call("PUT", f"/comment/{reply['objectId']}", {"rid": roots[-1]["objectId"]})
    assert status == 200 and body["errno"] == 0, body
    out = json.loads(cli_run("verify", REFERENCE, *to(), "--state", state, "--json").stdout)
    moved = next(s for s, (t, _) in j.items() if t == reply["objectId"])
    assert ("thread", moved) in [(p["problem"], p["source_id"]) for p in out["problems"]]


# -- anonymised --------------------------------------------------------------------------------
def test_anonymise_sends_only_pseudonyms_and_scrubbed_text(waline, tmp_path):
    author = json.loads(MANIFEST.read_text())["blog_author"]
    author = author.get("name") if isinstance(author, dict) else author
    key = tmp_path / "secret"
    key.write_text("a fixed test secret")
    state = str(tmp_path / "state.db")
    common = [*to(), "--path-map", path_map(tmp_path), "--state", state, "--anonymise",
              "--keep-name", author]
    r = cli_run("push", REFERENCE, *common, env={"MIGRATOR_SECRET": ""})
    assert r.exit_code == 1 and "fixed secret" in r.stderr and raw_comments() == []

    r = cli_run("push", REFERENCE, *common, "--secret-file", key)
    assert r.exit_code == 0, r.output
    opts = Options(anonymise=True, secret=b"a fixed test secret", keep_names=(author,))
    assert_arrived(REFERENCE, state, opts)  # the scrubbed text, exactly as the pipeline made it

    rows = raw_comments()
    blob = json.dumps(rows, ensure_ascii=False)
    originals = [c for c in written(REFERENCE) if c.author_name != author]
    assert len({c.author_name for c in originals}) >= 10
    for c in originals:
        for s in (c.author_name, c.author_email, c.author_ip, c.author_url.rstrip("/")):
            if s:
                assert s not in blob, s
    assert all(PSEUDONYM.fullmatch(r["nick"]) or r["nick"] == author for r in rows)
    assert sum(bool(PSEUDONYM.fullmatch(r["nick"])) for r in rows) >= 40
    assert not any(r["ip"] or r["ua"] for r in rows)
    assert not any("@" in (r["mail"] or "") and not r["mail"].endswith(".invalid") for r in rows)
    assert "Dr. [name]" in blob and "Todd" not in blob

    again = cli_run("push", REFERENCE, *common, "--secret-file", key, "--json")
    assert json.loads(again.stdout)["requests"].get("POST", 0) == 0
    v = cli_run("verify", REFERENCE, *to(), "--state", state, "--anonymise", "--keep-name",
                author, "--secret-file", key)
    assert v.exit_code == 0, v.output


# -- credentials ----------------------------------------------------------------------------------
def test_password_and_token_never_printed_reported_or_journalled(waline, tmp_path):
    state = tmp_path / "state.db"
    report = tmp_path / "report.json"
    pw_file = tmp_path / "pw"
    pw_file.write_text(waline["admin_password"] + "\n")
    r = CliRunner(env={"MIGRATOR_WALINE_TOKEN": ""}).invoke(cli, [
        "push", str(REFERENCE), *to(), "--user", waline["admin_email"], "--password-file",
        str(pw_file), "--path-map", path_map(tmp_path), "--state", str(state), "--report",
        str(report), "--json"], catch_exceptions=False)
    assert r.exit_code == 0, r.output
    assert len(raw_comments()) == 53
    for secret in (waline["admin_password"], waline["token"], waline["token"].split(".")[-1]):
        assert secret not in r.output
        assert secret not in report.read_text()
        assert secret.encode() not in state.read_bytes()

    bad = CliRunner(env={"MIGRATOR_WALINE_TOKEN": "", "MIGRATOR_WALINE_PASSWORD": "nope-123"}).invoke(
        cli, ["push", str(REFERENCE), *to(), "--user", waline["admin_email"],
              "--state", str(tmp_path / "other.db")], catch_exceptions=False)
    assert bad.exit_code == 1 and bad.stderr.count("\n") == 1
    assert "wrong e-mail or password" in bad.stderr and "nope-123" not in bad.output
