"""Where a word stands as a name (sign-off, 'X here', 'X said', addressed,
'my sister X'), and given names of people who never commented."""
from __future__ import annotations

import re
from typing import Iterable

from .fold import fold_word
from .lexicon import (ADDRESS, DETERMINERS, PLACE_NAMES, RELATIONS, SPEECH, WORDLIKE_NAMES,
                      _SENTENCE_END, _SIGNOFF_WORDS, lexicon)
from .words import COMMON_WORDS, _MONTHS, _WORD_ENDINGS

# ---------------------------------------------------------------------------
# Name positions
# ---------------------------------------------------------------------------

_TAGS = re.compile(r"<[^<>]*>")
_PREV_WORD = re.compile(r"([^\W\d_][\w'’]*)[^\w\n]*$")
_NEXT = re.compile(r"[ \t\u00a0]*(?:['’]s\b|(\S+))")


def _before(text: str, s: int, span: int = 40) -> str:
    """The text before ``s`` on its line, tags removed."""
    b = text[max(0, s - span):s]
    if "<" in b or ">" in b:
        b = _TAGS.sub(" ", b)
        b = b.replace("&nbsp;", " ")
    return b


def _after(text: str, e: int, span: int = 40) -> str:
    a = text[e:e + span]
    if "<" in a:
        a = _TAGS.sub(lambda m: "\n" if _BLOCK.match(m.group()) else "", a)
    return a


_BLOCK = re.compile(r"<\s*/?\s*(?:p|br|div|li|blockquote|h[1-6]|pre|td|tr)\b", re.I)


_INTRO_ENDS = ("i'm", "i’m", "im", "i am", "my name is", "this is", "named", "called", "call me",
               "it's", "it’s")


def _intro(text: str, s: int) -> bool:
    """'I'm X', 'my name is X', 'named X'."""
    b = _before(text, s, 16).rstrip(" \t\u00a0").lower()
    for end in _INTRO_ENDS:
        if b.endswith(end) and (len(b) == len(end) or not b[-len(end) - 1].isalpha()):
            return True
    return False


def is_sentence_start(text: str, s: int) -> bool:
    b = _before(text, s).rstrip(" \t\u00a0\"'“‘«„([*")
    return not b or b[-1] in _SENTENCE_END or b.endswith((" -", " —", "--"))


def prev_word(text: str, s: int) -> str:
    """The word before ``s`` (lower case), '' at the start of a sentence.
    (Matched on the reversed text, anchored: a search for the last word
    would try every position of the 40 characters before.)"""
    m = _PREV_WORD_REV.match(_before(text, s)[::-1])
    if not m:
        return ""
    if any(ch in m.group(1) for ch in ".!?\n"):
        return ""
    return m.group(2)[::-1].lower().replace("’", "'")


#: _PREV_WORD on reversed text: what follows the word, then the word (which
#: starts with a letter, so reversed it ends with one).
_PREV_WORD_REV = re.compile(r"([^\w\n]*?)([\w'’]*[^\W\d_])")


def is_signoff(text: str, s: int, e: int) -> bool:
    """The last word(s) of the text, after a line break, a sentence end, a
    dash or a closing word ('Love,')."""
    rest = _after(text, e, 200)
    if rest.strip(" \t\r\n\u00a0.!,;:~-—)*xX♥❤☺🙂😊🙏💕😘😀\"'") and not _TAIL_OK.fullmatch(rest):
        return False
    b = _before(text, s, 80).rstrip(" \t\u00a0")
    if not b:
        return True
    if b[-1] in "\n.!?…-—~:":
        return True
    m = _PREV_WORD.search(b)
    return bool(m) and m.group(1).lower() in _SIGNOFF_WORDS and b[m.end(1):].strip() == ","


_TAIL_OK = re.compile(r"[\s.!,;:~\-—)*♥❤\"']*(?:x+o*|<3|:\)|:-\)|;\)|\(\w+\))?[\s.!)]*", re.I)


