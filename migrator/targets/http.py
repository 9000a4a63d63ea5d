"""HTTP for every live target: one session per thread, retries, request
counts, and the credential rules ([H] 8-11) in one place.

* Credentials go only to the exact origin (scheme, host, port) of ``--to``,
  or of an explicitly given ``--rest-base``: :class:`OriginAuth` adds the
  header only to requests for an allowed origin, and :class:`GuardedSession`
  strips it from any redirect that leaves them (requests would keep it on an
  http -> https hop or a port change).
* A URL with a password in it, and plain ``http://`` to a host that is not
  loopback (without ``--insecure-http``), are refused before anything is sent.
* :class:`Redactor` removes the secret, and any header value made from it,
  from every string that is stored or printed.
"""
from __future__ import annotations

import base64
import ipaddress
import re
import threading
from collections import Counter
from datetime import datetime, timezone
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from ..version import __version__

USER_AGENT = f"migrator/{__version__} (+push)"


class PushError(Exception):
    """The push cannot go on (login refused, site unreachable, bad state file).
    One line for the user; what was done so far is in the journal."""


class AuthError(PushError):
    """401/403 on the first authenticated call."""


# -- origins and URL rules ---------------------------------------------------------
def origin(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) with the default port filled in."""
    u = urlsplit(url)
    scheme = (u.scheme or "").lower()
    try:
        port = u.port
    except ValueError:
        port = None
    if port is None:
        port = {"http": 80, "https": 443}.get(scheme, 0)
    return scheme, (u.hostname or "").lower(), port


def origin_text(url: str) -> str:
    scheme, host, port = origin(url)
    host = f"[{host}]" if ":" in host else host
    default = {"http": 80, "https": 443}.get(scheme)
    return f"{scheme}://{host}" + ("" if port == default else f":{port}")


def is_loopback(host: str) -> bool:
    host = (host or "").strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url(url: str, *, what: str = "--to", insecure_http: bool = False,
              secret_hint: str = "--password-file or MIGRATOR_WP_PASSWORD") -> str:
    """The URL, or PushError with one line: not http(s), a password in it,
    or plain http to a host that is not loopback."""
    if not re.match(r"^https?://[^/?#]", url or "", re.I):
        raise PushError(f"{what} {redact_url(url)!r} is not a site URL: use https://host[/path]")
    u = urlsplit(url)
    if u.password is not None or (u.username is not None and "@" in u.netloc):
        if u.password is not None:
            raise PushError(f"{what} has a password in it ({redact_url(url)}): never put a "
                            f"secret in a URL; give it with {secret_hint}")
        raise PushError(f"{what} {redact_url(url)!r} has a user name in it: give it with --user")
    if u.scheme.lower() == "http" and not is_loopback(u.hostname or "") and not insecure_http:
        raise PushError(f"{what} {url} is plain http to {u.hostname}, which is not this "
                        "machine: the credentials would cross the network in clear. Use "
                        "https, or --insecure-http if you mean it")
    return url


def redact_url(url: str) -> str:
    """``scheme://user:***@host/...``: a URL fit to print."""
    try:
        u = urlsplit(url or "")
    except ValueError:
        return "(unreadable URL)"
    if u.password is None:
        return url or ""
    netloc = u.netloc.rsplit("@", 1)
    return url.replace(u.netloc, f"{u.username}:***@{netloc[-1]}", 1)


