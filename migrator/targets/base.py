"""What a live target platform implements, and the small records the shared
push/verify machinery passes around.

A platform (WordPress, Ghost, Waline) is a :class:`Platform`: its client and
its mapping. Everything else (journal, parents-first ordering, the worker
pool, retries and "look before re-posting", redaction, the dry-run plan,
verify's comparison) lives once in :mod:`migrator.targets`.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from ..model import Comment, Post, Site
from .http import Http, PushError



@dataclass
class Target:
    """The target post a source post becomes."""
    id: object
    slug: str = ""
    link: str = ""
    title: str = ""
    type: str = ""
    how: str = ""

    def describe(self) -> str:
        return f"target post {self.id}" + (f" '{self.slug}'" if self.slug else "")


@dataclass
class Place:
    """Where a comment goes: its post, its real parent (None at top level)
    and the thread's root (the top-level ancestor; None at top level)."""
    post: object
    parent: object = None
    root: object = None


@dataclass
class Answer:
    """What the platform made of one create request.

    kind: ``created`` (``id``), ``duplicate`` (the target says it has it:
    look it up), ``amend`` (send ``payload`` instead, once; ``notes`` say
    why), ``busy`` (rate limited: wait, it was not processed), ``unknown``
    (5xx: it may have been stored: look before sending again), ``closed``
    (the post takes no comments), ``rejected`` (this comment is refused),
    ``fatal`` (stop the run)."""
    kind: str
    id: object = None
    reason: str = ""
    code: str = ""
    payload: dict | None = None
    notes: list[str] = field(default_factory=list)
    wait: float | None = None


@dataclass
class Outcome:
    kind: str  # created | found | duplicate | rejected | lost | closed | fatal
    target_id: object = None
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
    target: object
    how: str
    comments: int
    in_journal: int = 0
    to_post: int = 0
    reason: str = ""

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v not in ("", None) or k == "target"}


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def iso_seconds(d: datetime | None) -> str | None:
    return d.strftime("%Y-%m-%dT%H:%M:%S") if d is not None else None


class Platform:
    """One live target (target ids are numbers on WordPress and Waline, object
    id strings on Ghost; the shared layer never looks inside them). Subclasses set the class attributes and implement
    the methods that raise NotImplementedError; the rest has defaults.

    Target comments, as :meth:`comments` returns them for verify, are dicts
    with ``id``, ``post``, ``parent`` (the real reply target, 0/None at top
    level), ``thread`` (the stored thread parent, for two-level platforms),
    ``date_gmt`` (``YYYY-MM-DDTHH:MM:SS``), ``author``, ``content``,
    ``status``."""

    #: the ``--to`` prefix (``ghost+https://...``) and the journal's suffix
    name = "platform"
    #: how messages name it
    title = "the target"
    #: how the dry-run plan names the API root
    api_label = "API"
    #: how deep threads nest on the target: 0 = any depth; 2 = Ghost (a reply
    #: to a reply is stored under the thread root and names its real parent)
    levels = 0
    #: source comment types the platform can create
    types = frozenset({"comment"})

    http: Http
    url: str

    # -- connection ----------------------------------------------------------------
    def connect(self) -> None:
        """Find the API, check the credentials and the rights. AuthError (one
        line) when refused."""
        raise NotImplementedError

    @property
    def api_root(self) -> str:
        return self.url

    @property
    def redact(self):
        return self.http.redact

    @property
    def requests(self):
        return self.http.requests

    def close(self) -> None:
        self.http.close()

    # -- mapping -------------------------------------------------------------------
    def resolve(self, site: Site, post: Post) -> Target | None:
        """The target post, or None (and a reason in :meth:`unmapped_reason`)."""
        raise NotImplementedError

    def unmapped_reason(self, post: Post) -> str:
        return "no target post"

    def payload(self, c: Comment, place: Place) -> tuple[dict, list[str]]:
        """The request body for one comment, and notes on what had to change."""
        raise NotImplementedError

    def summary(self, payload: dict) -> dict:
        """From a payload: ``date_gmt``, ``author`` (name), ``content``,
        ``status`` as the target will show them (for the journal's expect)."""
        raise NotImplementedError

    def unsupported(self, c: Comment) -> str | None:
        """Why this comment cannot be created here, or None."""
        if c.type not in self.types:
            return f"type not supported by target: {c.type} (the API creates only comments)"
        return None

    # -- writing -------------------------------------------------------------------
    def create(self, payload: dict) -> Answer:
        """One create request. Raise ``requests.ConnectionError``/``Timeout``
        when the answer is lost."""
        raise NotImplementedError

    def find(self, payload: dict, *, match_date: bool) -> list[dict]:
        """Comments on the target that are this payload (best first), each a
        dict with at least ``id``."""
        raise NotImplementedError

    def adopt(self, found: dict, payload: dict) -> str:
        """A found copy is ours: bring its status in line; return a note ('' if nothing)."""
        return ""

    def finish_post(self, target: Target, rows: list) -> None:
        """Called once a post's comments are all through (also on a re-run), with
        the journal rows (``done``) of its comments: the place for work that must
        wait until every comment is there (Ghost hides comments only then, as it
        drops a reply's link to a parent that is hidden already)."""

    def hide(self, target_id) -> bool:
        """Hide a comment (for statuses the platform cannot create directly)."""
        return False

    def delete(self, target_id) -> bool:
        raise NotImplementedError

    # -- reading back --------------------------------------------------------------
    def comments(self, target_post) -> dict:
        """Every comment on a target post, by id, in the form described above."""
        raise NotImplementedError

    def same_name(self, a: str, b: str) -> bool:
        return self.norm_name(a) == self.norm_name(b)

    def norm_name(self, name: str) -> str:
        return (name or "").strip()

    def norm_content(self, text: str) -> str:
        return (text or "").strip()

    def loose_content(self, text: str) -> str:
        """A looser form (text only) for lookups and duplicate detection."""
        return self.norm_content(text)

    def key(self, c: Comment) -> tuple:
        """Identical siblings share a key and are sent one after the other."""
        return (self.norm_name(c.author_name), (c.author_email or "").lower(),
                self.loose_content(c.content))


__all__ = ["Platform", "Target", "Place", "Answer", "Outcome", "PostPlan", "PushError",
           "sha", "iso_seconds"]
