"""Push comment threads into a WordPress site over its REST API.

The posts must already be on the target; this moves their comment sections:
every thread at full depth, original dates, authors and statuses, nothing
twice — even after a crash, a lost answer, or a second run.

* :class:`WordPress` — the REST client: Application Passwords over HTTP Basic,
  ``/wp-json/`` or ``?rest_route=`` (plain permalinks), retries with backoff.
* :class:`Journal` — a SQLite file mapping each source comment (site, id) to
  its target id. A row is marked *in flight* (and committed) before its POST
  and *done* (committed) right after; an in-flight row is looked up on the
  target before anything is posted again.
* :class:`Pusher` — a :class:`migrator.pipeline.Sink` that posts each post's
  comments, parents before replies, ``workers`` at a time.
* :func:`push` and :func:`verify` — what ``migrator push`` / ``migrator verify`` call.

Why POSTs are not retried blindly: WordPress answers an identical comment
with 409 ``comment_duplicate``, but it compares the *unfiltered* request with
the *filtered* stored comment, and its save filters change many comments
(``rel="nofollow ugc"`` added to links, ``&`` in a name stored as ``&amp;``,
content trimmed). Re-sending such a comment after a lost answer creates a
second copy. So urllib3 retries a POST only when WordPress cannot have seen it
(connect errors, 429); after any other failure (connection dropped, read
timeout, 5xx) the comment is looked up on the target first and posted again
only if it is not there.
"""
from __future__ import annotations

import base64
import csv
import hashlib
import html
import ipaddress
import json
import os
import re
import sqlite3
import threading
import time
from collections import Counter, defaultdict, deque
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Callable, Iterable
from urllib.parse import unquote, urlparse

import requests
from requests.adapters import HTTPAdapter
from urllib3.util import SKIP_HEADER
from urllib3.util.retry import Retry

from . import __version__
from .ledger import Ledger
from .model import Comment, Post, Site
from .pipeline import Options, Pipeline

#: Our status names -> the REST API's comment ``status`` (they round-trip:
#: WordPress answers ``approved``/``hold``/``spam``/``trash``).
REST_STATUS = {"approved": "approved", "pending": "hold", "spam": "spam", "trash": "trash",
               "post-trashed": "trash"}
#: What WordPress itself stores when a commenter's data is erased
#: (``wp_privacy_anonymize_data``): used only when the target insists on a
#: name and e-mail (``require_name_email``) and the comment has none.
PLACEHOLDER_EMAIL = "deleted@site.invalid"
PLACEHOLDER_NAME = "Anonymous"
#: WordPress stores REMOTE_ADDR (the pushing machine) when no IP is sent;
#: this is what it stores when it has no address at all.
NO_IP = "127.0.0.1"
POST_STATUSES = "publish,future,draft,pending,private"
USER_AGENT = f"migrator/{__version__} (+push)"


class PushError(Exception):
    """The push cannot go on (login refused, site unreachable, bad state file).
    One line for the user; what was done so far is in the journal."""


class AuthError(PushError):
    """401/403 on the first authenticated call."""


# -- secrets ------------------------------------------------------------------
class Redactor:
    """Removes the password (and the Basic token made from it) from any text
    that might reach a log, an error message or a report."""

    def __init__(self, user: str, password: str):
        self._secrets = [s for s in {
            password,
            password.replace(" ", ""),
            base64.b64encode(f"{user}:{password}".encode()).decode(),
        } if s and len(s) >= 4]

    def __call__(self, text: str) -> str:
        for s in self._secrets:
            text = text.replace(s, "***")
        return text


# -- comparison: what WordPress does to what it stores --------------------------
_A_TAG = re.compile(r"<a\s(.+?)>", re.I | re.S)
_ATTR = re.compile(r"""([^\s=/>"']+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?""", re.S)
_TAGS = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")
_C1 = re.compile(r"&#(1[2-5]\d);")


def _a_tag(m: re.Match) -> str:
    attrs = []
    for name, v1, v2, v3 in _ATTR.findall(m.group(1)):
        if name.lower() == "rel":
            continue
        value = v1 if v1 else v2 if v2 else v3
        attrs.append(f'{name.lower()}="{html.unescape(value)}"')
    return "<a " + " ".join(attrs) + ">"


def _c1(m: re.Match) -> str:
    n = int(m.group(1))
    if 128 <= n <= 159:
        try:
            return f"&#{ord(bytes([n]).decode('cp1252'))};"
        except UnicodeDecodeError:
            return m.group(0)
    return m.group(0)


def normalise_content(text: str) -> str:
    """Comment content as WordPress 6.1 stores it, up to what its save filters
    change on their own: trimmed, links' ``rel`` (``wp_rel_ugc`` adds
    ``nofollow ugc``, ``wp_targeted_link_rel`` adds ``noopener``) and quoting
    of link attributes, Windows-1252 entities (``convert_invalid_entities``)."""
    text = (text or "").replace("\r\n", "\n").strip()
    text = _A_TAG.sub(_a_tag, text)
    return _C1.sub(_c1, text)


def text_only(text: str) -> str:
    """Content without tags and with whitespace collapsed: a second, looser
    way to recognise our own comment when the target filters HTML (kses)."""
    return _SPACE.sub(" ", html.unescape(_TAGS.sub("", text or ""))).strip()


def normalise_name(name: str) -> str:
    """An author name as WordPress stores it, up to ``sanitize_text_field``
    and ``_wp_specialchars`` (``&`` stored as ``&amp;``)."""
    return _SPACE.sub(" ", html.unescape(_TAGS.sub("", name or ""))).strip()


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def rest_date(d: datetime) -> str:
    return d.strftime("%Y-%m-%dT%H:%M:%S")


def wp_error(resp: requests.Response) -> tuple[str, str]:
    """(code, message) of a WordPress error answer; tags and entities removed."""
    try:
        body = resp.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and ("code" in body or "message" in body):
        code = str(body.get("code") or "")
        message = text_only(str(body.get("message") or ""))
    else:
        code = ""
        message = text_only(resp.text or "")[:200] or resp.reason or ""
    return code, message


def _retry_after(resp: requests.Response | None) -> float | None:
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


