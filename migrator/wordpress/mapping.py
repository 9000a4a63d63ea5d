"""Which target post (and which target user) a source post (or commenter)
becomes: by ``--post-map``, by id, by slug, or by the link's path."""
from __future__ import annotations

import csv
from dataclasses import replace
from urllib.parse import unquote, urlparse

from ..model import Comment, Post, Site
from ..targets.base import Target
from .client import POST_STATUSES, PushError, WordPress


def read_post_map(path: str) -> dict[int, object]:
    """``source_post_id,target_post_id`` per line; a header line, blank lines
    and ``#`` comments are allowed. Target ids are numbers (WordPress) or
    object ids (Ghost's 24 hex digits)."""
    out: dict[int, object] = {}
    with open(path, newline="", encoding="utf-8-sig") as fh:
        for n, row in enumerate(csv.reader(fh), 1):
            cells = [x.strip() for x in row]
            if not cells or not any(cells) or cells[0].startswith("#"):
                continue
            if len(cells) < 2:
                raise ValueError(f"{path}:{n}: expected source_post_id,target_post_id")
            try:
                out[int(cells[0])] = int(cells[1]) if cells[1].isdigit() else \
                    _object_id(cells[1])
            except ValueError:
                if n == 1:
                    continue  # header
                raise ValueError(f"{path}:{n}: {','.join(cells)!r} is not two post ids") from None
    return out


def _object_id(text: str) -> str:
    import re

    if not re.fullmatch(r"[0-9a-fA-F]{24}", text):
        raise ValueError(text)
    return text.lower()


# -- post mapping -------------------------------------------------------------------
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
