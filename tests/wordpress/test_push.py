"""migrator push / verify against the real local WordPress (scripts/wordpress.sh).

No mock server: every test posts into WordPress 6.1 and reads it back over
REST. Faults are injected by a small proxy in front of the real site. Tests
skip when WordPress is not running (and fail under CI=true).
"""
from __future__ import annotations

import http.client
import http.server
import json
import os
import sqlite3
import subprocess
import threading
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from migrator.cli import cli
from migrator.pipeline import Options, Pipeline
from migrator.wordpress import (Journal, PushError, default_state_path, normalise_content,
                                normalise_name, push, read_post_map, verify)
from migrator.wordpress.client import text_only
from migrator.wxr.reader import WXRReader

import paths
from push_kill import kill_mid_push
from fault_proxy import FaultProxy
from wp_service import reset, rest, site, state_dir
from wxr_builder import C, P, write

ROOT = Path(paths.ROOT)
REFERENCE = ROOT / "fixtures" / "therapy-thread.wxr"
MIGRATOR = str(ROOT / ".venv" / "bin" / "migrator")


# -- helpers ----------------------------------------------------------------------
def cli_run(*args, password=None, env=None):
    s = site()
    e = {"MIGRATOR_WP_PASSWORD": password if password is not None else s["password"]}
    e.update(env or {})
    return CliRunner(env=e).invoke(cli, [str(a) for a in args], catch_exceptions=False)


def target_args(state):
    s = site()
    return ["--to", s["url"], "--user", s["user"], "--state", state]


def all_comments(post_ids=None) -> list[dict]:
    """Every comment on the site (any status), straight from REST."""
    out, page = [], 1
    while True:
        params = {"context": "edit", "status": "any", "per_page": 100, "page": page,
                  "orderby": "id", "order": "asc"}
        if post_ids:
            params["post"] = ",".join(str(p) for p in post_ids)
        batch = rest("GET", "/wp/v2/comments", params=params)
        out.extend(batch)
        if len(batch) < 100:
            return out
        page += 1


def posts_of(path) -> list[dict]:
    """The posts of an export, as wp_service.reset() wants them."""
    out = []
    for post in WXRReader(str(path)).posts():
        if post.comments and post.type in ("post", "page"):
            out.append({"title": post.title or post.slug, "slug": post.slug, "type": post.type,
                        "content": "x", "date_gmt": post.date_gmt.strftime("%Y-%m-%dT%H:%M:%S")
                        if post.date_gmt else None})
    return out


def expected_comments(path, options=None) -> list:
    """What the pipeline sends for this export (the truth a push must match)."""
    pipe = Pipeline([str(path)], options or Options(), keep_posts=True)  # as push runs it
    out = []
    for _, post in pipe.posts():
        out.extend(post.comments)
        pipe.settle(post)
    pipe.ledger.close()
    return out


def assert_arrived(path, state, options=None):
    """Independent of verify(): every expected comment is on the target exactly
    once, with the parent, depth, GMT date, author and content it had."""
    expected = expected_comments(path, options)
    j = sqlite3.connect(state)
    tid = {(s, i): t for s, i, t in j.execute(
        "SELECT site, source_id, target_id FROM comments WHERE state = 'done'")}
    j.close()
    on = {c["id"]: c for c in all_comments()}
    # nothing twice
    seen = Counter((c["post"], c["author_name"], text_only(c["content"]["raw"]), c["date_gmt"])
                   for c in on.values())
    dupes = {k: n for k, n in seen.items() if n > 1}
    assert not dupes, f"duplicates on the target: {dupes}"
    missing = [c.id for c in expected if (c.site, c.id) not in tid]
    assert not missing, f"not in the journal: {missing}"
    assert len(on) == len(expected), (len(on), len(expected))

    def depth(i):
        d = 0
        while i:
            d, i = d + 1, on[i]["parent"]
        return d

    for c in expected:
        t = on[tid[(c.site, c.id)]]
        want_parent = 0 if c.parent_id is None else tid[(c.site, c.parent_id)]
        assert t["parent"] == want_parent, (c.id, t["parent"], want_parent)
        assert depth(t["id"]) == c.depth
        assert t["date_gmt"] == c.date_gmt.strftime("%Y-%m-%dT%H:%M:%S")
        assert normalise_name(t["author_name"]) == normalise_name(c.author_name)
        assert normalise_content(t["content"]["raw"]) == normalise_content(c.content)
    return expected, on