# -- the REST client ----------------------------------------------------------
class WordPress:
    """A small WordPress REST client, safe to use from several threads.

    ``rest_base`` is the API root without the route: ``https://x/wp-json`` or
    ``http://x/?rest_route=``; :meth:`discover` finds it when not given."""

    def __init__(self, url: str, user: str, password: str, *, rest_base: str | None = None,
                 retries: int = 6, backoff: float = 0.5, backoff_max: float = 30.0,
                 timeout: tuple[float, float] = (10.0, 60.0)):
        if not re.match(r"^https?://", url or ""):
            raise PushError(f"{url!r} is not a site URL: use http(s)://host[/path]")
        self.url = url.rstrip("/")
        self.user = user
        self._auth = (user, password)
        self.redact = Redactor(user, password)
        self.rest_base = rest_base.rstrip("/") if rest_base and not rest_base.endswith("=") \
            else rest_base
        self.retries, self.backoff, self.backoff_max = retries, backoff, backoff_max
        self.timeout = timeout
        self._local = threading.local()
        self._lock = threading.Lock()
        #: Requests made, by method (urllib3's own retries of one request are
        #: not counted again).
        self.requests: Counter = Counter()
        self._sessions: list[requests.Session] = []
        self.me: dict = {}

    # sessions: one per thread and kind (requests' Session is not thread-safe)
    def _session(self, kind: str) -> requests.Session:
        s = getattr(self._local, kind, None)
        if s is None:
            s = requests.Session()
            s.auth = self._auth
            s.headers["User-Agent"] = USER_AGENT
            s.headers["Accept"] = "application/json"
            if kind == "post":
                # Only what WordPress cannot have acted on: the connection was
                # never made, or 429 (rate limited before processing). Lost
                # answers and 5xx come back to Pusher, which looks first.
                retry = Retry(total=self.retries, connect=self.retries, read=0, other=0,
                              status=self.retries, status_forcelist=(429,),
                              allowed_methods=frozenset({"POST"}),
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

    def close(self) -> None:
        """Close every thread's connections (the client can still be used)."""
        with self._lock:
            sessions, self._sessions = self._sessions, []
        for s in sessions:
            s.close()
        self._local = threading.local()

    def endpoint(self, route: str) -> str:
        if self.rest_base is None:
            self.discover()
        return self.rest_base + route

    def _count(self, method: str) -> None:
        with self._lock:
            self.requests[method] += 1

    def get(self, route: str, params: dict | None = None) -> requests.Response:
        """A GET, retried on 429/5xx/connection errors. Raises PushError when
        the site stays unreachable."""
        self._count("GET")
        try:
            return self._session("get").get(self.endpoint(route), params=params,
                                            timeout=self.timeout)
        except requests.RequestException as e:
            raise PushError(self.redact(f"{self.url} does not answer ({_short(e)}): "
                                        "run the same command again to resume")) from None

    def post(self, route: str, data: dict, headers: dict | None = None) -> requests.Response:
        """A POST; connection errors after the request may have been sent are
        raised as ``requests.ConnectionError``/``Timeout`` for the caller."""
        self._count("POST")
        return self._session("post").post(self.endpoint(route), json=data, headers=headers,
                                          timeout=self.timeout)

    def get_all(self, route: str, params: dict) -> list[dict]:
        """Every item of a collection, paging with ``X-WP-TotalPages``."""
        out: list[dict] = []
        page = 1
        while True:
            r = self.get(route, dict(params, page=page, per_page=params.get("per_page", 100)))
            if r.status_code == 400 and page > 1:
                return out  # rest_post_invalid_page_number: the total shrank meanwhile
            if r.status_code != 200:
                code, msg = wp_error(r)
                raise PushError(f"GET {route}: http {r.status_code} {code}: {msg}")
            out.extend(r.json())
            pages = int(r.headers.get("X-WP-TotalPages") or 1)
            if page >= pages:
                return out
            page += 1

    # -- discovery and login --------------------------------------------------
    def discover(self) -> str:
        """Find the REST root: ``/wp-json/``, then ``/?rest_route=/`` (plain
        permalinks), then the ``Link: rel="https://api.w.org/"`` header."""
        tried = []
        for base in (f"{self.url}/wp-json", f"{self.url}/?rest_route="):
            tried.append(base + "/")
            if self._looks_like_rest(base + "/"):
                self.rest_base = base
                return base
        try:
            r = self._session("get").get(self.url + "/", timeout=self.timeout)
            self._count("GET")
            link = r.links.get("https://api.w.org/", {}).get("url")
        except requests.RequestException as e:
            raise PushError(f"{self.url} does not answer ({_short(e)})") from None
        if link:
            base = link.rstrip("/") if "rest_route=" not in link else link.split("rest_route=")[0] + "rest_route="
            if self._looks_like_rest(base + "/"):
                self.rest_base = base
                return base
        raise PushError(f"no WordPress REST API found at {self.url} (tried {', '.join(tried)}); "
                        "give its root with --rest-base")

    def _looks_like_rest(self, url: str) -> bool:
        try:
            self._count("GET")
            r = self._session("get").get(url, timeout=self.timeout)
        except requests.RequestException as e:
            raise PushError(f"{self.url} does not answer ({_short(e)})") from None
        if r.status_code != 200:
            return False
        try:
            body = r.json()
        except ValueError:
            return False
        return isinstance(body, dict) and "wp/v2" in (body.get("namespaces") or [])

    def login(self) -> dict:
        """The first authenticated call. 401/403 stop the run with one line."""
        r = self.get("/wp/v2/users/me", {"context": "edit"})
        if r.status_code in (401, 403):
            code, msg = wp_error(r)
            hint = ""
            if code == "rest_not_logged_in":
                hint = (" WordPress ignored the Application Password: over plain http it accepts "
                        "them only when the site's WP_ENVIRONMENT_TYPE is 'local' (use https);"
                        " some hosts also drop the Authorization header before PHP sees it."
                        if self.url.startswith("http://") else
                        " WordPress ignored the Application Password: check that Application "
                        "Passwords are enabled and that the server passes the Authorization "
                        "header to PHP.")
            raise AuthError(self.redact(
                f"{self.url} refused the login of user {self.user!r} "
                f"(http {r.status_code} {code}: {msg}).{hint}"))
        if r.status_code != 200:
            code, msg = wp_error(r)
            raise PushError(f"{self.url}: users/me answered http {r.status_code} {code}: {msg}")
        self.me = r.json()
        caps = self.me.get("capabilities") or {}
        if not caps.get("moderate_comments"):
            raise AuthError(f"user {self.user!r} may not moderate comments on {self.url}: "
                            "pushing dates, IPs and statuses needs an Editor or Administrator")
        return self.me

    # -- comments ---------------------------------------------------------------
    def find(self, payload: dict, *, match_date: bool) -> list[dict]:
        """Comments on the target that are this payload: same post and parent,
        same author name, same content (as WordPress stores it, or at least
        the same text), and with ``match_date`` the same GMT date. Best first."""
        params = {"post": payload["post"], "parent": payload.get("parent", 0),
                  "status": "any", "context": "edit", "orderby": "id", "order": "asc",
                  "per_page": 100}
        email = payload.get("author_email") or ""
        if email and re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
            params["author_email"] = email
        try:
            items = self.get_all("/wp/v2/comments", params)
        except PushError:
            if "author_email" not in params:
                raise
            params.pop("author_email")  # WordPress found the e-mail invalid
            items = self.get_all("/wp/v2/comments", params)
        want_name = normalise_name(payload.get("author_name", ""))
        want = normalise_content(payload.get("content", ""))
        want_text = text_only(payload.get("content", ""))
        want_date = payload.get("date_gmt")
        out = []
        for x in items:
            if normalise_name(x.get("author_name", "")) != want_name and \
                    not (want_name == "" and x.get("author") == payload.get("author")):
                continue
            raw = (x.get("content") or {}).get("raw", "")
            exact = normalise_content(raw) == want
            if not exact and text_only(raw) != want_text:
                continue
            same_date = want_date is not None and x.get("date_gmt") == want_date
            if match_date and want_date is not None and not same_date:
                continue
            out.append((not exact, not same_date, x["id"], x))
        return [x for *_, x in sorted(out, key=lambda t: t[:3])]


def _short(e: Exception) -> str:
    text = str(e)
    m = re.search(r"\((?:Caused by )?(\w+Error)\(?['\"]?([^'\"]*)", text)
    if m:
        return f"{m.group(1)}: {m.group(2)}".rstrip(": ")[:160]
    return (type(e).__name__ + ": " + text)[:160]


# -- the journal ------------------------------------------------------------------
@dataclass
class Row:
    site: str
    source_id: int
    source_post: int | None
    target_post: int | None
    target_id: int | None
    target_parent: int | None
    state: str
    expect: dict
    note: str


class Journal:
    """Source comment (site, id) -> target comment id, one SQLite file per
    target. Every change is its own committed transaction (WAL), so a kill at
    any moment leaves at most the rows in flight, each marked as such."""

    STATES = ("in-flight", "done", "merged", "rejected")

    def __init__(self, path: str, target_url: str):
        self.path = path
        self._lock = threading.Lock()
        if path != ":memory:":
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA busy_timeout=10000")
        self.db.executescript("""
            CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
            CREATE TABLE IF NOT EXISTS comments (
                site TEXT NOT NULL, source_id INTEGER NOT NULL, source_post INTEGER,
                target_post INTEGER, target_id INTEGER, target_parent INTEGER,
                state TEXT NOT NULL, expect TEXT, note TEXT, updated TEXT,
                PRIMARY KEY (site, source_id));
            CREATE INDEX IF NOT EXISTS comments_target ON comments (target_id);
        """)
        target = target_url.rstrip("/")
        row = self.db.execute("SELECT value FROM meta WHERE key = 'target'").fetchone()
        if row is None:
            self.db.execute("INSERT INTO meta VALUES ('target', ?)", (target,))
            self.db.execute("INSERT OR REPLACE INTO meta VALUES ('created', ?)",
                            (datetime.now(timezone.utc).isoformat(timespec="seconds"),))
        elif row[0] != target:
            self.db.close()
            raise PushError(f"state file {path} belongs to {row[0]}, not {target}: "
                            "give another --state")

    def close(self) -> None:
        self.db.close()

    def get(self, site: str, source_id: int) -> Row | None:
        with self._lock:
            r = self.db.execute("SELECT site, source_id, source_post, target_post, target_id, "
                                "target_parent, state, expect, note FROM comments "
                                "WHERE site = ? AND source_id = ?", (site, source_id)).fetchone()
        return _row(r) if r else None

    def owner_of(self, target_id: int) -> Row | None:
        with self._lock:
            r = self.db.execute("SELECT site, source_id, source_post, target_post, target_id, "
                                "target_parent, state, expect, note FROM comments "
                                "WHERE target_id = ? AND state = 'done' LIMIT 1",
                                (target_id,)).fetchone()
        return _row(r) if r else None

    def claimed(self) -> set[int]:
        with self._lock:
            return {r[0] for r in self.db.execute(
                "SELECT target_id FROM comments WHERE target_id IS NOT NULL AND state = 'done'")}

    def rows(self) -> list[Row]:
        with self._lock:
            return [_row(r) for r in self.db.execute(
                "SELECT site, source_id, source_post, target_post, target_id, target_parent, "
                "state, expect, note FROM comments ORDER BY rowid")]

    def counts(self) -> dict[str, int]:
        with self._lock:
            return dict(self.db.execute("SELECT state, count(*) FROM comments GROUP BY state"))

    def _put(self, c: Comment, state: str, target_post: int | None, target_id: int | None,
             target_parent: int | None, expect: dict | None, note: str = "") -> None:
        with self._lock:
            self.db.execute(
                "INSERT OR REPLACE INTO comments VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (c.site, c.id, c.post_id, target_post, target_id, target_parent, state,
                 json.dumps(expect) if expect is not None else None, note,
                 datetime.now(timezone.utc).isoformat(timespec="seconds")))

    def in_flight(self, c: Comment, target_post: int, target_parent: int, expect: dict) -> None:
        self._put(c, "in-flight", target_post, None, target_parent, expect)

    def done(self, c: Comment, target_post: int, target_id: int, target_parent: int,
             expect: dict, note: str = "") -> None:
        self._put(c, "done", target_post, target_id, target_parent, expect, note)

    def merged(self, c: Comment, target_post: int, target_id: int, target_parent: int,
               expect: dict, note: str) -> None:
        self._put(c, "merged", target_post, target_id, target_parent, expect, note)

    def rejected(self, c: Comment, target_post: int | None, reason: str,
                 keep_in_flight: bool = False) -> None:
        if keep_in_flight:
            return  # it may have been created: the next run looks it up first
        self._put(c, "rejected", target_post, None, None, None, reason)