def name_position(text: str, s: int, e: int) -> bool:
    """Whether the word at ``text[s:e]`` stands where a name stands (see the
    module doc). The text may hold HTML. A word in lower case counts only
    as 'x here' / 'x said' opening a sentence, or alone on the last line."""
    word = text[s:e]
    cap = word[:1].isupper()
    if not cap:
        nxt = _NEXT.match(text, e)
        if nxt and nxt.group(1) is not None and is_sentence_start(text, s):
            w = nxt.group(1).strip(".,!?:;").lower()
            if w == "here" or w in SPEECH:
                return True
        b = _before(text, s, 80).rstrip(" \t\u00a0")
        return (not b or b[-1] == "\n") and is_signoff(text, s, e)
    pw = prev_word(text, s)
    if pw in ADDRESS or pw in RELATIONS or (s and text[s - 1] == "@"):
        return True
    if pw == "you" and prev_word(text, s - 4).startswith("thank"):
        return True
    nxt = _NEXT.match(text, e)
    if nxt:
        if nxt.group(1) is None:  # X's
            return True
        w = nxt.group(1).strip(".,!?:;").lower()
        if w == "here" or w in SPEECH:
            return True
    if _intro(text, s):
        return True
    after = text[e:e + 3].lstrip(" \t\u00a0")
    if after[:1] in (",", ":", "!") and is_sentence_start(text, s):
        return True  # 'Rose, I am so sorry'
    if is_signoff(text, s, e):
        return True
    return False


#: The last word of a line, after a dash (group 1) or after a sentence's end.
_DASHED_LAST = re.compile(r"(?:(?<=\s)([\-—–~])|(?<=[.!?])) *([^\W\d_][\w'’]*)[ \t\u00a0.!~*)]*$")
_ONE_WORD = re.compile(r"[ \t\u00a0\-—~*]*([^\W\d_][\w'’]*(?:-[^\W\d_][\w'’]*)?)[ \t\u00a0.!,~*)]*")
_END_TAG = re.compile(r"</[a-zA-Z][a-zA-Z0-9]*\s*>|<br\s*/?>")
_BLOCK_OPEN = re.compile(r"<(?i:br|p|div|li|blockquote)\b[^<>]*>$")


#: A last line of two or three words: a full name signing ('Barbara Nowak').
_FULL_NAME_LINE = re.compile(r"[ \t\u00a0\-—~*]*([^\W\d_][\w'’]*(?:-[^\W\d_][\w'’]*)?"
                             r"(?:[ \u00a0][^\W\d_][\w'’]*(?:-[^\W\d_][\w'’]*)?){1,2})[ \t\u00a0.!,~*)]*")


#: A closing on the line before a signature ('Regards,', 'Best wishes,', 'Cheers').
_CLOSING_LINE = re.compile(r"(?i:\b(?:regards|wishes|cheers|thanks|love|sincerely|yours|best|warmly|"
                           r"hugs|blessings))[ \t\u00a0,.!]*(?:<br\s*/?>|</p>\s*<p[^<>]*>|\n)\s*$")


def _after_closing(tail: str, start: int) -> bool:
    """Whether the line before ``tail[start:]`` is a closing ('Regards,')."""
    return _CLOSING_LINE.search(tail, max(0, start - 60), start) is not None


def _full_name(line: str, listed: bool = True) -> bool:
    """Two or three capitalised words, the first a listed given name (which
    may be a word too: 'Grace Kelly'), the others no common word or closing
    ('Barbara Nowak', not 'Best Wishes', 'Much Love', 'Will Do')."""
    words = line.split()
    if not all(w[0].isupper() and not (len(w) > 1 and w.isupper()) for w in words):
        return False
    if listed and fold_word(words[0]) not in lexicon().given:
        return False
    return words[0].lower() not in _SIGNOFF_WORDS and not any(
        w.lower() in _SIGNOFF_WORDS or w.lower() in COMMON_WORDS for w in words[1:])


