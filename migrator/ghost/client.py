"""The Ghost Admin API client (Ghost 5.x): the Admin API key turned into the
short-lived JWT Ghost expects, JSON envelopes, paging, and the few routes
the comments import needs.

Facts this relies on (Ghost 5.130, ``core/server``):

* ``POST /ghost/api/admin/comments/`` takes ``member_id``, ``html`` and
  ``post_id`` (top level) or ``parent_id`` (+ ``in_reply_to_id``) and an
  optional ``created_at``; a ``created_at`` in the future is silently replaced
  by now; the comment is always created ``published``; no e-mail is sent.
* Ghost nests two levels: ``parent_id`` must be a top-level comment; an
  ``in_reply_to_id`` that is not a published reply under the same parent is
  silently dropped.
* ``GET /comments/post/:post_id/`` lists top-level comments (admin: hidden
  ones too, deleted ones never) with at most 3 replies each;
  ``GET /comments/:id/replies/`` lists all replies. Answers carry no
  ``post_id``/``parent_id``; ``in_reply_to_id`` is null when not set.
* ``PUT /comments/:id/`` with ``status`` hides, shows or deletes.
* HTML is sanitised on save: only ``p``, ``br``, ``a``, ``blockquote`` stay.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import threading
import time

import requests

from ..targets.http import AuthError, Http, PushError, Redactor, check_url

ACCEPT_VERSION = "v5.0"
KEY = re.compile(r"^([0-9a-f]{24}):([0-9a-f]{64})$")


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def admin_token(key: str, now: float | None = None, ttl: int = 300) -> str:
    """The JWT Ghost's Admin API wants (HS256, ``kid`` = key id, audience
    ``/admin/``, at most 5 minutes)."""
    m = KEY.match(key.strip())
    if not m:
        raise PushError("the Ghost Admin API key must look like <24 hex>:<64 hex> "
                        "(Settings → Integrations → your custom integration)")
    kid, secret = m.groups()
    iat = int(now if now is not None else time.time())
    header = _b64url(json.dumps({"alg": "HS256", "typ": "JWT", "kid": kid},
                                separators=(",", ":")).encode())
    body = _b64url(json.dumps({"iat": iat, "exp": iat + ttl, "aud": "/admin/"},
                              separators=(",", ":")).encode())
    sig = hmac.new(bytes.fromhex(secret), f"{header}.{body}".encode(), hashlib.sha256).digest()
    return f"{header}.{body}.{_b64url(sig)}"


def ghost_error(resp: requests.Response) -> tuple[str, str]:
    """(type, message) of a Ghost error answer."""
    try:
        body = resp.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("errors"), list) and body["errors"]:
        e = body["errors"][0] or {}
        msg = str(e.get("message") or "")
        if e.get("context"):
            msg += f" ({e['context']})"
        return str(e.get("type") or e.get("code") or ""), msg
    return "", re.sub(r"\s+", " ", re.sub(r"<[^>]*>", " ", resp.text or ""))[:200].strip() \
        or (resp.reason or "")


class Ghost:
    """A small Ghost Admin API client, safe to use from several threads."""

    def __init__(self, url: str, key: str, *, retries: int = 6, backoff: float = 0.5,
                 insecure_http: bool = False):
        check_url(url, insecure_http=insecure_http,
                  secret_hint="--key-file or MIGRATOR_GHOST_KEY")
        self.url = url.rstrip("/")
        self.key = key.strip()
        admin_token(self.key, 0)  # the shape is checked before anything is sent
        self.redact = Redactor(self.key, self.key.split(":", 1)[1])
        self.root = self.url + "/ghost/api/admin"
        self._token = ("", 0.0)
        self._token_lock = threading.Lock()
        self.http = Http(self.url, redact=self.redact, auth_header="Authorization",
                         auth_value=self._auth, retries=retries, backoff=backoff)

    def _auth(self) -> str:
        with self._token_lock:
            token, made = self._token
            now = time.time()
            if not token or now - made > 240:
                token = admin_token(self.key, now)
                self.redact.add(token)
                self._token = (token, now)
            return "Ghost " + token

    def _headers(self) -> dict:
        return {"Accept-Version": ACCEPT_VERSION}

    def get(self, route: str, params: dict | None = None) -> requests.Response:
        return self.http.get(self.root + route, params, headers=self._headers())

    def send(self, method: str, route: str, body: dict | None = None) -> requests.Response:
        return self.http.send(method, self.root + route, json=body, headers=self._headers())

    def get_all(self, route: str, key: str, params: dict | None = None) -> list[dict]:
        """Every item of a browse answer, page by page."""
        out: list[dict] = []
        page = 1
        while True:
            r = self.get(route, dict(params or {}, limit=100, page=page))
            if r.status_code != 200:
                kind, msg = ghost_error(r)
                raise PushError(self.redact(f"GET {route}: http {r.status_code} {kind}: {msg}"))
            body = r.json()
            out.extend(body.get(key) or [])
            pages = ((body.get("meta") or {}).get("pagination") or {}).get("pages") or 1
            if page >= int(pages):
                return out
            page += 1

    def login(self) -> dict:
        """The first authenticated call; checks that comments are switched on."""
        r = self.get("/settings/")
        if r.status_code in (401, 403):
            kind, msg = ghost_error(r)
            raise AuthError(self.redact(f"{self.url} refused the Admin API key "
                                        f"(http {r.status_code} {kind}: {msg})"))
        if r.status_code != 200:
            kind, msg = ghost_error(r)
            raise PushError(self.redact(f"{self.url}/ghost/api/admin/settings/ answered http "
                                        f"{r.status_code} {kind}: {msg} (is this a Ghost 5 site?)"))
        settings = {s.get("key"): s.get("value") for s in r.json().get("settings") or []}
        if settings.get("comments_enabled") in (None, "off"):
            raise PushError(f"comments are switched off on {self.url}: Settings → Membership "
                            "→ Commenting, then run again")
        r = self.get("/members/", {"limit": 1})
        if r.status_code in (401, 403):
            kind, msg = ghost_error(r)
            raise AuthError(self.redact(f"the Admin API key may not manage members on {self.url} "
                                        f"(http {r.status_code} {kind}: {msg})"))
        return settings
