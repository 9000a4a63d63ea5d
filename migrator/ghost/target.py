"""Ghost as a :class:`migrator.targets.Platform`: posts by slug (or
``--post-map``), each commenter a member (found or created by e-mail, with
``newsletters: []``), threads in Ghost's two levels, GMT dates, statuses.

A commenter with no e-mail gets ``anon-<16 hex>@anonymous.invalid``: an
HMAC-SHA256 of the normalised name under the anonymisation secret (or, when
none is given, under the Admin API key's secret), so the same name maps to
the same member on every run, and nothing about the person can be read back
from the address.
"""
from __future__ import annotations

import hashlib
import hmac
import html
import re
import threading
from datetime import datetime, timezone
from urllib.parse import unquote, urlparse

from ..model import Comment, Post, Site
from ..targets.base import Answer, Place, Platform, Target
from ..targets.http import PushError, retry_after
from .client import Ghost, ghost_error

ANON_DOMAIN = "anonymous.invalid"
_BLOCK = re.compile(r"</?(?:p|br|blockquote|div|ul|ol|li|pre|h[1-6]|hr|table|tr|td)\b[^>]*>", re.I)
_TAGS = re.compile(r"<[^>]*>")
_HREF = re.compile(r"""<a\s[^>]*?href\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.I | re.S)
_SPACE = re.compile(r"\s+")
_BLOCK_START = re.compile(r"^\s*<(?:p|blockquote|div|ul|ol|pre|h[1-6]|table)\b", re.I)


def to_html(text: str) -> str:
    """A WordPress comment (text with line breaks and inline HTML) as the
    paragraphs Ghost stores: blank lines split paragraphs, single line breaks
    become ``<br>`` (what WordPress's ``wpautop`` shows)."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").strip()
    out = []
    for chunk in re.split(r"\n\s*\n", text):
        chunk = chunk.strip()
        if not chunk:
            continue
        if _BLOCK_START.match(chunk):
            out.append(chunk)
        else:
            out.append("<p>" + chunk.replace("\n", "<br>") + "</p>")
    return "".join(out)


def text_of(markup: str) -> str:
    """What a reader sees: block tags as spaces, other tags dropped, entities
    decoded, whitespace collapsed."""
    t = _TAGS.sub("", _BLOCK.sub(" ", markup or ""))
    return _SPACE.sub(" ", html.unescape(t)).strip()


def content_key(markup: str) -> str:
    """Text plus link targets: equal for what we sent and what Ghost stored
    after its sanitiser (which drops tags other than p, br, a, blockquote)."""
    hrefs = sorted(html.unescape(a or b or c).strip() for a, b, c in _HREF.findall(markup or ""))
    return text_of(markup) + ("\n" + " ".join(hrefs) if hrefs else "")


def ghost_date(d: datetime) -> str:
    return d.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def seconds(value: str | None) -> str | None:
    """``2019-03-01T00:01:00.000Z`` -> ``2019-03-01T00:01:00`` (verify's form)."""
    return value[:19] if value else None


class GhostTarget(Platform):
    name = "ghost"
    title = "Ghost"
    api_label = "Admin API"
    levels = 2

    def __init__(self, client: Ghost, *, post_map: dict | None = None,
                 hide_unapproved: bool = False, secret: bytes | None = None):
        self.client = client
        self.http = client.http
        self.url = client.url
        self.post_map = post_map or {}
        self.hide_unapproved = hide_unapproved
        self._secret = secret or bytes.fromhex(client.key.split(":", 1)[1])
        self._posts: dict[tuple, Target | None] = {}
        self._reasons: dict[tuple, str] = {}
        self._members: dict[str, tuple[str, str]] = {}  # e-mail -> (member id, name)
        self._member_locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()
        self.now = datetime.now(timezone.utc)

    # -- connection ------------------------------------------------------------------
    def connect(self) -> None:
        self.client.login()

    @property
    def api_root(self) -> str:
        return self.client.root + "/"

    # -- posts -----------------------------------------------------------------------
    def resolve(self, site: Site, post: Post) -> Target | None:
        key = (post.site, post.id)
        if key not in self._posts:
            self._posts[key] = self._resolve(post)
        return self._posts[key]

    def _resolve(self, post: Post) -> Target | None:
        key = (post.site, post.id)
        kinds = ["pages", "posts"] if post.type == "page" else ["posts", "pages"]
        if post.id in self.post_map:
            tid = str(self.post_map[post.id])
            for kind in kinds:
                r = self.client.get(f"/{kind}/{tid}/", {"fields": "id,slug,url,title"})
                if r.status_code == 200:
                    return self._target(r.json()[kind][0], "post-map")
            self._reasons[key] = f"--post-map names target post {tid}, which does not exist"
            return None
        slugs = [post.slug] if post.slug else []
        tail = unquote(urlparse(post.link or "").path or "").rstrip("/").rsplit("/", 1)[-1]
        if tail and tail not in slugs:
            slugs.append(tail)
        for slug in slugs:
            for kind in kinds:
                r = self.client.get(f"/{kind}/slug/{slug}/", {"fields": "id,slug,url,title"})
                if r.status_code == 200:
                    return self._target(r.json()[kind][0], "slug")
        self._reasons[key] = ("no post or page with slug "
                              + (" or ".join(repr(s) for s in slugs) or "(none)") + " on the target")
        return None

    @staticmethod
    def _target(x: dict, how: str) -> Target:
        return Target(x["id"], x.get("slug", ""), x.get("url", ""), x.get("title", ""), "", how)

    def unmapped_reason(self, post: Post) -> str:
        return self._reasons.get((post.site, post.id), "no target post")

    def unsupported(self, c: Comment) -> str | None:
        if c.type != "comment":
            return f"type not supported by target: {c.type} (Ghost has only comments)"
        if c.status != "approved" and not self.hide_unapproved:
            return (f"status {c.status}, which Ghost would publish (--hide-unapproved imports "
                    "it hidden)")
        when = c.when
        if when is not None and when > self.now:
            return (f"date in the future, which Ghost would replace by now (fix the date in "
                    f"the export): {ghost_date(when)}")
        return None

    # -- members ---------------------------------------------------------------------
    def anonymous_email(self, name: str) -> str:
        norm = _SPACE.sub(" ", (name or "").strip().casefold())
        digest = hmac.new(self._secret, b"ghost-member\0" + norm.encode(), hashlib.sha256)
        return f"anon-{digest.hexdigest()[:16]}@{ANON_DOMAIN}"

    def member(self, name: str, email: str) -> tuple[str, str]:
        """(member id, member name) for this commenter, created if needed."""
        email = email.strip().lower()
        with self._lock:
            if email in self._members:
                return self._members[email]
            lock = self._member_locks.setdefault(email, threading.Lock())
        with lock:
            with self._lock:
                if email in self._members:
                    return self._members[email]
            quoted = email.replace("\\", "\\\\").replace("'", "\\'")
            m = self._find_member(quoted)
            if m is None:
                r = self.client.send("POST", "/members/", {"members": [
                    {"email": email, "name": name, "newsletters": [], "subscribed": False}]})
                if r.status_code in (200, 201):
                    m = r.json()["members"][0]
                else:
                    kind, msg = ghost_error(r)
                    # 422 "Member already exists": made by another run meanwhile
                    m = self._find_member(quoted) if r.status_code == 422 else None
                    if m is None:
                        raise _MemberError(f"http {r.status_code} {kind}: member {email!r}: {msg}")
            value = (m["id"], m.get("name") or "")
            with self._lock:
                self._members[email] = value
            return value

    def _find_member(self, quoted: str) -> dict | None:
        r = self.client.get("/members/", {"filter": f"email:'{quoted}'", "limit": 1,
                                          "fields": "id,name,email"})
        found = r.json().get("members") if r.status_code == 200 else None
        return found[0] if found else None

    # -- payloads --------------------------------------------------------------------
    def payload(self, c: Comment, place: Place) -> tuple[dict, list[str]]:
        notes: list[str] = []
        email = (c.author_email or "").strip()
        if not email or "@" not in email:
            email = self.anonymous_email(c.author_name)
            notes.append(f"no e-mail: member {email}")
        body: dict = {"post_id": place.post, "html": to_html(c.content)}
        if place.parent:
            body["parent_id"] = place.root or place.parent
            if place.parent != body["parent_id"]:
                body["in_reply_to_id"] = place.parent
        when = c.when
        if when is not None:
            body["created_at"] = ghost_date(when)
            if c.date_gmt is None:
                notes.append("no GMT date: the local date was sent as UTC")
        else:
            notes.append("no date: Ghost dated it now")
        status = "published" if c.status == "approved" else "hidden"
        return {"comment": body, "name": c.author_name or "", "email": email,
                "status": status, "parent": place.parent or 0}, notes

    def summary(self, payload: dict) -> dict:
        body = payload["comment"]
        return {"post": body["post_id"], "parent": payload["parent"],
                "date_gmt": seconds(body.get("created_at")), "status": payload["status"],
                "author": payload.get("member_name", payload["name"]), "content": body["html"]}

    # -- writing ---------------------------------------------------------------------
    def create(self, payload: dict) -> Answer:
        try:
            member_id, member_name = self.member(payload["name"], payload["email"])
        except _MemberError as e:
            return Answer("rejected", reason=str(e))
        payload["member_name"] = member_name
        body = dict(payload["comment"], member_id=member_id)
        r = self.client.send("POST", "/comments/", {"comments": [body]})
        if r.status_code in (200, 201):
            # hidden ones are hidden in finish_post, once their replies are in
            return Answer("created", r.json()["comments"][0]["id"])
        kind, msg = ghost_error(r)
        reason = f"http {r.status_code} {kind}: {msg}".rstrip(": ")
        if r.status_code == 401:
            return Answer("fatal", reason=f"{self.url} stopped accepting the key ({reason})")
        if r.status_code == 429:
            return Answer("busy", reason=reason, wait=retry_after(r))
        if r.status_code >= 500:
            return Answer("unknown", reason=reason, wait=retry_after(r))
        return Answer("rejected", reason=reason, code=kind)

    def find(self, payload: dict, *, match_date: bool) -> list[dict]:
        body = payload["comment"]
        try:
            member_id, _ = self.member(payload["name"], payload["email"])
        except _MemberError:
            return []
        if body.get("parent_id"):
            items = self.client.get_all(f"/comments/{body['parent_id']}/replies/", "comments")
        else:
            items = self.client.get_all(f"/comments/post/{body['post_id']}/", "comments")
        want = content_key(body["html"])
        out = []
        for x in items:
            if (x.get("member") or {}).get("id") != member_id:
                continue
            if (x.get("in_reply_to_id") or None) != body.get("in_reply_to_id"):
                continue
            if content_key(x.get("html") or "") != want:
                continue
            same_date = seconds(x.get("created_at")) == seconds(body.get("created_at"))
            if match_date and body.get("created_at") and not same_date:
                continue
            out.append((not same_date, x["id"], x))
        payload["member_name"] = self._members.get(payload["email"].strip().lower(),
                                                   ("", payload["name"]))[1]
        return [x for *_, x in sorted(out, key=lambda t: t[:2])]

    def finish_post(self, target: Target, rows: list) -> None:
        """Hide what should be hidden, now that every reply is in: Ghost keeps a
        reply's ``in_reply_to_id`` only when that comment is published."""
        wanted = {r.target_id for r in rows if (r.expect or {}).get("status") == "hidden"}
        if not wanted:
            return
        now = self.comments(target.id)
        for tid in sorted(wanted):
            if (now.get(tid) or {}).get("status") == "published":
                self.hide(tid)

    def _status(self, target_id, status: str) -> bool:
        r = self.client.send("PUT", f"/comments/{target_id}/",
                             {"comments": [{"id": target_id, "status": status}]})
        return r.status_code == 200

    def hide(self, target_id) -> bool:
        return self._status(target_id, "hidden")

    def delete(self, target_id) -> bool:
        return self._status(target_id, "deleted")

    # -- reading back ----------------------------------------------------------------
    def comments(self, target_post) -> dict:
        out: dict = {}
        for top in self.client.get_all(f"/comments/post/{target_post}/", "comments"):
            out[top["id"]] = self._view(top, target_post, None)
            if ((top.get("count") or {}).get("replies") or 0) or top.get("replies"):
                for x in self.client.get_all(f"/comments/{top['id']}/replies/", "comments"):
                    out[x["id"]] = self._view(x, target_post, top["id"])
        return out

    @staticmethod
    def _view(x: dict, post, root) -> dict:
        return {"id": x["id"], "post": post, "parent": x.get("in_reply_to_id") or root or 0,
                "thread": root or 0, "date_gmt": seconds(x.get("created_at")),
                "author": (x.get("member") or {}).get("name") or "",
                "content": x.get("html") or "", "status": x.get("status")}

    def norm_name(self, name: str) -> str:
        return _SPACE.sub(" ", html.unescape(name or "")).strip()

    def norm_content(self, text: str) -> str:
        return content_key(text)

    def loose_content(self, text: str) -> str:
        return text_of(text)


class _MemberError(PushError):
    pass