def _row(r) -> Row:
    return Row(r[0], r[1], r[2], r[3], r[4], r[5], r[6], json.loads(r[7]) if r[7] else {},
               r[8] or "")


def default_state_path(url: str, folder: str = ".migrator-state") -> str:
    """``./.migrator-state/<host>[_port][_path].db``: one journal per target."""
    u = urlparse(url)
    name = (u.hostname or "site") + (f"_{u.port}" if u.port else "")
    if u.path.strip("/"):
        name += "_" + re.sub(r"[^A-Za-z0-9.-]+", "_", u.path.strip("/"))
    return os.path.join(folder, name + ".db")


def read_post_map(path: str) -> dict[int, int]:
    """``source_post_id,target_post_id`` per line; a header line, blank lines
    and ``#`` comments are allowed."""
    out: dict[int, int] = {}
    with open(path, newline="", encoding="utf-8-sig") as fh:
        for n, row in enumerate(csv.reader(fh), 1):
            cells = [x.strip() for x in row]
            if not cells or not any(cells) or cells[0].startswith("#"):
                continue
            if len(cells) < 2:
                raise ValueError(f"{path}:{n}: expected source_post_id,target_post_id")
            try:
                out[int(cells[0])] = int(cells[1])
            except ValueError:
                if n == 1:
                    continue  # header
                raise ValueError(f"{path}:{n}: {','.join(cells)!r} is not two post ids") from None
    return out