def thread_export(tmp_path, n=36, slug="long-thread", name="thread.xml", extra_posts=()):
    """A deep thread whose comments WordPress's save filters change (links get
    rel="nofollow ugc", '&' in names is stored as &amp;): the 409 duplicate
    check does not recognise a re-sent copy of these."""
    comments = []
    for i in range(1, n + 1):
        parent = 0 if i % 4 == 1 else (i - 1)  # chains of depth 4
        body = (f"Comment {i}: see <a href='https://example.net/{i}'>this</a> & that."
                if i % 2 else f"Plain comment number {i}, about the week.")
        comments.append(C(i, parent=parent, author=f"R{i % 5} & Co" if i % 3 == 0 else f"Reader {i % 7}",
                          email=f"r{i % 7}@example.org", ip=f"192.0.2.{i}",
                          date=f"2019-03-{1 + i // 24:02d} {i % 24:02d}:{i % 60:02d}:00",
                          content=body))
    posts = [P(100, comments, title="Long thread", slug=slug)] + list(extra_posts)
    return write(tmp_path, posts, name=name)


# -- faults: tests/fault_proxy.py puts a fault-injecting proxy in front of the real WordPress


def comment_posts_only(rule):
    """Apply a rule only to POSTs that create comments (and to all GETs)."""
    def wrapped(method, n, route):
        if method == "POST" and "comments" not in route:
            return "pass"
        return rule(method, n, route)
    return wrapped


# ====================================================================================
# Unit tests: no WordPress needed
# ====================================================================================
def test_normalise_content_ignores_what_wordpress_adds_to_links():
    sent = "  Hi <a href='https://x.example/a?b=1&amp;c=2'>x</a> there\r\n"
    stored = 'Hi <a href="https://x.example/a?b=1&amp;c=2" rel="nofollow ugc">x</a> there'
    assert normalise_content(sent) == normalise_content(stored)
    assert normalise_content("Hi <a href='https://x.example/'>x</a>") != \
        normalise_content('Hi <a href="https://y.example/" rel="nofollow ugc">x</a>')
    assert normalise_content("a &#150; b") == normalise_content("a &#8211; b")
    # kses writes a bare "&" as "&amp;" when a comment is saved again (a date edit)
    assert normalise_content("see this & that.") == normalise_content("see this &amp; that.")
    assert normalise_name("Tom & Jerry") == normalise_name("Tom &amp; Jerry")
    assert normalise_name("Tom & Jerry") != normalise_name("Tom and Jerry")


def test_post_map_csv(tmp_path):
    f = tmp_path / "map.csv"
    f.write_text("source_post_id,target_post_id\n10, 7\n\n# comment\n20,9\n")
    assert read_post_map(str(f)) == {10: 7, 20: 9}
    f.write_text("10,7\nx,y\n")
    with pytest.raises(ValueError, match="line|:2"):
        read_post_map(str(f))


def test_link_paths_compare_below_each_site_root():
    from migrator.wordpress.mapping import _relative_path

    assert _relative_path("https://old.example/blog/2014/02/a-post/", "https://old.example/blog") == \
        _relative_path("https://new.example/2014/02/a-post", "https://new.example/") == "2014/02/a-post"
    assert _relative_path("https://new.example/?p=12", "https://new.example") == ""


def test_default_state_path_is_per_target():
    assert default_state_path("https://new.example.org") == \
        os.path.join(".migrator-state", "new.example.org.db")
    assert default_state_path("http://127.0.0.1:8089/blog/") == \
        os.path.join(".migrator-state", "127.0.0.1_8089_blog.db")


def test_journal_refuses_another_target(tmp_path):
    j = Journal(str(tmp_path / "j.db"), "https://a.example")
    j.close()
    with pytest.raises(PushError, match="belongs to https://a.example"):
        Journal(str(tmp_path / "j.db"), "https://b.example")