def signoff_span(text: str) -> tuple[int, int] | None:
    """The span of a comment's signature: one word (a name, in any script)
    alone on the last line, capitalised where the script has case."""
    off = max(0, len(text) - 200)
    tail = text[off:]
    tail = tail.rstrip()
    while tail.endswith(">"):  # closing tags and line breaks after the last word
        lt = tail.rfind("<")
        if lt < 0 or not _END_TAG.fullmatch(tail, lt):
            break
        tail = tail[:lt].rstrip()
    nl = tail.rfind("\n")
    gt = tail.rfind(">")
    if gt > nl:
        lt = tail.rfind("<", 0, gt)
        if lt < 0 or not _BLOCK_OPEN.match(tail, lt, gt + 1):
            return None  # the last word follows an inline tag: not a line of its own
    start = max(nl, gt) + 1
    if start == 0 and off == 0:
        pass  # the whole comment is one word
    elif start == 0:
        return None
    # Most comments end in a sentence: a trailer line is short, and starts with
    # a capital (a title) or 'Sent'/'Get' (a mail app's line).
    trailer = title = None
    if len(tail) - start <= 64:
        lead = tail[start:start + 8].lstrip(" \t\u00a0-—~*")[:1]
        if lead in "SsGg":
            trailer = _SENT_FROM.fullmatch(tail, start)
        if trailer is None and lead.isupper():
            title = _TITLE_LINE.fullmatch(tail, start)
    if trailer is not None or title is not None:
        # 'Jadwiga Wróblewska\nFlorist', 'Jadwiga\nSent from my iPhone': the
        # signature is the line above a job title or a mail app's line
        above = _line_above(tail, start)
        if above is not None:
            a, b = above
            full = _FULL_NAME_LINE.fullmatch(tail, a, b)
            if full is not None and (_full_name(full.group(1)) or _after_closing(tail, a)
                                     and _full_name(full.group(1), listed=False)):
                return full.start(1) + off, full.end(1) + off
            one = _ONE_WORD.fullmatch(tail, a, b) if trailer is not None else None
            if one is not None and _signs(one.group(1)):
                return one.start(1) + off, one.end(1) + off
        if trailer is not None:
            return None  # 'Sent from my iPhone' signs nobody
    full = _FULL_NAME_LINE.fullmatch(tail, start)
    if full is not None and (_full_name(full.group(1)) or _after_closing(tail, start)
                             and _full_name(full.group(1), listed=False)):
        return full.start(1) + off, full.end(1) + off  # 'Great post!\nBarbara Nowak'
    m = _ONE_WORD.fullmatch(tail, start)
    if not m:
        # The last word of a line of text, set off by a dash ('... привет.
        # — Наташа', '... thanks - Sam') or a known given name after the last
        # sentence ('... it helped. Kori'): a sign-off too.
        # (only the line's last 120 characters can hold a dash, a word and
        # what may trail it: a quick search, the same answer for any real name)
        # First a cheap look from the end (most comments end in a sentence
        # whose last word follows another word): any match has, before its
        # word, spaces and then a dash or a sentence's end.
        u = tail.rstrip(" \t\u00a0.!~*)")
        k = len(u)
        while k and (u[k - 1].isalnum() or u[k - 1] in "_'’"):
            k -= 1
        while k and u[k - 1] == " ":
            k -= 1
        if k == len(u) or not k or u[k - 1] not in "-—–~.!?":
            return None
        d = _DASHED_LAST.search(tail, max(start, len(tail) - 120))
        if d is None:
            return None
        if not d.group(1) and fold_word(d.group(2)) not in lexicon().given:
            return None
        m = d
        s, e = m.span(2)
        w = m.group(2)
        if len(w) < 2 or (w[0].lower() != w[0].upper() and not w[0].isupper()) \
                or w.lower() in _SIGNOFF_WORDS:
            return None
        return s + off, e + off
    s, e = m.span(1)
    s, e = s + off, e + off
    if not _signs(m.group(1)):
        return None
    return s, e


