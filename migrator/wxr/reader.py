"""Streaming WXR reader: one ``Post`` (with its comments) at a time.

lxml's pull parser sees the export through :mod:`migrator.wxr.sanitise`, with
entity expansion, DTD loading and network access all off. Each ``<item>`` is
turned into a :class:`~migrator.model.Post` when it closes and is then
cleared, so memory follows the largest item, not the file.
Why this module is long: a comment is read (its fields as text) and built
(ids, dates, problems) in two halves, which may run in two processes
(:meth:`WXRReader.finish`); both halves and the salvage of a broken file
stay together so every way of reading builds the same comments.
"""
from __future__ import annotations

import os
import re
from typing import Iterator

from lxml import etree

from ..ledger import Ledger
from ..model import Author, Comment, Post, Site, as_naive_utc, status_from_wp
from .dates import _Offsets, _fmt, _utc, parse_wp_date  # noqa: F401 (re-exported)
from .ids import derived_id, post_id_for
from .sanitise import CHUNK, NotXML, sanitised_chunks

WP_NS = re.compile(r"^https?://wordpress\.org/export/(1\.\d+)/?$")
EXCERPT_NS = re.compile(r"^https?://wordpress\.org/export/1\.\d+/excerpt/?$")
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
DC_NS = "http://purl.org/dc/elements/1.1/"
#: Fields that hold text of many lines: kept verbatim. Every other field is a
#: single line, and the whitespace around it (pretty-printing outside the
#: CDATA section) is trimmed.
MULTILINE = frozenset({"content:encoded", "excerpt:encoded", "wp:comment_content",
                       "description", "wp:meta_value"})
_UNDECLARED = re.compile(r"Namespace prefix (\S+) on (\S+) is not defined")


class WXRError(Exception):
    """The input cannot be read as WXR at all (one line, for the user)."""


class _Tags:
    """Maps lxml's ``{namespace}local`` tags to short keys like ``wp:post_id``."""

    def __init__(self) -> None:
        self._cache: dict[str, str] = {}
        self.wp_namespace = ""

    def __call__(self, tag) -> str:
        if not isinstance(tag, str):
            return ""  # comments, processing instructions
        key = self._cache.get(tag)
        if key is None:
            if tag.startswith("{"):
                ns, local = tag[1:].split("}", 1)
                if WP_NS.match(ns):
                    key = "wp:" + local
                    self.wp_namespace = self.wp_namespace or ns
                elif EXCERPT_NS.match(ns):
                    key = "excerpt:" + local
                elif ns == CONTENT_NS:
                    key = "content:" + local
                elif ns == DC_NS:
                    key = "dc:" + local
                else:
                    key = "?" + local
            else:
                key = tag
            self._cache[tag] = key
        return key


class _Counting:
    """File wrapper that reports bytes read (for progress bars)."""

    def __init__(self, fh, on_bytes) -> None:
        self._fh, self._on_bytes = fh, on_bytes

    def read(self, n: int = -1) -> bytes:
        data = self._fh.read(n)
        self._on_bytes(len(data))
        return data


def _int(value: str | None, default: int = 0) -> int:
    try:
        return int((value or "").strip() or default)
    except ValueError:
        return default


