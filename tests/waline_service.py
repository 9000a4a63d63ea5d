"""Helpers for tests that need the real local Waline of scripts/waline.sh.

Not a test module. Use from a test:

    from waline_service import site, reset, raw_comments

    def test_something():
        s = site()            # skips (or fails under CI=true) if no Waline
        reset()               # no comments (ids restart at 1); the admin stays
        rows = raw_comments() # GET /api/db: every comment row exactly as stored

Tests that reset Waline are run under ``flock /tmp/migrator-waline.lock``
(others share the server). Reads go through urllib, not migrator's client, so
they check what is really stored independently of the code under test.
Only stdlib + pytest.
"""
from __future__ import annotations

import json
import os
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from needs import service_missing

REPO = Path(__file__).resolve().parent.parent
SCRIPT = REPO / "scripts" / "waline.sh"


def state_dir() -> Path:
    return Path(os.environ.get("MIGRATOR_WALINE_STATE", "/tmp/migrator-waline"))


def _unavailable(reason: str):
    service_missing("no local Waline: run scripts/waline.sh start (%s)" % reason)


def call(method: str, route: str, data=None, params=None, token: str | None = None,
         timeout: float = 30, s: dict | None = None):
    """One API call; (HTTP status, decoded JSON or text). ``token`` defaults to
    the admin's; pass ``""`` for none."""
    s = s or _site_json()
    url = s["api"] + route
    if params:
        url += "?" + urllib.parse.urlencode(params, doseq=True)
    headers = {"Accept": "application/json"}
    tok = s["token"] if token is None else token
    if tok:
        headers["Authorization"] = "Bearer " + tok
    body = None
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


def _site_json() -> dict:
    with open(state_dir() / "site.json", encoding="utf-8") as fh:
        return json.load(fh)


def site() -> dict:
    """The running server's site.json, after checking that the admin token
    works (GET /api/token). Skips the test otherwise (fails it when CI=true)."""
    try:
        s = _site_json()
    except (OSError, ValueError) as e:
        _unavailable(str(e))
    try:
        status, body = call("GET", "/token", s=s, timeout=5)
    except OSError as e:
        _unavailable(f"{s.get('url')}: {e}")
    if status != 200 or not isinstance(body, dict) or body.get("errno") != 0 \
            or (body.get("data") or {}).get("type") != "administrator":
        _unavailable(f"the admin token is refused: {str(body)[:120]}")
    return s


def reset() -> None:
    """Delete every comment (ids start at 1 again); the admin account stays."""
    subprocess.run(["bash", str(SCRIPT), "reset"], check=True, capture_output=True, timeout=120)


def raw_comments() -> list[dict]:
    """Every comment row exactly as stored (GET /api/db, admin), by id. The
    same answer carries the users' password hashes: only the comments leave
    this function."""
    status, body = call("GET", "/db")
    assert status == 200 and body["errno"] == 0, body
    return sorted(body["data"]["data"]["Comment"], key=lambda r: r["objectId"])
