"""The push journal: a SQLite file mapping each source comment (site, id) to
its target id. A row is marked *in flight* (and committed) before its POST and
*done* (committed) right after; an in-flight row is looked up on the target
before anything is posted again."""
from __future__ import annotations

import json
import os
import re
import sqlite3
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from urllib.parse import urlparse

from ..model import Comment
from .http import PushError


# -- the journal ------------------------------------------------------------------
@dataclass
class Row:
    site: str
    source_id: int
    source_post: int | None
    target_post: object
    target_id: object
    target_parent: object
    state: str
    expect: dict
    note: str


class Journal:
    """Source comment (site, id) -> target comment id, one SQLite file per
    target. Target ids are numbers (WordPress, Waline) or strings (Ghost's
    object ids): the target columns have no type, so each keeps its own. Every change is its own committed transaction (WAL), so a kill at
    any moment leaves at most the rows in flight, each marked as such."""

    STATES = ("in-flight", "done", "merged", "rejected")

    def __init__(self, path: str, target_url: str, redact=None):
        self.path = path
        #: applied to every note and expectation before it is stored
        self.redact = redact or (lambda text: text)
        self._lock = threading.Lock()
        if path != ":memory:":
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        self.db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA busy_timeout=10000")
        self.db.executescript("""
            CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
            CREATE TABLE IF NOT EXISTS comments (
                site TEXT NOT NULL, source_id INTEGER NOT NULL, source_post INTEGER,
                target_post, target_id, target_parent,
                state TEXT NOT NULL, expect TEXT, note TEXT, updated TEXT,
                PRIMARY KEY (site, source_id));
            CREATE INDEX IF NOT EXISTS comments_target ON comments (target_id);
        """)
        target = target_url.rstrip("/")
        row = self.db.execute("SELECT value FROM meta WHERE key = 'target'").fetchone()
        if row is None:
            self.db.execute("INSERT INTO meta VALUES ('target', ?)", (target,))
            self.db.execute("INSERT OR REPLACE INTO meta VALUES ('created', ?)",
                            (datetime.now(timezone.utc).isoformat(timespec="seconds"),))
        elif row[0] != target:
            self.db.close()
            raise PushError(f"state file {path} belongs to {row[0]}, not {target}: "
                            "give another --state")

    def close(self) -> None:
        self.db.close()

    def keep_to(self, kind: str) -> None:
        """One kind of push per journal: ``kind`` is "plain" or the anonymising
        secret's fingerprint. A push of another kind would find none of the
        comments already sent (other ids, other names) and send them all again,
        real names beside pseudonyms: refused."""
        with self._lock:
            row = self.db.execute("SELECT value FROM meta WHERE key = 'kind'").fetchone()
            had = row[0] if row else None
            if had is None and self.db.execute("SELECT 1 FROM comments LIMIT 1").fetchone():
                had = "plain"  # a journal from before kinds were recorded
            if had is not None and had != kind:
                how = "without --anonymise" if had == "plain" else (
                    "with --anonymise" if kind == "plain" else
                    "with --anonymise under another secret")
                raise PushError(f"state file {self.path} records a push made {how}: pushing "
                                "these comments again would put them on the target twice; "
                                "remove them there and give another --state")
            if had is None:
                self.db.execute("INSERT OR REPLACE INTO meta VALUES ('kind', ?)", (kind,))

    def get(self, site: str, source_id: int) -> Row | None:
        with self._lock:
            r = self.db.execute("SELECT site, source_id, source_post, target_post, target_id, "
                                "target_parent, state, expect, note FROM comments "
                                "WHERE site = ? AND source_id = ?", (site, source_id)).fetchone()
        return _row(r) if r else None

    def root_of(self, target_id) -> object:
        """The thread root of a comment we put on the target (itself at top level)."""
        seen = set()
        while target_id not in seen:
            seen.add(target_id)
            row = self.owner_of(target_id)
            if row is None or row.target_parent in (None, 0, ""):
                return target_id
            target_id = row.target_parent
        return target_id

    def owner_of(self, target_id) -> Row | None:
        with self._lock:
            r = self.db.execute("SELECT site, source_id, source_post, target_post, target_id, "
                                "target_parent, state, expect, note FROM comments "
                                "WHERE target_id = ? AND state = 'done' LIMIT 1",
                                (target_id,)).fetchone()
        return _row(r) if r else None

    def claimed(self) -> set:
        with self._lock:
            return {r[0] for r in self.db.execute(
                "SELECT target_id FROM comments WHERE target_id IS NOT NULL AND state = 'done'")}

    def rows(self) -> list[Row]:
        with self._lock:
            return [_row(r) for r in self.db.execute(
                "SELECT site, source_id, source_post, target_post, target_id, target_parent, "
                "state, expect, note FROM comments ORDER BY rowid")]

    def counts(self) -> dict[str, int]:
        with self._lock:
            return dict(self.db.execute("SELECT state, count(*) FROM comments GROUP BY state"))

    def _put(self, c: Comment, state: str, target_post, target_id: int | None,
             target_parent: int | None, expect: dict | None, note: str = "") -> None:
        note = self.redact(note or "")
        expect_text = self.redact(json.dumps(expect)) if expect is not None else None
        with self._lock:
            self.db.execute(
                "INSERT OR REPLACE INTO comments VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (c.site, c.id, c.post_id, target_post, target_id, target_parent, state,
                 expect_text, note,
                 datetime.now(timezone.utc).isoformat(timespec="seconds")))

    def in_flight(self, c: Comment, target_post: int, target_parent: int, expect: dict) -> None:
        self._put(c, "in-flight", target_post, None, target_parent, expect)

    def done(self, c: Comment, target_post: int, target_id: int, target_parent: int,
             expect: dict, note: str = "") -> None:
        self._put(c, "done", target_post, target_id, target_parent, expect, note)

    def merged(self, c: Comment, target_post: int, target_id: int, target_parent: int,
               expect: dict, note: str) -> None:
        self._put(c, "merged", target_post, target_id, target_parent, expect, note)

    def rejected(self, c: Comment, target_post, reason: str,
                 keep_in_flight: bool = False) -> None:
        if keep_in_flight:
            return  # it may have been created: the next run looks it up first
        self._put(c, "rejected", target_post, None, None, None, reason)


def _row(r) -> Row:
    return Row(r[0], r[1], r[2], r[3], r[4], r[5], r[6], json.loads(r[7]) if r[7] else {},
               r[8] or "")


def default_state_path(url: str, folder: str = ".migrator-state", platform: str = "") -> str:
    """``./.migrator-state/<host>[_port][_path][_platform].db``: one journal per
    target (WordPress, the first target, has no suffix)."""
    u = urlparse(url)
    name = (u.hostname or "site") + (f"_{u.port}" if u.port else "")
    if u.path.strip("/"):
        name += "_" + re.sub(r"[^A-Za-z0-9.-]+", "_", u.path.strip("/"))
    if platform and platform != "wordpress":
        name += "_" + platform
    return os.path.join(folder, name + ".db")
