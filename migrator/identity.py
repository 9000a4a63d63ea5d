"""Comment ids across several files of one run (the pipeline's first step
after reading): overlapping exports merge, colliding ids are renamed. Its
plain path and its fast one (bulk rows and a bitmap) sit side by side, and
tests/test_fast_path.py compares them."""
from __future__ import annotations

import os
import sqlite3
import tempfile

from .ledger import Ledger
from .model import Comment, Post, reference_path

class Identity:
    """Keeps comment ids straight across several files of one run.

    The same (site, comment id) seen again with the same post and content is
    the same comment (overlapping exports): the copy is merged. The same id
    with another post or other content is an id collision: both are kept,
    the later under a new id that says which file it came from. Backed by a
    temporary SQLite file, so memory does not grow with the export."""

    def __init__(self) -> None:
        fd, self._path = tempfile.mkstemp(prefix="migrator-ids-", suffix=".db")
        os.close(fd)
        self._db = sqlite3.connect(self._path)
        self._db.execute("PRAGMA journal_mode=OFF")
        self._db.execute("PRAGMA synchronous=OFF")
        # Sites and files are stored by number (see _site, _file): short
        # keys, and no rowid beside the key: a third less work per row.
        self._db.execute("CREATE TABLE seen (site INTEGER, id INTEGER, post_id INTEGER,"
                         " digest INTEGER, file INTEGER, depth INTEGER, PRIMARY KEY (site, id))"
                         " WITHOUT ROWID")
        self._renames: dict[tuple[str, str, int], int] = {}
        self._file_no: dict[str, int] = {}
        self._stored_files: dict[str, int] = {}
        self._files: list[str] = []  # stored file number - 1 -> path
        self._site_no: dict[str, int] = {}
        # Fast path (see migrator.model.reference_path): rows wait in memory
        # and go to the file in bulk, and a bitmap of every id seen so far
        # answers "never seen" without a query, which is nearly always.
        self._fast = not reference_path()
        self._buf: dict[tuple[str, int], list] = {}  # (site, id) -> [post_id, digest, file, depth]
        self._bits = bytearray()

    @staticmethod
    def digest(c: Comment) -> int:
        """What tells two copies of one comment id apart: their bodies'
        hash. Only this run compares them (the file is temporary), so
        Python's own string hash does: SipHash, 64 bits under a key drawn
        for this process, so a collision cannot be crafted; a tenth of a
        blake2b over the encoded body (0.8 vs 2.5 us a comment)."""
        return hash(c.content)

    def resolve(self, post: Post, ledger: Ledger) -> None:
        """Merge repeats, rename collisions; every comment is ledgered received."""
        file_no = self._file_no.setdefault(post.source_file, len(self._file_no) + 1)
        site_no = self._site(post.site)
        seen_here: dict[int, tuple[int, int, str]] = {}
        ids = [c.id for c in post.comments]
        earlier: dict[int, tuple[int, int, str]] = {}
        if self._fast:
            ids = self._maybe_seen(post.site, ids, earlier)
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            q = f"SELECT id, post_id, digest, file FROM seen WHERE site = ? AND id IN ({','.join('?' * len(chunk))})"
            for cid, pid, dig, f in self._db.execute(q, [site_no, *chunk]):
                earlier[cid] = (pid, dig, self._files[f - 1])
        keep: list[Comment] = []
        for c in post.comments:
            prev = seen_here.get(c.id) or earlier.get(c.id)
            d = self.digest(c)
            if prev is not None and prev[0] == c.post_id and prev[1] == d:
                ledger.received(c)
                ledger.merged(c, into=c.id, reason="same comment in two files"
                              if prev[2] != c.source_file else "same comment twice in one file",
                              similarity=1.0)
                continue
            if prev is not None:
                new_id = file_no * 1_000_000_000 + c.id
                ledger.problem(c.source_file, c.source_line,
                               f"id collision: comment {c.id} (post {c.post_id}) differs from comment "
                               f"{c.id} (post {prev[0]}) in {os.path.basename(prev[2])}; "
                               f"kept as {new_id}", kind="collision")
                self._renames[(c.site, c.source_file, c.id)] = new_id
                c.source_id, c.id = c.id, new_id
                c.notes.append(f"id {c.source_id} collided with another comment: renamed {new_id}")
            seen_here[c.id] = (c.post_id, d, c.source_file)
            ledger.received(c)
            if c.source_id is not None:
                ledger.note(c, c.notes[-1])
            keep.append(c)
        if self._renames or not self._fast:
            for c in keep:  # replies in the same file follow a renamed parent
                if c.parent_id is not None:
                    c.parent_id = self._renames.get((c.site, c.source_file, c.parent_id),
                                                    c.parent_id)
        post.comments = keep
        if self._fast:
            self._remember(post.site, seen_here)
            return
        self._db.executemany("INSERT OR REPLACE INTO seen VALUES (?, ?, ?, ?, ?, NULL)",
                             [(site_no, cid, v[0], v[1], self._file(v[2]))
                              for cid, v in seen_here.items()])

    def _file(self, path: str) -> int:
        """The number a file is stored under (not the one in renamed ids)."""
        no = self._stored_files.get(path)
        if no is None:
            no = self._stored_files[path] = len(self._files) + 1
            self._files.append(path)
        return no

    def _site(self, site: str) -> int:
        """The number a site is stored under."""
        no = self._site_no.get(site)
        if no is None:
            no = self._site_no[site] = len(self._site_no) + 1
        return no

    #: Ids up to this are kept in the bitmap (4 MB at most); others are looked up.
    BITMAP_IDS = 1 << 25
    #: Rows kept in memory before they go to the file in one statement.
    BUFFER_ROWS = 20_000

    def _maybe_seen(self, site: str, ids: list[int], earlier: dict) -> list[int]:
        """Of ``ids``, those that may have been seen before and must be looked
        up in the file; answers from the in-memory rows go into ``earlier``."""
        bits, top, buf = self._bits, len(self._bits) << 3, self._buf
        ask = []
        limit = self.BITMAP_IDS
        for cid in ids:
            if 0 < cid < limit and (cid >= top or not bits[cid >> 3] & (1 << (cid & 7))):
                continue  # never seen, in any site
            row = buf.get((site, cid))
            if row is not None:
                earlier[cid] = (row[0], row[1], row[2])
            else:
                ask.append(cid)
        return ask

    def _remember(self, site: str, seen_here: dict[int, tuple[int, int, str]]) -> None:
        bits, buf = self._bits, self._buf
        for cid, (pid, dig, f) in seen_here.items():
            buf[(site, cid)] = [pid, dig, f, None]
            if 0 < cid < self.BITMAP_IDS:
                if cid >> 3 >= len(bits):
                    bits.extend(bytes(max((cid >> 3) + 1 - len(bits), len(bits))))
                bits[cid >> 3] |= 1 << (cid & 7)
        if len(buf) >= self.BUFFER_ROWS:
            self._spill()

    def _spill(self) -> None:
        """In-memory rows to the file (the same rows the plain path writes)."""
        if self._buf:
            sites, files = self._site_no, self._stored_files
            self._db.executemany("INSERT OR REPLACE INTO seen VALUES (?, ?, ?, ?, ?, ?)",
                                 [(sites[site], cid, pid, dig,
                                   files[f] if f in files else self._file(f), depth)
                                  for (site, cid), (pid, dig, f, depth) in self._buf.items()])
            self._buf.clear()

    def settle(self, post: Post) -> None:
        """Remember the depth of written comments (a post split across files)."""
        if self._fast:
            buf, site, rest = self._buf, post.site, []
            for c in post.comments:
                row = buf.get((site, c.id))
                if row is not None:
                    row[3] = c.depth
                else:
                    rest.append((c.depth, self._site(site), c.id))
            if rest:
                self._db.executemany("UPDATE seen SET depth = ? WHERE site = ? AND id = ?", rest)
            return
        site_no = self._site(post.site)
        self._db.executemany("UPDATE seen SET depth = ? WHERE site = ? AND id = ?",
                             [(c.depth, site_no, c.id) for c in post.comments])

    def known(self, site: str, cid: int) -> tuple[int, int] | None:
        row = self._buf.get((site, cid))
        if row is not None:
            return (row[0], row[3]) if row[3] is not None else None
        site_no = self._site_no.get(site)
        if site_no is None:
            return None  # nothing of this site is stored
        row = self._db.execute("SELECT post_id, depth FROM seen WHERE site = ? AND id = ? "
                               "AND depth IS NOT NULL", (site_no, cid)).fetchone()
        return (row[0], row[1]) if row else None

    def close(self) -> None:
        self._db.close()
        if os.path.exists(self._path):
            os.unlink(self._path)