class WXRReader:
    """Reads one export file. ``site`` is filled in once the channel header
    has been read (before the first post is yielded)."""

    def __init__(self, path: str, ledger: Ledger | None = None, chunk_size: int = CHUNK,
                 on_bytes=None, defer: bool = False, source=None, meta: bool = True):
        self.path = path
        #: False: each ``<wp:commentmeta>`` is counted, not read (an empty
        #: key and value stand in for it), for a caller that only asks
        #: whether a comment has any (``inspect``).
        self.meta = meta
        #: Where the sanitised parts come from when another process reads
        #: and sanitises the file (:class:`migrator.parallel.ReaderProcess`
        #: with ``build_here``): ``source(bound)`` yields them, fills
        #: ``bound`` as :func:`sanitised_chunks` does, and raises what it
        #: raises; None: this reader opens and sanitises the file itself.
        self.source = source
        #: Leave each post's comments as the raw text of their fields, for
        #: :meth:`finish` to build in another process (see
        #: :class:`migrator.parallel.ReaderProcess`); ``cut_off`` then says
        #: how a post of a broken file was cut.
        self.defer = defer
        self.cut_off: tuple | None = None
        self.on_bytes = on_bytes
        self.ledger = ledger if ledger is not None else Ledger()
        self.site = Site()
        self.chunk_size = chunk_size
        self.complete = False
        self.stats = {"posts": 0, "comments": 0}
        self._tags = _Tags()
        self._offsets = _Offsets()
        self._slots: dict = {}  # a comment child's tag -> its slot (see _make_comment)
        self._header_done = False

    # -- problems ----------------------------------------------------------
    def _problem(self, line: int | None, message: str, kind: str = "damage") -> None:
        self.ledger.problem(self.path, line, message, kind)

    # -- the stream --------------------------------------------------------
    def posts(self) -> Iterator[Post]:
        if self.source is not None:
            yield from self._posts(None)
            return
        try:
            fh = open(self.path, "rb")
        except OSError as e:
            raise WXRError(f"{self.path}: cannot open: {e.strerror}") from None
        with fh:
            yield from self._posts(_Counting(fh, self.on_bytes) if self.on_bytes else fh)

    def _posts(self, fh) -> Iterator[Post]:
        parser = etree.XMLPullParser(
            events=("start", "end"), tag=("{*}item", "{*}channel", "rss"),
            resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True,
            remove_comments=True, remove_pis=True)
        self._root_seen = False
        self._current = None
        self._bound: dict[str, str] = {}
        try:
            report = lambda line, msg, kind="damage": self._problem(line, msg, kind)  # noqa: E731
            chunks = (self.source(self._bound) if self.source is not None else
                      sanitised_chunks(fh, report, self.chunk_size, self._bound))
            for chunk in chunks:
                try:
                    parser.feed(chunk)
                except etree.XMLSyntaxError as e:
                    yield from self._events(parser)
                    self._undeclared(e)
                    if self.complete:  # the root closed: what follows is junk
                        self._after_end(e)
                    else:
                        yield from self._broken(e, "unreadable XML")
                    return
                yield from self._events(parser)
            try:
                parser.close()
            except etree.XMLSyntaxError as e:
                yield from self._events(parser)
                self._undeclared(e)
                if self.complete:  # whole: the parser only has notes to make
                    self._after_end(e)
                else:
                    yield from self._broken(e, "truncated")
                return
            yield from self._events(parser)
        except NotXML as e:
            raise WXRError(f"{self.path}: not a WXR export: {e}") from None
        if not self._tags.wp_namespace:
            raise WXRError(f"{self.path}: not a WXR export: no WordPress export namespace "
                           "(is it a plain RSS feed?)")

    def _events(self, parser) -> Iterator[Post]:
        try:
            events = parser.read_events()
            for event, el in events:
                if event == "start":
                    key = self._tags(el.tag)
                    if key in ("rss", "channel"):
                        self._root_seen = True
                        for prefix, ns in (el.nsmap or {}).items():
                            if self._bound.get(prefix) == ns:
                                continue  # declared by the sanitiser: proves nothing
                            if ns and WP_NS.match(ns) and not self._tags.wp_namespace:
                                self._tags.wp_namespace = ns
                    elif key == "item":
                        self._current = el
                    continue
                if el is self._current:
                    self._current = None
                post = self._on_end(el)
                if post is not None:
                    yield post
        except etree.XMLSyntaxError:  # pragma: no cover - events already parsed
            return

    def _undeclared(self, e: etree.XMLSyntaxError) -> None:
        """A prefix used without a declaration (and not one the sanitiser
        declared) is read as a plain name: nothing is lost, so a note, not
        damage. lxml says so only when parsing ends, and names the first."""
        m = _UNDECLARED.search(str(e))
        if m:
            self._problem(e.lineno or None,
                          f"namespace prefix {m.group(1)}: used without a declaration "
                          f"(first on <{m.group(1)}:{m.group(2)}>): read as a plain name",
                          kind="note")

    def _after_end(self, e: etree.XMLSyntaxError) -> None:
        """The document was read whole; report what else the parser saw."""
        if _UNDECLARED.search(str(e)):
            return
        if "Extra content at the end" in str(e):
            self._problem(e.lineno or None, f"content after the end of the document at line "
                                            f"{e.lineno} ignored")
        else:
            self._problem(e.lineno or None, f"after the end of the document: {_short(e)}")

    def _broken(self, e: etree.XMLSyntaxError, what: str) -> Iterator[Post]:
        """The parser stopped: report it and salvage what is complete."""
        if not self._root_seen or not self._tags.wp_namespace:
            raise WXRError(f"{self.path}: not a WXR export ({_short(e)})")
        line = e.lineno or None
        if what == "truncated":
            msg = f"file is truncated at line {line}"
        else:
            msg = f"unreadable XML at line {line} ({_short(e)}): the rest of the file is lost"
        item = self._current
        if item is None:
            self._problem(line, msg)
            return
        if not self._header_done:
            self._read_header(item.getparent())
        fields = self._children(item)
        raw = [self._comment_fields(cel) for cel in fields.get("wp:comment", [])]
        post = self._make_post(item, fields, derive=False)
        if post.id <= 0:
            self._problem(line, msg + ": a post cut off before its id was read is lost")
            return
        if self.defer:
            post.comments = raw  # type: ignore[assignment] - finish() builds them
            self.cut_off = (line, what, msg)
        else:
            self._finish_cut(post, raw, line, what, msg)
        yield post

    def _finish_cut(self, post: Post, raw: list[tuple], line: int | None, what: str,
                    msg: str) -> None:
        """The comments of a post a broken file cut off, and the problem."""
        # Every comment but the last one closed before the cut: keep them.
        for r in raw[:-1]:
            post.comments.append(self._build_comment(r, post))
        what_lost = f": post {post.id} ({_clip(post.title)!r}) cut off"
        if raw:
            cut = self._build_comment(raw[-1], post)
            cut.reject_reason = f"cut off at line {line} ({what})"
            cut.content = ""
            post.comments.append(cut)
            what_lost += f"; comment {cut.id} cut off (rejected)"
        what_lost += f"; {max(0, len(raw) - 1)} complete comment(s) kept"
        self._problem(line, msg + what_lost)
        self._fix_dates(post)

    def finish(self, post: Post, raw: list[tuple], cut_off: tuple | None = None) -> Post:
        """Build the comments of a post read by a reader with ``defer=True``
        (``raw`` its comments' field texts, ``cut_off`` its :attr:`cut_off`),
        making the same calls on this reader's ledger, in the same order, as
        reading it here would. Every post of one file goes through the same
        reader, in order: the site's UTC offset is learned as they come."""
        gmt = post.date_gmt
        self._offsets.learn(post.date, as_naive_utc(gmt))
        post.comments = []
        if cut_off is not None:
            self._finish_cut(post, raw, *cut_off)
            return post
        build = self._build_comment
        post.comments = [build(r, post) for r in raw]
        self._fix_dates(post)
        return post

    # -- elements -> model -------------------------------------------------
    def _on_end(self, el) -> Post | None:
        key = self._tags(el.tag)
        if key == "item":
            if not self._header_done:
                self._read_header(el.getparent())
            post = self._item(el)
            el.clear(keep_tail=True)
            parent = el.getparent()
            if parent is not None:
                while el.getprevious() is not None:
                    parent.remove(el.getprevious())
            return post
        if key == "channel" and not self._header_done:
            self._read_header(el)
        if key == "rss" or key == "channel":
            self.complete = True
        return None

    def _read_header(self, channel) -> None:
        self._header_done = True
        if channel is None:
            return
        s = self.site
        for child in channel:
            k = self._tags(child.tag)
            text = child.text or ""
            if k == "item":
                break
            if k != "description":
                text = text.strip()
            if k == "title":
                s.title = text
            elif k == "link":
                s.link = text.strip()
            elif k == "description":
                s.description = text
            elif k == "language":
                s.language = text.strip()
            elif k == "pubDate":
                s.pub_date = text.strip()
            elif k == "generator":
                s.generator = text.strip()
            elif k == "wp:wxr_version":
                s.wxr_version = text.strip()
            elif k == "wp:base_site_url":
                s.base_site_url = text.strip()
            elif k == "wp:base_blog_url":
                s.base_blog_url = text.strip()
            elif k in ("wp:author", "wp:wp_author"):  # some exporters write the latter
                f = {self._tags(c.tag): (c.text or "").strip() for c in child}
                s.authors.append(Author(
                    id=_int(f.get("wp:author_id")), login=f.get("wp:author_login", ""),
                    email=f.get("wp:author_email", ""),
                    display_name=f.get("wp:author_display_name", ""),
                    first_name=f.get("wp:author_first_name", ""),
                    last_name=f.get("wp:author_last_name", "")))
        s.wp_namespace = self._tags.wp_namespace
        if not s.wxr_version and s.wp_namespace:
            m = WP_NS.match(s.wp_namespace)
            s.wxr_version = m.group(1) if m else ""
        # The header is read; drop it from the tree (authors can be many).
        for child in list(channel):
            if self._tags(child.tag) == "item":
                break
            channel.remove(child)

    def _children(self, el) -> dict[str, list]:
        out: dict[str, list] = {}
        cache, tags = self._tags._cache, self._tags  # hot: skip the call when cached
        for child in el:
            k = cache.get(child.tag) or tags(child.tag)
            if k in ("wp:comment", "wp:postmeta", "category"):
                out.setdefault(k, []).append(child)
            elif k in MULTILINE:
                out.setdefault(k, [child.text or ""])
            else:
                out.setdefault(k, [(child.text or "").strip()])
        return out

    def _item(self, el) -> Post | None:
        fields = self._children(el)
        post = self._make_post(el, fields)
        if self.defer:
            post.comments = [self._comment_fields(cel)  # type: ignore[misc] - finish() builds them
                             for cel in fields.get("wp:comment", [])]
        else:
            for cel in fields.get("wp:comment", []):
                post.comments.append(self._make_comment(cel, post))
            self._fix_dates(post)
        self.stats["posts"] += 1
        self.stats["comments"] += len(post.comments)
        return post

    def _make_post(self, el, f: dict[str, list], derive: bool = True) -> Post:
        def g(k: str) -> str:
            v = f.get(k)
            return v[0] if v else ""

        raw_id = g("wp:post_id")
        post_id = _int(raw_id, -1)
        date, date_gmt = parse_wp_date(g("wp:post_date")), parse_wp_date(g("wp:post_date_gmt"))
        if not self.defer:  # else finish() learns it, before the comments too
            self._offsets.learn(date, date_gmt)  # before its comments, as they are read
        post = Post(
            id=post_id, title=g("title"), slug=g("wp:post_name"), link=g("link").strip(),
            guid=g("guid").strip(), type=g("wp:post_type") or "post", status=g("wp:status"),
            date=date, date_gmt=_utc(date_gmt),
            author=g("dc:creator"), content=g("content:encoded"), excerpt=g("excerpt:encoded"),
            comment_status=g("wp:comment_status"), ping_status=g("wp:ping_status"),
            parent=_int(g("wp:post_parent")), menu_order=_int(g("wp:menu_order")),
            site=self.site.key, source_file=self.path, source_line=el.sourceline or 0)
        if post_id <= 0 and derive:
            post.id, source = post_id_for(el, post, g("wp:post_date") or g("pubDate"))
            n = len(f.get("wp:comment", []))
            what = "item without wp:post_id" if not raw_id else f"item with wp:post_id {raw_id!r}"
            self._problem(el.sourceline, f"{what}: given id {post.id}, derived from its {source}"
                          + (f"; its {n} comment(s) kept" if n else ""), kind="note")
        return post

    def _slot(self, tag) -> int:
        """Where a child of ``<wp:comment>`` goes in :meth:`_make_comment`'s
        list: its index in :data:`_COMMENT_FIELDS`, -2 for commentmeta, -1
        for anything else (read but not used, as before)."""
        k = self._tags(tag)
        slot = _COMMENT_SLOT.get(k, -2 if k == "wp:commentmeta" else -1)
        self._slots[tag] = slot
        return slot

    def _make_comment(self, el, post: Post) -> Comment:
        return self._build_comment(self._comment_fields(el), post)

    def _comment_fields(self, el) -> tuple[list, list, int | None]:
        """What a ``<wp:comment>`` says, as text: its fields in slot order
        (None: absent), its commentmeta, its line."""
        # One pass over the children, each text straight into its slot (the
        # last of a repeated field wins).
        v: list = [None] * len(_COMMENT_FIELDS)
        meta: list[tuple[str, str]] = []
        slots, slot_of = self._slots, self._slot
        for child in el:
            tag = child.tag
            i = slots.get(tag)
            if i is None:
                i = slot_of(tag)
            if i >= 0:
                v[i] = child.text or ""
            elif i == -2:
                if not self.meta:
                    meta.append(_UNREAD_META)
                    continue
                cache, tags = self._tags._cache, self._tags
                m = {(cache.get(x.tag) or tags(x.tag)): (x.text or "") for x in child}
                meta.append((m.get("wp:meta_key", "").strip(), m.get("wp:meta_value", "")))
        return v, meta, el.sourceline

    def _build_comment(self, fields: tuple[list, list, int | None], post: Post) -> Comment:
        """A :class:`Comment` of :meth:`_comment_fields`' output; every field
        but the body is trimmed."""
        v, meta, line = fields
        content = v[8] or ""  # the body is kept verbatim (not copied by a strip)
        v[8] = None
        (raw_id, name, email, url, ip, agent, date, date_gmt, _, approved, kind, parent,
         user) = [x.strip() if x else "" for x in v]
        # _int() inlined (the values are trimmed already); anything unusual
        # goes through it as before.
        try:
            cid = int(raw_id) if raw_id else -1
        except ValueError:
            cid = -1
        if cid <= 0:
            cid = derived_id("comment", str(post.id), name, date_gmt or date, content)
            self._problem(line, f"comment without a valid id in post {post.id} "
                          f"({raw_id!r}): given id {cid}, derived from its "
                          "author, date and content")
        if not approved:
            # WordPress's importer passes '' on to wp_insert_comment(), which
            # stores it: a comment neither approved nor in any list. Never
            # published: held for moderation here, and said so.
            what = "empty" if v[9] is not None else "missing"
            self._problem(line, f"comment {cid} in post {post.id}: wp:comment_approved "
                          f"is {what}; WordPress's importer would store it unapproved and never "
                          "show it: read as pending")
            approved = "0"
        local, gmt = parse_wp_date(date), parse_wp_date(date_gmt)
        try:
            parent_id = int(parent) or None if parent else None
        except ValueError:
            parent_id = None
        try:
            user_id = int(user) if user else 0
        except ValueError:
            user_id = 0
        status = _STATUS.get(approved)
        if status is None:
            status = status_from_wp(approved)
            if len(_STATUS) < 64:
                _STATUS[approved] = status
        self._offsets.learn(local, gmt)
        c = _new(Comment)
        # The dataclass's own fields, in its order (as Comment(...) sets them).
        c.__dict__ = {
            "id": cid, "post_id": post.id, "author_name": name, "author_email": email,
            "author_url": url, "author_ip": ip, "author_user_agent": agent,
            "date": local, "date_gmt": _utc(gmt),
            "content": content, "status": status, "type": kind or "comment",
            "parent_id": parent_id, "user_id": user_id, "meta": meta,
            "site": post.site, "source_file": self.path, "source_line": line or 0,
            "source_id": None, "depth": 0, "original_parent_id": None, "date_note": "",
            "notes": [], "reject_reason": "", "frozen_key": None, "origin_post_id": None}
        return c

    def _fix_dates(self, post: Post) -> None:
        """GMT is the truth: derive missing GMT dates from the site's offset
        (learned from every record that carries both, as each was read)."""
        for r in post.comments:
            if r.date_gmt is not None or r.date is None:
                if r.date is None and r.date_gmt is None:
                    r.date_note = "no date in export"
                    self.ledger.count("dates", "missing")
                continue
            off = self._offsets.offset_near(r.date)
            if off is not None:
                r.date_gmt = _utc(r.date - off)
                r.date_note = f"date_gmt derived from local date with site offset {_fmt(off)}"
                self.ledger.count("dates", "gmt derived")
            else:
                r.date_note = "no GMT date and site offset unknown: local date kept"
                self.ledger.count("dates", "gmt unknown")
        if post.date_gmt is None and post.date is not None:
            off = self._offsets.offset_near(post.date)
            if off is not None:
                post.date_gmt = _utc(post.date - off)


