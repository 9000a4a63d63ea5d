"""The WordPress REST client: Application Passwords over HTTP Basic, API
discovery (``/wp-json/`` or ``?rest_route=``), retries with backoff, and the
content normalisers that tell whether a comment is already on the site.

Why POSTs are not retried blindly: see :mod:`migrator.wordpress`.
"""
from __future__ import annotations

import base64
import html
import re
from datetime import datetime

import requests

from ..targets.base import sha as _sha
from ..targets.http import (USER_AGENT, AuthError, Http, PushError, Redactor, check_url,
                            origin_text, redact_url, retry_after as _retry_after,
                            short_error as _short)


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
    of link attributes, Windows-1252 entities (``convert_invalid_entities``),
    and a bare ``&`` that kses writes as ``&amp;`` when a comment is saved
    again (an edit of its date through the REST API re-filters its text)."""
    text = (text or "").replace("\r\n", "\n").strip()
    text = _A_TAG.sub(_a_tag, text)
    return _C1.sub(_c1, text).replace("&amp;", "&")


def text_only(text: str) -> str:
    """Content without tags and with whitespace collapsed: a second, looser
    way to recognise our own comment when the target filters HTML (kses)."""
    return _SPACE.sub(" ", html.unescape(_TAGS.sub("", text or ""))).strip()


def normalise_name(name: str) -> str:
    """An author name as WordPress stores it, up to ``sanitize_text_field``
    and ``_wp_specialchars`` (``&`` stored as ``&amp;``)."""
    return _SPACE.sub(" ", html.unescape(_TAGS.sub("", name or ""))).strip()


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


# -- the REST client ----------------------------------------------------------
class WordPress:
    """A small WordPress REST client, safe to use from several threads.

    ``rest_base`` is the API root without the route: ``https://x/wp-json`` or
    ``http://x/?rest_route=``; :meth:`discover` finds it when not given. The
    Application Password goes only to the origin of ``url`` (and of an
    explicitly given ``rest_base``): see :mod:`migrator.targets.http`."""

    def __init__(self, url: str, user: str, password: str, *, rest_base: str | None = None,
                 retries: int = 6, backoff: float = 0.5, backoff_max: float = 30.0,
                 timeout: tuple[float, float] = (10.0, 60.0), insecure_http: bool = False):
        check_url(url, insecure_http=insecure_http)
        if rest_base:
            check_url(rest_base, what="--rest-base", insecure_http=insecure_http)
        self.url = url.rstrip("/")
        self.user = user
        self.redact = Redactor()
        self.redact.add_basic(user, password)
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        self.http = Http(self.url, redact=self.redact, auth_header="Authorization",
                         auth_value=lambda: "Basic " + token,
                         allowed=[rest_base] if rest_base else [], retries=retries,
                         backoff=backoff, backoff_max=backoff_max, timeout=timeout)
        self.rest_base = rest_base.rstrip("/") if rest_base and not rest_base.endswith("=") \
            else rest_base
        self.me: dict = {}

    @property
    def requests(self):
        return self.http.requests

    @property
    def backoff(self) -> float:
        return self.http.backoff

    @property
    def backoff_max(self) -> float:
        return self.http.backoff_max

    def close(self) -> None:
        """Close every thread's connections (the client can still be used)."""
        self.http.close()

    def endpoint(self, route: str) -> str:
        if self.rest_base is None:
            self.discover()
        return self.rest_base + route

    def get(self, route: str, params: dict | None = None) -> requests.Response:
        """A GET, retried on 429/5xx/connection errors. Raises PushError when
        the site stays unreachable."""
        return self.http.get(self.endpoint(route), params)

    def post(self, route: str, data: dict, headers: dict | None = None) -> requests.Response:
        """A POST; connection errors after the request may have been sent are
        raised as ``requests.ConnectionError``/``Timeout`` for the caller."""
        return self.http.send("POST", self.endpoint(route), json=data, headers=headers)

    def delete(self, route: str, params: dict | None = None) -> requests.Response:
        return self.http.send("DELETE", self.endpoint(route), params=params)

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
                raise PushError(self.redact(f"GET {route}: http {r.status_code} {code}: {msg}"))
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
        r = self.http.get(self.url + "/")
        link = r.links.get("https://api.w.org/", {}).get("url")
        if link:
            base = link.rstrip("/") if "rest_route=" not in link else link.split("rest_route=")[0] + "rest_route="
            if not self.http.allows(base):
                # the Application Password goes to the origin of --to only
                raise PushError(f"the site names its REST API at {redact_url(link)}, on "
                                f"another origin than {origin_text(self.url)}: the password "
                                f"is not sent there; give --rest-base {redact_url(link)} to "
                                "accept it")
            if self._looks_like_rest(base + "/"):
                self.rest_base = base
                return base
        raise PushError(f"no WordPress REST API found at {self.url} (tried {', '.join(tried)}); "
                        "give its root with --rest-base")

    def _looks_like_rest(self, url: str) -> bool:
        r = self.http.get(url)
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
            raise PushError(self.redact(
                f"{self.url}: users/me answered http {r.status_code} {code}: {msg}"))
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


__all__ = ["WordPress", "PushError", "AuthError", "USER_AGENT", "_sha", "_retry_after",
           "_short", "normalise_content", "normalise_name", "text_only", "rest_date",
           "wp_error", "REST_STATUS"]
