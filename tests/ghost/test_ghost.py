"""migrator push / verify into the real local Ghost 5 (scripts/ghost.sh).

No mock server: every push goes into Ghost's Admin API and is read back from
it with an independent client (tests/ghost_service.py). Tests that need Ghost
skip without it (and fail under CI=true); the unit tests at the top do not.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import sqlite3
import subprocess
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from migrator.cli import cli
from migrator.ghost import GhostTarget, admin_token, content_key, to_html
from migrator.ghost.client import Ghost
from migrator.model import Comment
from migrator.pipeline import Options, Pipeline
from migrator.wxr.reader import WXRReader

import paths
from push_kill import kill_mid_push
from ghost_service import all_comments, api, members, reset, site, state_dir
from wxr_builder import C, P, write

ROOT = Path(paths.ROOT)
REFERENCE = ROOT / "fixtures" / "therapy-thread.wxr"
MIGRATOR = str(ROOT / ".venv" / "bin" / "migrator")
KEY = "0123456789abcdef01234567:" + "ab" * 32


def run(*args, key=None, env=None):
    e = {"MIGRATOR_GHOST_KEY": key if key is not None else site()["admin_api_key"]}
    e.update(env or {})
    return CliRunner(env=e).invoke(cli, [str(a) for a in args], catch_exceptions=False)


def to(s=None) -> str:
    return "ghost+" + (s or site())["url"]


# ====================================================================================
# Unit tests: no Ghost needed
# ====================================================================================
def test_admin_key_becomes_a_short_lived_jwt():
    t = admin_token(KEY, now=1_700_000_000)
    head, body, sig = t.split(".")
    pad = lambda x: x + "=" * (-len(x) % 4)  # noqa: E731
    h = json.loads(base64.urlsafe_b64decode(pad(head)))
    b = json.loads(base64.urlsafe_b64decode(pad(body)))
    assert h == {"alg": "HS256", "typ": "JWT", "kid": KEY.split(":")[0]}
    assert b["aud"] == "/admin/" and b["iat"] == 1_700_000_000 and b["exp"] - b["iat"] <= 300
    want = hmac.new(bytes.fromhex(KEY.split(":")[1]), f"{head}.{body}".encode(),
                    hashlib.sha256).digest()
    assert base64.urlsafe_b64decode(pad(sig)) == want
    with pytest.raises(Exception, match="24 hex"):
        admin_token("not-a-key")


def test_wordpress_text_becomes_ghost_paragraphs_and_compares_after_sanitising():
    assert to_html("Hi there,\nsecond line\n\nNew para & more") == \
        "<p>Hi there,<br>second line</p><p>New para & more</p>"
    sent = to_html('See <a href="https://x.example/a?b=1&amp;c=2">this</a>, <em>really</em>.')
    stored = ('<p>See <a href="https://x.example/a?b=1&amp;c=2" target="_blank" '
              'rel="ugc noopener noreferrer nofollow">this</a>, really.</p>')
    assert content_key(sent) == content_key(stored)
    assert content_key(sent) != content_key(sent.replace("x.example", "y.example"))


def test_commenter_without_email_gets_a_stable_address_under_the_secret():
    client = Ghost("http://127.0.0.1:9", KEY)
    a = GhostTarget(client, secret=b"one secret")
    b = GhostTarget(client, secret=b"one secret")
    c = GhostTarget(client, secret=b"another secret")
    addr = a.anonymous_email("Mary  Smith")
    assert addr == b.anonymous_email("mary smith") and addr.endswith("@anonymous.invalid")
    assert addr != c.anonymous_email("Mary Smith") and "mary" not in addr.lower()
    assert addr != a.anonymous_email("Mary Smyth")


def test_future_dates_and_other_statuses_are_reported_not_changed():
    t = GhostTarget(Ghost("http://127.0.0.1:9", KEY))
    future = Comment(id=1, post_id=1, site="s", content="x",
                     date_gmt=datetime.now(timezone.utc) + timedelta(days=3))
    assert "date in the future" in t.unsupported(future)
    assert "--hide-unapproved" in t.unsupported(Comment(id=2, post_id=1, site="s", status="pending"))
    assert t.unsupported(Comment(id=3, post_id=1, site="s")) is None
    hiding = GhostTarget(Ghost("http://127.0.0.1:9", KEY), hide_unapproved=True)
    assert hiding.unsupported(Comment(id=2, post_id=1, site="s", status="pending")) is None


def test_key_is_never_a_command_line_value(small_wxr):
    r = CliRunner().invoke(cli, ["push", small_wxr, "--to", "ghost+http://127.0.0.1:9",
                                 "--key", KEY])
    assert r.exit_code == 2 and "No such option" in r.output
    r = CliRunner(env={"MIGRATOR_GHOST_KEY": ""}).invoke(
        cli, ["push", small_wxr, "--to", "ghost+http://127.0.0.1:9"])
    assert r.exit_code == 2 and "MIGRATOR_GHOST_KEY" in r.stderr and "--key-file" in r.stderr


# ====================================================================================
# Against the real Ghost
# ====================================================================================
@pytest.fixture
def ghost():
    """The site, held exclusively: every test empties it first."""
    import fcntl

    s = site()
    lock = open(state_dir() / "tests.lock", "a+")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield s
    finally:
        fcntl.flock(lock, fcntl.LOCK_UN)
        lock.close()


def posts_of(path) -> list[dict]:
    return [{"title": p.title or p.slug, "slug": p.slug} for p in WXRReader(str(path)).posts()
            if p.comments and p.type in ("post", "page")]


def expected_comments(path, options=None) -> list:
    pipe = Pipeline([str(path)], options or Options(), keep_posts=True)  # as push runs it
    out = []
    for _, post in pipe.posts():
        out.extend(post.comments)
        pipe.settle(post)
    pipe.ledger.close()
    return out


def journal(state) -> dict:
    db = sqlite3.connect(state)
    rows = {(s, i): t for s, i, t in db.execute(
        "SELECT site, source_id, target_id FROM comments WHERE state = 'done'")}
    db.close()
    return rows


def assert_arrived(path, state, ids, options=None):
    """Independent of verify(): every expected comment is on Ghost exactly once,
    by the right member, with its GMT date, content and exact reply target."""
    expected = expected_comments(path, options)
    tid = journal(state)
    on = {}
    for post_id in set(ids.values()):
        for x in all_comments(post_id):
            x["post"] = post_id
            on[x["id"]] = x
    seen = Counter((x["post"], x["member"]["id"], content_key(x["html"]), x["created_at"])
                   for x in on.values())
    assert not {k: n for k, n in seen.items() if n > 1}, "duplicates on the target"
    assert [c.id for c in expected if (c.site, c.id) not in tid] == [], "not in the journal"
    assert len(on) == len(expected), (len(on), len(expected))
    by_id = {c.id: c for c in expected}
    for c in expected:
        t = on[tid[(c.site, c.id)]]
        assert t["created_at"] == c.date_gmt.strftime("%Y-%m-%dT%H:%M:%S.000Z"), c.id
        assert content_key(t["html"]) == content_key(c.content), c.id
        assert t["member"]["name"] == c.author_name, (c.id, t["member"]["name"])
        if c.parent_id is None:
            assert t["parent_id"] is None and t["in_reply_to_id"] is None
            continue
        root = c
        while root.parent_id is not None:
            root = by_id[root.parent_id]
        assert t["parent_id"] == tid[(c.site, root.id)], c.id
        parent_target = tid[(c.site, c.parent_id)]
        assert t["in_reply_to_id"] == (None if parent_target == t["parent_id"] else parent_target)
    return expected, on


def test_reference_thread_end_to_end(ghost, tmp_path):
    ids = reset(posts_of(REFERENCE))
    state = str(tmp_path / "state.db")
    r = run("push", REFERENCE, "--to", to(), "--state", state, "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["totals"]["rejected"] == 0 and out["unmapped"] == [] and out["platform"] == "ghost"
    expected, on = assert_arrived(REFERENCE, state, ids)
    assert max(c.depth for c in expected) == 4  # flattened into Ghost's two levels
    assert out["requests"]["POST"] == len(expected) + len({c.author_email.lower() or c.author_name
                                                           for c in expected})
    # commenters are members subscribed to nothing; no e-mail -> a derived address
    ms = members()
    assert ms and all(m["newsletters"] == [] for m in ms)
    nomail = {c.author_name for c in expected if not c.author_email}
    for m in ms:
        if m["name"] in nomail:
            assert m["email"].endswith("@anonymous.invalid")
    # nothing twice, nothing missing: verify agrees
    v = run("verify", REFERENCE, "--to", to(), "--state", state, "--json")
    assert v.exit_code == 0, v.output
    res = json.loads(v.stdout)
    assert res["passed"] and res["checked"] == res["ok"] == len(expected)
    # a re-run posts nothing
    r2 = run("push", REFERENCE, "--to", to(), "--state", state, "--json")
    assert r2.exit_code == 0, r2.output
    out2 = json.loads(r2.stdout)
    assert out2["requests"].get("POST", 0) == 0 and out2["push"]["already"] == len(expected)
    assert len(all_comments(ids[posts_of(REFERENCE)[0]["slug"]])) + \
        sum(len(all_comments(i)) for s, i in ids.items() if s != posts_of(REFERENCE)[0]["slug"]) \
        == len(expected)


def thread_export(tmp_path, n=30, slug="long-thread"):
    comments = []
    for i in range(1, n + 1):
        parent = 0 if i % 5 == 1 else i - 1  # chains of depth 5
        comments.append(C(i, parent=parent, author=f"Reader {i % 7}",
                          email=f"r{i % 7}@example.org" if i % 7 else "",
                          date=f"2019-03-{1 + i // 24:02d} {i % 24:02d}:{i % 60:02d}:00",
                          content=f"Comment {i}: <a href='https://example.net/{i}'>this</a> & that."))
    return write(tmp_path, [P(100, comments, title="Long thread", slug=slug)])


def test_verify_fails_when_a_comment_is_deleted_on_the_target(ghost, tmp_path):
    path = thread_export(tmp_path, n=8)
    ids = reset([{"title": "Long thread", "slug": "long-thread"}])
    state = str(tmp_path / "state.db")
    assert run("push", path, "--to", to(), "--state", state).exit_code == 0
    assert run("verify", path, "--to", to(), "--state", state).exit_code == 0
    tid = journal(state)
    victim = next(t for (s, i), t in tid.items() if i == 3)  # a reply to a reply
    api("PUT", f"/comments/{victim}/", {"comments": [{"id": victim, "status": "deleted"}]})
    v = run("verify", path, "--to", to(), "--state", state, "--json")
    assert v.exit_code == 1
    problems = json.loads(v.stdout)["problems"]
    assert any(p["problem"] == "missing" and p["source_id"] == 3 for p in problems), problems
    assert len(all_comments(ids["long-thread"])) == 7


def test_killed_push_resumes_without_duplicates(ghost, tmp_path):
    path = thread_export(tmp_path, n=30)
    ids = reset([{"title": "Long thread", "slug": "long-thread"}])
    state = str(tmp_path / "state.db")
    env = dict(os.environ, MIGRATOR_GHOST_KEY=site()["admin_api_key"])
    cmd = [MIGRATOR, "push", path, "--to", to(), "--state", state]
    # the kill lands where Ghost has the comment and the journal says "in flight"
    st = kill_mid_push(cmd, env, state, wait=90)
    assert 8 <= st["done"] < 30 and st["in-flight"] == 1
    on_target = len(all_comments(ids["long-thread"]))
    assert on_target == st["done"] + 1, "the in-flight comment should be on Ghost already"
    r = subprocess.run(cmd + ["--json"], env=env, capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["push"]["found"] == 1  # looked up, not posted again
    assert_arrived(path, state, ids)  # 0 duplicates, 0 missing
    v = run("verify", path, "--to", to(), "--state", state)
    assert v.exit_code == 0, v.output


def test_anonymised_push_sends_only_pseudonyms_and_scrubbed_text(ghost, tmp_path):
    ids = reset(posts_of(REFERENCE))
    state = str(tmp_path / "state.db")
    key = tmp_path / "secret"
    key.write_text("a fixed test secret")
    r = run("push", REFERENCE, "--to", to(), "--state", state, "--anonymise",
            "--secret-file", key, "--json")
    assert r.exit_code == 0, r.output
    people, anywhere = set(), set()
    for c in WXRReader(str(REFERENCE)).posts():
        for x in c.comments:
            people.update(v for v in (x.author_name, x.author_email, x.author_ip) if len(v) > 3)
            # e-mails, IPs and full names must be gone from the text too; a one-word
            # name that is also a word ("Hope") stays where it is used as a word
            anywhere.update(v for v in (x.author_email, x.author_ip, x.author_name)
                            if len(v) > 3 and (" " in v or "@" in v or v[0].isdigit()))
    ms = json.dumps(members()).lower()
    texts = " ".join(json.dumps(all_comments(i)) for i in ids.values()).lower()
    assert sorted(p for p in people if p.lower() in ms) == []
    assert sorted(p for p in anywhere if p.lower() in texts) == []
    names = {m["name"] for m in members()}
    assert names and all(n.startswith("Commenter ") for n in names), names
    assert all(m["email"].endswith("@anonymous.invalid") for m in members())
    v = run("verify", REFERENCE, "--to", to(), "--state", state, "--anonymise",
            "--secret-file", key)
    assert v.exit_code == 0, v.output
    r2 = run("push", REFERENCE, "--to", to(), "--state", state, "--anonymise",
             "--secret-file", key, "--json")
    assert json.loads(r2.stdout)["requests"].get("POST", 0) == 0


def test_hide_unapproved_imports_pending_comments_hidden(ghost, tmp_path):
    comments = [C(1, author="A", email="a@example.org", content="Approved one."),
                C(2, parent=1, author="B", email="b@example.org", content="Pending reply.",
                  approved="0"),
                C(3, author="C", email="c@example.org", content="Spam here.", approved="spam"),
                C(4, parent=2, author="A", email="a@example.org", content="Answer to B.",
                  date="2020-01-01 13:00:00")]
    path = write(tmp_path, [P(100, comments, title="Statuses", slug="statuses")])
    ids = reset([{"title": "Statuses", "slug": "statuses"}])
    state = str(tmp_path / "state.db")
    r = run("push", path, "--to", to(), "--state", state, "--status", "all", "--dry-run")
    assert r.exit_code == 0  # refused, and said why
    assert "rejected: 1 × status pending, which Ghost would publish (--hide-unapproved" in r.stderr
    r = run("push", path, "--to", to(), "--state", state, "--status", "all",
            "--hide-unapproved", "--json")
    assert r.exit_code == 0, r.output
    got = {x["html"]: x for x in all_comments(ids["statuses"])}
    assert {h: x["status"] for h, x in got.items()} == {
        "<p>Approved one.</p>": "published", "<p>Pending reply.</p>": "hidden",
        "<p>Spam here.</p>": "hidden", "<p>Answer to B.</p>": "published"}
    # hidden only once the whole post was in: the answer to the hidden reply keeps
    # its link (Ghost drops an in_reply_to_id to a comment hidden already)
    answer = got["<p>Answer to B.</p>"]
    assert answer["parent_id"] == got["<p>Approved one.</p>"]["id"]
    assert answer["in_reply_to_id"] == got["<p>Pending reply.</p>"]["id"]
    v = run("verify", path, "--to", to(), "--state", state, "--status", "all",
            "--hide-unapproved")
    assert v.exit_code == 0, v.output


def test_wrong_key_stops_at_once_and_leaks_nothing(ghost, tmp_path, small_wxr):
    state = tmp_path / "state.db"
    r = run("push", small_wxr, "--to", to(), "--state", state, key=KEY)
    assert r.exit_code == 1 and r.stderr.count("\n") == 1, r.output
    assert "refused the Admin API key" in r.stderr and "http 401" in r.stderr
    assert KEY.split(":")[1] not in r.output and not state.exists()


def test_echoed_token_is_redacted_everywhere(ghost, tmp_path):
    """Ghost behind a server that answers comment POSTs with 400 and the request
    headers (its JWT) in the message: the reasons say why, and neither the key
    nor any token made from it is printed or stored."""
    from recorder import Recorder

    path = thread_export(tmp_path, n=3)
    reset([{"title": "Long thread", "slug": "long-thread"}])

    def echo(method, path_, headers, body):
        if method == "POST" and "/comments/" in path_:
            dump = "; ".join(f"{k}: {v}" for k, v in headers.items())
            msg = json.dumps({"errors": [{"type": "BadRequestError",
                                          "message": f"You sent: {dump}"}]}).encode()
            return (400, [("Content-Type", "application/json")], msg)
        return None

    state = tmp_path / "state.db"
    report = tmp_path / "r.json"
    with Recorder(upstream=ghost["url"], respond=echo) as proxy:
        r = run("push", path, "--to", "ghost+" + proxy.url, "--state", state, "--json",
                "--report", report)
        tokens = {h["Authorization"].split()[-1] for h in (x["headers"] for x in proxy.requests)
                  if "Authorization" in h}
    assert r.exit_code == 1 and json.loads(r.stdout)["totals"]["rejected"] == 3
    assert tokens and "You sent" in report.read_text()
    blobs = [r.output, report.read_text()] + [p.read_bytes().decode("latin-1")
                                              for p in tmp_path.iterdir()
                                              if p.name.startswith("state.db")]
    for secret in tokens | {ghost["admin_api_key"].split(":")[1]}:
        assert not any(secret in b for b in blobs)
    for token in tokens:  # and no piece of one (the signature alone is enough to replay)
        assert not any(token.split(".")[2] in b for b in blobs)


def test_post_map_and_a_future_date_on_the_real_ghost(ghost, tmp_path):
    """--post-map with Ghost's object ids; a comment dated in the future is
    reported and not sent (Ghost would silently date it now)."""
    later = (datetime.now(timezone.utc) + timedelta(days=30)).strftime("%Y-%m-%d %H:%M:%S")
    comments = [C(1, author="A", email="a@example.org", content="Now."),
                C(2, author="B", email="b@example.org", content="From the future.", date=later)]
    path = write(tmp_path, [P(100, comments, title="Old title", slug="no-such-slug")])
    ids = reset([{"title": "Renamed", "slug": "renamed-on-ghost"}])
    state = str(tmp_path / "state.db")
    r = run("push", path, "--to", to(), "--state", state, "--json")
    assert r.exit_code == 1 and "no post or page with slug 'no-such-slug'" in r.stderr
    (tmp_path / "map.csv").write_text(f"source_post_id,target_post_id\n100,{ids['renamed-on-ghost']}\n")
    r = run("push", path, "--to", to(), "--state", state, "--post-map", tmp_path / "map.csv",
            "--json", "--report", tmp_path / "r.json")
    assert r.exit_code == 1, r.output
    assert "date in the future" in r.stderr
    rep = json.loads((tmp_path / "r.json").read_text())
    future = next(x for x in rep["comments"] if x["id"] == 2)
    assert future["fate"] == "rejected" and later[:10] in future["reason"]
    got = all_comments(ids["renamed-on-ghost"])
    assert [x["html"] for x in got] == ["<p>Now.</p>"]


def test_reply_to_a_refused_comment_waits_for_its_grandparent(ghost, tmp_path):
    """The pending middle comment is refused at once; its reply must go under the
    root (still on its way when the reply is considered), not to the top level."""
    comments = [C(1, author="A", email="a@example.org", content="Root."),
                C(2, parent=1, author="B", email="b@example.org", content="Pending.",
                  approved="0"),
                C(3, parent=2, author="C", email="c@example.org", content="Reply to B.",
                  date="2020-01-01 13:00:00")]
    path = write(tmp_path, [P(100, comments, title="Orphans", slug="orphans")])
    ids = reset([{"title": "Orphans", "slug": "orphans"}])
    state = str(tmp_path / "state.db")
    r = run("push", path, "--to", to(), "--state", state, "--status", "all",
            "--report", tmp_path / "r.json")
    assert r.exit_code == 1  # the pending one did not go
    got = {x["html"]: x for x in all_comments(ids["orphans"])}
    assert set(got) == {"<p>Root.</p>", "<p>Reply to B.</p>"}
    assert got["<p>Reply to B.</p>"]["parent_id"] == got["<p>Root.</p>"]["id"]
    rep = json.loads((tmp_path / "r.json").read_text())
    notes = next(x for x in rep["comments"] if x["id"] == 3).get("notes") or []
    assert any("re-attached to 1" in n for n in notes), rep["comments"]