def test_journal_keeps_to_one_kind_of_push(tmp_path):
    """[G]: an anonymised push after a plain one (or another secret's) would
    find nothing it sent and post every comment again."""
    from migrator.model import Comment

    path = str(tmp_path / "j.db")
    j = Journal(path, "https://a.example")
    j.keep_to("plain")
    j.done(Comment(id=1, post_id=1, site="s"), 1, 5, 0, {})
    j.keep_to("plain")  # the same kind again: a resume
    with pytest.raises(PushError, match="made without --anonymise"):
        j.keep_to("fingerprint-a")
    j.close()
    legacy = str(tmp_path / "old.db")  # a journal from before kinds: its rows are plain
    j = Journal(legacy, "https://a.example")
    j.done(Comment(id=1, post_id=1, site="s"), 1, 5, 0, {})
    with pytest.raises(PushError, match="another --state"):
        j.keep_to("fingerprint-a")
    j.close()
    j = Journal(str(tmp_path / "anon.db"), "https://a.example")
    j.keep_to("fingerprint-a")
    with pytest.raises(PushError, match="under another secret"):
        j.keep_to("fingerprint-b")
    with pytest.raises(PushError, match="made with --anonymise:"):
        j.keep_to("plain")
    j.close()


def test_password_is_never_a_command_line_value(tmp_path, small_wxr):
    r = CliRunner().invoke(cli, ["push", small_wxr, "--to", "http://127.0.0.1:1", "--user", "u",
                                 "--password", "secret"])
    assert r.exit_code == 2 and "No such option" in r.output


def test_no_password_is_a_usage_error(small_wxr):
    r = CliRunner(env={"MIGRATOR_WP_PASSWORD": ""}).invoke(
        cli, ["push", small_wxr, "--to", "http://127.0.0.1:1", "--user", "u"])
    assert r.exit_code == 2 and "MIGRATOR_WP_PASSWORD" in r.stderr


def test_plain_http_login_refused_explains_local_environment(tmp_path, small_wxr):
    """WordPress ignores Application Passwords over http unless the site is
    'local'. The local test site is 'local', so this one answer is faked."""
    pw = "abcd EFGH ijkl MNOP qrst UVWX"

    class H(http.server.BaseHTTPRequestHandler):
        def log_message(self, *a):
            pass

        def do_GET(self):
            if "users/me" in self.path:
                body, code = {"code": "rest_not_logged_in",
                              "message": "You are not currently logged in."}, 401
            elif "rest_route=/" in self.path:
                body, code = {"namespaces": ["wp/v2"]}, 200
            else:
                body, code = {"code": "rest_no_route"}, 404
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{srv.server_address[1]}"
        state = tmp_path / "s.db"
        r = CliRunner(env={"MIGRATOR_WP_PASSWORD": pw}).invoke(
            cli, ["push", small_wxr, "--to", url, "--user", "me", "--state", str(state)])
    finally:
        srv.shutdown()
        srv.server_close()
    assert r.exit_code == 1
    assert r.stderr.count("\n") == 1, r.stderr
    assert "rest_not_logged_in" in r.stderr and "WP_ENVIRONMENT_TYPE" in r.stderr
    assert "'local'" in r.stderr and "https" in r.stderr
    assert pw not in r.output and pw.replace(" ", "") not in r.output
    assert not state.exists()


# ====================================================================================
# Against the real WordPress
# ====================================================================================
@pytest.fixture
def wp():
    """The site, held exclusively for the test: every test here empties it
    first, so two runs of this file at once (several people share one local
    WordPress) take turns instead of deleting each other's posts."""
    import fcntl

    s = site()
    lock = open(state_dir() / "tests.lock", "a+")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield s
    finally:
        fcntl.flock(lock, fcntl.LOCK_UN)
        lock.close()


