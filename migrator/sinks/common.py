"""Pieces shared by the file sinks: records, safe file names, atomic writes."""
from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import unicodedata
from datetime import datetime
from urllib.parse import unquote

from ..model import Comment, Post, Site
from . import TargetError

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


# -- outputs of earlier runs --------------------------------------------------------
MARKER = ".migrator.json"


class StaleOutput(TargetError):
    """The target holds an earlier run's output of another kind (anonymised
    or not, another secret): mixing them would leave real names beside
    pseudonyms. The CLI turns it into one line and exit status 2."""


def run_state(run) -> dict:
    """Whether a run anonymises, and under which secret (a keyed fingerprint)."""
    fp = getattr(run, "fingerprint", None)
    return {"anonymised": fp is not None, "fingerprint": fp}


def describe_state(theirs: dict, mine: dict) -> str:
    """How an earlier run wrote what is there, said to a run of another kind."""
    if not theirs.get("anonymised"):
        return "without --anonymise"
    if mine.get("anonymised"):
        return "with --anonymise under another secret"
    return "with --anonymise"


class FolderGuard:
    """Keeps a ``json:DIR/`` or ``html:DIR/`` folder to one kind of run.

    The folder's marker (``.migrator.json``, written by anonymised runs
    only) says that its files are anonymised and under which secret's
    fingerprint. A run of another kind
    is refused (:class:`StaleOutput`), as is an anonymised run into a folder
    that holds files of ours (``*.EXT``) but no marker (an older run: what
    is in them cannot be told). With ``replace`` those files are moved aside
    when the run starts, deleted when it succeeds and put back when it fails."""

    def __init__(self, folder: str, ext: str, label: str, replace: bool = False):
        self.folder, self.ext, self.label, self.replace = folder, ext, label, replace
        self._aside: str | None = None
        self._moved: list[str] = []
        self._state: dict | None = None

    def _ours(self) -> list[str]:
        try:
            names = os.listdir(self.folder)
        except FileNotFoundError:
            return []
        return sorted(n for n in names if n.endswith(self.ext) and not n.startswith(".")
                      and os.path.isfile(os.path.join(self.folder, n)))

    def open(self, run) -> None:
        self._state = mine = run_state(run)
        ours = self._ours()
        marker = None
        path = os.path.join(self.folder, MARKER)
        if os.path.exists(path):
            try:
                with open(path, encoding="utf-8") as fh:
                    marker = json.load(fh)
            except (OSError, ValueError):
                marker = {}
        if marker is not None and self.ext not in marker.get("extensions", (self.ext,)):
            marker = None  # it vouches for other files of the folder (json:, not html:)
        if marker is not None:
            theirs = {"anonymised": bool(marker.get("anonymised")),
                      "fingerprint": marker.get("fingerprint") if marker.get("anonymised") else None}
            clash = ours and theirs != mine
            how = describe_state(theirs, mine)
        else:
            clash = bool(ours) and mine["anonymised"]
            how = "by an earlier run (anonymised or not: it cannot be told)"
        if clash and not self.replace:
            raise StaleOutput(f"{self.label} already holds files written {how}: write "
                              "somewhere else, or add --replace to delete them first")
        if self.replace and ours:
            self._aside = tempfile.mkdtemp(prefix=".migrator-replaced-", dir=self.folder)
            for n in ours:
                os.replace(os.path.join(self.folder, n), os.path.join(self._aside, n))
                self._moved.append(n)

    def close(self, ok: bool, written: list[str] = ()) -> None:
        if ok and self._state is not None:
            # The marker says which files it vouches for: a json: and an
            # html: target may share a folder, and an anonymised run of one
            # says nothing of the other's files (plain ones would stay).
            marker = os.path.join(self.folder, MARKER)
            try:
                with open(marker, encoding="utf-8") as fh:
                    old = json.load(fh)
            except (OSError, ValueError):
                old = {}
            same = bool(old.get("anonymised")) == self._state["anonymised"] and \
                old.get("fingerprint") == self._state["fingerprint"]
            exts = sorted((set(old.get("extensions", ())) if same else set()) | {self.ext})
            if self._state["anonymised"]:
                write_atomic(marker, json.dumps(
                    {"format": "migrator-folder/1", **self._state, "extensions": exts},
                    indent=1) + "\n")
            elif old:  # plain files of ours now: the marker vouches for the others only
                rest = [e for e in old.get("extensions", ()) if e != self.ext]
                if rest:
                    write_atomic(marker, json.dumps({**old, "extensions": rest}, indent=1) + "\n")
                else:
                    os.unlink(marker)
        if self._aside is None:
            return
        if not ok:  # put the old files back, and take this run's away
            for n in written:
                if n not in self._moved and os.path.exists(os.path.join(self.folder, n)):
                    os.unlink(os.path.join(self.folder, n))
            for n in self._moved:
                os.replace(os.path.join(self._aside, n), os.path.join(self.folder, n))
        shutil.rmtree(self._aside, ignore_errors=True)
        self._aside = None
