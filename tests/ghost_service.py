"""Helpers for tests that need the real local Ghost of scripts/ghost.sh.

Not a test module. ``site()`` returns $MIGRATOR_GHOST_STATE/site.json (default
/tmp/migrator-ghost) after checking that the Admin API answers a call made
with its key; it skips the test without Ghost (and fails it when CI=true).
``reset(posts)`` empties the site (scripts/ghost.sh reset) and creates the
posts, returning {slug: id}. ``api(method, path, body)`` is one Admin API call.
Standard library + pytest only (it must not share code with what it tests).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from needs import service_missing

REPO = Path(__file__).resolve().parent.parent
SCRIPT = REPO / "scripts" / "ghost.sh"


def state_dir() -> Path:
    return Path(os.environ.get("MIGRATOR_GHOST_STATE", "/tmp/migrator-ghost"))


def _unavailable(reason: str):
    service_missing("no local Ghost: run scripts/ghost.sh start (%s)" % reason)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def token(key: str) -> str:
    kid, secret = key.split(":")
    now = int(time.time())
    head = _b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": kid}).encode())
    body = _b64(json.dumps({"iat": now, "exp": now + 300, "aud": "/admin/"}).encode())
    sig = hmac.new(bytes.fromhex(secret), f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{_b64(sig)}"


def _call(s: dict, method: str, path: str, body=None, params=None, timeout=30):
    url = s["url"].rstrip("/") + "/ghost/api/admin" + path
    if params:
        url += "?" + urllib.parse.urlencode(params)
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method, headers={
        "Authorization": "Ghost " + token(s["admin_api_key"]), "Accept-Version": "v5.0",
        "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            status, raw = r.status, r.read()
    except urllib.error.HTTPError as e:
        status, raw = e.code, e.read()
    try:
        return status, json.loads(raw or b"null")
    except ValueError:
        return status, raw.decode("utf-8", "replace")


def site() -> dict:
    path = state_dir() / "site.json"
    try:
        s = json.loads(path.read_text())
    except (OSError, ValueError) as e:
        _unavailable("%s: %s" % (path, e))
    try:
        status, body = _call(s, "GET", "/settings/", timeout=10)
    except OSError as e:
        _unavailable("%s does not answer: %s" % (s.get("url"), e))
    if status != 200:
        _unavailable("settings answered %s: %.200s" % (status, body))
    return s


def api(method: str, path: str, body=None, params=None, expect=None):
    status, data = _call(site(), method, path, body, params)
    if expect is not None:
        assert status == expect, "%s %s -> %s %.500s" % (method, path, status, data)
    else:
        assert status < 400, "%s %s -> %s %.500s" % (method, path, status, data)
    return data


def reset(posts: list[dict]) -> dict:
    """Empty the site, then create ``posts`` ({"title", "slug"}), published."""
    site()
    env = dict(os.environ, MIGRATOR_GHOST_STATE=str(state_dir()))
    r = subprocess.run(["bash", str(SCRIPT), "reset"], env=env, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError("scripts/ghost.sh reset failed: %s%s" % (r.stdout, r.stderr))
    ids = {}
    for p in posts:
        data = api("POST", "/posts/", {"posts": [{"title": p["title"], "slug": p["slug"],
                                                  "status": "published"}]})
        ids[p["slug"]] = data["posts"][0]["id"]
    return ids


def all_comments(post_id: str) -> list[dict]:
    """Every comment of a post, top level and replies (hidden too), straight
    from the Admin API: each with ``parent_id`` (its thread root) added."""
    out = []
    page = 1
    while True:
        d = api("GET", f"/comments/post/{post_id}/", params={"limit": 100, "page": page})
        for top in d["comments"]:
            top["parent_id"] = None
            out.append(top)
            rp = 1
            while True:
                rd = api("GET", f"/comments/{top['id']}/replies/", params={"limit": 100, "page": rp})
                for x in rd["comments"]:
                    x["parent_id"] = top["id"]
                    out.append(x)
                if rp >= rd["meta"]["pagination"]["pages"]:
                    break
                rp += 1
        if page >= d["meta"]["pagination"]["pages"]:
            return out
        page += 1


def members() -> list[dict]:
    return api("GET", "/members/", params={"limit": "all", "include": "newsletters"})["members"]
