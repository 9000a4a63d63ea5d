"""Helpers for tests that need the real local WordPress of scripts/wordpress.sh.

Not a test module. Use from a test:

    from wp_service import site, reset, rest

    def test_something():
        s = site()                      # skips (or fails under CI=true) if no WordPress
        ids = reset([{"title": "T", "slug": "t", "content": "<p>x</p>",
                      "date_gmt": "2014-02-18T15:00:00", "type": "post"}])
        rest("GET", "/wp/v2/posts/%d" % ids["t"])

site() returns the dict of $MIGRATOR_WP_STATE/site.json (default /tmp/migrator-wp):
{"url", "user", "password" (application password), "rest" ("<url>/?rest_route="),
 "timezone", "db": {...}}.  Authenticate with HTTP Basic user:password.
Only stdlib + pytest.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from needs import service_missing

REPO = Path(__file__).resolve().parent.parent
SCRIPT = REPO / "scripts" / "wordpress.sh"


def state_dir() -> Path:
    return Path(os.environ.get("MIGRATOR_WP_STATE", "/tmp/migrator-wp"))


def _unavailable(reason: str):
    service_missing("no local WordPress: run scripts/wordpress.sh start (%s)" % reason)


def _auth_header(s: dict) -> str:
    token = base64.b64encode(("%s:%s" % (s["user"], s["password"])).encode()).decode()
    return "Basic " + token


def _request(s: dict, method: str, route: str, data=None, params=None, timeout=30):
    """One REST call; returns (status, decoded JSON or text)."""
    url = s["rest"] + urllib.parse.quote(route, safe="/")
    if params:
        url += "&" + urllib.parse.urlencode(params, doseq=True)
    body = None
    headers = {"Authorization": _auth_header(s), "Accept": "application/json"}
    if data is not None:
        body = json.dumps(data).encode("utf-8")
        headers["Content-Type"] = "application/json; charset=utf-8"
    req = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            status, raw = resp.status, resp.read()
    except urllib.error.HTTPError as e:
        status, raw = e.code, e.read()
    text = raw.decode("utf-8", "replace")
    try:
        return status, json.loads(text)
    except ValueError:
        return status, text


def site() -> dict:
    """The running site's connection data, after checking that an authenticated
    GET ?rest_route=/wp/v2/users/me answers 200. Skips the test otherwise
    (fails it when CI=true)."""
    path = state_dir() / "site.json"
    try:
        s = json.loads(path.read_text())
    except (OSError, ValueError) as e:
        _unavailable("%s: %s" % (path, e))
    try:
        status, body = _request(s, "GET", "/wp/v2/users/me", timeout=10)
    except OSError as e:
        _unavailable("%s does not answer: %s" % (s.get("url"), e))
    if status != 200:
        _unavailable("users/me answered %s: %.200s" % (status, body))
    return s


def rest(method: str, route: str, data=None, params=None, expect=None):
    """Authenticated REST call on the local site, e.g. rest("GET", "/wp/v2/comments",
    params={"post": 4, "per_page": 100}). Returns the decoded JSON. With expect=<status>
    asserts the HTTP status; without it, any status >= 400 raises AssertionError."""
    status, body = _request(site(), method, route, data=data, params=params)
    if expect is not None:
        assert status == expect, "%s %s -> %s %.500s" % (method, route, status, body)
    else:
        assert status < 400, "%s %s -> %s %.500s" % (method, route, status, body)
    return body


def reset(posts: list[dict]) -> dict:
    """Empty the site (posts, pages, comments; users and the application password stay),
    then create `posts`: dicts {"title", "slug", "content", "date_gmt", "type": "post"|"page"},
    published, with comments and pings open. Returns {slug: new_post_id}.
    Ids restart at 1 after each reset."""
    s = site()
    env = dict(os.environ, MIGRATOR_WP_STATE=str(state_dir()))
    r = subprocess.run(["bash", str(SCRIPT), "reset"], env=env, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError("scripts/wordpress.sh reset failed: %s%s" % (r.stdout, r.stderr))
    ids = {}
    for p in posts:
        kind = p.get("type", "post")
        if kind not in ("post", "page"):
            raise ValueError("type must be 'post' or 'page', not %r" % kind)
        data = {
            "title": p["title"],
            "slug": p["slug"],
            "content": p.get("content", ""),
            "status": "publish",
            "comment_status": "open",
            "ping_status": "open",
        }
        if p.get("date_gmt"):
            data["date_gmt"] = str(p["date_gmt"]).replace(" ", "T")
        status, body = _request(s, "POST", "/wp/v2/%ss" % kind, data=data)
        if status != 201:
            raise RuntimeError("creating %s %r failed: %s %.500s" % (kind, p["slug"], status, body))
        ids[p["slug"]] = body["id"]
    return ids
