"""Waline as a :class:`migrator.targets.Platform`: the import row of a comment,
what Waline's answers mean, and reading a page path back.

Waline keeps any depth: ``pid`` is the real parent, ``rid`` the thread's root
(it shows two levels: every reply under its root, naming whom it answers).
Both must be right or the reply is shown in the wrong place or not at all, so
``levels`` is 2 and ``verify`` checks the root (``rid``) as well as the
parent (``pid``)."""
from __future__ import annotations

from ..model import Comment, Post, Site
from ..targets.base import Answer, Place, Platform, Target
from ..targets.http import retry_after
from .client import STATUS, Waline, iso_from_ms, waline_date
from .mapping import PathMapper


class WalineTarget(Platform):
    name = "waline"
    title = "Waline"
    api_label = "API"
    levels = 2
    statuses = STATUS

    def __init__(self, client: Waline, path_map: dict[int, str] | None = None):
        self.client = client
        self.http = client.http
        self.url = client.url
        self.mapper = PathMapper(path_map)

    # -- connection ------------------------------------------------------------------
    def connect(self) -> None:
        self.client.login()

    @property
    def api_root(self) -> str:
        return self.client.api + "/"

    # -- mapping ---------------------------------------------------------------------
    def resolve(self, site: Site, post: Post) -> Target | None:
        return self.mapper.resolve(site, post)

    def unmapped_reason(self, post: Post) -> str:
        return self.mapper.reasons.get((post.site, post.id), "no target page path")

    def unsupported(self, c: Comment) -> str | None:
        if c.type != "comment":
            return f"type not supported by target: {c.type} (Waline has only comments)"
        if c.status not in STATUS:
            return (f"status not supported by target: {c.status} (Waline knows approved, "
                    "waiting and spam)")
        return None

    def payload(self, c: Comment, place: Place) -> tuple[dict, list[str]]:
        """The import row: every field is stored verbatim by the server."""
        notes: list[str] = []
        row: dict = {"url": place.post, "nick": c.author_name or "",
                     "mail": c.author_email or None, "link": c.author_url or None,
                     "ip": c.author_ip or None, "ua": c.author_user_agent or None,
                     "status": STATUS[c.status], "comment": c.content or ""}
        if c.status == "pending":
            notes.append("status pending sent as waiting")
        when = c.date_gmt
        if when is None and c.date is not None:
            when = c.date
            notes.append("no GMT date: sent the local date as if it were UTC")
        if when is not None:
            row["insertedAt"] = row["createdAt"] = row["updatedAt"] = waline_date(when)
        else:
            notes.append("no date: Waline dated it now")
        if place.parent:
            row["pid"] = place.parent
            row["rid"] = place.root or place.parent
        return row, notes

    def summary(self, payload: dict) -> dict:
        d = payload.get("insertedAt")
        return {"post": payload["url"], "parent": payload.get("pid") or 0,
                "date_gmt": d.replace(" ", "T") if d else None, "date": None,
                "status": payload["status"], "author": payload.get("nick") or "",
                "content": payload.get("comment") or ""}

    # -- writing ---------------------------------------------------------------------
    def create(self, payload: dict) -> Answer:
        resp = self.client.post_comment(payload)  # a lost answer raises: looked up first
        status = resp.status_code
        if status == 429:
            return Answer("busy", reason=f"http {status}", wait=retry_after(resp))
        if status >= 500:
            return Answer("unknown", reason=f"http {status}", wait=retry_after(resp))
        try:
            body = resp.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or "errno" not in body:
            # a proxy's page, a truncated body: it may have been stored
            return Answer("unknown", reason=f"http {status}: not a Waline answer")
        errno = body.get("errno")
        data = body.get("data")
        if status < 300 and errno == 0 and isinstance(data, dict) and data.get("objectId"):
            return Answer("created", data["objectId"])
        msg = body.get("errmsg")
        reason = f"http {status}, errno {errno}" + (f": {msg}" if msg else "")
        if errno in (401, 403) or status in (401, 403):
            return Answer("fatal", reason=f"Waline at {self.url} stopped accepting the admin "
                                          f"token ({reason})")
        if errno == 0:
            return Answer("unknown", reason=f"{reason}: the answer has no objectId")
        return Answer("rejected", reason=reason, code=str(errno))

    def find(self, payload: dict, *, match_date: bool) -> list[dict]:
        row = payload if match_date else {k: v for k, v in payload.items() if k != "insertedAt"}
        found = self.client.find(row)
        return [{"id": x["objectId"], "status": x.get("status")} for x in found]

    def adopt(self, found: dict, payload: dict) -> str:
        if found.get("status") != payload["status"]:
            self.client.update(found["id"], {"status": payload["status"]})
            return f"status set to {payload['status']}"
        return ""

    def hide(self, target_id) -> bool:
        self.client.update(target_id, {"status": "waiting"})
        return True

    def delete(self, target_id) -> bool:
        return self.client.delete(target_id)

    # -- reading back ----------------------------------------------------------------
    def comments(self, target_post) -> dict:
        return {x["objectId"]: {
            "id": x["objectId"], "post": target_post, "parent": x.get("pid") or 0,
            "thread": x.get("rid") or 0, "date_gmt": iso_from_ms(x.get("time")),
            "author": x.get("nick") or "", "content": x.get("orig") or "",
            "status": x.get("status"), "mail": x.get("mail"), "link": x.get("link"),
            "ip": x.get("ip")} for x in self.client.path_comments(target_post)}