# -- post mapping -------------------------------------------------------------------
@dataclass
class Target:
    id: int
    slug: str = ""
    link: str = ""
    title: str = ""
    type: str = ""
    how: str = ""

    def describe(self) -> str:
        return f"target post {self.id}" + (f" '{self.slug}'" if self.slug else "")


class PostMapper:
    """Source post -> target post: ``--post-map``, else the slug (posts, pages,
    the post type's own endpoint), else the link's path."""

    FIELDS = "id,slug,link,type,status,title"

    def __init__(self, client: WordPress, post_map: dict[int, int] | None = None):
        self.client = client
        self.post_map = post_map or {}
        self._cache: dict[tuple[str, int], Target | None] = {}
        self._types: dict[str, str] | None = None
        self._by_path: dict[str, Target] | None = None
        self.reasons: dict[tuple[str, int], str] = {}

    def _rest_bases(self, post_type: str) -> list[str]:
        if self._types is None:
            self._types = {}
            r = self.client.get("/wp/v2/types", {"context": "edit"})
            if r.status_code == 200:
                for name, t in (r.json() or {}).items():
                    if isinstance(t, dict) and t.get("rest_base"):
                        self._types[name] = t["rest_base"]
        order = ["pages", "posts"] if post_type == "page" else ["posts", "pages"]
        own = self._types.get(post_type)
        if own and own not in order:
            order.insert(0, own)
        return order

    def _target(self, x: dict, how: str, base: str = "") -> Target:
        title = x.get("title")
        if isinstance(title, dict):
            title = title.get("raw") or title.get("rendered") or ""
        return Target(int(x["id"]), x.get("slug", ""), x.get("link", ""), title or "",
                      x.get("type", base), how)

    def resolve(self, site: Site, post: Post) -> Target | None:
        key = (post.site, post.id)
        if key in self._cache:
            return self._cache[key]
        t = self._resolve(site, post)
        self._cache[key] = t
        return t

    def _resolve(self, site: Site, post: Post) -> Target | None:
        key = (post.site, post.id)
        if post.id in self.post_map:
            tid = self.post_map[post.id]
            for base in self._rest_bases(post.type):
                r = self.client.get(f"/wp/v2/{base}/{tid}", {"context": "edit", "_fields": self.FIELDS})
                if r.status_code == 200:
                    return self._target(r.json(), "post-map", base)
            self.reasons[key] = f"--post-map names target post {tid}, which does not exist"
            return None
        slugs = []
        if post.slug:
            slugs.append(post.slug)
        tail = _path(post.link).rstrip("/").rsplit("/", 1)[-1]
        if tail and tail not in slugs and "?" not in tail:
            slugs.append(tail)
        for slug in slugs:
            for base in self._rest_bases(post.type):
                r = self.client.get(f"/wp/v2/{base}", {"slug": slug, "status": POST_STATUSES,
                                                       "context": "edit", "_fields": self.FIELDS})
                if r.status_code != 200:
                    continue
                found = r.json()
                if len(found) >= 1:
                    found.sort(key=lambda x: (x.get("status") != "publish", x["id"]))
                    return self._target(found[0], "slug", base)
        path = _relative_path(post.link, site.key)
        if path:
            hit = self._paths().get(path)
            if hit is not None:
                return replace(hit, how="link path")
        self.reasons[key] = "no post with slug " + (repr(post.slug) if post.slug else "(none)") + \
            (f" or path {path!r}" if path else "") + " on the target"
        return None

    def _paths(self) -> dict[str, Target]:
        if self._by_path is None:
            self._by_path = {}
            for base in ("posts", "pages"):
                try:
                    items = self.client.get_all(f"/wp/v2/{base}", {
                        "status": POST_STATUSES, "context": "edit", "_fields": self.FIELDS})
                except PushError:
                    continue
                for x in items:
                    p = _relative_path(x.get("link", ""), self.client.url)
                    if p:
                        self._by_path.setdefault(p, self._target(x, "link path", base))
        return self._by_path


def _path(link: str) -> str:
    return unquote(urlparse(link or "").path or "")


def _relative_path(link: str, base: str) -> str:
    """The link's path below the site's own path, without slashes at the ends;
    '' for plain-permalink links (``/?p=12``)."""
    path = _path(link).strip("/")
    root = _path(base).strip("/")
    if root and (path == root or path.startswith(root + "/")):
        path = path[len(root):].strip("/")
    return path


# -- users -----------------------------------------------------------------------
class Users:
    """Target users by e-mail, fetched once when a comment by a registered
    user (``user_id`` > 0) first needs one. A comment is credited to a target
    user only when its own e-mail is that user's: user ids of the old site
    mean nothing on the new one."""

    def __init__(self, client: WordPress):
        self.client = client
        self._by_email: dict[str, int] | None = None

    def target_id(self, c: Comment) -> int | None:
        if c.user_id <= 0 or not c.author_email:
            return None
        if self._by_email is None:
            self._by_email = {}
            try:
                for u in self.client.get_all("/wp/v2/users", {"context": "edit",
                                                             "_fields": "id,email"}):
                    if u.get("email"):
                        self._by_email.setdefault(u["email"].lower(), int(u["id"]))
            except PushError:
                pass  # no list_users: comments go in as guests, with their names
        return self._by_email.get(c.author_email.lower())


