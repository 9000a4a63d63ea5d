"""Byte-level repair of damaged WXR, streamed in chunks before lxml sees it.
Why this module is long: every repair has a plain path and a fast path that
must give the same bytes (and say which parts are the file's own), kept
side by side so they are changed together.

Exports in the wild are damaged in a handful of recurring ways. Each repair
here is reported as a problem with file and line, so nothing changes
silently:

* bytes that are not valid in the declared encoding -> U+FFFD;
* C0 control characters (XML 1.0 forbids them) -> removed;
* a raw ``]]>`` inside CDATA (pre-1.2 exporters did not split it) -> split
  the way WordPress does it now, ``]]]]><![CDATA[>``;
* a raw ``&`` or an HTML entity (``&nbsp;``) outside CDATA -> escaped, or
  turned into the character reference it stands for;
* a DOCTYPE (never present in a real export; the way in for entity bombs
  and external entities) -> blanked out, so nothing is ever expanded;
* namespace prefixes the root element does not declare: the WXR ones (``wp``,
  ``content``, ``dc``, ``excerpt``: a fragment without ``<rss>``, like
  remark42's test export) and the feed ones WordPress.com uses undeclared
  (``atom``, ...) are declared on the root element, and each is reported on
  its first use -- the WXR ones as damage, the known quirks as a note;
* blank lines before the XML declaration -> moved after it (a note).

Line numbers survive every repair: no newline is ever added or removed.
"""
from __future__ import annotations

import codecs
import html.entities
import re
from typing import BinaryIO, Callable, Iterator

from ..model import reference_path