def _signs(w: str) -> bool:
    """Whether one word alone on a line may be a signature: capitalised
    where the script has case, no closing ('Cheers'), and not built like an
    English word unless a listed given name ('Florist', 'Therapist' name a
    trade, 'Ernestine' a person)."""
    if len(w) < 2 or (w[0].lower() != w[0].upper() and not w[0].isupper()):
        return False
    k = w.lower()
    if k in _SIGNOFF_WORDS:
        return False
    return not (len(k) >= 6 and k.endswith(_WORD_ENDINGS) and fold_word(k) not in lexicon().given)


#: A mail app's last line: 'Sent from my iPhone', 'Sent via Android'.
_SENT_FROM = re.compile(r"[ \t\u00a0\-—~*]*(?i:sent (?:from|via|with|using) [^\n<>]{2,40}"
                        r"|get outlook for [^\n<>]{2,20})[ \t\u00a0.!]*")
#: A job title or a place on a last line: a few capitalised words ('Florist',
#: 'Senior Florist, Kraków', 'Head of Sales'), no sentence.
_TITLE_LINE = re.compile(r"[ \t\u00a0\-—~*]*(?=[^\n<>]{2,48}$)[^\W\d_][\w'’&.-]*"
                         r"(?:,?[ \u00a0]+(?:[^\W\d_][\w'’&.-]*|&)){0,4}[ \t\u00a0.]*")
_BREAK_TAG = re.compile(r"<br\s*/?>|</p\s*>|<p(?:\s[^<>]*)?>", re.I)


def _line_above(tail: str, start: int) -> tuple[int, int] | None:
    """The span of the line before the one starting at ``start`` (line
    breaks and paragraph tags between the two skipped), or None."""
    end = start
    while end:  # back over line breaks, spaces and paragraph tags
        if tail[end - 1] in " \t\r\n\u00a0":
            end -= 1
        elif tail[end - 1] == ">":
            lt = tail.rfind("<", 0, end)
            if lt < 0 or not _BREAK_TAG.fullmatch(tail, lt, end):
                break
            end = lt
        else:
            break
    if end == start or end == 0:
        return None
    nl = tail.rfind("\n", 0, end)
    gt = tail.rfind(">", 0, end)
    if gt > nl:
        lt = tail.rfind("<", 0, gt)
        if lt < 0 or not _BLOCK_OPEN.match(tail, lt, gt + 1):
            return None
    a = max(nl, gt) + 1
    return (a, end) if a > 0 else None


def capitalised_mid_sentence(text: str, s: int, e: int) -> bool:
    """'I told Will', not 'Will you', 'the Grace of God', 'in May'."""
    w = text[s:e]
    if not w[:1].isupper() or (len(w) > 1 and w.isupper()):
        return False
    if is_sentence_start(text, s):
        return False
    pw = prev_word(text, s)
    if pw in DETERMINERS:
        return False
    if w.lower() in _MONTHS:
        return False
    return True


# ---------------------------------------------------------------------------
# Third parties: given names of people who never commented
# ---------------------------------------------------------------------------

_CAP_WORD = re.compile(r"(?<![\w@.'’&#/-])([A-Z][a-z]+(?:['’-][A-Z]?[a-z]+)?)(?![\w@]|\.[a-z])")
_SURNAME = re.compile(r"[ \t\u00a0]+([A-Z][a-z]+(?:['’-][A-Z]?[a-z]+)?)(?![\w@])")
_TRIGGER = re.compile(r"(?<!\w)([A-Za-z]+)[ \t\u00a0]+([a-z][a-z'’-]+)(?!\w)")