# -- the sink ---------------------------------------------------------------------
@dataclass
class Outcome:
    kind: str  # created | found | duplicate | rejected | lost | closed
    target_id: int | None = None
    reason: str = ""
    code: str = ""
    notes: list[str] = field(default_factory=list)
    payload: dict | None = None
    candidates: list[dict] = field(default_factory=list)


@dataclass
class PostPlan:
    site: str
    post_id: int
    title: str
    slug: str
    target: int | None
    how: str
    comments: int
    in_journal: int = 0
    to_post: int = 0
    reason: str = ""

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v not in ("", None) or k == "target"}


class Pusher:
    """A pipeline Sink writing comments into a WordPress site.

    Comments whose parent's target id is known are posted ``workers`` at a
    time; a reply is submitted as soon as its parent is on the target. The
    ledger is only touched from the calling thread."""

    def __init__(self, client: WordPress, journal: Journal, *,
                 post_map: dict[int, int] | None = None, workers: int = 4,
                 dry_run: bool = False, delay: float = 0.0, orphans: str = "reattach",
                 attempts: int = 5, progress: Callable[[str], None] | None = None):
        self.client = client
        self.journal = journal
        self.mapper = PostMapper(client, post_map)
        self.users = Users(client)
        self.workers = max(1, int(workers))
        self.dry_run = dry_run
        self.delay = max(0.0, float(delay))
        self.orphans = orphans
        self.attempts = max(1, attempts)
        self.progress = progress
        self.fill_required = False  # the target insists on name + e-mail
        self.plan: list[PostPlan] = []
        self.unmapped: list[PostPlan] = []
        self.closed: dict[int, str] = {}  # target post -> message
        self.stats: Counter = Counter()
        self._claimed: set[int] = set()
        self._claim_lock = threading.Lock()
        self._pool: ThreadPoolExecutor | None = None

    # -- Sink protocol ----------------------------------------------------------
    def open(self, run) -> None:
        self._claimed = self.journal.claimed()
        if not self.dry_run:
            self._pool = ThreadPoolExecutor(max_workers=self.workers,
                                            thread_name_prefix="migrator-push")

    def close(self, ok: bool) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        self.client.close()

    def write_post(self, site: Site, post: Post, ledger: Ledger) -> None:
        if not post.comments:
            return
        target = self.mapper.resolve(site, post)
        entry = PostPlan(post.site, post.id, post.title, post.slug,
                         target.id if target else None, target.how if target else "",
                         len(post.comments))
        if target is None:
            entry.reason = self.mapper.reasons.get((post.site, post.id), "no target post")
            self.unmapped.append(entry)
            for c in post.comments:
                ledger.rejected(c, f"no target post: source post {post.id}"
                                   + (f" '{post.slug}'" if post.slug else ""))
                self._tick("rejected")
            return
        self.plan.append(entry)
        _PostRun(self, site, post, target, ledger, entry).run()

    # -- helpers used by _PostRun -------------------------------------------------
    def _tick(self, what: str) -> None:
        self.stats[what] += 1
        if self.progress is not None:
            self.progress(what)

    def claim(self, target_id: int) -> bool:
        with self._claim_lock:
            if target_id in self._claimed:
                return False
            self._claimed.add(target_id)
            return True

    def is_claimed(self, target_id: int) -> bool:
        with self._claim_lock:
            return target_id in self._claimed

    def payload(self, c: Comment, post: int, parent: int) -> tuple[dict, list[str]]:
        """The REST body for one comment, and notes on what had to change."""
        notes: list[str] = []
        p: dict = {"post": post, "parent": parent, "content": c.content,
                   "status": REST_STATUS.get(c.status, "hold")}
        if c.status == "post-trashed":
            notes.append("status post-trashed sent as trash")
        author = self.users.target_id(c)
        if author is not None:
            p["author"] = author
        name, email, url = c.author_name, c.author_email, c.author_url
        if not (name or email or url) and author is None:
            # WordPress would credit the pushing user (it fills in the logged-in
            # user when a comment names nobody); it shows "Anonymous" for no name.
            name = PLACEHOLDER_NAME
            notes.append(f"no author: sent as {PLACEHOLDER_NAME!r}")
        if self.fill_required:
            if not name.strip():
                name = PLACEHOLDER_NAME
                notes.append(f"target requires a name: sent {PLACEHOLDER_NAME!r}")
            if not email:
                email = PLACEHOLDER_EMAIL
                notes.append(f"target requires an e-mail: sent {PLACEHOLDER_EMAIL}")
        if name:
            p["author_name"] = name
        if email:
            p["author_email"] = email
        if url:
            p["author_url"] = url
        ip = (c.author_ip or "").strip()
        try:
            ipaddress.ip_address(ip)
            p["author_ip"] = ip
        except ValueError:
            p["author_ip"] = NO_IP
            if ip:
                notes.append(f"author_ip {ip!r} is not an IP address: sent {NO_IP}")
            else:
                self.stats["no ip: sent 127.0.0.1"] += 1
        if c.author_user_agent:
            p["author_user_agent"] = c.author_user_agent
        if c.date_gmt is not None:
            p["date_gmt"] = rest_date(c.date_gmt.astimezone(timezone.utc))
        elif c.date is not None:
            p["date"] = rest_date(c.date)
            notes.append("no GMT date: sent the local date, read in the target's time zone")
        else:
            notes.append("no date: WordPress dated it now")
        return p, notes

    @staticmethod
    def expect(payload: dict) -> dict:
        """What verify checks later (hashes, so no text of the comment is kept)."""
        return {"post": payload["post"], "parent": payload["parent"],
                "date_gmt": payload.get("date_gmt"), "date": payload.get("date"),
                "status": payload["status"],
                "author": _sha(normalise_name(payload.get("author_name", ""))),
                "content": _sha(normalise_content(payload.get("content", "")))}

    # -- worker side (runs in the pool) ---------------------------------------------
    def job(self, c: Comment, payload: dict, look_first: bool) -> Outcome:
        # "in flight" means: a POST may have reached WordPress. Committed
        # before the POST, so a kill at any later moment is found again.
        self.journal.in_flight(c, payload["post"], payload["parent"], self.expect(payload))
        if look_first:
            hit = self._unclaimed(self.client.find(payload, match_date=True))
            if hit is not None:
                return self._found(hit, payload, "found on target: it was in flight when an "
                                                 "earlier run stopped")
        return self._post(payload)

    def _unclaimed(self, candidates: list[dict]) -> dict | None:
        for x in candidates:
            if not self.is_claimed(int(x["id"])):
                return x
        return None

    def _found(self, x: dict, payload: dict, note: str) -> Outcome:
        if x.get("status") != payload["status"]:
            r = self.client.post(f"/wp/v2/comments/{x['id']}", {"status": payload["status"]})
            if r.status_code == 200:
                note += f" (status set to {payload['status']})"
        return Outcome("found", int(x["id"]), notes=[note], payload=payload)

    def _post(self, payload: dict) -> Outcome:
        notes: list[str] = []
        last = ""
        filled = False
        headers = None if payload.get("author_user_agent") else {"User-Agent": SKIP_HEADER}
        for attempt in range(self.attempts):
            resp = None
            try:
                resp = self.client.post("/wp/v2/comments", payload, headers=headers)
            except (requests.ConnectionError, requests.Timeout) as e:
                last = f"no answer ({_short(e)})"
            else:
                if self.delay:
                    time.sleep(self.delay)
                status = resp.status_code
                if status == 201:
                    return Outcome("created", int(resp.json()["id"]), notes=notes, payload=payload)
                code, msg = wp_error(resp)
                if status == 409 and code == "comment_duplicate":
                    cands = self.client.find(payload, match_date=False)
                    hit = self._unclaimed(cands)
                    if hit is not None:
                        return self._found(hit, payload, "already on target (WordPress: duplicate)")
                    return Outcome("duplicate", reason=f"http 409 {code}: {msg}", code=code,
                                   payload=payload, candidates=cands, notes=notes)
                if status == 400 and code == "rest_comment_author_data_required" and not filled:
                    payload = dict(payload)
                    if not payload.get("author_name", "").strip():
                        payload["author_name"] = PLACEHOLDER_NAME
                        notes.append(f"target requires a name: sent {PLACEHOLDER_NAME!r}")
                    if not payload.get("author_email"):
                        payload["author_email"] = PLACEHOLDER_EMAIL
                        notes.append(f"target requires an e-mail: sent {PLACEHOLDER_EMAIL}")
                    filled = True
                    self.fill_required = True
                    continue
                if status == 401:
                    return Outcome("fatal", reason=self.client.redact(
                        f"{self.client.url} stopped accepting the login (http 401 {code}: {msg})"))
                if status == 429:
                    last = f"http 429 {code}: {msg}".rstrip(": ")
                    time.sleep(min(self.client.backoff_max,
                                   _retry_after(resp) or self.client.backoff * 2 ** attempt))
                    continue
                if status not in (500, 502, 503, 504):
                    kind = "closed" if code == "rest_comment_closed" else "rejected"
                    return Outcome(kind, reason=f"http {status} {code}: {msg}", code=code,
                                   payload=payload, notes=notes)
                last = f"http {status} {code}: {msg}".rstrip(": ")
            # The answer is lost or a 5xx: WordPress may have stored it anyway.
            time.sleep(min(self.client.backoff_max,
                           _retry_after(resp) or self.client.backoff * 2 ** attempt))
            hit = self._unclaimed(self.client.find(payload, match_date=True))
            if hit is not None:
                return self._found(hit, payload, f"on target although the answer was lost ({last})")
        return Outcome("lost", reason=f"target did not answer: {last}", payload=payload, notes=notes)


