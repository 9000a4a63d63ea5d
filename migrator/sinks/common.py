"""Pieces shared by the file sinks: records, safe file names, atomic writes."""
from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from datetime import datetime
from urllib.parse import unquote

from ..model import Comment, Post, Site

FORMAT = "migrator-archive/1"
PRIVATE_FIELDS = ("author_email", "author_ip", "author_user_agent")


def iso_utc(d: datetime | None) -> str | None:
    return d.strftime("%Y-%m-%dT%H:%M:%SZ") if d is not None else None


def iso_local(d: datetime | None) -> str | None:
    return d.strftime("%Y-%m-%dT%H:%M:%S") if d is not None else None


def comment_record(c: Comment, private: bool = False, flat: bool = False) -> dict:
    """A comment as the public JSON formats carry it. ``author_email``,
    ``author_ip`` and the user agent only with ``private``."""
    rec = {
        "id": c.id,
        "post_id": c.post_id,
        "parent_id": c.parent_id,
        "depth": c.depth,
        "author_name": c.author_name,
        "author_url": c.author_url,
        "date": iso_local(c.date),
        "date_gmt": iso_utc(c.date_gmt),
        "content": c.content,
        "status": c.status,
        "type": c.type,
        "user_id": c.user_id,
    }
    if flat:
        rec["site"] = c.site
    if private:
        rec["author_email"] = c.author_email
        rec["author_ip"] = c.author_ip
        rec["author_user_agent"] = c.author_user_agent
        rec["meta"] = [{"key": k, "value": v} for k, v in c.meta]
    if c.date_note:
        rec["date_note"] = c.date_note
    if c.original_parent_id is not None:
        rec["original_parent_id"] = c.original_parent_id
    if c.source_id is not None:
        rec["source_id"] = c.source_id
    return rec


def post_record(p: Post) -> dict:
    return {
        "id": p.id, "title": p.title, "slug": p.slug, "link": p.link, "guid": p.guid,
        "type": p.type, "status": p.status, "date": iso_local(p.date),
        "date_gmt": iso_utc(p.date_gmt), "author": p.author,
    }


def site_record(s: Site) -> dict:
    return {"key": s.key, "title": s.title, "link": s.link, "language": s.language,
            "wxr_version": s.wxr_version}


_UNSAFE = re.compile(r"[^\w-]+", re.UNICODE)
#: The slug's share of a file name, in UTF-8 bytes: file systems allow 255
#: bytes per name, and a site prefix and the id need room too.
SLUG_BYTES = 120


def _cut(text: str, max_bytes: int) -> str:
    """``text`` shortened to at most ``max_bytes`` of UTF-8, whole characters."""
    return text.encode("utf-8")[:max_bytes].decode("utf-8", "ignore")


def safe_name(post: Post, ext: str) -> str:
    """``<post id>-<slug>.<ext>``: the slug is cut down to word characters and
    dashes, so it can never name a path outside the output folder (nor a
    hidden file), and to at most :data:`SLUG_BYTES` bytes. WordPress stores
    non-ASCII slugs percent-encoded: they are decoded (and NFC-normalised, so
    an accent is not split off as a dash)."""
    slug = unicodedata.normalize("NFC", unquote(post.slug or ""))
    slug = _UNSAFE.sub("-", slug).strip("-_")
    slug = _cut(slug, SLUG_BYTES).rstrip("-_")
    return f"{post.id}-{slug}{ext}" if slug else f"{post.id}{ext}"


def inside(folder: str, name: str) -> str:
    """Join and refuse anything that would land outside ``folder``."""
    root = os.path.realpath(folder)
    path = os.path.realpath(os.path.join(root, name))
    if os.path.commonpath([root, path]) != root or path == root:
        raise ValueError(f"refusing to write outside {folder}: {name!r}")
    return path


class AtomicFile:
    """Write to a temporary file beside the target; rename it into place only
    when the run succeeded. A failed run leaves the old file (or none)."""

    def __init__(self, path: str, mode: str = "w"):
        self.path = path
        folder = os.path.dirname(os.path.abspath(path))
        os.makedirs(folder, exist_ok=True)
        fd, self.tmp = tempfile.mkstemp(dir=folder, prefix=".migrator-", suffix=".part")
        # mkstemp makes the file 0600; the output is a normal file (0644 with
        # the usual umask), readable by the web server that will serve it.
        os.fchmod(fd, 0o666 & ~_umask())
        self.fh = os.fdopen(fd, mode, encoding="utf-8" if "b" not in mode else None)

    def commit(self) -> None:
        self.fh.close()
        os.replace(self.tmp, self.path)

    def abort(self) -> None:
        self.fh.close()
        if os.path.exists(self.tmp):
            os.unlink(self.tmp)

    def finish(self, ok: bool) -> None:
        self.commit() if ok else self.abort()


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_atomic(path: str, text: str) -> None:
    f = AtomicFile(path)
    try:
        f.fh.write(text)
    except BaseException:
        f.abort()
        raise
    f.commit()
