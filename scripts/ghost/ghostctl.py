#!/usr/bin/env python3
"""Site setup, reset and checks for the local Ghost that scripts/ghost.sh runs.

Standard library only (it runs before any venv exists):

    ghostctl.py setup     owner user, settings, Admin API integration, site.json
    ghostctl.py check     exit 0 if an Admin API call made with site.json's key answers 200
    ghostctl.py reset     delete every comment, member, post and page (owner + key kept)
    ghostctl.py token     print a fresh Admin API JWT (for curl by hand)
    ghostctl.py api METHOD PATH [JSON]   one Admin API call with the key, prints the body

Environment: MIGRATOR_GHOST_STATE (state folder), MIGRATOR_GHOST_URL (site URL); setup
also reads OWNER_EMAIL, OWNER_PASSWORD, PRIVATE_PASSWORD, GHOST_VERSION.

The Admin API key is "<id>:<hex secret>"; each call carries `Authorization: Ghost <jwt>`,
an HS256 JWT with header kid=<id>, payload {iat, exp <= iat + 5 min, aud: "/admin/"},
signed with the secret hex-decoded (Ghost's documented token auth).
"""
import base64
import hashlib
import hmac
import http.cookiejar
import json
import os
import sqlite3
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

STATE = os.environ.get("MIGRATOR_GHOST_STATE", "/tmp/migrator-ghost")
URL = os.environ.get("MIGRATOR_GHOST_URL", "http://127.0.0.1:2368").rstrip("/")
ADMIN = URL + "/ghost/api/admin"
SITE_JSON = os.path.join(STATE, "site.json")
DB = os.path.join(STATE, "content", "data", "ghost.db")
INTEGRATION_NAME = "migrator-tests"


def fail(msg):
    print("ghostctl: error: " + msg, file=sys.stderr)
    sys.exit(1)


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def admin_token(key, ttl=300):
    """The short-lived JWT Ghost's Admin API expects for an `id:secret` key."""
    kid, _, secret = key.partition(":")
    if not kid or not secret:
        raise ValueError("an Admin API key looks like <id>:<hex secret>")
    now = int(time.time())
    header = {"alg": "HS256", "typ": "JWT", "kid": kid}
    payload = {"iat": now, "exp": now + ttl, "aud": "/admin/"}
    signing_input = b64url(json.dumps(header, separators=(",", ":")).encode()) + "." + \
        b64url(json.dumps(payload, separators=(",", ":")).encode())
    sig = hmac.new(bytes.fromhex(secret), signing_input.encode("ascii"), hashlib.sha256).digest()
    return signing_input + "." + b64url(sig)


class Client:
    """Admin API calls, either with a staff session cookie or with the Admin API key."""

    def __init__(self, key=None):
        self.key = key
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def call(self, method, path, body=None, timeout=60):
        url = path if path.startswith("http") else ADMIN + path
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(url, data=data, method=method)
        req.add_header("Accept", "application/json")
        # a session-cookie request must carry an Origin that matches the site (CSRF check)
        req.add_header("Origin", URL)
        req.add_header("Accept-Version", "v5.0")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if self.key:
            req.add_header("Authorization", "Ghost " + admin_token(self.key))
        try:
            with self.opener.open(req, timeout=timeout) as resp:
                raw = resp.read()
                try:
                    return resp.status, (json.loads(raw) if raw else None)
                except ValueError:  # POST /session/ answers a plain "Created"
                    return resp.status, {"raw": raw.decode("utf-8", "replace")[:500]}
        except urllib.error.HTTPError as e:
            raw = e.read()
            try:
                return e.code, json.loads(raw)
            except ValueError:
                return e.code, {"raw": raw.decode("utf-8", "replace")[:500]}

    def ok(self, method, path, body=None, expect=(200, 201, 204)):
        status, data = self.call(method, path, body)
        if status not in expect:
            fail("%s %s answered %s: %s" % (method, path, status, json.dumps(data)[:800]))
        return data


def load_site():
    with open(SITE_JSON) as f:
        return json.load(f)


def key_works(key):
    try:
        status, _ = Client(key).call("GET", "/site/", timeout=10)
        if status != 200:
            return False
        # /site/ answers without auth too: ask for something that needs the key
        status, _ = Client(key).call("GET", "/posts/?limit=1&fields=id", timeout=10)
        return status == 200
    except (OSError, ValueError):
        return False


