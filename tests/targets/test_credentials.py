"""Credentials never leave the target ([H] 8-11), for every platform: the
shared layer (migrator/targets/http.py) enforces it.

Each test puts a second real HTTP server (tests/recorder.py) on 127.0.0.1
beside the target, and asserts what it received: nothing, unless the user
explicitly accepted it. Tests that need the real WordPress skip without it
(and fail under CI=true).
"""
from __future__ import annotations

import base64
import json
import os
import sqlite3

import pytest
from click.testing import CliRunner

from migrator.cli import cli
from migrator.targets.http import PushError, Redactor, check_url, is_loopback
from recorder import Recorder
from wxr_builder import C, P, write

PW = "abcd EFGH ijkl MNOP qrst UVWX"


def export(tmp_path, slug="cred-post", n=3):
    comments = [C(i, parent=0 if i == 1 else i - 1, author=f"Reader {i}",
                  email=f"r{i}@example.org", content=f"Comment number {i} about the week.",
                  date=f"2019-05-0{i} 10:00:00") for i in range(1, n + 1)]
    return write(tmp_path, [P(100, comments, title="Cred post", slug=slug)])


def run(*args, env=None):
    e = {"MIGRATOR_WP_PASSWORD": PW, "MIGRATOR_GHOST_KEY": ""}
    e.update(env or {})
    return CliRunner(env=e).invoke(cli, [str(a) for a in args], catch_exceptions=False)


def secrets_of(user: str, password: str) -> list[str]:
    return [password, password.replace(" ", ""),
            base64.b64encode(f"{user}:{password}".encode()).decode(),
            base64.b64encode(f"{user}:{password.replace(' ', '')}".encode()).decode()]


# -- unit: the rules themselves -----------------------------------------------------------
def test_url_rules():
    check_url("https://blog.example.org")
    check_url("http://127.0.0.1:8089/blog")
    check_url("http://localhost:2368")
    check_url("http://[::1]:2368")
    with pytest.raises(PushError, match="--insecure-http"):
        check_url("http://blog.example.org")
    check_url("http://blog.example.org", insecure_http=True)
    with pytest.raises(PushError, match="MIGRATOR_WP_PASSWORD") as e:
        check_url("https://admin:s3cret-pass@blog.example.org")
    assert "s3cret-pass" not in str(e.value)
    assert not is_loopback("0.0.0.0") and not is_loopback("192.0.2.1") and is_loopback("127.8.0.1")


def test_redactor_removes_the_password_and_echoed_headers():
    r = Redactor()
    r.add_basic("admin", PW)
    token = base64.b64encode(f"admin:{PW}".encode()).decode()
    text = f"bad request; headers: Authorization: Basic {token}, pw={PW}, {PW.replace(' ', '')}"
    out = r(text)
    assert all(s not in out for s in secrets_of("admin", PW)) and "bad request" in out
    # an echo of some other credential header is cut too
    assert "eyJhbGciOi" not in r('{"authorization": "Ghost eyJhbGciOiJIUzI1NiJ9.x.y"}')


# -- 10: a password in the URL -------------------------------------------------------------
def test_url_with_a_password_is_refused_and_nothing_is_sent(tmp_path):
    path = export(tmp_path)
    state = tmp_path / "s.db"
    with Recorder() as rec:
        url = f"http://admin:hunter2-secret@127.0.0.1:{rec.port}"
        for verb in ("push", "verify"):
            extra = ["--dry-run"] if verb == "push" else []
            r = run(verb, path, "--to", url, "--user", "admin", "--state", state, *extra)
            assert r.exit_code == 2, r.output
            assert r.stderr.count("\n") == 1, r.stderr
            assert "--password-file" in r.stderr and "MIGRATOR_WP_PASSWORD" in r.stderr
            assert "hunter2-secret" not in r.output
        r = run("push", path, "--to", "ghost+" + url, "--state", state,
                env={"MIGRATOR_GHOST_KEY": "a" * 24 + ":" + "b" * 64})
        assert r.exit_code == 2 and "MIGRATOR_GHOST_KEY" in r.stderr
        assert "hunter2-secret" not in r.output
    assert rec.requests == []
    assert not state.exists()


# -- 11: plain http off this machine ---------------------------------------------------------
def test_plain_http_to_a_host_that_is_not_loopback_is_refused(tmp_path):
    """0.0.0.0 is not a loopback address, but Linux connects it to this machine:
    so the recorder shows what would have crossed the network."""
    path = export(tmp_path)
    state = tmp_path / "s.db"
    with Recorder() as rec:
        url = f"http://0.0.0.0:{rec.port}"
        r = run("push", path, "--to", url, "--user", "admin", "--state", state)
        assert r.exit_code == 2 and r.stderr.count("\n") == 1, r.output
        assert "--insecure-http" in r.stderr and "plain http" in r.stderr
        r = run("push", path, "--to", "ghost+" + url, "--state", state,
                env={"MIGRATOR_GHOST_KEY": "a" * 24 + ":" + "b" * 64})
        assert r.exit_code == 2 and "--insecure-http" in r.stderr
        assert rec.requests == []
        # with the flag the user takes the risk: the request goes (and fails here)
        r = run("push", path, "--to", url, "--user", "admin", "--state", state,
                "--insecure-http")
        assert r.exit_code == 1
        assert rec.requests and rec.saw("Authorization")
    assert all(not rec.saw(s) for s in secrets_of("admin", PW)[:2])


