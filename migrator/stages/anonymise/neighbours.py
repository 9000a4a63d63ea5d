"""The words around a name: a person named where a name stands is named
throughout the text, and a commenter's one-word name takes the surname
beside it. A mixin of :class:`~migrator.stages.anonymise.scrub_text.TextScrubber`
(it uses the people tables the anonymiser builds)."""
from __future__ import annotations

import re

from . import names as nm
from .lexicon import PLACE_NAMES
from .patterns import _P_ADDR, _P_LEAD, _P_THIRD, _P_TITLE, _MONTH_FORMS, _is_w
from .people import _key, _not_a_name, _titlecase
from .scripts import HONORIFICS
from .secret import NAME
from .words import COMMON_WORDS

#: Replacements of a name judged where it stands (see Neighbours._again).
_JUDGED = frozenset((_P_THIRD, _P_TITLE, _P_ADDR, _P_LEAD))
_SUFFIXED = re.compile(r"['’]")  # 'Hanım'a': a Turkish ending after an apostrophe
_NAME_RUN = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")

#: The word after a name (one space between).
_NEXT_WORD = re.compile(r"[ \u00a0]([^\W\d_](?:[^\W\d_]|['’-](?=[^\W\d_]))*)(?![\w'’-])")


def word_start(text: str, b: int) -> int:
    """Where the word (letters, apostrophes, hyphens) ending at ``text[b]`` starts."""
    a = b
    while a and (text[a - 1].isalpha() or text[a - 1] in "'’-"):
        a -= 1
    return a


class Neighbours:
    """Names next to names (a mixin)."""

    def _again(self, text: str, edits: list) -> None:
        """A person named where a name stands ('my sister Dorota', 'Dr.
        Abernathy') is the same person elsewhere in the text, where the word
        alone would not be judged a name ('... Dorota loves your blog'): each
        other capitalised use of such a word becomes ``[name]`` too (not a
        word that is also a common word or a place: 'Grace', 'Georgia')."""
        words = None
        for s, prio, e, rep, _kind, _n in edits:
            if rep == NAME and prio in _JUDGED:
                for w in _NAME_RUN.findall(text, s, -e):
                    k = _key(w)
                    if len(w) >= 2 and _titlecase(w) and not _not_a_name(w) \
                            and k not in self._kept_keys and k not in PLACE_NAMES:
                        if words is None:
                            words = set()
                        words.add(w)
        if not words:
            return
        starts = {s for s, *_ in edits}
        n = len(text)
        for w in words:
            i = text.find(w)
            while i >= 0:
                j = i + len(w)
                if (i not in starts and not (i and (_is_w(text[i - 1]) or text[i - 1] in "'’-"))
                        and not (j < n and (_is_w(text[j]) or text[j] == "-"))):
                    edits.append((i, _P_THIRD, -j, NAME, NAME, 1))
                i = text.find(w, j)

    def _surname_after(self, text: str, e: int) -> int:
        """Where a commenter's one-word name found at ``text[:e]`` ends with
        the capitalised word after it, if that word is no common word and no
        one else's name ('Mike Thornbury, is that you?' for a commenter Mike):
        the pseudonym takes both, so no real surname stands beside it."""
        m = _NEXT_WORD.match(text, e)
        if m is None:
            return e
        w = m.group(1)
        if len(w) < 2 or not _titlecase(w) or _not_a_name(w):
            return e
        k = _key(w)
        if (k in self._live or k in self._kept_keys or k in COMMON_WORDS or k in nm.WORDLIKE_NAMES
                or k in _MONTH_FORMS or k in HONORIFICS or _key(_SUFFIXED.split(w)[0]) in HONORIFICS):
            return e
        return m.end(1)

    def _given_before(self, text: str, s: int) -> int:
        """Where a commenter's one-word name found at ``text[s:]`` starts with
        a listed given name just before it ('Anna Kowalski is right' for a
        commenter Kowalski)."""
        if s < 3 or text[s - 1] not in " \u00a0" or not text[s - 2].isalpha():
            return s
        b = s - 1
        a = word_start(text, b)
        w = text[a:b]
        if (a and _is_w(text[a - 1])) or len(w) < 2 or not _titlecase(w) or not w[0].isalpha():
            return s
        k = _key(w)
        if (k not in nm.lexicon().given or k in self._live or k in self._kept_keys
                or k in COMMON_WORDS or k in nm.WORDLIKE_NAMES or k in HONORIFICS):
            return s
        return a