class _PostRun:
    """One post's comments through the pool, parents before replies."""

    def __init__(self, pusher: Pusher, site: Site, post: Post, target: Target,
                 ledger: Ledger, entry: PostPlan):
        self.p, self.site, self.post, self.target = pusher, site, post, target
        self.ledger, self.entry = ledger, entry
        self.by_id = {c.id: c for c in post.comments}
        self.known: dict[int, int] = {}  # source id -> target id
        self.failed: set[int] = set()
        self.waiting: dict[int, list[Comment]] = defaultdict(list)
        self.running: dict[Future, tuple[Comment, int, list[str], str]] = {}
        self.busy_keys: dict[tuple, deque] = {}

    def run(self) -> None:
        p, ledger = self.p, self.ledger
        todo: list[Comment] = []
        for c in self.post.comments:
            row = p.journal.get(c.site, c.id)
            if row is not None and row.state in ("done", "merged") and row.target_id:
                self.known[c.id] = row.target_id
                self.entry.in_journal += 1
                if row.state == "merged":
                    owner = p.journal.owner_of(row.target_id)
                    ledger.merged(c, into=owner.source_id if owner else c.id,
                                  reason=row.note or "duplicate on target")
                else:
                    ledger.note(c, f"already on target: comment {row.target_id}")
                p._tick("already")
            elif c.type != "comment":
                self.failed.add(c.id)
                ledger.rejected(c, f"type not supported by target: {c.type} "
                                   "(the REST API creates only comments)")
                p._tick("rejected")
            else:
                todo.append(c)
        self.entry.to_post = len(todo)
        if p.dry_run:
            return
        self.rows = {c.id: p.journal.get(c.site, c.id) for c in todo}
        for c in todo:
            self.dispatch(c)
        while self.running:
            done, _ = wait(list(self.running), return_when=FIRST_COMPLETED)
            for fut in done:
                self.finish(fut)

    # parent resolution ------------------------------------------------------------
    def parent_target(self, c: Comment) -> tuple[str, int, str]:
        """('ok', target parent id, note) | ('wait', 0, '') | ('drop', 0, reason)."""
        pid = c.parent_id
        if pid is None or pid == 0:
            return "ok", 0, ""
        if pid in self.known:
            return "ok", self.known[pid], ""
        if pid in self.by_id and pid not in self.failed:
            return "wait", 0, ""
        if pid not in self.by_id:  # written by an earlier part (split export) or run
            row = self.p.journal.get(c.site, pid)
            if row is not None and row.state in ("done", "merged") and row.target_id:
                return "ok", row.target_id, ""
            ancestor = None
        else:
            ancestor = self.by_id[pid].parent_id
            while ancestor is not None and ancestor not in self.known:
                ancestor = self.by_id[ancestor].parent_id if ancestor in self.by_id else None
        why = f"parent not on target: comment {pid}"
        if self.p.orphans == "drop":
            return "drop", 0, why
        if self.p.orphans == "reattach" and ancestor is not None:
            return "ok", self.known[ancestor], f"re-attached to {ancestor}: {why}"
        return "ok", 0, f"moved to top level: {why}"

    def dispatch(self, c: Comment) -> None:
        p, ledger = self.p, self.ledger
        if self.target.id in p.closed:
            self.reject(c, p.closed[self.target.id])
            return
        state, parent, note = self.parent_target(c)
        if state == "wait":
            self.waiting[c.parent_id].append(c)
            return
        if state == "drop":
            self.reject(c, note)
            return
        if note:
            ledger.note(c, note)
        # identical siblings one after the other, so that a lookup never takes
        # the copy a sibling in flight is creating
        key = (parent, normalise_name(c.author_name), c.author_email.lower(), text_only(c.content))
        if key in self.busy_keys:
            self.busy_keys[key].append(c)
            return
        self.busy_keys[key] = deque()
        payload, notes = p.payload(c, self.target.id, parent)
        row = self.rows.get(c.id)
        look_first = row is not None and row.state == "in-flight"
        fut = p._pool.submit(p.job, c, payload, look_first)
        self.running[fut] = (c, parent, notes, key)

    def release(self, key: tuple) -> None:
        queue = self.busy_keys.pop(key, None) or deque()
        while queue:
            self.dispatch(queue.popleft())
            if key in self.busy_keys:  # that one is in flight now: the rest wait for it
                self.busy_keys[key].extend(queue)
                return

    def reject(self, c: Comment, reason: str, keep_in_flight: bool = False) -> None:
        self.failed.add(c.id)
        self.ledger.rejected(c, reason)
        self.p.journal.rejected(c, self.target.id, reason, keep_in_flight)
        self.p._tick("rejected")
        self.wake(c.id)

    def wake(self, cid: int) -> None:
        for child in self.waiting.pop(cid, []):
            self.dispatch(child)

    def finish(self, fut: Future) -> None:
        c, parent, notes, key = self.running.pop(fut)
        p, ledger = self.p, self.ledger
        try:
            out: Outcome = fut.result()
        except PushError:
            raise
        except Exception as e:  # noqa: BLE001 - a bug or an odd answer: keep it in flight
            out = Outcome("lost", reason=f"{type(e).__name__}: {e}")
        for n in notes + out.notes:
            ledger.note(c, n)
        payload = out.payload or {}
        if out.kind in ("created", "found"):
            p.claim(out.target_id)
            p.journal.done(c, self.target.id, out.target_id, parent, p.expect(payload),
                           "" if out.kind == "created" else out.notes[-1])
            self.known[c.id] = out.target_id
            p._tick("posted" if out.kind == "created" else "found")
        elif out.kind == "duplicate":
            owner = None
            for x in out.candidates:
                owner = p.journal.owner_of(int(x["id"]))
                if owner is not None:
                    break
            if owner is None:
                self.reject(c, out.reason + " (and no such comment found on the target)")
            else:
                reason = (f"duplicate on target: WordPress refused it as identical to source "
                          f"comment {owner.source_id} (target {owner.target_id})")
                p.journal.merged(c, self.target.id, owner.target_id, parent, p.expect(payload),
                                 reason)
                ledger.merged(c, into=owner.source_id, reason=reason)
                self.known[c.id] = owner.target_id
                p._tick("merged")
        elif out.kind == "fatal":
            raise PushError(out.reason)
        elif out.kind == "closed":
            msg = (f"{out.reason} ({self.target.describe()}, source post {self.post.id}"
                   + (f" '{self.post.slug}'" if self.post.slug else "") + ")")
            p.closed[self.target.id] = msg
            self.reject(c, msg)
        elif out.kind == "lost":
            self.reject(c, out.reason + " (it is looked up first on the next run)",
                        keep_in_flight=True)
        else:
            self.reject(c, out.reason)
        self.release(key)
        if c.id in self.known:
            self.wake(c.id)