def third_party_at(text: str, s: int, e: int, k: str, common: frozenset = frozenset()) -> int:
    """Where a given name found at ``text[s:e]`` (folded ``k``, no commenter's)
    stands as someone's name, the end of the name (with a capitalised surname
    after it); else -1. The rules of :func:`third_parties`."""
    w = text[s:e]
    if not w[:1].isupper():
        if k in WORDLIKE_NAMES or k in _MONTHS or k in common or not _strong_position(text, s, e):
            return -1
        return e
    if len(w) > 1 and w.isupper():
        return -1  # 'MAY', 'JUNE': shouting, or an acronym
    if k in WORDLIKE_NAMES or k in _MONTHS or k in common:
        if not _strong_position(text, s, e):
            return -1
    elif prev_word(text, s) in DETERMINERS and not _strong_position(text, s, e):
        return -1  # 'a Mercedes', 'his Porsche', 'La Vita', 'my German grandmother'
    elif is_sentence_start(text, s):  # 'Déjà vu': opening a sentence it must stand as a name
        if text[e:e + 1] not in (",", ":") and not _strong_position(text, s, e):
            return -1
    elif k in PLACE_NAMES:  # 'Jordan and Georgia, then Paris': places unless a name stands there
        if not _strong_position(text, s, e):
            return -1
    sm = _SURNAME.match(text, e)
    if sm and sm.group(1).lower() not in WORDLIKE_NAMES and sm.group(1).lower() not in common:
        e = sm.end(1)
    return e


def third_parties(text: str, taken: set[str], common: frozenset = frozenset(),
                  skip: Iterable[tuple[int, int]] = ()) -> list[tuple[int, int]]:
    """Spans of given names (from the given-names list, not in ``taken``,
    the keys the caller handles) standing as a person's name:

    * a capitalised given name that is not also a word, anywhere but after
      a place word ('in Georgia') -> the name and a capitalised surname
      after it;
    * any given name, also a word-like one (Grace, May) or lower case, in a
      strong name position: addressed, after 'my sister', before 'said',
      'X here'."""
    lex = lexicon().given
    out: list[tuple[int, int]] = []
    for m in _CAP_WORD.finditer(text):
        w = m.group(1)
        k = w.lower() if w.isalpha() else fold_word(w)
        if k not in lex or k in taken:
            continue
        s, e = m.span(1)
        if k in WORDLIKE_NAMES or k in _MONTHS or k in common:
            if not _strong_position(text, s, e):
                continue
        elif k in PLACE_NAMES:  # places, unless a name stands there
            if not _strong_position(text, s, e):
                continue
        sm = _SURNAME.match(text, e)
        if sm and fold_word(sm.group(1)) not in WORDLIKE_NAMES and not sm.group(1).isupper():
            e = sm.end(1)
        out.append((s, e))
    # lower-case given names after a relation noun, an address word or before a speech verb
    low_hits = []
    for m in re.finditer(r"(?<![\w@.])([a-z]{2,})(?![\w@])", text) if _HAS_LOWER_TRIGGER.search(text) else ():
        k = m.group(1)
        if (k in lex and k not in taken and k not in WORDLIKE_NAMES and k not in _MONTHS
                and k not in common):
            if _strong_position(text, *m.span(1)):
                low_hits.append(m.span(1))
    out.extend(low_hits)
    sk = list(skip)
    return [(s, e) for s, e in out if not any(a <= s < b for a, b in sk)]


_HAS_LOWER_TRIGGER = re.compile(r"\b(?:" + "|".join(sorted(RELATIONS | SPEECH | ADDRESS | {"here"}))
                                + r")\b", re.I)


def _strong_position(text: str, s: int, e: int) -> bool:
    """Addressed, after a relation noun or 'named', before 'said' or 'here',
    or capitalised with a possessive ('Beatrice's advice')."""
    pw = prev_word(text, s)
    if pw in ADDRESS or pw in RELATIONS:
        return True
    if _intro(text, s):
        return True
    nxt = _NEXT.match(text, e)
    if nxt and nxt.group(1) is None:
        return text[s].isupper()
    if nxt and nxt.group(1) is not None:
        w = nxt.group(1).strip(".,!?:;").lower()
        if w == "here" or w in SPEECH:
            return True
    return False