CHUNK = 1 << 20
HOLD = 64  # characters held back so no token is split between two chunks

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
#: The C0 bytes of _CONTROL. In UTF-8 input a C0 character is always this one
#: byte, so ``bytes.translate`` (fast) can rule them out before the regex
#: (slow: a character-class scan) has to look.
_C0_BYTES = bytes(c for c in range(0x20) if c not in (0x09, 0x0A, 0x0D))
#: ... one at a time: ``b in data`` is a memchr, and 29 of them cost half of
#: one ``translate`` (which copies the chunk byte by byte).
_C0_EACH = tuple(bytes([c]) for c in _C0_BYTES)
_BAD_AMP = re.compile(r"&(?!(?:amp|lt|gt|quot|apos|#[0-9]{1,7}|#x[0-9A-Fa-f]{1,6});)")
_ENTITY_NAME = re.compile(r"([A-Za-z][A-Za-z0-9]{1,31});")
_RAW_CDATA_END = re.compile(r"\]\]>(?!\s*<)")
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")
_ENCODING = re.compile(r"""encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_DOCTYPE = re.compile(r"<!DOCTYPE(?:[^\[>]|\[.*?\])*>", re.S)

#: ``report(line, message)`` or ``report(line, message, kind)``: kind is
#: ``"damage"`` unless it is given (``"note"``: a known quirk, nothing lost).
Report = Callable[..., None]

WP_EXPORT = "http://wordpress.org/export/1.2/"
#: The prefixes every WXR file uses: undeclared means a fragment (damage).
WXR_PREFIXES = {
    "wp": WP_EXPORT,
    "excerpt": WP_EXPORT + "excerpt/",
    "content": "http://purl.org/rss/1.0/modules/content/",
    "dc": "http://purl.org/dc/elements/1.1/",
}
#: Feed prefixes exporters use without declaring them (WordPress.com's
#: ``<atom:link rel="search">`` and ``rel="hub"``): a known quirk, a note.
QUIRK_PREFIXES = {
    "atom": "http://www.w3.org/2005/Atom",
    "wfw": "http://wellformedweb.org/CommentAPI/",
    "sy": "http://purl.org/rss/1.0/modules/syndication/",
    "slash": "http://purl.org/rss/1.0/modules/slash/",
}
_ROOT_TAG = re.compile(r"""<([A-Za-z_][\w.-]*(?::[\w.-]+)?)((?:\s+[^\s=<>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)(\s*/?>)""")
_XMLNS = re.compile(r"""\bxmlns:([\w.-]+)\s*=""")


class NotXML(ValueError):
    pass


def _replace_counting(exc: UnicodeDecodeError):
    _replace_counting.count += exc.end - exc.start  # type: ignore[attr-defined]
    return ("\ufffd", exc.end)


_replace_counting.count = 0  # type: ignore[attr-defined]
codecs.register_error("migrator-replace", _replace_counting)


def _lines_in(text: str, end: int) -> int:
    return text.count("\n", 0, end)


def sanitised_chunks(fh: BinaryIO, report: Report, chunk_size: int = CHUNK,
                     bound: dict[str, str] | None = None,
                     where: list | None = None) -> Iterator[bytes]:
    """Yield UTF-8 bytes of the repaired document, reporting each repair
    as ``report(line, message[, kind])``. ``bound``, if given, receives the
    {prefix: uri} this declared on the root element (nothing in the file did).
    ``where``, if given: before each part is yielded, ``where[0]`` is the
    offset in the file of the bytes the part is a copy of (a part that
    needed no repair, after one that needed none either), else None."""
    head = fh.read(chunk_size)
    data_at = 3 if head.startswith(b"\xef\xbb\xbf") else 0  # where ``data`` starts in the file
    prev = b""  # the read before ``data``
    if not head.strip():
        raise NotXML("the file is empty")
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    elif head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise NotXML("UTF-16 files are not supported: convert to UTF-8 first")
    first = head.lstrip()[:1]
    if first != b"<":
        raise NotXML("not an XML file (it does not start with '<')")
    if head.count(b"\x00") > 16:
        raise NotXML("a binary file, not XML")
    m = _ENCODING.search(head[:200].decode("ascii", "replace").split("?>")[0])
    encoding = (m.group(1) if m else "utf-8").lower()
    try:
        decoder = codecs.getincrementaldecoder(encoding)(errors="migrator-replace")
        utf8 = codecs.lookup(encoding).name == "utf-8"
    except LookupError:
        report(1, f"unknown encoding {encoding!r}: read as UTF-8")
        decoder = codecs.getincrementaldecoder("utf-8")(errors="migrator-replace")
        utf8 = True

    line = 1  # line number of the first character of ``carry``
    carry = ""
    unbound: dict[str, str] = {}  # prefixes we declared, not yet seen in use
    in_cdata = False
    started = False
    eof = False
    data, head = head, b""
    while not eof:
        if where is not None:
            where[0] = None  # unless the fast path below finds the part is the file's bytes
        if (utf8 and started and len(data) > _WHOLE_MIN and not reference_path()):
            # The fast path's first test without decoding the part: decoding
            # (to a str of 4 bytes a character once one emoji is in it) was
            # the larger part of the sanitiser's cost on clean input.
            held = decoder.getstate()[0]
            whole = _whole_chars(held, data)
            if whole is not None:
                body, pending, tail_text = whole
                if not any(b in data for b in _C0_EACH) and _CONTROL.search(carry) is None:
                    fast = _clean_part(carry, tail_text, b"", body, in_cdata)
                    if fast is not None:
                        encoded, in_cdata, tail = fast
                        decoder.setstate((pending, 0))
                        if unbound:
                            _report_bound(encoded, line, unbound, report)
                        line += encoded.count(b"\n")
                        if where is not None:
                            # The part is the carried characters, the held bytes
                            # and this read: the file's own bytes when the
                            # carried ones are what the last read ended with.
                            lead = carry.encode("utf-8") + held
                            where[0] = (data_at - len(lead) if not lead or prev.endswith(lead)
                                        else None)
                        carry = tail_text[len(tail_text) - tail:] if tail else ""
                        yield encoded
                        prev, data_at = data, data_at + len(data)
                        data = fh.read(chunk_size)
                        continue
        before = _replace_counting.count
        held = decoder.getstate()[0] if utf8 and started else b""
        text = decoder.decode(data, final=False)
        if not data:
            text += decoder.decode(b"", final=True)
            eof = True
        bad_bytes = _replace_counting.count - before
        # Could this part hold a control character? Only a fast yes/no; the
        # regex in _repair finds and reports them as before.
        controls = (not utf8 or any(b in data for b in _C0_EACH)
                    or "\ufffe" in text or "\uffff" in text
                    or _CONTROL.search(carry) is not None)
        if (utf8 and started and not eof and not bad_bytes and not controls
                and len(text) > _FAST_MIN and not reference_path()):
            # The fast path: when this part needs no repair at all, the input
            # bytes go on as they are (no str copy, no encode; see _clean_part).
            pending = decoder.getstate()[0]
            fast = _clean_part(carry, text, held, data[:len(data) - len(pending)] if pending else data,
                               in_cdata)
            if fast is not None:
                encoded, in_cdata, tail = fast
                if unbound:
                    _report_bound(encoded, line, unbound, report)
                line += encoded.count(b"\n")
                carry = text[len(text) - tail:] if tail else ""
                text = ""
                yield encoded
                prev, data_at = data, data_at + len(data)
                data = fh.read(chunk_size)
                continue
        buf = carry + text
        if bad_bytes:
            pos = buf.find("\ufffd", len(carry))
            report(line + _lines_in(buf, pos), f"{bad_bytes} byte(s) invalid in {encoding} replaced with U+FFFD")
        if not started:
            # Keep reading until the root element has started, then fix the prolog.
            if "<rss" not in buf and "<channel" not in buf and not eof and len(buf) < 8 * chunk_size:
                prev, data_at = data, data_at + len(data)
                carry, data = buf, fh.read(chunk_size)
                continue
            buf = _fix_prolog(buf, report)
            buf, unbound = _bind_prefixes(buf)
            if bound is not None:
                bound.update(unbound)
            started = True
        cut = len(buf) if eof else _cut(buf)
        out, in_cdata = _repair(buf, cut, in_cdata, line, report, controls)
        encoded = out.encode("utf-8")
        if unbound:
            # Searched in the bytes: the same lines, and bytes.find is many
            # times faster than str.find over text that is not all ASCII.
            _report_bound(encoded, line, unbound, report)
        line += _lines_in(buf, cut)
        carry = buf[cut:]
        # Let go of this part's text before the caller goes on: held over
        # the fast path's parts, which make none, it cost the reader three
        # copies of a part (4 bytes a character once one emoji is in it).
        text = buf = out = ""
        yield encoded
        if not eof:
            prev, data_at = data, data_at + len(data)
            data = fh.read(chunk_size)


def _cut(buf: str) -> int:
    """Where this part ends: the rest (at most 2 * HOLD characters) waits for
    the next read, so no token is split between two parts."""
    top = max(0, len(buf) - HOLD)
    floor = max(0, top - HOLD)
    cut = top
    while cut > floor and buf[cut - 1] not in " \n\t>":
        cut -= 1
    if floor and buf[cut - 1] not in " \n\t>":
        cut = _token_safe_cut(buf, floor, top)
    return cut


#: The fast path looks at this many characters at the end of a part to cut
#: it (all :func:`_cut` can look at, and some to spare) ...
_TAIL = 2 * HOLD + 16
#: ... and takes parts longer than this only (a whole read, not a last scrap).
_FAST_MIN = 4096
_RAW_CDATA_END_B = re.compile(rb"\]\]>(?!\s*<)")
_BAD_AMP_B = re.compile(_BAD_AMP.pattern.encode("ascii"))


#: :func:`_whole_chars` takes reads longer than this (the fast path needs more
#: than ``_FAST_MIN`` characters; a character is at most 4 bytes).
_WHOLE_MIN = 4 * _FAST_MIN
#: ... and checks them this many bytes at a time: a block of ASCII is not
#: decoded at all, and one with a few other characters decodes to a narrow
#: str (a whole read with one emoji in it decodes to 4 bytes a character,
#: six times slower).
_BLOCK = 1 << 16


def _whole_chars(held: bytes, data: bytes) -> tuple[bytes, bytes, str] | None:
    """``held + data`` (``held``: the start of a character the last read
    cut) as ``(whole characters, the start of a character the next read
    completes, the last _TAIL characters decoded)``, when all of it is UTF-8
    the decoder would take without a replacement and holds no U+FFFE or
    U+FFFF; else None (the caller then decodes the part as before). The
    same split as the incremental decoder's: a valid start of a character
    waits, an invalid one is an error."""
    buf = held + data if held else data
    n = len(buf)
    i, k = n - 1, 0
    while i > 0 and k < 3 and buf[i] & 0xC0 == 0x80:
        i, k = i - 1, k + 1
    last = codecs.getincrementaldecoder("utf-8")("strict")
    try:
        last.decode(buf[i:], False)
    except UnicodeDecodeError:
        return None
    pending = last.getstate()[0]
    body = buf[:n - len(pending)] if pending else buf
    n = len(body)
    start = 0
    while start < n:
        end = start + _BLOCK
        if end < n:
            k = 0
            while k < 3 and body[end] & 0xC0 == 0x80:
                end, k = end - 1, k + 1
        else:
            end = n
        block = body[start:end]
        if not block.isascii():
            try:
                text = block.decode("utf-8")
            except UnicodeDecodeError:
                return None
            if "\ufffe" in text or "\uffff" in text:
                return None
        start = end
    # The last _TAIL characters: from a character's start at most 4 bytes
    # each before the end (and the 3 bytes of a cut character to skip).
    t = max(0, n - 4 * _TAIL - 4)
    k = 0
    while k < 3 and body[t] & 0xC0 == 0x80:
        t, k = t + 1, k + 1
    return body, pending, body[t:].decode("utf-8")[-_TAIL:]


def _clean_part(carry: str, text: str, held: bytes, data: bytes,
                in_cdata: bool) -> tuple[bytes, bool, int] | None:
    """The fast path of :func:`sanitised_chunks` for UTF-8 input whose part
    ``carry + text`` has no invalid byte and no control character (the
    caller checked): if :func:`_repair` would change nothing in it, return
    the bytes it would yield, straight from the input (``held + data``
    decoded to ``text``), whether it ends inside CDATA, and how many
    characters of ``text`` wait for the next part; else None (the plain
    path then does it all). The same checks as ``_repair``, on bytes: a
    ``]]>`` anywhere that could be raw, or a bad ``&`` outside CDATA, sends
    the part to the plain path. Byte positions keep the order of character
    positions, so "inside CDATA" is decided the same way."""
    tail_text = text[-_TAIL:]
    cut_in_tail = _cut(tail_text)
    if cut_in_tail <= 0:  # a run of ']' reaching further back: the plain path
        return None
    tail = _TAIL - cut_in_tail
    buf = b"".join((carry.encode("utf-8"), held, data))
    cut = len(buf) - len(tail_text[cut_in_tail:].encode("utf-8"))
    if _RAW_CDATA_END_B.search(buf) is not None:
        return None
    rfind = buf.rfind
    for m in _BAD_AMP_B.finditer(buf):
        pos = m.start()
        if pos >= cut:
            break
        opened, closed = rfind(b"<![CDATA[", 0, pos), rfind(b"]]>", 0, pos)
        if not (opened > closed or (opened < 0 and closed < 0 and in_cdata)):
            return None  # in text (or a comment): the plain path decides
    last_open, last_close = rfind(b"<![CDATA[", 0, cut), rfind(b"]]>", 0, cut)
    if last_open >= 0 or last_close >= 0:
        in_cdata = last_open > last_close
    return buf[:cut], in_cdata, tail


def _token_safe_cut(buf: str, lo: int, hi: int) -> int:
    """A cut in ``buf[lo:hi]`` (no whitespace or '>' there) that splits no
    '<![CDATA[', ']]>' or entity reference: just before the last '<', '&' or
    run of ']'. Each chunk's repairs look back for these marks only within
    the chunk, so a split one would put CDATA text in the wrong place (long
    serialised commentmeta values have no spaces). With none of those
    characters in the window, no such token can reach across ``hi``."""
    q = max(buf.rfind("<", lo, hi), buf.rfind("&", lo, hi), buf.rfind("]", lo, hi))
    if q < 0:
        return hi
    while q > 0 and buf[q - 1] == "]":
        q -= 1
    return q


def _bind_prefixes(buf: str) -> tuple[str, dict[str, str]]:
    """Declare on the root element the known prefixes it does not declare.
    The declarations go inside the root's start tag, on its last line, so no
    line moves. Returns the text and {prefix: uri} of what was added."""
    pos = 0
    while True:
        pos = buf.find("<", pos)
        if pos < 0:
            return buf, {}
        if buf.startswith("<!--", pos):
            end = buf.find("-->", pos)
            pos = len(buf) if end < 0 else end + 3
        elif buf.startswith("<?", pos) or buf.startswith("<!", pos):
            end = buf.find(">", pos)
            pos = len(buf) if end < 0 else end + 1
        else:
            break
    m = _ROOT_TAG.match(buf, pos)
    if m is None:
        return buf, {}
    # A prefix declared anywhere in the head (on <channel>, say) is left alone.
    declared = set(_XMLNS.findall(buf))
    add = {p: uri for p, uri in {**WXR_PREFIXES, **QUIRK_PREFIXES}.items() if p not in declared}
    if not add:
        return buf, {}
    decls = "".join(f' xmlns:{p}="{uri}"' for p, uri in add.items())
    return buf[:m.end(2)] + decls + buf[m.end(2):], add


#: the prefixes still unreported -> a pattern finding any of them in use
_BOUND_USE: dict[tuple[str, ...], re.Pattern] = {}


def _report_bound(out: bytes, line: int, unbound: dict[str, str], report: Report) -> None:
    """Report each prefix we declared on its first use (and forget it)."""
    key = tuple(unbound)
    any_of = _BOUND_USE.get(key)
    if any_of is None:
        any_of = _BOUND_USE[key] = re.compile(
            b"<(?:" + b"|".join(re.escape(p.encode("ascii")) + b":" for p in key) + b")")
    if any_of.search(out) is None:
        return  # none used in this part: one scan instead of one per prefix
    for prefix in list(unbound):
        tag = ("<" + prefix + ":").encode("ascii")
        pos = out.find(tag)
        while pos >= 0 and out.rfind(b"<!--", 0, pos) > out.rfind(b"-->", 0, pos):
            pos = out.find(tag, pos + 1)  # inside an XML comment
        if pos < 0:
            continue
        at = line + out.count(b"\n", 0, pos)
        uri = unbound.pop(prefix)
        if prefix in WXR_PREFIXES:
            report(at, f"namespace prefix {prefix}: is used but the root element does not declare it "
                       f"(a fragment, not a whole export?): bound to {uri}")
        else:
            report(at, f"namespace prefix {prefix}: is used undeclared (a known exporter quirk, "
                       f"WordPress.com's <{prefix}:link>): read as {uri}", "note")


def _fix_prolog(buf: str, report: Report) -> str:
    m = _XML_DECL.match(buf)
    if m:
        lead = buf[:m.end()].split("<?xml", 1)[0]
        blank = lead.count("\n")
        if blank:
            report(1, f"{blank} blank line(s) before the XML declaration moved after it", "note")
        buf = '<?xml version="1.0" encoding="UTF-8"?>' + "\n" * blank + buf[m.end():]
    root = buf.find("<rss")
    d = _DOCTYPE.search(buf, 0, root if root >= 0 else len(buf))
    if d:
        dt = d.group(0)
        kind = "with entity declarations " if "<!ENTITY" in dt else ""
        report(_lines_in(buf, d.start()) + 1,
               f"DOCTYPE {kind}ignored: entities are never expanded and nothing is loaded")
        blank = "\n" * dt.count("\n")
        buf = buf[:d.start()] + blank + buf[d.end():]
    return buf


def _repair(buf: str, cut: int, in_cdata: bool, line: int, report: Report,
            controls: bool = True) -> tuple[str, bool]:
    """Repair ``buf[:cut]``; return it and whether it ends inside CDATA.
    ``controls=False`` says the caller knows there is no control character."""
    part = buf[:cut]
    if controls and _CONTROL.search(part):
        first = _CONTROL.search(part).start()
        n = len(_CONTROL.findall(part))
        report(line + _lines_in(part, first), f"{n} control character(s) removed")
        part = _CONTROL.sub("", part)
        # Removal shifts positions; buf is only needed for look-ahead past cut.
        buf = part + buf[cut:]
        cut = len(part)
    first_end = _RAW_CDATA_END.search(buf)
    first_amp = _BAD_AMP.search(buf)
    needs_cdata = (first_end and first_end.start() < cut) or (first_amp and first_amp.start() < cut)
    if needs_cdata:
        part = _repair_cdata_and_amps(buf, cut, in_cdata, line, report,
                                      first_end.start() if first_end else len(buf),
                                      first_amp.start() if first_amp else len(buf))
    last_open = part.rfind("<![CDATA[")
    last_close = part.rfind("]]>")
    if last_open >= 0 or last_close >= 0:
        in_cdata = last_open > last_close
    return part, in_cdata


def _repair_cdata_and_amps(buf: str, cut: int, in_cdata: bool, line: int,
                           report: Report, end_from: int = 0, amp_from: int = 0) -> str:
    """Fix raw ``]]>`` and bad ``&`` in ``buf[:cut]``.

    Whether a position lies inside CDATA (where ``&`` is fine) or inside an
    XML comment (where anything goes) is found by looking back from it to the
    nearest marks, so the cost follows the number of suspicious spots, not
    the number of CDATA sections. ``end_from`` / ``amp_from``: where the
    first raw ']]>' / bad '&' is, when the caller has already searched."""
    raw_ends: list[int] = []  # ']]>' found to be content, not a CDATA end

    def last_close(pos: int) -> int:
        j = buf.rfind("]]>", 0, pos)
        while j >= 0 and raw_ends and j in raw_ends:
            j = buf.rfind("]]>", 0, j)
        return j

    def where(pos: int) -> str:
        opened, closed = buf.rfind("<![CDATA[", 0, pos), last_close(pos)
        if opened > closed or (opened < 0 and closed < 0 and in_cdata):
            return "cdata"
        c_open = buf.rfind("<!--", 0, pos)
        if c_open > max(opened, closed) and buf.rfind("-->", 0, pos) < c_open:
            return "comment"
        return "text"

    fixes: list[tuple[int, int, str]] = []
    # No endpos on finditer: the look-aheads must see past ``cut``.
    for m in _RAW_CDATA_END.finditer(buf, end_from):
        if m.start() >= cut:
            break
        place = where(m.start())
        if place == "cdata":
            raw_ends.append(m.start())
            fixes.append((m.start(), m.end(), "]]]]><![CDATA[>"))
            report(line + _lines_in(buf, m.start()), "raw ']]>' inside CDATA split the way WordPress splits it")
        elif place == "text":
            fixes.append((m.start(), m.end(), "]]&gt;"))
            report(line + _lines_in(buf, m.start()), "stray ']]>' outside CDATA escaped")
    for m in _BAD_AMP.finditer(buf, amp_from):
        if m.start() >= cut:
            break
        if where(m.start()) != "text":
            continue
        name = _ENTITY_NAME.match(buf, m.end())
        if name and name.group(1) in html.entities.name2codepoint:
            code = html.entities.name2codepoint[name.group(1)]
            fixes.append((m.start(), name.end(), f"&#{code};"))
            report(line + _lines_in(buf, m.start()), f"HTML entity &{name.group(1)}; outside CDATA turned into &#{code};")
        else:
            fixes.append((m.start(), m.end(), "&amp;"))
            report(line + _lines_in(buf, m.start()), "raw '&' outside CDATA escaped")
    if not fixes:
        return buf[:cut]
    fixes.sort()
    out, pos = [], 0
    for start, end, rep in fixes:
        out.append(buf[pos:start])
        out.append(rep)
        pos = end
    out.append(buf[pos:cut])
    return "".join(out)