# -- entry points ---------------------------------------------------------------------
@dataclass
class PushResult:
    ledger: Ledger
    pusher: Pusher
    state: str
    pipeline: Pipeline

    @property
    def requests(self) -> dict[str, int]:
        return dict(self.pusher.client.requests)

    def not_delivered(self) -> int:
        """Comments the target did not take (unmapped posts, refusals, lost answers)."""
        return self.pusher.stats["rejected"]

    def extra(self) -> dict:
        p = self.pusher
        return {"target": p.client.url, "rest": p.client.rest_base, "state": self.state,
                "posts": [e.as_dict() for e in p.plan],
                "unmapped": [e.as_dict() for e in p.unmapped],
                "closed": sorted(p.closed.values()),
                "push": dict(p.stats), "requests": self.requests,
                "workers": p.workers, "dry_run": p.dry_run}


def _check_options(options: Options, pipeline: Pipeline) -> None:
    anon = pipeline.anonymiser
    if anon is not None and not getattr(anon, "reproducible", True):
        raise PushError("push --anonymise needs a fixed secret (MIGRATOR_SECRET or "
                        "--secret-file): a second run must produce the same pseudonyms, or "
                        "it cannot recognise what the first one posted")


def push(paths: Iterable[str], url: str, options: Options | None = None, *, user: str,
         password: str, state: str | None = None, post_map: dict[int, int] | None = None,
         workers: int = 4, dry_run: bool = False, delay: float = 0.0,
         rest_base: str | None = None, progress=None, client: WordPress | None = None,
         retries: int = 6, backoff: float = 0.5) -> PushResult:
    """Push the comments of ``paths`` into the WordPress at ``url``.

    Returns a :class:`PushResult` (its ``ledger`` holds every comment's fate).
    Raises :class:`PushError` when the run cannot go on; run it again to
    resume — the journal at ``state`` knows what is already there."""
    options = replace(options or Options(), dry_run=False)
    client = client or WordPress(url, user, password, rest_base=rest_base, retries=retries,
                                 backoff=backoff)
    if client.rest_base is None:
        client.discover()
    client.login()
    state = state or default_state_path(url)
    # a dry run writes nothing, not even an empty journal
    journal = Journal(":memory:" if dry_run and not os.path.exists(state) else state, client.url)
    try:
        pipeline = Pipeline(list(paths), options)
        _check_options(options, pipeline)
        pusher = Pusher(client, journal, post_map=post_map, workers=workers, dry_run=dry_run,
                        delay=delay, orphans=options.orphans, progress=progress)
        ledger = pipeline.run([pusher])
        return PushResult(ledger, pusher, state, pipeline)
    finally:
        journal.close()


# -- verify ------------------------------------------------------------------------------
@dataclass
class VerifyResult:
    checked: int = 0
    ok: int = 0
    problems: list[dict] = field(default_factory=list)
    extra: int = 0  # comments on the pushed posts that no source comment maps to
    requests: dict = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return not self.problems and self.checked > 0

    def counts(self) -> dict[str, int]:
        return dict(Counter(p["problem"] for p in self.problems))

    def as_dict(self) -> dict:
        return {"passed": self.passed, "checked": self.checked, "ok": self.ok,
                "problems": self.problems, "counts": self.counts(), "extra": self.extra,
                "requests": self.requests}