def test_reference_thread_end_to_end(wp, tmp_path):
    if not REFERENCE.exists():
        pytest.skip(f"{REFERENCE} is not there yet")
    manifest = json.loads(REFERENCE.with_suffix(".manifest.json").read_text())
    ids = reset(posts_of(REFERENCE))
    state = str(tmp_path / "state.db")
    r = cli_run("push", REFERENCE, *target_args(state), "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["totals"]["rejected"] == 0 and out["unmapped"] == []
    expected, on = assert_arrived(REFERENCE, state)
    assert max(c.depth for c in expected) == manifest["seed_max_depth"] == 4
    assert len(expected) == out["totals"]["written"] == len(on)

    # against the manifest (what WordPress itself held), not only the pipeline
    by_key = {(c["date_gmt"], normalise_name(c["author_name"])): c for c in on.values()}

    def depth(c):
        d = 0
        while c:
            d, c = d + 1, on.get(c["parent"])
        return d

    seed = {m["id"]: m for m in manifest["comments"] if m["id"] in manifest["seed_comment_ids"]}
    every = {m["id"]: m for m in manifest["comments"]}

    def key(m):
        return (m["date_gmt"].replace(" ", "T"), normalise_name(m["author"]))

    pairs = [manifest["exact_double"], manifest["resubmission"]]
    for pair in pairs:  # dedupe keeps one of each
        assert sum(key(every[i]) in by_key for i in pair) == 1, pair
    for m in seed.values():
        if any(m["id"] in pair for pair in pairs):
            continue
        t = by_key.get(key(m))
        assert t is not None, f"seed comment {m['id']} is not on the target"
        assert depth(t) == m["depth"], m["id"]
        assert t["post"] == ids[manifest["main_post"]["slug"]] or m["post_id"] != manifest["main_post"]["id"]
        if m["parent"]:
            p = seed.get(m["parent"])
            if p is not None:
                assert on[t["parent"]]["date_gmt"] == p["date_gmt"].replace(" ", "T")
    for gone in (manifest["pending"], manifest["trash"], manifest["pingback"]):
        assert key(every[gone]) not in by_key
    # the blog author's comments go to the same person's account on the target,
    # found by e-mail (user ids of the old site mean nothing here), if it has one
    users = rest("GET", "/wp/v2/users", params={"context": "edit", "per_page": 100})
    account = next((u["id"] for u in users if u["email"] == manifest["blog_author"]["email"]), 0)
    for i in manifest["blog_author_comment_ids"]:
        t = by_key.get(key(every[i]))
        if t is not None:
            assert t["author"] == account and t["author_name"] == manifest["blog_author"]["name"]
    orphan = every[manifest["orphans_in_export"][0]]
    assert key(orphan) in by_key  # its spam parent was never exported: re-attached

    v = cli_run("verify", REFERENCE, *target_args(state), "--json")
    assert v.exit_code == 0, v.output
    result = json.loads(v.stdout)
    assert result["passed"] and result["checked"] == len(expected) == result["ok"]


def test_comments_by_site_users_are_credited_to_the_same_user_on_the_target(wp, tmp_path):
    me = rest("GET", "/wp/v2/users/me", params={"context": "edit"})
    path = write(tmp_path, [P(100, [
        C(1, user_id=7, author="The Admin", email=me["email"], content="From the site's own user."),
        C(2, user_id=9, author="Old Editor", email="gone@example.org", content="A user the new site lacks."),
        C(3, author="Guest", email=me["email"], content="Same e-mail, but a guest then."),
    ], slug="users")], name="u.xml")
    reset([{"title": "Users", "slug": "users"}])
    state = str(tmp_path / "state.db")
    assert cli_run("push", path, *target_args(state)).exit_code == 0
    by = {c["author_name"]: c for c in all_comments()}
    assert by["The Admin"]["author"] == me["id"]   # its name stays the comment's own
    assert by["Old Editor"]["author"] == 0 and by["Guest"]["author"] == 0
    assert cli_run("verify", path, *target_args(state)).exit_code == 0


def test_push_then_second_push_posts_nothing(wp, tmp_path):
    path = thread_export(tmp_path, n=20)
    reset([{"title": "Long thread", "slug": "long-thread"}])
    state = str(tmp_path / "state.db")
    r = cli_run("push", path, *target_args(state), "--json")
    assert r.exit_code == 0, r.output
    first = json.loads(r.stdout)
    assert first["requests"]["POST"] == first["totals"]["written"] == 20
    assert_arrived(path, state)
    before = {c["id"] for c in all_comments()}

    r2 = cli_run("push", path, *target_args(state), "--json", "--report", tmp_path / "r.json")
    assert r2.exit_code == 0, r2.output
    second = json.loads(r2.stdout)
    assert second["requests"].get("POST", 0) == 0
    assert second["totals"]["written"] == 20 and second["push"]["already"] == 20
    assert {c["id"] for c in all_comments()} == before
    report = json.loads((tmp_path / "r.json").read_text())
    assert all(any("already on target" in n for n in e.get("notes", []))
               for e in report["comments"] if e["fate"] == "written")
    v = cli_run("verify", path, *target_args(state))
    assert v.exit_code == 0, v.output


def test_dry_run_plans_and_writes_nothing(wp, tmp_path):
    path = thread_export(tmp_path, n=8, extra_posts=[P(200, [C(900)], slug="not-on-target")])
    reset([{"title": "Long thread", "slug": "long-thread"}])
    state = tmp_path / "state.db"
    r = cli_run("push", path, *target_args(state), "--dry-run", "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["requests"].get("POST", 0) == 0
    assert not state.exists()
    assert all_comments() == []
    assert "post 100 'long-thread' -> target" in r.stderr and "8 to post" in r.stderr
    assert "not-on-target" in r.stderr
    assert out["posts"][0]["to_post"] == 8


def test_in_flight_comment_is_looked_up_not_posted_again(wp, tmp_path):
    """A row left 'in-flight' (killed between POST and journal) whose comment
    did reach WordPress: the next run finds it and posts nothing."""
    path = thread_export(tmp_path, n=6)
    reset([{"title": "Long thread", "slug": "long-thread"}])
    state = str(tmp_path / "state.db")
    assert cli_run("push", path, *target_args(state)).exit_code == 0
    db = sqlite3.connect(state)
    (tid,) = db.execute("SELECT target_id FROM comments WHERE source_id = 3").fetchone()
    db.execute("UPDATE comments SET state = 'in-flight', target_id = NULL WHERE source_id IN (3, 4)")
    db.commit()
    db.close()
    r = cli_run("push", path, *target_args(state), "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.stdout)
    assert out["requests"].get("POST", 0) == 0
    assert out["push"]["found"] == 2
    db = sqlite3.connect(state)
    assert db.execute("SELECT target_id, state FROM comments WHERE source_id = 3").fetchone() == (tid, "done")
    db.close()
    assert_arrived(path, state)


ANON_SECRET = "a fixed secret for the kill test"


@pytest.mark.parametrize("anonymise", [False, True], ids=["plain", "anonymised"])
def test_killed_push_resumes_without_duplicates(wp, tmp_path, anonymise):
    """Also anonymised ([G]): comment ids are derived from the secret, so the
    second run's journal keys are the first's."""
    path = thread_export(tmp_path, n=30)
    reset([{"title": "Long thread", "slug": "long-thread"}])
    state = str(tmp_path / "state.db")
    s = site()
    env = dict(os.environ, MIGRATOR_WP_PASSWORD=s["password"], MIGRATOR_SECRET=ANON_SECRET)
    cmd = [MIGRATOR, "push", path, "--to", s["url"], "--user", s["user"], "--state", state]
    if anonymise:
        cmd.append("--anonymise")
    # the kill lands in exactly the window where WordPress has the comment and
    # the journal still says "in flight"
    st = kill_mid_push(cmd, env, state)
    assert 8 <= st["done"] < 30 and st["in-flight"] == 1
    on_target = len(all_comments())
    assert on_target == st["done"] + 1, "the in-flight comment should be on the target already"

    r = subprocess.run(cmd + ["--json"], env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["push"]["found"] == 1  # the in-flight one, found, not posted again
    assert out["push"]["posted"] == 30 - on_target
    if not anonymise:  # (anonymised: no e-mail, so the first POSTs learn the site wants one)
        assert out["requests"]["POST"] == 30 - on_target
    options = Options(anonymise=True, secret=ANON_SECRET.encode()) if anonymise else None
    assert_arrived(path, state, options)
    v = cli_run("verify", path, *target_args(state), *(["--anonymise"] if anonymise else []),
                env={"MIGRATOR_SECRET": ANON_SECRET})
    assert v.exit_code == 0, v.output
    if anonymise:
        db = sqlite3.connect(state)
        ids = {i for (i,) in db.execute("SELECT source_id FROM comments")}
        db.close()
        assert len(ids) == 30 and min(ids) >= 10 ** 15  # derived, never 1..30
        on = all_comments()
        assert not any("Reader" in c["author_name"] or "192.0.2." in c["author_ip"] for c in on)
        assert {c["date_gmt"][11:] for c in on} == {"00:00:00"}  # --date-precision day


def test_faults_retries_and_lost_answers(wp, tmp_path):
    """503s, 429 with Retry-After, connections dropped before forwarding, and
    POSTs that WordPress handled but whose answer was dropped: 0 duplicates,
    0 missing."""
    path = thread_export(tmp_path, n=32, extra_posts=[
        P(101, [C(500 + i, parent=0 if i == 0 else 500 + i - 1, author=f"Q&A {i}",
                  email="qa@example.org", content=f"<a href=\"https://q.example/{i}\">q</a> {i}")
                for i in range(6)], slug="second-post")])
    reset([{"title": "Long thread", "slug": "long-thread"},
           {"title": "Second", "slug": "second-post"}])

    def rule(method, n, route):
        if method == "POST":
            if n % 5 == 2:
                return "drop-after"
            if n % 7 == 3:
                return "503"
            if n % 8 == 4:
                return "429"
            if n % 11 == 6:
                return "drop-before"
        elif method == "GET" and n > 2:  # let discovery through
            if n % 6 == 3:
                return "503"
            if n % 10 == 5:
                return "drop-before"
            if n % 13 == 7:
                return "429"
        return "pass"

    s = site()
    state = str(tmp_path / "state.db")
    with FaultProxy(s["url"], comment_posts_only(rule)) as proxy:
        result = push([path], proxy.url, Options(), user=s["user"], password=s["password"],
                      state=state, workers=4, backoff=0.05)
        ledger = result.ledger
        assert ledger.totals()["written"] == 38 and ledger.totals()["rejected"] == 0
        for action in ("drop-after", "503", "429", "drop-before"):
            assert proxy.actions[("POST", action)] >= 1, (action, proxy.actions)
        assert proxy.actions[("GET", "503")] >= 1
        assert result.pusher.stats["found"] >= proxy.actions[("POST", "drop-after")]
        v = verify([path], proxy.url, Options(), user=s["user"], password=s["password"],
                   state=state)
        assert v.passed, v.problems
    assert_arrived(path, state)


def test_unmapped_post_and_pingback_are_rejected_and_listed(wp, tmp_path):
    path = thread_export(tmp_path, n=4, extra_posts=[
        P(300, [C(901, content="Lost?"), C(902, parent=901, content="Reply.")],
          slug="gone-post", title="Gone"),
        P(301, [C(903, type="pingback", content="pinged"), C(904, content="a comment")],
          slug="pinged-post")])
    ids = reset([{"title": "Long thread", "slug": "long-thread"},
                 {"title": "Pinged", "slug": "pinged-post"}])
    state = str(tmp_path / "state.db")
    r = cli_run("push", path, *target_args(state), "--type", "all", "--json",
                "--report", tmp_path / "r.json")
    assert r.exit_code == 1
    assert "did not reach the target" in r.stderr
    assert "post 300 'gone-post': 2 comments" in r.stderr
    out = json.loads(r.stdout)
    assert out["reasons"]["rejected"] == {"no target post": 2, "type not supported by target": 1}
    assert [u["post_id"] for u in out["unmapped"]] == [300]
    fates = {e["id"]: e for e in json.loads((tmp_path / "r.json").read_text())["comments"]}
    assert fates[901]["fate"] == fates[902]["fate"] == "rejected"
    assert fates[903]["reason"].startswith("type not supported by target: pingback")
    assert fates[904]["fate"] == "written"
    assert [c["post"] for c in all_comments() if c["content"]["raw"] == "a comment"] == \
        [ids["pinged-post"]]
    assert len(all_comments()) == 5


def test_comments_closed_names_the_post(wp, tmp_path):
    path = thread_export(tmp_path, n=3, extra_posts=[P(400, [C(950, email="a@example.org", content="First on a closed post."),
                                                          C(951, parent=950, email="b@example.org", content="Reply on it.")],
                                                          slug="closed-post")])
    ids = reset([{"title": "Long thread", "slug": "long-thread"},
                 {"title": "Closed", "slug": "closed-post"}])
    rest("POST", f"/wp/v2/posts/{ids['closed-post']}", data={"comment_status": "closed"})
    state = str(tmp_path / "state.db")
    r = cli_run("push", path, *target_args(state), "--json")
    assert r.exit_code == 1
    assert f"target post {ids['closed-post']} 'closed-post'" in r.stderr
    assert "rest_comment_closed" in r.stderr and "source post 400" in r.stderr
    out = json.loads(r.stdout)
    assert out["totals"]["written"] == 3 and out["totals"]["rejected"] == 2
    assert out["requests"]["POST"] == 4  # the reply was not even tried
    # opening the comments and running again completes the post
    rest("POST", f"/wp/v2/posts/{ids['closed-post']}", data={"comment_status": "open"})
    r2 = cli_run("push", path, *target_args(state), "--json")
    assert r2.exit_code == 0, r2.output
    assert json.loads(r2.stdout)["requests"]["POST"] == 2
    assert_arrived(path, state)


def test_post_map_overrides_slugs(wp, tmp_path):
    path = thread_export(tmp_path, n=3, slug="old-slug")
    ids = reset([{"title": "Renamed", "slug": "new-slug"}, {"title": "Decoy", "slug": "old-slug"}])
    m = tmp_path / "map.csv"
    m.write_text(f"source_post_id,target_post_id\n100,{ids['new-slug']}\n")
    state = str(tmp_path / "state.db")
    r = cli_run("push", path, *target_args(state), "--post-map", m)
    assert r.exit_code == 0, r.output
    assert {c["post"] for c in all_comments()} == {ids["new-slug"]}


def test_statuses_dates_and_private_fields_round_trip(wp, tmp_path):
    path = write(tmp_path, [P(100, [
        C(1, approved="1", author="Ann", email="ann@example.org", ip="2001:db8::1",
          date="2015-07-01 10:00:00", date_gmt="2015-07-01 08:00:00", content="approved one"),
        C(2, parent=1, approved="0", author="Ben", email="ben@example.org",
          date="2015-07-02 10:00:00", date_gmt="2015-07-02 08:00:00", content="pending one"),
        C(3, approved="spam", author="Spammer", email="s@example.org", content="buy now",
          date="2015-07-03 10:00:00"),
        C(4, parent=2, approved="1", author="Cat", email="cat@example.org", ip="not-an-ip",
          content="  reply to pending  ", date="2015-07-04 10:00:00"),
    ], slug="statuses")], name="st.xml")
    reset([{"title": "Statuses", "slug": "statuses"}])
    state = str(tmp_path / "state.db")
    r = cli_run("push", path, *target_args(state), "--status", "all", "--no-dedupe",
                "--report", tmp_path / "r.json")
    assert r.exit_code == 0, r.output
    by = {c["author_name"]: c for c in all_comments()}
    assert {n: c["status"] for n, c in by.items()} == \
        {"Ann": "approved", "Ben": "hold", "Spammer": "spam", "Cat": "approved"}
    assert by["Ann"]["date_gmt"] == "2015-07-01T08:00:00"
    assert by["Ann"]["date"] == "2015-07-01T04:00:00"  # America/New_York on the target
    assert by["Ann"]["author_ip"] == "2001:db8::1" and by["Ann"]["author_email"] == "ann@example.org"
    assert by["Ann"]["author_user_agent"] == ""  # not the pusher's User-Agent
    assert by["Cat"]["parent"] == by["Ben"]["id"] and by["Ben"]["parent"] == by["Ann"]["id"]
    assert by["Cat"]["author_ip"] == "127.0.0.1"
    notes = {e["id"]: e.get("notes", []) for e in json.loads((tmp_path / "r.json").read_text())["comments"]}
    assert any("not an IP address" in n for n in notes[4])
    v = cli_run("verify", path, *target_args(state), "--status", "all", "--no-dedupe")
    assert v.exit_code == 0, v.output


def test_verify_finds_changes_on_the_target(wp, tmp_path):
    path = thread_export(tmp_path, n=8)
    reset([{"title": "Long thread", "slug": "long-thread"}])
    state = str(tmp_path / "state.db")
    assert cli_run("push", path, *target_args(state)).exit_code == 0
    on = {c["author_name"] + c["date_gmt"]: c for c in all_comments()}
    victims = sorted(on.values(), key=lambda c: c["date_gmt"])  # source order, whatever the workers did
    rest("POST", f"/wp/v2/comments/{victims[1]['id']}", data={"content": "edited later"})
    rest("POST", f"/wp/v2/comments/{victims[2]['id']}", data={"date_gmt": "2001-01-01T00:00:00"})
    rest("DELETE", f"/wp/v2/comments/{victims[5]['id']}", params={"force": "true"})
    # a second copy, as a blind POST retry makes it: sent without the rel
    # WordPress added to the link, so its duplicate check lets it through
    twin = next(c for i, c in enumerate(victims) if i not in (1, 2, 5) and "<a " in c["content"]["raw"])
    dup = dict(post=twin["post"], parent=twin["parent"], author_name=twin["author_name"],
               author_email=twin["author_email"], date_gmt=twin["date_gmt"],
               content=twin["content"]["raw"].replace(' rel="nofollow ugc"', ""))
    rest("POST", "/wp/v2/comments", data=dup, expect=201)
    v = cli_run("verify", path, *target_args(state), "--json")
    assert v.exit_code == 1
    kinds = Counter(p["problem"] for p in json.loads(v.stdout)["problems"])
    # the deleted comment's replies lose their parent: 'parent' problems for them
    assert kinds["content"] == 1 and kinds["date"] == 1 and kinds["missing"] == 1, v.stdout
    assert kinds["duplicate"] == 1


def test_wrong_password_stops_at_once_and_leaks_nothing(wp, tmp_path, small_wxr):
    bad = "wXyZ 1234 aBcD 5678 eFgH 9012"
    state = tmp_path / "state.db"
    r = cli_run("push", small_wxr, *target_args(state), password=bad)
    assert r.exit_code == 1
    assert r.stderr.count("\n") == 1 and "refused the login of user 'admin'" in r.stderr
    assert "http 401" in r.stderr
    assert bad not in r.output and bad.replace(" ", "") not in r.output
    assert not state.exists()


def test_password_never_in_output_report_or_journal(wp, tmp_path):
    path = thread_export(tmp_path, n=3)
    reset([{"title": "Long thread", "slug": "long-thread"}])
    s = site()
    state = tmp_path / "state.db"
    r = cli_run("push", path, *target_args(state), "--json", "--report", tmp_path / "r.json")
    v = cli_run("verify", path, *target_args(state), "--json", "--report", tmp_path / "v.json")
    assert r.exit_code == 0 and v.exit_code == 0, r.output + v.output
    import base64

    token = base64.b64encode(f"{s['user']}:{s['password']}".encode()).decode()
    blobs = [r.output, v.output, (tmp_path / "r.json").read_text(), (tmp_path / "v.json").read_text()]
    blobs += [p.read_bytes().decode("latin-1") for p in tmp_path.iterdir()
              if p.name.startswith("state.db")]
    for secret in (s["password"], s["password"].replace(" ", ""), token):
        assert not any(secret in b for b in blobs)


def test_anonymised_push_needs_a_fixed_secret_and_fills_required_fields(wp, tmp_path):
    path = thread_export(tmp_path, n=4)
    reset([{"title": "Long thread", "slug": "long-thread"}])
    state = str(tmp_path / "state.db")
    r = cli_run("push", path, *target_args(state), "--anonymise", env={"MIGRATOR_SECRET": ""})
    assert r.exit_code == 1 and "fixed secret" in r.stderr
    key = tmp_path / "key"
    key.write_text("a fixed test secret")
    r = cli_run("push", path, *target_args(state), "--anonymise", "--secret-file", key)
    assert r.exit_code == 0, r.output
    got = all_comments()
    assert len(got) == 4
    # the target requires name + e-mail (require_name_email): WordPress's own
    # placeholder for erased e-mails, and no IP of the pushing machine
    assert {c["author_email"] for c in got} == {"deleted@site.invalid"}
    assert {c["author_ip"] for c in got} == {"127.0.0.1"}
    assert not any("Reader" in c["author_name"] for c in got)
    r2 = cli_run("push", path, *target_args(state), "--anonymise", "--secret-file", key, "--json")
    assert json.loads(r2.stdout)["requests"].get("POST", 0) == 0
    v = cli_run("verify", path, *target_args(state), "--anonymise", "--secret-file", key)
    assert v.exit_code == 0, v.output


def test_user_who_cannot_moderate_is_stopped_at_once(wp, tmp_path, small_wxr):
    """A real Author-role login (own Application Password): WordPress lets it
    in, but it may not set dates, IPs or statuses of comments."""
    import secrets

    name = "pushtest-" + secrets.token_hex(3)
    u = rest("POST", "/wp/v2/users", data={"username": name, "email": f"{name}@example.org",
                                          "password": secrets.token_urlsafe(16), "roles": ["author"]})
    try:
        app = rest("POST", f"/wp/v2/users/{u['id']}/application-passwords",
                   data={"name": "migrator-test"})
        state = tmp_path / "state.db"
        r = cli_run("push", small_wxr, "--to", wp["url"], "--user", name, "--state", state,
                    password=app["password"])
        assert r.exit_code == 1 and r.stderr.count("\n") == 1
        assert f"user '{name}' may not moderate comments" in r.stderr
        assert app["password"] not in r.output and not state.exists()
    finally:
        rest("DELETE", f"/wp/v2/users/{u['id']}", params={"force": "true", "reassign": 1})
