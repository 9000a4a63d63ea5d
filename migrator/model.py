"""The one model that flows through every stage: a Post and its Comments.

Readers produce it, stages (thread, dedupe, anonymise) transform it, sinks
consume it. Every stage works on one post at a time, so memory follows the
largest thread, never the size of the export.
"""
from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from datetime import datetime, timedelta, timezone
from typing import Iterable, Iterator


def reference_path() -> bool:
    """``MIGRATOR_REFERENCE_PATH=1``: take the plain, slow code everywhere a
    fast path exists (byte scan of clean input, driver-level SQL, bulk
    bookkeeping). Kept so tests can check the fast paths give the same bytes."""
    return os.environ.get("MIGRATOR_REFERENCE_PATH", "") not in ("", "0")

#: The Unix epoch, naive and in UTC. A date moves between the two forms by
#: arithmetic (``EPOCH_UTC + (d - EPOCH)``): ten times cheaper than
#: ``replace(tzinfo=...)``, which parses keyword arguments, and it counts on
#: the hot paths (every comment has two dates).
EPOCH = datetime(1970, 1, 1)
EPOCH_UTC = datetime(1970, 1, 1, tzinfo=timezone.utc)
MICROSECOND = timedelta(microseconds=1)


def as_utc(d: datetime | None) -> datetime | None:
    """A naive UTC date made aware (``d.replace(tzinfo=timezone.utc)``)."""
    return EPOCH_UTC + (d - EPOCH) if d is not None else None


def as_naive_utc(d: datetime | None) -> datetime | None:
    """An aware date as naive UTC (a naive one, or None, as it is)."""
    if d is None or not d.tzinfo:
        return d
    if d.tzinfo is timezone.utc:  # nearly always
        return EPOCH + (d - EPOCH_UTC)
    return d.astimezone(timezone.utc).replace(tzinfo=None)

#: ``comment_approved`` values as WordPress stores them -> our status names.
STATUS_FROM_WP = {
    "1": "approved",
    "approve": "approved",
    "approved": "approved",
    "0": "pending",
    "hold": "pending",
    "pending": "pending",
    "spam": "spam",
    "trash": "trash",
    "post-trashed": "post-trashed",
}
#: Our status names -> the ``comment_approved`` value WordPress writes.
STATUS_TO_WP = {
    "approved": "1",
    "pending": "0",
    "spam": "spam",
    "trash": "trash",
    "post-trashed": "post-trashed",
}
STATUSES = ("approved", "pending", "spam", "trash", "post-trashed")
TYPES = ("comment", "pingback", "trackback", "note")


def status_from_wp(value: str | None) -> str:
    value = (value or "").strip()
    return STATUS_FROM_WP.get(value.lower(), value or "approved")


def type_from_wp(value: str | None) -> str:
    value = (value or "").strip()
    return value or "comment"


@dataclass
class Comment:
    """One comment as WordPress stored it, plus what the pipeline learns.

    ``date`` is the site's local time (naive); ``date_gmt`` is the truth
    (timezone-aware UTC) or ``None`` when the export gave no usable GMT date
    and the site's offset could not be learned (``date_note`` then says so).
    ``content`` is kept verbatim, exactly as WordPress stored it.
    """

    id: int
    post_id: int
    author_name: str = ""
    author_email: str = ""
    author_url: str = ""
    author_ip: str = ""
    author_user_agent: str = ""
    date: datetime | None = None
    date_gmt: datetime | None = None
    content: str = ""
    status: str = "approved"
    type: str = "comment"
    parent_id: int | None = None
    user_id: int = 0
    meta: list[tuple[str, str]] = field(default_factory=list)
    site: str = ""
    # Provenance: where the comment was read, and the id it had there when
    # an id collision made us give it a new one.
    source_file: str = ""
    source_line: int = 0
    source_id: int | None = None
    # Set by the thread stage.
    depth: int = 0
    #: The parent the export named, when the tree stage re-attached the comment.
    original_parent_id: int | None = None
    #: Why the comment's date_gmt is not the export's own, if it is not.
    date_note: str = ""
    notes: list[str] = field(default_factory=list)
    #: Set by the reader when the comment cannot be used (cut off by a
    #: truncated file, its post has no id): the pipeline ledgers it rejected.
    reject_reason: str = ""
    #: Set when anonymisation gives the comment new ids (derived from the
    #: secret): its ledger key and post id before that. Never written by a
    #: sink; the ledger (and only --report) keeps the old ids.
    frozen_key: tuple | None = None
    origin_post_id: int | None = None

    @property
    def key(self) -> tuple[str, int]:
        return (self.site, self.id)

    @property
    def ledger_key(self) -> tuple:
        """Identifies this physical input comment (two files can hold copies)."""
        if self.frozen_key is not None:
            return self.frozen_key
        return (self.site, self.source_file, self.source_line, self.source_id or self.id)

    @property
    def when(self) -> datetime | None:
        """When it was written: the GMT date, else the local date read as UTC."""
        if self.date_gmt is not None:
            return self.date_gmt
        if self.date is not None:
            return self.date.replace(tzinfo=timezone.utc)
        return None

    @property
    def sort_key(self) -> tuple:
        """Siblings are ordered by date_gmt, then id (local date if no GMT)."""
        return (self.when or datetime.min.replace(tzinfo=timezone.utc), self.id)