def cmd_setup():
    email = os.environ["OWNER_EMAIL"]
    password = os.environ["OWNER_PASSWORD"]
    private_password = os.environ["PRIVATE_PASSWORD"]
    c = Client()
    status = c.ok("GET", "/authentication/setup/")
    if not status["setup"][0]["status"]:
        print("ghostctl: creating the owner %s (authentication/setup)" % email, file=sys.stderr)
        c.ok("POST", "/authentication/setup/", {"setup": [{
            "name": "Migrator Owner", "email": email, "password": password,
            "blogTitle": "Migrator Test Ghost"}]})
    c.ok("POST", "/session/", {"username": email, "password": password})

    # comments on for every member; the site private (no webmentions, no pings)
    settings = {"comments_enabled": "all", "is_private": True, "password": private_password,
                "members_signup_access": "all"}
    current = {s["key"]: s["value"] for s in c.ok("GET", "/settings/")["settings"]}
    changed = [{"key": k, "value": v} for k, v in settings.items() if current.get(k) != v]
    if changed:
        c.ok("PUT", "/settings/", {"settings": changed})

    # reuse the key in site.json while it works; otherwise a new integration
    key = content_key = None
    if os.path.exists(SITE_JSON):
        try:
            old = load_site()
            if key_works(old.get("admin_api_key", "")):
                key, content_key = old["admin_api_key"], old.get("content_api_key")
        except (OSError, ValueError, KeyError):
            pass
    if key is None:
        for integ in c.ok("GET", "/integrations/?include=api_keys&limit=all")["integrations"]:
            if integ["name"] == INTEGRATION_NAME:
                c.ok("DELETE", "/integrations/%s/" % integ["id"])
        integ = c.ok("POST", "/integrations/?include=api_keys",
                     {"integrations": [{"name": INTEGRATION_NAME}]})["integrations"][0]
        for k in integ["api_keys"]:
            if k["type"] == "admin":
                # the Admin API already hands the admin key out as "<id>:<secret>"
                key = k["secret"] if ":" in k["secret"] else "%s:%s" % (k["id"], k["secret"])
            elif k["type"] == "content":
                content_key = k["secret"]
        if not key:
            fail("the new integration has no admin key: %s" % json.dumps(integ)[:500])
    site = {
        "url": URL,
        "admin_url": ADMIN,
        "admin_api_key": key,
        "content_api_key": content_key,
        "owner": {"email": email, "password": password},
        "private_site_password": private_password,
        "ghost_version": os.environ.get("GHOST_VERSION", ""),
        "db": DB,
        "accept_version": "v5.0",
    }
    tmp = SITE_JSON + ".tmp"
    with open(tmp, "w") as f:
        json.dump(site, f, indent=2)
        f.write("\n")
    os.chmod(tmp, 0o644)
    os.replace(tmp, SITE_JSON)


def cmd_check():
    try:
        key = load_site()["admin_api_key"]
    except (OSError, ValueError, KeyError):
        return 1
    return 0 if key_works(key) else 1


def cmd_reset():
    c = Client(load_site()["admin_api_key"])
    # Comments have no delete in the Admin API (only status hidden/deleted), so they go
    # straight from the database; Ghost keeps no comment state in memory.
    with sqlite3.connect(DB, timeout=30) as db:
        db.execute("PRAGMA foreign_keys = ON")
        db.execute("DELETE FROM comment_likes")
        db.execute("DELETE FROM comment_reports")
        db.execute("DELETE FROM comments")
    c.ok("DELETE", "/members/?all=true")
    # posts and pages through the API, so that Ghost's URL service forgets them too
    for kind in ("posts", "pages"):
        n = c.ok("GET", "/%s/?limit=1&filter=%s" % (kind, urllib.parse.quote("status:[draft,published,scheduled,sent]")))
        if n["meta"]["pagination"]["total"]:
            c.ok("DELETE", "/%s/?filter=%s" % (kind, urllib.parse.quote("id:-null")))
    left = {}
    with sqlite3.connect(DB, timeout=30) as db:
        for table in ("comments", "members", "posts"):
            left[table] = db.execute("SELECT count(*) FROM %s" % table).fetchone()[0]
    if any(left.values()):
        fail("reset left rows behind: %s; is something else writing to this Ghost at the same "
             "time? (tests that share it should hold a lock, e.g. flock /tmp/migrator-ghost.lock)" % left)


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    cmd = argv[1]
    if cmd == "setup":
        cmd_setup()
        return 0
    if cmd == "check":
        return cmd_check()
    if cmd == "reset":
        cmd_reset()
        return 0
    if cmd == "token":
        print(admin_token(load_site()["admin_api_key"]))
        return 0
    if cmd == "api" and len(argv) >= 4:
        body = json.loads(argv[4]) if len(argv) > 4 else None
        status, data = Client(load_site()["admin_api_key"]).call(argv[2].upper(), argv[3], body)
        print(json.dumps(data, indent=2))
        return 0 if status < 400 else 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
