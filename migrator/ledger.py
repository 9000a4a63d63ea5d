"""The ledger: every comment that comes in leaves with exactly one fate.

Fates are ``written``, ``filtered`` (reason), ``merged`` (into which comment,
reason) and ``rejected`` (reason). Re-attachments and other remarks are notes
on the entry. The invariant ``input = written + filtered + merged + rejected``
is checked when the run ends.

Entries for the post in hand live in memory; finished posts are spilled to a
temporary SQLite file, so the ledger's memory does not grow with the export.
"""
from __future__ import annotations

import json
import os
import pickle
import sqlite3
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from typing import IO, Iterator

from .model import Comment, reference_path

FATES = ("written", "filtered", "merged", "rejected")
#: Settled entries held before they are written to the spill file at once.
SPILL_ROWS = 5000
#: Detailed problems kept per (file, kind); the rest are counted.
MAX_PROBLEMS_PER_KIND = 200



def _stamp(entry: "Entry", c: Comment, fate: str, reason: str = "", into: int | None = None,
           similarity: float | None = None) -> None:
    """Write a comment's fate into its entry (the caller checked it had none)."""
    entry.fate, entry.reason, entry.into, entry.similarity = fate, reason, into, similarity
    if c.frozen_key is not None:  # anonymised: the report maps old ids to new
        entry.post_id = c.origin_post_id if c.origin_post_id is not None else entry.post_id
        entry.new_id, entry.new_post_id = c.id, c.post_id
    else:
        entry.post_id = c.post_id

class LedgerError(AssertionError):
    """A comment was given two fates, or none: a bug, never user error."""


@dataclass(slots=True)  # one per comment: slots make it cheaper to build and read
class Entry:
    site: str
    id: int
    post_id: int
    fate: str | None = None
    reason: str = ""
    into: int | None = None
    similarity: float | None = None
    notes: list[str] = field(default_factory=list)
    #: The ids an anonymised run wrote it under (derived from the secret).
    new_id: int | None = None
    new_post_id: int | None = None

    def as_dict(self) -> dict:
        d = {
            "id": self.id,
            "post_id": self.post_id,
            "fate": self.fate,
            "reason": self.reason or None,
            "into": self.into,
        }
        if self.new_id is not None:
            d["new_id"] = self.new_id
            d["new_post_id"] = self.new_post_id
        if self.site:
            d["site"] = self.site
        if self.similarity is not None:
            d["similarity"] = round(self.similarity, 3)
        if self.notes:
            d["notes"] = list(self.notes)
        return d


@dataclass
class Problem:
    file: str
    line: int | None
    message: str
    kind: str = "damage"

    def as_dict(self) -> dict:
        return {"file": self.file, "line": self.line, "message": self.message, "kind": self.kind}


