"""WordPress as a :class:`migrator.targets.Platform`: the REST client and the
post/user mapping, plus what WordPress does with a comment (payload, the 409
duplicate answer, ``require_name_email``)."""
from __future__ import annotations

import ipaddress
from datetime import timezone

from urllib3.util import SKIP_HEADER

from ..model import Comment, Post, Site
from ..targets.base import Answer, Place, Platform, Target
from ..targets.http import retry_after
from .client import (NO_IP, PLACEHOLDER_EMAIL, PLACEHOLDER_NAME, REST_STATUS, WordPress,
                     normalise_content, normalise_name, rest_date, text_only, wp_error)
from .mapping import PostMapper, Users


class WordPressTarget(Platform):
    name = "wordpress"
    title = "WordPress"
    api_label = "REST"
    levels = 0

    def __init__(self, client: WordPress, post_map: dict[int, int] | None = None):
        self.client = client
        self.http = client.http
        self.url = client.url
        self.mapper = PostMapper(client, post_map)
        self.users = Users(client)
        self.fill_required = False  # the target insists on name + e-mail

    # -- connection ------------------------------------------------------------------
    def connect(self) -> None:
        if self.client.rest_base is None:
            self.client.discover()
        self.client.login()

    @property
    def api_root(self) -> str:
        return self.client.rest_base

    @property
    def rest_base(self) -> str:
        return self.client.rest_base

    @property
    def user(self) -> str:
        return self.client.user

    # -- mapping ---------------------------------------------------------------------
    def resolve(self, site: Site, post: Post) -> Target | None:
        return self.mapper.resolve(site, post)

    def unmapped_reason(self, post: Post) -> str:
        return self.mapper.reasons.get((post.site, post.id), "no target post")

    def unsupported(self, c: Comment) -> str | None:
        if c.type != "comment":
            return (f"type not supported by target: {c.type} "
                    "(the REST API creates only comments)")
        return None

    def payload(self, c: Comment, place: Place) -> tuple[dict, list[str]]:
        """The REST body for one comment, and notes on what had to change."""
        notes: list[str] = []
        p: dict = {"post": place.post, "parent": place.parent or 0, "content": c.content,
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

    def summary(self, payload: dict) -> dict:
        return {"post": payload["post"], "parent": payload["parent"],
                "date_gmt": payload.get("date_gmt"), "date": payload.get("date"),
                "status": payload["status"], "author": payload.get("author_name", ""),
                "content": payload.get("content", "")}

    # -- writing ---------------------------------------------------------------------
    def create(self, payload: dict) -> Answer:
        # WordPress stores the request's User-Agent as the comment's: send none
        # rather than ours when the comment had none
        headers = None if payload.get("author_user_agent") else {"User-Agent": SKIP_HEADER}
        resp = self.client.post("/wp/v2/comments", payload, headers=headers)
        status = resp.status_code
        if status == 201:
            return Answer("created", int(resp.json()["id"]))
        code, msg = wp_error(resp)
        reason = f"http {status} {code}: {msg}"
        if status == 409 and code == "comment_duplicate":
            return Answer("duplicate", reason=reason, code=code)
        if status == 400 and code == "rest_comment_author_data_required":
            new = dict(payload)
            notes = []
            if not new.get("author_name", "").strip():
                new["author_name"] = PLACEHOLDER_NAME
                notes.append(f"target requires a name: sent {PLACEHOLDER_NAME!r}")
            if not new.get("author_email"):
                new["author_email"] = PLACEHOLDER_EMAIL
                notes.append(f"target requires an e-mail: sent {PLACEHOLDER_EMAIL}")
            self.fill_required = True
            return Answer("amend", reason=reason, code=code, payload=new, notes=notes)
        if status == 401:
            return Answer("fatal", reason=f"{self.url} stopped accepting the login "
                                          f"(http 401 {code}: {msg})")
        if status == 429:
            return Answer("busy", reason=reason.rstrip(": "), wait=retry_after(resp))
        if status in (500, 502, 503, 504):
            return Answer("unknown", reason=reason.rstrip(": "), wait=retry_after(resp))
        kind = "closed" if code == "rest_comment_closed" else "rejected"
        return Answer(kind, reason=reason, code=code)

    def find(self, payload: dict, *, match_date: bool) -> list[dict]:
        return self.client.find(payload, match_date=match_date)

    def adopt(self, found: dict, payload: dict) -> str:
        if found.get("status") != payload["status"]:
            r = self.client.post(f"/wp/v2/comments/{found['id']}", {"status": payload["status"]})
            if r.status_code == 200:
                return f"status set to {payload['status']}"
        return ""

    def delete(self, target_id) -> bool:
        return self.client.delete(f"/wp/v2/comments/{target_id}",
                                  {"force": "true"}).status_code == 200

    def hide(self, target_id) -> bool:
        return self.client.post(f"/wp/v2/comments/{target_id}",
                                {"status": "hold"}).status_code == 200

    # -- reading back ----------------------------------------------------------------
    def comments(self, target_post) -> dict:
        items = self.client.get_all("/wp/v2/comments", {
            "post": target_post, "status": "any", "context": "edit", "orderby": "id",
            "order": "asc", "per_page": 100})
        return {int(x["id"]): {
            "id": int(x["id"]), "post": int(x.get("post") or 0),
            "parent": int(x.get("parent") or 0), "date_gmt": x.get("date_gmt"),
            "author": x.get("author_name", ""),
            "content": (x.get("content") or {}).get("raw", ""), "status": x.get("status")}
            for x in items}

    def norm_name(self, name: str) -> str:
        return normalise_name(name)

    def norm_content(self, text: str) -> str:
        return normalise_content(text)

    def loose_content(self, text: str) -> str:
        return text_only(text)