@dataclass
class Post:
    """A post (any post type) and, after threading, its comments in tree
    pre-order: every parent stands before its replies, siblings by date."""

    id: int
    title: str = ""
    slug: str = ""
    link: str = ""
    guid: str = ""
    type: str = "post"
    status: str = "publish"
    date: datetime | None = None
    date_gmt: datetime | None = None
    author: str = ""
    content: str = ""
    excerpt: str = ""
    comment_status: str = ""
    ping_status: str = ""
    parent: int = 0
    menu_order: int = 0
    site: str = ""
    source_file: str = ""
    source_line: int = 0
    comments: list[Comment] = field(default_factory=list)

    @property
    def key(self) -> tuple[str, int]:
        return (self.site, self.id)


@dataclass
class Author:
    """A ``wp:author`` block of the channel (the site's own users)."""

    id: int = 0
    login: str = ""
    email: str = ""
    display_name: str = ""
    first_name: str = ""
    last_name: str = ""


@dataclass
class Site:
    """What the channel header of one export says about its site."""

    title: str = ""
    link: str = ""
    description: str = ""
    language: str = ""
    base_site_url: str = ""
    base_blog_url: str = ""
    wxr_version: str = ""
    wp_namespace: str = ""
    generator: str = ""
    pub_date: str = ""
    authors: list[Author] = field(default_factory=list)
    #: A label of the original site that needs no secret (see
    #: :func:`origin_label`); set on the anonymised copy, whose URLs are not
    #: the original's. Sinks use it to find earlier rows of the same site.
    origin: str = ""

    @property
    def origin_label(self) -> str:
        return self.origin or origin_label(self.key)

    @property
    def key(self) -> str:
        """The site key used to keep two sites apart in one database."""
        return (self.base_blog_url or self.base_site_url or self.link or "").rstrip("/")


#: What two spellings of one site's URL may differ in: the scheme and 'www.'.
_site_spelling = re.compile(r"^[a-z][a-z0-9+.-]*://(?:www\.)?|^www\.")


@lru_cache(maxsize=256)  # asked for every post a sink writes: a regex and a sha256 each
def origin_label(key: str) -> str:
    """A short label of a site key (its URL) that any run can compute, with or
    without the anonymisation secret: outputs of the same site, anonymised or
    not, are found by it. It hides nothing the site's name (kept) does not.
    ``http://www.blog.example/`` and ``https://blog.example`` are one site."""
    norm = _site_spelling.sub("", (key or "").strip().lower()).rstrip("/")
    return hashlib.sha256(b"migrator/site/v1\0" + norm.encode("utf-8")).hexdigest()[:16]


@dataclass
class Node:
    """A comment with its replies, for sinks that write nested threads."""

    comment: Comment
    replies: list["Node"] = field(default_factory=list)


def nest(comments: Iterable[Comment]) -> list[Node]:
    """Nest comments (parents before replies, as the thread stage leaves
    them) into a forest. Iterative: a chain 3000 deep is fine."""
    roots: list[Node] = []
    by_id: dict[int, Node] = {}
    for c in comments:
        node = Node(c)
        by_id[c.id] = node
        parent = by_id.get(c.parent_id) if c.parent_id is not None else None
        (parent.replies if parent is not None else roots).append(node)
    return roots


def walk(nodes: list[Node]) -> Iterator[tuple[str, Node]]:
    """Depth-first events ('enter', node) / ('leave', node) without recursion."""
    stack: list[tuple[Node, int]] = [(n, 0) for n in reversed(nodes)]
    while stack:
        node, state = stack.pop()
        if state == 0:
            yield "enter", node
            stack.append((node, 1))
            stack.extend((r, 0) for r in reversed(node.replies))
        else:
            yield "leave", node
