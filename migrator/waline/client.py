"""The Waline client: the admin token (given, or from e-mail + password), the
raw import ``POST /api/db?table=Comment``, a page path's comments read back,
delete, and finding our own copy again after a lost answer.

What the server does, measured on ``@waline/vercel`` 1.39.3 (see
``docs/waline-notes.md``):

* Most refusals are **HTTP 200** with ``errno != 0`` (a bad token on the import
  is ``{"errno": 401}`` with status 200), so every answer's ``errno`` is
  checked, not only the status.
* The import validates nothing and has no idempotency key: sending a comment
  twice stores it twice. After a lost answer, :meth:`Waline.find` looks the
  comment up by (``url``, date, ``nick``, ``mail``, ``comment``), which the
  server stores verbatim.
* Dates are stored as the strings sent and read in the server's time zone;
  we send the GMT date as ``YYYY-MM-DD HH:MM:SS`` (the form Waline writes
  itself), right for a server running in UTC.
"""
from __future__ import annotations

from datetime import datetime, timezone

import requests

from ..targets.http import AuthError, Http, PushError, Redactor, check_url, short_error

#: Our status names -> Waline's. Waline has no trash.
STATUS = {"approved": "approved", "pending": "waiting", "spam": "spam"}
#: ``GET /api/comment`` refuses a larger page.
PAGE_SIZE = 100
#: A server's zone is at most 14 hours off UTC, in steps of 15 minutes.
ZONE_MAX_MS = 14 * 3600 * 1000
ZONE_STEP_MS = 15 * 60 * 1000
#: Columns of ``wl_Comment`` an import may set (anything else is dropped by
#: the server without a word, so we never send it).
COLUMNS = ("url", "nick", "mail", "link", "ip", "ua", "status", "comment", "insertedAt",
           "createdAt", "updatedAt", "pid", "rid")


class WalineError(PushError):
    """An answer with ``errno != 0`` (or not JSON at all)."""

    def __init__(self, message: str, errno=None, status: int = 0):
        super().__init__(message)
        self.errno, self.status = errno, status


def waline_date(d: datetime) -> str:
    """A date as Waline stores its own: ``YYYY-MM-DD HH:MM:SS``, UTC."""
    if d.tzinfo is not None:
        d = d.astimezone(timezone.utc)
    return d.strftime("%Y-%m-%d %H:%M:%S")