# -- 8: a discovered API root on another origin ------------------------------------------------
def _front(other_url: str, upstream: str | None = None):
    """A site whose REST API is not at /wp-json/ or ?rest_route=/, and whose
    Link header names a root on another origin (the recorder)."""
    def respond(method, path, headers, body):
        if path in ("/", ""):
            return (200, [("Content-Type", "text/html"),
                          ("Link", f'<{other_url}/wp-json/>; rel="https://api.w.org/"')],
                    b"<html>a site</html>")
        if path.startswith("/wp-json") or path.rstrip("/") == "/?rest_route=":
            return (404, [("Content-Type", "text/html")], b"not found")
        return None
    return Recorder(upstream=upstream, respond=respond)


def test_discovered_api_root_on_another_origin_is_refused(tmp_path):
    path = export(tmp_path)
    state = tmp_path / "s.db"
    with Recorder() as other, _front(other.url) as front:
        r = run("push", path, "--to", front.url, "--user", "admin", "--state", state)
        assert r.exit_code == 1, r.output
        assert r.stderr.count("\n") == 1, r.stderr
        assert f"{other.url}/wp-json/" in r.stderr and "--rest-base" in r.stderr
        assert other.requests == [], other.requests
        assert front.requests  # discovery itself went to --to
    assert not state.exists()


def test_rest_base_accepts_the_other_origin(tmp_path):
    """With --rest-base the user names the other origin: the push goes through
    it into the real WordPress (the recorder forwards)."""
    from wp_service import reset, site

    s = site()
    path = export(tmp_path)
    reset([{"title": "Cred post", "slug": "cred-post"}])
    state = tmp_path / "s.db"
    with Recorder(upstream=s["url"]) as other, _front(other.url, upstream=s["url"]) as front:
        r = run("push", path, "--to", front.url, "--user", s["user"], "--state", state,
                "--rest-base", f"{other.url}/?rest_route=/", "--json",
                env={"MIGRATOR_WP_PASSWORD": s["password"]})
        assert r.exit_code == 0, r.output
        assert json.loads(r.stdout)["totals"]["written"] == 3
        assert other.saw("Authorization")


# -- 9: a server that echoes the request headers -------------------------------------------------
def test_echoed_credentials_are_redacted_everywhere(tmp_path):
    """The target answers every comment POST with 400 and the request headers in
    its message (as some misconfigured servers and WAFs do). The reasons say
    why, but no password or token is printed or stored anywhere."""
    from wp_service import reset, site

    s = site()
    path = export(tmp_path)
    reset([{"title": "Cred post", "slug": "cred-post"}])

    def echo(method, path_, headers, body):
        if method == "POST" and "comments" in path_:
            dump = "; ".join(f"{k}: {v}" for k, v in headers.items())
            msg = json.dumps({"code": "rest_invalid_param",
                              "message": f"Bad request. You sent: {dump}"}).encode()
            return (400, [("Content-Type", "application/json")], msg)
        return None

    state = tmp_path / "s.db"
    report = tmp_path / "r.json"
    with Recorder(upstream=s["url"], respond=echo) as proxy:
        env = {"MIGRATOR_WP_PASSWORD": s["password"]}
        dry = run("push", path, "--to", proxy.url, "--user", s["user"], "--state", state,
                  "--dry-run", env=env)
        r = run("push", path, "--to", proxy.url, "--user", s["user"], "--state", state,
                "--json", "--report", report, env=env)
        assert proxy.saw("Authorization")
    assert dry.exit_code == 0, dry.output
    assert r.exit_code == 1, r.output
    out = json.loads(r.stdout)
    assert out["totals"]["rejected"] == 3
    rep = report.read_text()
    assert "http 400 rest_invalid_param" in rep and "You sent" in rep
    db = sqlite3.connect(state)
    notes = [n for (n,) in db.execute("SELECT note FROM comments")]
    db.close()
    assert any("You sent" in n for n in notes)
    blobs = [dry.output, r.output, rep] + [p.read_bytes().decode("latin-1")
                                           for p in tmp_path.iterdir()
                                           if p.name.startswith("s.db")]
    for secret in secrets_of(s["user"], s["password"]):
        for b in blobs:
            assert secret not in b
    assert os.path.getsize(state) > 0