class Ledger:
    def __init__(self) -> None:
        self._open: dict[tuple[str, int], Entry] = {}
        self._totals: Counter = Counter()
        self._reasons: Counter = Counter()
        self.problems: list[Problem] = []
        self._problem_counts: Counter = Counter()
        self.stats: dict[str, Counter] = {}
        self._db: sqlite3.Connection | None = None
        self._dbpath: str | None = None
        # Fast path (migrator.model.reference_path): settled rows wait here, in
        # the order they were flushed, and reach the file in one statement.
        self._spilled: list[tuple] = []
        self._reference = reference_path()
        self._batch = 1 if self._reference else SPILL_ROWS
        # Fast path: settled rows go to a plain temporary file, pickled a
        # batch at a time (they are only ever read back whole, in order).
        self._file: IO[bytes] | None = None

    # -- comments -----------------------------------------------------------
    def received(self, c: Comment) -> None:
        key = c.ledger_key
        if key in self._open:
            raise LedgerError(f"comment {c.id} of {c.site or 'site'} received twice")
        self._open[key] = Entry(c.site, c.id, c.post_id)
        self._totals["input"] += 1

    def _settle(self, c: Comment, fate: str, reason: str = "", into: int | None = None,
                similarity: float | None = None) -> None:
        entry = self._open.get(c.ledger_key)
        if entry is None:
            raise LedgerError(f"comment {c.id} was given a fate but never received")
        if entry.fate is not None:
            raise LedgerError(
                f"comment {c.id} given fate {fate!r} after {entry.fate!r}")
        _stamp(entry, c, fate, reason, into, similarity)
        self._totals[fate] += 1
        if fate != "written":
            self._reasons[(fate, _reason_class(reason))] += 1

    def filtered(self, c: Comment, reason: str) -> None:
        self._settle(c, "filtered", reason)

    def merged(self, c: Comment, into: int, reason: str, similarity: float | None = None) -> None:
        self._settle(c, "merged", reason, into, similarity)

    def rejected(self, c: Comment, reason: str) -> None:
        self._settle(c, "rejected", reason)

    def written(self, c: Comment) -> None:
        self._settle(c, "written")

    def written_unless_settled(self, comments: list[Comment]) -> None:
        """Every comment of ``comments`` without a fate yet is ``written``
        (what the pipeline does after the sinks): one lookup each, not two."""
        if self._reference:
            for c in comments:
                if self.fate_of(c) is None:
                    self.written(c)
            return
        get, n = self._open.get, 0
        for c in comments:
            key = c.ledger_key
            entry = get(key)
            if entry is None:
                if self.fate_of(c) is None:  # never received: the plain call raises
                    self.written(c)
                continue
            if entry.fate is not None:
                continue
            _stamp(entry, c, "written")
            n += 1
        if n:
            self._totals["written"] += n

    def fate_of(self, c: Comment) -> str | None:
        entry = self._open.get(c.ledger_key)
        return entry.fate if entry else None

    def note(self, c: Comment, text: str) -> None:
        entry = self._open.get(c.ledger_key)
        if entry is not None:
            entry.notes.append(text)

    def count(self, group: str, name: str, n: int = 1) -> None:
        """Add to a named statistic, e.g. ``count('anonymise', 'people')``."""
        self.stats.setdefault(group, Counter())[name] += n

    # -- problems -----------------------------------------------------------
    def problem(self, file: str, line: int | None, message: str, kind: str = "damage") -> None:
        self._problem_counts[(file, kind)] += 1
        if self._problem_counts[(file, kind)] <= MAX_PROBLEMS_PER_KIND:
            self.problems.append(Problem(file, line, message, kind))

    @property
    def damaged(self) -> bool:
        return any(p.kind == "damage" for p in self.problems)

    def problems_left_out(self) -> int:
        return sum(max(0, n - MAX_PROBLEMS_PER_KIND) for n in self._problem_counts.values())

    # -- spill ----------------------------------------------------------------
    def flush(self) -> None:
        """Move settled entries out of memory. Entries still waiting for a
        fate (posts in flight, see migrator.parallel) stay; one never given
        a fate shows at the end, when the totals do not add up."""
        done = [k for k, e in self._open.items() if e.fate is not None]
        if not done:
            return
        self._spilled += [(e.site, e.id, e.post_id, e.fate, e.reason, e.into, e.similarity,
                           json.dumps(e.notes) if e.notes else None, e.new_id, e.new_post_id)
                          for e in (self._open.pop(k) for k in done)]
        if len(self._spilled) >= self._batch:
            self._write_spilled()

    def _write_spilled(self) -> None:
        if self._spilled and not self._reference:
            if self._file is None:
                self._file = tempfile.TemporaryFile(prefix="migrator-ledger-")
            pickle.dump(self._spilled, self._file, protocol=pickle.HIGHEST_PROTOCOL)
            self._spilled = []
        if self._spilled:
            self._spill().executemany("INSERT INTO entries VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                      self._spilled)
            self._spilled = []

    def _spill(self) -> sqlite3.Connection:
        if self._db is None:
            fd, self._dbpath = tempfile.mkstemp(prefix="migrator-ledger-", suffix=".db")
            os.close(fd)
            self._db = sqlite3.connect(self._dbpath)
            self._db.execute("PRAGMA journal_mode=OFF")
            self._db.execute("PRAGMA synchronous=OFF")
            self._db.execute(
                "CREATE TABLE entries (site TEXT, id INTEGER, post_id INTEGER, fate TEXT,"
                " reason TEXT, into_id INTEGER, similarity REAL, notes TEXT, new_id INTEGER,"
                " new_post_id INTEGER)")
        return self._db

    def entries(self) -> Iterator[Entry]:
        """Every entry, settled ones first (in the order they were settled)."""
        self._write_spilled()
        if self._file is not None:
            fh = self._file
            fh.flush()
            end = fh.tell()
            pos = 0
            while pos < end:
                fh.seek(pos)
                rows = pickle.load(fh)
                pos = fh.tell()
                fh.seek(0, os.SEEK_END)  # writes (if the caller goes on) append
                for row in rows:
                    yield Entry(row[0], row[1], row[2], row[3], row[4] or "", row[5], row[6],
                                json.loads(row[7]) if row[7] else [], row[8], row[9])
        if self._db is not None:
            for row in self._db.execute("SELECT * FROM entries ORDER BY rowid"):
                yield Entry(row[0], row[1], row[2], row[3], row[4] or "", row[5], row[6],
                            json.loads(row[7]) if row[7] else [], row[8], row[9])
        yield from list(self._open.values())

    def close(self) -> None:
        self._spilled = []
        if self._file is not None:
            self._file.close()
            self._file = None
        if self._db is not None:
            self._db.close()
            self._db = None
        if self._dbpath and os.path.exists(self._dbpath):
            os.unlink(self._dbpath)
            self._dbpath = None

    def __del__(self) -> None:  # pragma: no cover - best effort cleanup
        try:
            self.close()
        except Exception:
            pass

    # -- results --------------------------------------------------------------
    def totals(self) -> dict[str, int]:
        return {k: self._totals[k] for k in ("input",) + FATES}

    def balanced(self) -> bool:
        t = self.totals()
        return t["input"] == sum(t[f] for f in FATES)

    def reasons(self) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for (fate, reason), n in sorted(self._reasons.items()):
            out.setdefault(fate, {})[reason] = n
        return out

    def write_report(self, fh: IO[str], extra: dict | None = None) -> None:
        """Write the report as JSON, streaming the per-comment entries."""
        head = {"totals": self.totals(), "reasons": self.reasons(),
                "stats": {k: dict(v) for k, v in self.stats.items()}}
        if extra:
            head.update(extra)
        fh.write("{")
        for k, v in head.items():
            fh.write(f"{json.dumps(k)}: {json.dumps(v, default=str)}, ")
        fh.write('"problems": ')
        json.dump([p.as_dict() for p in self.problems], fh)
        fh.write(f', "problems_left_out": {self.problems_left_out()}')
        fh.write(', "comments": [')
        first = True
        for e in self.entries():
            fh.write(("\n  " if first else ",\n  ") + json.dumps(e.as_dict()))
            first = False
        fh.write("\n]}\n")

    def summary(self, dry_run: bool = False) -> list[str]:
        """The short human summary printed at the end of every run."""
        t = self.totals()
        verb = "would be written" if dry_run else "written"
        lines = [f"{t['input']} comments in: {t['written']} {verb}, {t['filtered']} filtered, "
                 f"{t['merged']} merged, {t['rejected']} rejected"]
        for fate, reasons in self.reasons().items():
            for reason, n in reasons.items():
                lines.append(f"  {fate}: {n} × {reason}")
        for group, counts in self.stats.items():
            parts = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
            lines.append(f"  {group}: {parts}")
        if self.problems:
            lines.append(f"  problems: {len(self.problems) + self.problems_left_out()}"
                         " (see --report for all)")
            for p in self.problems[:5]:
                where = f"{os.path.basename(p.file)}:{p.line}" if p.line else os.path.basename(p.file)
                lines.append(f"    {where}: {p.message}")
        if not self.balanced():  # pragma: no cover - guarded by tests
            lines.append("  LEDGER DOES NOT BALANCE: this is a bug, please report it")
        return lines


def _reason_class(reason: str) -> str:
    """Group reasons for the summary: 'status pending' stays, ids are cut."""
    return reason.split(":")[0].strip() if reason else "(none)"
