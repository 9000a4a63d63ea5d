"""JSON and JSONL archives.

* ``json:DIR/`` - one file per post, ``<post id>-<slug>.json``, plus ``index.json``;
* ``json:FILE.json`` - one document with every post;
* ``jsonl:FILE`` - one comment per line, flat.

Comments are listed flat in thread pre-order (parents before replies) with
``parent_id`` and ``depth``: any reader can nest them, and no JSON parser
hits a recursion limit on a chain thousands deep. Public formats leave out
e-mail, IP and user agent unless ``private_fields`` is set. The layout is
described by the JSON Schemas shipped in ``migrator/schema/``.
"""
from __future__ import annotations

import json
import os
import tempfile
from datetime import datetime, timezone

from ..version import __version__
from ..ledger import Ledger
from ..model import Post, Site, reference_path
from .common import (FORMAT, AtomicFile, FolderGuard, comment_record, inside, iso_utc,
                     post_record, safe_name,
                     site_record, write_atomic)


def _dump(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=1)


class JSONSink:
    """``json:DIR/`` (a folder, written one file per post) or ``json:FILE.json``."""

    def __init__(self, path: str, private_fields: bool = False, replace: bool = False):
        self.path = path
        self.private = private_fields
        self._guard = FolderGuard(path, ".json", f"json:{path}", replace)
        self.folder_mode = path.endswith(("/", os.sep)) or os.path.isdir(path) or \
            not path.lower().endswith(".json")
        self._index: list[dict] = []
        # Fast path (migrator.model.reference_path): index entries wait in a
        # temporary file, not in memory, and index.json is streamed from it;
        # a post met again only records its new comment count.
        self._spill = None if reference_path() else tempfile.TemporaryFile(
            "w+", encoding="utf-8", prefix="migrator-index-")
        self._recount: dict[str, int] = {}
        self._sites: dict[str, dict] = {}
        #: (site, post id) -> file name, and the names taken, for this run.
        self._files: dict[tuple[str, int], str] = {}
        self._taken: set[str] = set()
        self._doc: AtomicFile | None = None
        self._first = True

    @classmethod
    def from_target(cls, kind: str, where: str, private_fields: bool = False,
                    replace: bool = False, **_):
        return cls(where, private_fields=private_fields, replace=replace)

    def open(self, run) -> None:
        if self.folder_mode:
            self._guard.open(run)  # refuses a folder of another kind of run
            os.makedirs(self.path, exist_ok=True)
        else:
            self._doc = AtomicFile(self.path)
            self._doc.fh.write('{"format": "%s", "generator": "migrator %s", "posts": [' % (FORMAT, __version__))

    def _document(self, site: Site, post: Post) -> dict:
        return {"format": FORMAT, "site": site_record(site), "post": post_record(post),
                "comments": [comment_record(c, self.private) for c in post.comments]}

    def write_post(self, site: Site, post: Post, ledger: Ledger) -> None:
        self._sites.setdefault(site.key, site_record(site))
        if not self.folder_mode:
            doc = self._document(site, post)
            self._doc.fh.write(("\n" if self._first else ",\n") + json.dumps(doc, ensure_ascii=False))
            self._first = False
            return
        key = (site.key, post.id)
        again = key in self._files
        name = self._files[key] if again else self._name_for(site, post)
        path = inside(self.path, name)
        doc = self._document(site, post)
        if again:
            # The same post again (split or overlapping exports): add its new comments.
            with open(path, encoding="utf-8") as fh:
                old = json.load(fh)
            old["comments"].extend(doc["comments"])
            doc = old
        write_atomic(path, _dump(doc))
        if not again:
            self._files[key] = name
            self._taken.add(name)
            entry = {"id": post.id, "site": site.key, "title": post.title, "slug": post.slug,
                     "type": post.type, "link": post.link, "file": name,
                     "comments": len(post.comments)}
            if self._spill is not None:
                self._spill.write(json.dumps(entry, ensure_ascii=False) + "\n")
            else:
                self._index.append(entry)
        elif self._spill is not None:
            self._recount[name] = len(doc["comments"])
        else:
            for entry in self._index:
                if entry["file"] == name:
                    entry["comments"] = len(doc["comments"])

    def _name_for(self, site: Site, post: Post) -> str:
        """A file name no other post of this run has. A slug can make one
        site's name equal another site's prefixed one: post 127 with slug
        ``0-0-1--10-x`` of the first site, post 10 ``x`` of site 127.0.0.1."""
        name = safe_name(post, ".json")
        if len(self._sites) > 1 and site.key != next(iter(self._sites)):
            # Two sites in one folder: keep their files apart.
            name = f"{_site_slug(site)}--{name}"
        stem, n = name[: -len(".json")], 2
        while name in self._taken or name == "index.json":
            name, n = f"{stem}~{n}.json", n + 1
        return name

    def close(self, ok: bool) -> None:
        now = iso_utc(datetime.now(timezone.utc))
        if self._doc is not None:
            self._doc.fh.write('\n], "sites": %s, "generated": "%s"}\n'
                               % (json.dumps(list(self._sites.values()), ensure_ascii=False), now))
            self._doc.finish(ok)
            return
        if ok and self._spill is not None:
            self._stream_index(now)
        elif ok:
            index = {"format": FORMAT, "generator": f"migrator {__version__}", "generated": now,
                     "sites": list(self._sites.values()), "posts": self._index,
                     "comments": sum(e["comments"] for e in self._index)}
            write_atomic(inside(self.path, "index.json"), _dump(index))
        self._guard.close(ok, list(self._files.values()) + ["index.json"])
        if self._spill is not None:
            self._spill.close()

    def _stream_index(self, now: str) -> None:
        """index.json from the spilled entries, byte for byte what ``_dump``
        of the whole index gives: the head, each entry indented two levels,
        then the total."""
        head = _dump({"format": FORMAT, "generator": f"migrator {__version__}", "generated": now,
                      "sites": list(self._sites.values())})
        out = AtomicFile(inside(self.path, "index.json"))
        try:
            fh, total, first = out.fh, 0, True
            fh.write(head[:-2] + ',\n "posts": [')
            self._spill.seek(0)
            for line in self._spill:
                entry = json.loads(line)
                entry["comments"] = self._recount.get(entry["file"], entry["comments"])
                total += entry["comments"]
                fh.write(("\n" if first else ",\n") + "\n".join(
                    "  " + part for part in _dump(entry).split("\n")))
                first = False
            fh.write(("]" if first else "\n ]") + f',\n "comments": {total}\n}}')
        except BaseException:
            out.abort()
            raise
        out.commit()


def _site_slug(site: Site) -> str:
    from .common import _UNSAFE

    return _UNSAFE.sub("-", site.key.split("://")[-1]).strip("-")[:60] or "site"


class JSONLSink:
    """``jsonl:FILE``: one comment per line, flat, with its site."""

    def __init__(self, path: str, private_fields: bool = False):
        self.path = path
        self.private = private_fields
        self._out: AtomicFile | None = None

    @classmethod
    def from_target(cls, kind: str, where: str, private_fields: bool = False, **_):
        return cls(where, private_fields=private_fields)

    def open(self, run) -> None:
        self._out = AtomicFile(self.path)

    def write_post(self, site: Site, post: Post, ledger: Ledger) -> None:
        fh = self._out.fh
        for c in post.comments:
            fh.write(json.dumps(comment_record(c, self.private, flat=True), ensure_ascii=False))
            fh.write("\n")

    def close(self, ok: bool) -> None:
        if self._out is not None:
            self._out.finish(ok)