_new = object.__new__
_UNREAD_META = ("", "")

#: ``comment_approved`` as written -> status (a few distinct values per export)
_STATUS: dict[str, str] = {}
#: The children of ``<wp:comment>`` :meth:`WXRReader._make_comment` reads, in slot order.
_COMMENT_FIELDS = ("wp:comment_id", "wp:comment_author", "wp:comment_author_email",
                   "wp:comment_author_url", "wp:comment_author_IP", "wp:comment_agent",
                   "wp:comment_date", "wp:comment_date_gmt", "wp:comment_content",
                   "wp:comment_approved", "wp:comment_type", "wp:comment_parent",
                   "wp:comment_user_id")
_COMMENT_SLOT = {k: i for i, k in enumerate(_COMMENT_FIELDS)}


def _clip(title: str, width: int = 40) -> str:
    """A title for a message, cut at a word's end: a name cut in half
    ('Kowalsk') would match no rule of the anonymiser, which scrubs problem
    messages, and go out as it is."""
    if len(title) <= width:
        return title
    cut = title[:width + 1].rsplit(None, 1)[0] if " " in title[:width + 1] else ""
    return cut.rstrip(" ,;:-") + "…"


def _short(e: Exception) -> str:
    msg = str(e).splitlines()[0].split(", line ")[0] if str(e) else type(e).__name__
    return msg[:160]


def read(paths: list[str] | str, ledger: Ledger | None = None) -> Iterator[tuple[Site, Post]]:
    """Convenience: every post of every file, with the site it belongs to."""
    for path in [paths] if isinstance(paths, (str, os.PathLike)) else paths:
        r = WXRReader(str(path), ledger)
        for post in r.posts():
            yield r.site, post
