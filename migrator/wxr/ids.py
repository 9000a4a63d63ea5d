"""Ids for what an export leaves without one ([H] 1).

Hand-made and older exports (isso's test export, the theme-preview file) have
items without ``wp:post_id``, and now and then a comment without
``wp:comment_id``. They get an id derived from what identifies them in any
file: the same in every run, every file of a run and every process (no
counter, no line number), positive, and in [DERIVED_BASE, DERIVED_BASE +
DERIVED_SPAN): below 2**31, so any SQL integer column holds it, and far above
the ids of real sites.
"""
from __future__ import annotations

import hashlib

from ..model import Post

DERIVED_BASE = 1_000_000_000
DERIVED_SPAN = 1_000_000_000


def derived_id(*parts: str) -> int:
    """A stable positive id from text."""
    h = hashlib.blake2b("\x1f".join(parts).encode("utf-8", "surrogatepass"), digest_size=8)
    return DERIVED_BASE + int.from_bytes(h.digest(), "big") % DERIVED_SPAN


def post_id_for(el, post: Post, date: str) -> tuple[int, str]:
    """The id of a post without one, from its guid, else its link, else its
    title and date, else the whole text of its ``<item>`` element ``el``.
    Returns the id and what it was derived from (for the report)."""
    if post.guid:
        return derived_id("guid", post.guid), f"guid {post.guid!r}"
    if post.link:
        return derived_id("link", post.link), f"link {post.link!r}"
    if post.title or date:
        return derived_id("title", post.title, date), f"title {post.title!r} and date {date!r}"
    text = "".join(t for t in el.itertext() if t.strip())
    return derived_id("text", text), "text (it has no guid, link, title or date)"