def verify(paths: Iterable[str], url: str, options: Options | None = None, *, user: str,
           password: str, state: str | None = None, rest_base: str | None = None,
           client: WordPress | None = None) -> VerifyResult:
    """Read the target back and check every comment of the exports (after the
    same pipeline options as the push): it is in the journal, it exists on the
    target with the right parent (so depth), date, author, content and status,
    and it is there once."""
    options = replace(options or Options(), dry_run=False)
    client = client or WordPress(url, user, password, rest_base=rest_base)
    if client.rest_base is None:
        client.discover()
    client.login()
    state = state or default_state_path(url)
    if not os.path.exists(state):
        raise PushError(f"no journal at {state}: nothing was pushed to {client.url} from here "
                        "(give --state if it lives elsewhere)")
    journal = Journal(state, client.url)
    result = VerifyResult()
    cache: dict[int, dict[int, dict]] = {}
    pipeline = Pipeline(list(paths), options)
    try:
        _check_options(options, pipeline)
        for site, post in pipeline.posts():
            _verify_post(post, journal, client, cache, result)
            pipeline.settle(post)
            # keep only the target posts of recent source posts in memory
            while len(cache) > 8:
                cache.pop(next(iter(cache)))
        result.requests = dict(client.requests)
        return result
    finally:
        journal.close()
        pipeline.ledger.close()
        client.close()


def _target_comments(client: WordPress, target_post: int) -> dict[int, dict]:
    items = client.get_all("/wp/v2/comments", {"post": target_post, "status": "any",
                                                "context": "edit", "orderby": "id",
                                                "order": "asc", "per_page": 100})
    return {int(x["id"]): x for x in items}


def _verify_post(post: Post, journal: Journal, client: WordPress,
                 cache: dict[int, dict[int, dict]], result: VerifyResult) -> None:
    rows = {c.id: journal.get(c.site, c.id) for c in post.comments}
    tid_of = {cid: r.target_id for cid, r in rows.items()
              if r is not None and r.state in ("done", "merged") and r.target_id}
    target_posts = {r.target_post for r in rows.values() if r is not None and r.target_post}
    on_target: dict[int, dict] = {}
    for tp in target_posts:
        if tp not in cache:
            cache[tp] = _target_comments(client, tp)
        on_target.update(cache[tp])

    def problem(c: Comment, kind: str, **kw) -> None:
        d = {"problem": kind, "site": c.site, "source_id": c.id, "source_post": post.id}
        d.update(kw)
        result.problems.append(d)

    def depth(tid: int) -> int:
        d, seen = 0, set()
        while tid and tid in on_target and tid not in seen:
            seen.add(tid)
            d += 1
            tid = int(on_target[tid].get("parent") or 0)
        return d if not tid else d + 1000  # parent outside the post: impossible depth

    for c in post.comments:
        if c.type != "comment":
            continue  # the REST API cannot create these; push reports them
        result.checked += 1
        row = rows[c.id]
        if row is None or row.state in ("in-flight", "rejected"):
            why = "never pushed" if row is None else \
                ("in flight when a push stopped" if row.state == "in-flight" else row.note)
            problem(c, "missing", reason=why)
            continue
        t = on_target.get(row.target_id)
        if t is None:
            problem(c, "missing", target_id=row.target_id,
                    reason="in the journal but not on the target (deleted, or another site?)")
            continue
        bad = False
        want_parent = 0 if c.parent_id is None else tid_of.get(c.parent_id)
        if c.parent_id is not None and want_parent is None:
            jr = journal.get(c.site, c.parent_id)
            want_parent = jr.target_id if jr is not None and jr.target_id else None
        got_parent = int(t.get("parent") or 0)
        if want_parent is None or got_parent != want_parent:
            problem(c, "parent", target_id=row.target_id, expected=want_parent, found=got_parent)
            bad = True
        elif depth(row.target_id) != c.depth and c.depth:
            problem(c, "depth", target_id=row.target_id, expected=c.depth,
                    found=depth(row.target_id))
            bad = True
        if row.state == "merged":
            result.ok += 0 if bad else 1
            continue
        exp = row.expect
        if exp.get("date_gmt"):
            if t.get("date_gmt") != exp["date_gmt"]:
                problem(c, "date", target_id=row.target_id, expected=exp["date_gmt"],
                        found=t.get("date_gmt"))
                bad = True
        if c.date_gmt is not None and exp.get("date_gmt") != rest_date(c.date_gmt):
            problem(c, "date", target_id=row.target_id, expected=rest_date(c.date_gmt),
                    found=t.get("date_gmt"), reason="export and journal disagree")
            bad = True
        if _sha(normalise_name(t.get("author_name", ""))) != exp.get("author"):
            problem(c, "author", target_id=row.target_id, found=t.get("author_name"),
                    expected=c.author_name or "(as sent: see journal)")
            bad = True
        raw = (t.get("content") or {}).get("raw", "")
        if normalise_content(raw) != normalise_content(c.content):
            problem(c, "content", target_id=row.target_id, expected=c.content[:200],
                    found=raw[:200])
            bad = True
        if t.get("status") != exp.get("status"):
            problem(c, "status", target_id=row.target_id, expected=exp.get("status"),
                    found=t.get("status"))
            bad = True
        if not bad:
            result.ok += 1

    # duplicates: the same comment more than once on the target
    groups: dict[tuple, list[int]] = defaultdict(list)
    for tid, t in on_target.items():
        groups[(int(t.get("post") or 0), int(t.get("parent") or 0),
                normalise_name(t.get("author_name", "")), t.get("date_gmt"),
                text_only((t.get("content") or {}).get("raw", "")))].append(tid)
    mine = set(tid_of.values())
    by_tid = {v: k for k, v in tid_of.items()}
    for ids in groups.values():
        if len(ids) > 1 and mine.intersection(ids):
            owner = next(i for i in ids if i in mine)
            c = next(x for x in post.comments if x.id == by_tid[owner])
            problem(c, "duplicate", target_id=owner, found=sorted(ids))
    result.extra += len(set(on_target) - mine)

__all__ = ["push", "verify", "Pusher", "WordPress", "Journal", "PushError", "AuthError",
           "PushResult", "VerifyResult", "default_state_path", "read_post_map",
           "normalise_content", "normalise_name", "REST_STATUS"]
