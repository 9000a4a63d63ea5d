"""Every commenter of an export, from a scan of its bytes (no parse).

The anonymise stage must know every commenter before the first post goes
through it, so that a name is scrubbed even before its owner's first comment.
Parsing every export twice would double the cost of a run; this scan looks
for the fields WordPress's exporter writes, in its order, and gives each
distinct (name, e-mail, status, type, user) once. Where it cannot vouch for
a file (another layout, another encoding, fields that do not pair up) it
says so (``None``) and the caller reads the file in full instead.
"""
from __future__ import annotations

import html
import mmap
import os
import re
from typing import NamedTuple

from ..model import status_from_wp, type_from_wp

#: How much of a mapped export the scan reads before it releases it.
_RELEASE_EVERY = 16 << 20

_XML_DECL = re.compile(rb"""\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_SCAN_OPEN = re.compile(rb"<wp:comment>")
_SCAN_HEAD = re.compile(rb"<wp:comment>\s*<wp:comment_id>[^<]*</wp:comment_id>\s*"
                        rb"<wp:comment_author>(.*?)</wp:comment_author>\s*"
                        rb"<wp:comment_author_email>(.*?)</wp:comment_author_email>"
                        rb"(?:\s*<wp:comment_author_url>(.*?)</wp:comment_author_url>)?", re.S)
_SCAN_TAIL = re.compile(rb"<wp:comment_approved>(.*?)</wp:comment_approved>\s*"
                        rb"<wp:comment_type>(.*?)</wp:comment_type>\s*"
                        rb"<wp:comment_parent>[^<]*</wp:comment_parent>\s*"
                        rb"<wp:comment_user_id>(.*?)</wp:comment_user_id>", re.S)
_CDATA = re.compile(rb"<!\[CDATA\[(.*?)\]\]>", re.S)
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_value(raw: bytes) -> str:
    """A field as the reader would give it: CDATA sections (WordPress splits
    ``]]>`` across two) joined, other text with its entities resolved, line
    ends as XML reads them, characters XML forbids dropped."""
    if b"<![CDATA[" in raw:
        text = b"".join(_CDATA.findall(raw)).decode("utf-8", "replace")
    else:
        text = html.unescape(raw.decode("utf-8", "replace"))
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _XML_FORBIDDEN.sub("", text)


class Commenter(NamedTuple):
    """What the scan gives of a comment: the fields of
    :class:`~migrator.model.Comment` that say who wrote it (a tuple, a small
    part of a Comment's memory: there is one per distinct commenter)."""

    author_name: str
    author_email: str
    status: str
    type: str
    user_id: int
    #: Their web site, where WordPress writes it (after the e-mail): a host
    #: such as zebedee-marchbanks.example names them too.
    author_url: str = ""


def commenters(path: str) -> list[Commenter] | None:
    """Every distinct commenter of the export at ``path`` (sorted, so the order
    never depends on hashing), or None where the scan cannot vouch for it."""
    return _mapped(path, _scan_bytes)


def _windows(data, mark: bytes):
    """``(start, stop)`` windows of about ``_RELEASE_EVERY`` bytes over a
    mapped file, each starting at ``mark`` (so no element a window's patterns
    look for is cut in two). The part of the mapping already scanned is
    handed back to the kernel as we go, so its pages do not count against
    this process's memory: a scan of a 500 MB export stays small."""
    release = getattr(data, "madvise", None) if hasattr(mmap, "MADV_DONTNEED") else None
    released = 0
    pos = data.find(mark)
    while pos >= 0:
        end = data.find(mark, pos + _RELEASE_EVERY)
        yield pos, len(data) if end < 0 else end
        if release is not None and end >= 0:
            upto = end - end % mmap.PAGESIZE
            if upto > released:
                release(mmap.MADV_DONTNEED, released, upto - released)
                released = upto
        pos = end


def _scan_bytes(data) -> list[Commenter] | None:
    # Every <wp:comment>: its author and e-mail come right after its id,
    # its status, type and user id after its content. The patterns run
    # over a window of whole comments at a time (no Python per comment);
    # a window where they do not match once per comment (another layout,
    # a comment cut off) and the file is read in full instead.
    rows: set = set()
    # The rows kept share their bytes: one object per distinct field value
    # and per distinct tail (a few statuses and types cover every row), so
    # the set holds little more than the distinct e-mails and sites.
    same: dict = {}
    share = same.setdefault
    for pos, stop in _windows(data, b"<wp:comment>"):
        opened = len(_SCAN_OPEN.findall(data, pos, stop))
        heads = _SCAN_HEAD.findall(data, pos, stop)
        tails = _SCAN_TAIL.findall(data, pos, stop)
        if not opened == len(heads) == len(tails):
            return None
        new = set(zip(heads, tails))
        new -= rows
        for (name, email, url), tail in new:
            rows.add(((share(name, name), share(email, email), share(url, url)), share(tail, tail)))
        del heads, tails, new
    del same, share
    if not rows and data.find(b"comment_author") >= 0:
        return None  # comments under another namespace prefix
    # Distinct rows only (sorted, so the order of learning never depends
    # on hashing; a (head, tail) pair sorts as the six fields in a row, every
    # head being three long): a person who wrote a thousand comments is
    # learned once. Each row is replaced in place by its decoded form, so
    # the raw bytes and the decoded rows are never all held at once.
    people = sorted(rows)
    del rows
    # A field's bytes are decoded once however many rows hold them (a name,
    # an e-mail on many rows; a few statuses and types), and those rows
    # share the one string.
    texts: dict[bytes, str] = {}
    ends: dict[tuple, tuple] = {}
    for i, ((name, email, url), tail) in enumerate(people):
        end = ends.get(tail)
        if end is None:
            approved, ctype, user = tail
            try:
                uid = int(_xml_value(user) or 0)
            except ValueError:
                uid = 0
            # As the reader: an empty wp:comment_approved is read as pending ([H] 4).
            end = ends[tail] = (status_from_wp(_xml_value(approved).strip() or "0"),
                                type_from_wp(_xml_value(ctype)), uid)
        fields = []
        for raw in (name, email, url):
            text = texts.get(raw)
            if text is None:
                text = texts[raw] = _xml_value(raw).strip() if raw else ""
            fields.append(text)
        people[i] = Commenter(fields[0], fields[1], *end, fields[2])
    return people


_ITEM = re.compile(rb"<item[\s>]")
_HEADER_FIELD = {k: re.compile(rb"<" + k + rb">(.*?)</" + k + rb">", re.S)
                 for k in (b"wp:base_blog_url", b"wp:base_site_url", b"link")}
_CREATOR = re.compile(rb"<dc:creator>(.*?)</dc:creator>", re.S)
_LOGIN = re.compile(rb"<wp:author_(?:login|display_name)>(.*?)</wp:author_(?:login|display_name)>",
                    re.S)


def _mapped(path: str, scan):
    try:
        with open(path, "rb") as fh:
            if os.fstat(fh.fileno()).st_size == 0:
                return None
            with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
                decl = _XML_DECL.match(data[:512])
                if decl and decl.group(1).lower() not in (b"utf-8", b"utf8", b"us-ascii", b"ascii"):
                    return None
                return scan(data)
    except (OSError, ValueError):
        return None


def site_key(path: str) -> str | None:
    """The key of the export's site (:attr:`migrator.model.Site.key`) from
    the channel header's bytes, before any item is parsed; None when the
    scan cannot tell."""
    def scan(data) -> str | None:
        m = _ITEM.search(data)
        head = data[:m.start() if m else min(len(data), 1 << 20)]
        for field in (b"wp:base_blog_url", b"wp:base_site_url", b"link"):
            f = _HEADER_FIELD[field].search(head)
            if f is not None and _xml_value(f.group(1)).strip():
                return _xml_value(f.group(1)).strip().rstrip("/")
        return None if m is None else ""

    return _mapped(path, scan)


def post_authors(path: str) -> tuple[list[str], list[str]] | None:
    """Every distinct post author (``dc:creator``) of the export, and every
    login and display name of its ``wp:author`` blocks (sorted); None where
    the scan cannot read the file."""
    def scan(data):
        raw_creators, raw_logins = set(), set()
        head = _ITEM.search(data)
        if head is not None:  # the channel header: the wp:author blocks
            raw_logins.update(_LOGIN.findall(data, 0, head.start()))
        for pos, stop in _windows(data, b"<item"):
            raw_creators.update(_CREATOR.findall(data, pos, stop))
            # wp:author blocks belong to the header: an item rarely holds one,
            # and a plain search says so faster than the pattern's own.
            at = data.find(b"<wp:author_", pos, stop)
            if at >= 0:  # no match of _LOGIN can start before it
                raw_logins.update(_LOGIN.findall(data, at, stop))
        if head is None:
            raw_logins.update(_LOGIN.findall(data))
        creators = {_xml_value(v).strip() for v in raw_creators}
        logins = {_xml_value(v).strip() for v in raw_logins}
        return sorted(creators - {""}), sorted(logins - {""})

    return _mapped(path, scan)
