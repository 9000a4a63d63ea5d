"""What the dedupe stage compares: normalised text, word shingles, and who a
comment's author is (:func:`person_keys`)."""
from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache
from typing import Iterable

from ..model import Comment

#: Words per shingle.
SHINGLE = 3

# -- normalisation ------------------------------------------------------------

_BLOCK_TAG = re.compile(
    r"</?(?:p|br|div|li|ul|ol|dl|dt|dd|blockquote|h[1-6]|tr|td|th|table|pre|hr)\b[^>]*>",
    re.IGNORECASE)
_TAG = re.compile(r"<!--.*?-->|</?[A-Za-z][^<>]*>", re.DOTALL)
#: Code is text: what is inside <code> and <pre> keeps its angle brackets.
_CODE = re.compile(r"(<(code|pre)\b[^>]*>)(.*?)(</\2\s*>)", re.IGNORECASE | re.DOTALL)
#: Tags whose link target or source is part of what a comment says.
_URL_TAG = re.compile(r"<(?:a|img|iframe|source|video|audio|embed)\b[^<>]*>", re.IGNORECASE)
_URL_ATTR = re.compile(r"""\b(?:href|src)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.IGNORECASE)
_WORD = re.compile(r"\w+")
_CHARS = {
    # single quotes, apostrophes, primes
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u2035": "'",
    "\u00b4": "'", "\u02bc": "'", "\u2039": "'", "\u203a": "'",
    # double quotes and guillemets
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u00ab": '"', "\u00bb": '"',
    # hyphens and dashes
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-",
    "\u2212": "-", "\u2043": "-",
    # invisible characters
    "\u00ad": "", "\u200b": "", "\u200c": "", "\u200d": "", "\u2060": "", "\ufeff": "",
}
_CHAR = re.compile("[" + "".join(_CHARS) + "]")


def _map_char(m: re.Match) -> str:
    return _CHARS[m.group()]


def _code_as_text(m: re.Match) -> str:
    return m.group(1) + m.group(3).replace("<", "&lt;").replace(">", "&gt;") + m.group(4)


def _tag_urls(m: re.Match) -> str:
    urls = [a or b or c for a, b, c in _URL_ATTR.findall(m.group(0))]
    return " " + " ".join(urls) + " " if urls else ""


def normalise(text: str) -> str:
    """The text two comments are compared by: tags stripped (block tags become
    a space), HTML entities unescaped, Unicode NFKC, curly quotes and dashes
    mapped to ASCII, whitespace collapsed, case folded. Link targets and image
    sources stay, as words where their tag was, and so does code: the markup
    inside ``<code>`` and ``<pre>`` is text ([H] 7)."""
    if not text:
        return ""
    if "<" in text:
        if "<c" in text or "<p" in text or "<C" in text or "<P" in text:
            text = _CODE.sub(_code_as_text, text)
        text = _URL_TAG.sub(_tag_urls, text)
        text = _TAG.sub("", _BLOCK_TAG.sub(" ", text))
    if "&" in text:
        text = html.unescape(text)
    if not text.isascii():
        text = _CHAR.sub(_map_char, unicodedata.normalize("NFKC", text))
    return " ".join(text.split()).casefold()


@lru_cache(maxsize=1 << 16)
def _name_key(name: str) -> str:
    if not name:
        return ""
    if "&" in name:
        name = html.unescape(name)
    if not name.isascii():
        name = unicodedata.normalize("NFKC", name)
    return " ".join(name.split()).casefold()


@lru_cache(maxsize=1 << 16)
def _email_key(email: str) -> str:
    return (email or "").strip().casefold()


def person_keys(comments: Iterable[Comment]) -> dict[int, tuple | None]:
    """Who wrote each comment, as far as one post can tell: comment id -> key.

    The e-mail when there is one. Without one, the name -- and when the post
    has comments under that name with exactly one e-mail, that e-mail (so a
    comment without e-mail matches its author's comments with one). A name
    used with two or more e-mails stays a name of its own: it is never merged
    with either person. Comments with neither name nor e-mail are nobody
    (``None``) and never anybody's duplicate. Unlike "same e-mail when both
    have one, else same name" pair by pair, this is a partition, so a cluster
    can never hold two people."""
    return _assign({c.id: _identity(c) for c in comments})


def _identity(c: Comment) -> tuple[str, str]:
    return _email_key(c.author_email), _name_key(c.author_name)


def _assign(ident: dict[int, tuple[str, str]]) -> dict[int, tuple | None]:
    emails_of: dict[str, set[str]] = {}
    for email, name in ident.values():
        if email and name:
            emails_of.setdefault(name, set()).add(email)
    keys: dict[int, tuple | None] = {}
    for cid, (email, name) in ident.items():
        if email:
            keys[cid] = ("e", email)
        elif not name:
            keys[cid] = None
        else:
            known = emails_of.get(name, ())
            keys[cid] = ("e", next(iter(known))) if len(known) == 1 else ("n", name)
    return keys


def shingles(words: list[str]) -> frozenset:
    """The set of ``SHINGLE``-word runs of ``words`` (all of it if shorter)."""
    if len(words) < SHINGLE:
        return frozenset([" ".join(words)]) if words else frozenset()
    return frozenset(map(" ".join, zip(*(words[i:] for i in range(SHINGLE)))))


def containment(a: str, b: str) -> float:
    """Share of the shorter text's word shingles that occur in the longer one.
    Texts are normalised first; 0.0 if either has no words."""
    return _ratio(shingles(_WORD.findall(normalise(a))), shingles(_WORD.findall(normalise(b))))


def _ratio(sx: frozenset, sy: frozenset) -> float:
    if not sx or not sy:
        return 0.0
    if len(sx) > len(sy):
        sx, sy = sy, sx
    return len(sx & sy) / len(sx)