# -- redaction ---------------------------------------------------------------------
class Redactor:
    """Removes secrets (and the header values made from them) from any text
    that might reach a log, an error message, a report or the journal."""

    def __init__(self, *secrets: str):
        self._secrets: list[str] = []
        for s in secrets:
            self.add(s)

    def add(self, secret: str | None) -> None:
        if not secret or len(secret) < 4:
            return
        for s in (secret, secret.replace(" ", "")):
            if len(s) >= 4 and s not in self._secrets:
                self._secrets.append(s)
        self._secrets.sort(key=len, reverse=True)

    def add_basic(self, user: str, password: str) -> None:
        self.add(password)
        for pw in {password, password.replace(" ", "")}:
            self.add(base64.b64encode(f"{user}:{pw}".encode()).decode())

    def __call__(self, text):
        if not isinstance(text, str) or not self._secrets:
            return text
        for s in self._secrets:
            text = text.replace(s, "***")
        # whatever a server echoes back of an Authorization header
        return _AUTH_ECHO.sub(r"\1***", text)

    def deep(self, value):
        """The same for every string inside dicts and lists."""
        if isinstance(value, str):
            return self(value)
        if isinstance(value, dict):
            return {k: self.deep(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return type(value)(self.deep(v) for v in value)
        return value


_AUTH_ECHO = re.compile(r"((?:authorization|x-api-key|cookie)[\"']?\s*[:=]\s*[\"']?"
                        r"(?:basic|bearer|ghost|token)?\s*)[A-Za-z0-9+/=._~-]{8,}", re.I)


# -- the guarded session -------------------------------------------------------------
class OriginAuth(requests.auth.AuthBase):
    """Adds the credential header only to requests for an allowed origin."""

    def __init__(self, header: str, value_fn, allowed: set[tuple[str, str, int]]):
        self.header, self.value_fn, self.allowed = header, value_fn, allowed

    def __call__(self, r):
        if origin(r.url) in self.allowed:
            r.headers[self.header] = self.value_fn()
        else:
            r.headers.pop(self.header, None)
        return r


class GuardedSession(requests.Session):
    """A session that never carries the credential header to another origin
    on a redirect, and never reads ~/.netrc."""

    def __init__(self, auth: OriginAuth | None):
        super().__init__()
        self.trust_env = False
        self.guard = auth
        self.auth = auth

    def rebuild_auth(self, prepared_request, response):
        if self.guard is not None:
            self.guard(prepared_request)
        else:
            prepared_request.headers.pop("Authorization", None)


class Http:
    """Requests to one target, safe to use from several threads.

    ``auth_header``/``auth_value`` give the credential (a function, so a
    short-lived token can be renewed); ``allowed`` are the origins it may go
    to. GETs are retried on 429/5xx/connection errors; POSTs only when the
    server cannot have acted (connect errors, 429): after a lost answer or a
    5xx the caller must look before it posts again."""

    def __init__(self, url: str, *, redact: Redactor, auth_header: str | None = None,
                 auth_value=None, allowed=(), retries: int = 6, backoff: float = 0.5,
                 backoff_max: float = 30.0, timeout: tuple[float, float] = (10.0, 60.0),
                 accept: str = "application/json"):
        self.url = url.rstrip("/")
        self.redact = redact
        self.allowed = {origin(u) for u in (self.url, *allowed)}
        self._auth = OriginAuth(auth_header, auth_value, self.allowed) if auth_header else None
        self.retries, self.backoff, self.backoff_max = retries, backoff, backoff_max
        self.timeout = timeout
        self.accept = accept
        self._local = threading.local()
        self._lock = threading.Lock()
        #: Requests made, by method (urllib3's own retries are not counted again).
        self.requests: Counter = Counter()
        self._sessions: list[requests.Session] = []

    def allows(self, url: str) -> bool:
        return origin(url) in self.allowed

    def session(self, kind: str) -> requests.Session:
        """One session per thread and kind ("get" or "post")."""
        s = getattr(self._local, kind, None)
        if s is None:
            s = GuardedSession(self._auth)
            s.headers["User-Agent"] = USER_AGENT
            s.headers["Accept"] = self.accept
            if kind == "post":
                retry = Retry(total=self.retries, connect=self.retries, read=0, other=0,
                              status=self.retries, status_forcelist=(429,),
                              allowed_methods=None,
                              backoff_factor=self.backoff, backoff_max=self.backoff_max,
                              respect_retry_after_header=True, raise_on_status=False,
                              raise_on_redirect=False)
            else:
                retry = Retry(total=self.retries, connect=self.retries, read=self.retries,
                              other=0, status=self.retries,
                              status_forcelist=(429, 500, 502, 503, 504),
                              allowed_methods=frozenset({"GET", "HEAD", "OPTIONS"}),
                              backoff_factor=self.backoff, backoff_max=self.backoff_max,
                              respect_retry_after_header=True, raise_on_status=False)
            adapter = HTTPAdapter(max_retries=retry, pool_connections=4, pool_maxsize=4)
            s.mount("http://", adapter)
            s.mount("https://", adapter)
            setattr(self._local, kind, s)
            with self._lock:
                self._sessions.append(s)
        return s

    def count(self, method: str) -> None:
        with self._lock:
            self.requests[method] += 1

    def get(self, url: str, params: dict | None = None, **kw) -> requests.Response:
        """A GET, retried; PushError (redacted) when the site stays unreachable."""
        self.count("GET")
        try:
            return self.session("get").get(url, params=params, timeout=self.timeout, **kw)
        except requests.RequestException as e:
            raise PushError(self.redact(f"{self.url} does not answer ({short_error(e)}): "
                                        "run the same command again to resume")) from None

    def send(self, method: str, url: str, **kw) -> requests.Response:
        """POST/PUT/DELETE; connection errors after the request may have been
        sent are raised as ``requests.ConnectionError``/``Timeout``."""
        self.count(method)
        return self.session("post").request(method, url, timeout=self.timeout, **kw)

    def close(self) -> None:
        with self._lock:
            sessions, self._sessions = self._sessions, []
        for s in sessions:
            s.close()
        self._local = threading.local()


def retry_after(resp: requests.Response | None) -> float | None:
    if resp is None:
        return None
    value = resp.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            when = parsedate_to_datetime(value)
            return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())
        except (TypeError, ValueError):
            return None


def short_error(e: Exception) -> str:
    text = str(e)
    m = re.search(r"\((?:Caused by )?(\w+Error)\(?['\"]?([^'\"]*)", text)
    if m:
        return f"{m.group(1)}: {m.group(2)}".rstrip(": ")[:160]
    return (type(e).__name__ + ": " + text)[:160]