def iso_from_ms(ms) -> str | None:
    """Waline's ``time`` (epoch milliseconds) -> ``YYYY-MM-DDTHH:MM:SS`` UTC."""
    if ms is None:
        return None
    try:
        return datetime.fromtimestamp(int(ms) / 1000, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def _errmsg(value) -> str:
    if isinstance(value, dict):
        return "; ".join(f"{k}: {v}" for k, v in value.items())
    return str(value or "").strip()


class Waline:
    """A Waline server's admin API, safe to use from several threads.

    ``url`` is the server's base (``https://comments.example.org``); the API is
    under ``/api/``. Give ``token`` (an administrator's token, from
    ``MIGRATOR_WALINE_TOKEN``) or ``email`` and ``password`` (exchanged for a
    token with ``POST /api/token``)."""

    def __init__(self, url: str, *, token: str | None = None, email: str | None = None,
                 password: str | None = None, retries: int = 6, backoff: float = 0.5,
                 insecure_http: bool = False, timeout: tuple[float, float] = (10.0, 60.0)):
        self.url = check_url(url.rstrip("/"), insecure_http=insecure_http,
                             secret_hint="MIGRATOR_WALINE_TOKEN, --password-file or "
                                         "MIGRATOR_WALINE_PASSWORD")
        self.api = self.url + "/api"
        self.email = (email or "").strip() or None
        self._password = password
        self._token = (token or "").strip() or None
        if self._token is None and not (self.email and password):
            raise PushError("no Waline credentials: set MIGRATOR_WALINE_TOKEN to an administrator's "
                            "token, or give --user EMAIL with MIGRATOR_WALINE_PASSWORD or "
                            "--password-file")
        self.redactor = Redactor(self._token or "", password or "")
        self.http = Http(self.url, redact=self.redactor, auth_header="Authorization",
                         auth_value=self._bearer, retries=retries, backoff=backoff,
                         timeout=timeout)
        #: the administrator, once :meth:`login` succeeded
        self.user: dict = {}

    def _bearer(self) -> str:
        return f"Bearer {self._token}" if self._token else ""

    @property
    def redact(self):
        return self.redactor

    @property
    def requests(self):
        return self.http.requests

    def close(self) -> None:
        self.http.close()

    # -- answers ---------------------------------------------------------------------
    def data(self, resp: requests.Response, what: str):
        """``data`` of a Waline answer; WalineError (redacted, one line) when the
        HTTP status or ``errno`` says no."""
        try:
            body = resp.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or "errno" not in body:
            snippet = " ".join((resp.text or "").split())[:120]
            raise WalineError(self.redactor(
                f"{what}: http {resp.status_code}, not a Waline answer ({snippet!r}): is "
                f"{self.url} a Waline server?"), None, resp.status_code)
        errno = body.get("errno")
        if resp.status_code >= 400 or errno not in (0, None):
            msg = _errmsg(body.get("errmsg")) or {401: "unauthorized", 403: "forbidden"}.get(
                errno if errno in (401, 403) else resp.status_code, "")
            raise WalineError(self.redactor(
                f"{what}: http {resp.status_code}, errno {errno}" + (f": {msg}" if msg else "")),
                errno, resp.status_code)
        return body.get("data")

    # -- auth ------------------------------------------------------------------------
    def login(self) -> dict:
        """Get (or check) the admin token; AuthError with one line when refused."""
        if self._token is None:
            try:
                resp = self.http.send("POST", self.api + "/token",
                                      json={"email": self.email, "password": self._password})
            except (requests.ConnectionError, requests.Timeout) as e:
                raise PushError(f"{self.url} does not answer ({short_error(e)})") from None
            try:
                data = self.data(resp, "log in (POST /api/token)")
            except WalineError as e:
                if e.errno in (1000, 401, 403) or e.status in (401, 403):
                    raise AuthError(f"Waline at {self.url} refused the login of {self.email}: wrong "
                                    "e-mail or password (errno "
                                    f"{e.errno})") from None
                raise
            token = (data or {}).get("token") if isinstance(data, dict) else None
            if not token:
                raise AuthError(f"Waline at {self.url} answered the login without a token "
                                "(a two-factor login is not supported: use MIGRATOR_WALINE_TOKEN)")
            self._token = token
            self.redactor.add(token)
        resp = self.http.get(self.api + "/token")
        try:
            user = self.data(resp, "check the token (GET /api/token)")
        except WalineError as e:
            if e.errno in (401, 403) or e.status in (401, 403):
                raise AuthError(f"Waline at {self.url} refused the token (errno {e.errno}): "
                                "check MIGRATOR_WALINE_TOKEN") from None
            raise
        if not isinstance(user, dict) or not user:
            raise AuthError(f"Waline at {self.url} does not know this token: check "
                            "MIGRATOR_WALINE_TOKEN (it changes when the server's JWT_TOKEN does)")
        if user.get("type") != "administrator":
            raise AuthError(f"the Waline user {user.get('email') or user.get('display_name')!r} is "
                            f"{user.get('type') or 'not an administrator'}: importing comments "
                            "needs an administrator")
        self.user = {k: user.get(k) for k in ("objectId", "display_name", "email", "type")}
        return self.user

    # -- writing ---------------------------------------------------------------------
    def post_comment(self, row: dict) -> requests.Response:
        """``POST /api/db?table=Comment`` with the row; the raw response.
        Raises ``requests.ConnectionError``/``Timeout`` when the answer is lost."""
        body = {k: row[k] for k in COLUMNS if k in row and row[k] is not None}
        return self.http.send("POST", self.api + "/db", params={"table": "Comment"}, json=body)

    def create(self, row: dict):
        """Import one comment; its new id."""
        data = self.data(self.post_comment(row), "import a comment (POST /api/db)")
        if not isinstance(data, dict) or data.get("objectId") in (None, ""):
            raise WalineError(f"import a comment: the answer has no objectId ({str(data)[:80]!r})")
        return data["objectId"]

    def delete(self, comment_id) -> bool:
        """``DELETE /api/comment/:id``. Waline also deletes the comments whose
        ``pid`` or ``rid`` is this one: delete leaves, or whole threads."""
        resp = self.http.send("DELETE", f"{self.api}/comment/{comment_id}")
        self.data(resp, f"delete comment {comment_id}")
        return True

    def update(self, comment_id, fields: dict) -> None:
        """Set raw fields of one comment: ``PUT /api/db?table=Comment&objectId=N``.
        Not ``PUT /api/comment/:id``, which e-mails the parent's author when a
        reply goes from waiting to approved on a server with mail set up."""
        resp = self.http.send("PUT", self.api + "/db",
                              params={"table": "Comment", "objectId": comment_id}, json=fields)
        self.data(resp, f"update comment {comment_id}")

    # -- reading ---------------------------------------------------------------------
    def path_comments(self, path: str) -> list[dict]:
        """Every comment of a page path as the admin sees it (all statuses),
        flattened: roots and their ``children``. Each keeps ``objectId``,
        ``pid``, ``rid``, ``nick``, ``mail``, ``link``, ``status``, ``orig``
        (the stored text) and ``time`` (epoch ms of ``insertedAt`` in the
        server's zone). A comment whose ``rid`` is not a root of this path is
        not shown by Waline and is not here either."""
        out: list[dict] = []
        seen: set = set()
        page = 1
        while True:
            resp = self.http.get(self.api + "/comment", params={
                "path": path, "page": page, "pageSize": PAGE_SIZE, "sortBy": "insertedAt_asc"})
            data = self.data(resp, f"read the comments of {path!r} (GET /api/comment)") or {}
            roots = data.get("data") or []
            for root in roots:
                for c in [root, *(root.get("children") or [])]:
                    if c.get("objectId") not in seen:
                        seen.add(c.get("objectId"))
                        out.append({k: v for k, v in c.items() if k != "children"})
            # Waline over-counts totalPages past 1,000 comments: stop on an empty page
            if not roots or page >= int(data.get("totalPages") or 0):
                return out
            page += 1

    def count(self, paths: list[str]) -> list[int]:
        """Public comment counts of page paths (``GET /api/comment?type=count``)."""
        resp = self.http.get(self.api + "/comment", params={"type": "count", "url": paths})
        data = self.data(resp, "count comments")
        return data if isinstance(data, list) else [data]

    def find(self, row: dict) -> list[dict]:
        """Comments on ``row['url']`` that are this row: same ``nick``,
        ``mail``, stored text, ``pid``, ``rid`` and date, best first. The
        server stores each field verbatim, but gives the date back only as
        ``time``, read in *its* time zone: the exact UTC date first, then a
        date off by a whole time-zone offset (up to 14 hours, in quarter
        hours), so that a server not running in UTC still finds its copy
        instead of getting a second one."""
        want = None
        if row.get("insertedAt"):
            try:
                want = datetime.strptime(row["insertedAt"], "%Y-%m-%d %H:%M:%S").replace(
                    tzinfo=timezone.utc).timestamp() * 1000
            except ValueError:
                want = None
        exact, shifted = [], []
        for c in self.path_comments(row["url"]):
            if (c.get("nick") or "") != (row.get("nick") or ""):
                continue
            if (c.get("mail") or "") != (row.get("mail") or ""):
                continue
            if (c.get("orig") if "orig" in c else c.get("comment")) != row.get("comment", ""):
                continue
            if (c.get("pid") or None) != (row.get("pid") or None):
                continue
            if (c.get("rid") or None) != (row.get("rid") or None):
                continue
            if want is None:
                exact.append(c)
                continue
            try:
                off = int(c.get("time")) - want
            except (TypeError, ValueError):
                continue
            if off == 0:
                exact.append(c)
            elif abs(off) <= ZONE_MAX_MS and off % ZONE_STEP_MS == 0:
                shifted.append(c)
        return exact + shifted
