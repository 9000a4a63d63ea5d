"""Names written as one with something else: joined by a dot to a first
name or initial ('gwendolyn.fairweather', 'g.fairweather'), glued to
underscores or digits ('_Gwendolyn_', 'gwendolyn_fairweather', 'Gwendolyn2').
The name finder matches whole words; these are found from it, or from the
words holding an underscore or digits after a letter, looked at again. A
mixin of :class:`~migrator.stages.anonymise.scrub_text.TextScrubber` (it
uses the people tables the anonymiser builds)."""
from __future__ import annotations

import re
from collections import Counter

from . import names as nm
from .patterns import _P_KNOWN, _is_w
from .people import _key
from .secret import NAME, NAMES_IN_BODIES
from .words import COMMON_WORDS

#: What Glued._glued looks at: underscores, digits right after a letter.
_LETTER_DIGIT = re.compile(r"[0-9](?<=[^\W\d_][0-9])")
_DIGIT_RUN = re.compile(r"[0-9]+")
_GLUE_POINT_US = re.compile(r"_+")
_GLUE_SPACE = re.compile(r"[_0-9]+")


def _spaces(m: re.Match) -> str:
    return " " * len(m.group())


def glue_in(ft: str) -> bool:
    """Whether folded text holds an underscore, or digits right after a
    letter (cheap tests first: most comments hold neither)."""
    return "_" in ft or (any(d in ft for d in "0123456789") and _LETTER_DIGIT.search(ft) is not None)


class Glued:
    """The joined and glued names of :class:`TextScrubber` (a mixin)."""

    def _dotted(self, k: str, text: str, s: int) -> int:
        """A commenter's surname (or any later name word) joined by a dot to
        their first name or first initial, as handles and e-mail local parts
        are written ('gwendolyn.fairweather', 'g.fairweather', any case):
        where that name starts, else -1. (Found from the surname the finder
        found, so it costs nothing where no name is.)"""
        a = s - 1
        while a and text[a - 1].isalpha():
            a -= 1
        if a == s - 1 or (a and (_is_w(text[a - 1]) or text[a - 1] in ".@/")):
            return -1  # no word before the dot, or part of a longer address
        before = _key(text[a:s - 1])
        people = self._live[k]
        if (k in self._ambig or k in self._word_tokens) and not text[s].isupper():
            return -1  # 'e.g.will', 'p.s.mark': a name that is a word, after a dot
        if len(before) == 1:
            if len(k) < 5 or k in COMMON_WORDS:
                return -1  # 'a.smith' is the first initial only before a surname that is no word
            return a if any(i[:1] == before for p in people for i in p.initials) else -1
        others = self._live.get(before)
        return a if others and any(p in people for p in others) else -1

    def _glued(self, text: str, folded, resolve, counts: Counter, add) -> None:
        """A commenter's name glued to underscores or digits, which the name
        finder's whole words miss: '_Gwendolyn_' (markdown emphasis),
        'gwendolyn_fairweather', 'Gwendolyn2', 'Fairweather1985'. The words
        holding an underscore, or digits right after a letter, are looked at
        again with those signs as spaces (same length: positions hold).
        Only commenters' keys count; a key that is also a word ('will2',
        'mark_down') only where a name stands, and digits only after a name
        that is no common word. A handle with an underscore or digits
        ('happy_hiker', 'anna77') is a key of its own, found whole before.
        The digits go with the name: 'Fairweather1985' becomes the pseudonym
        alone (a year or a number beside a name may say who it is); the
        underscores stay ('_Commenter 1A2B3C4D_')."""
        ft = folded.text
        n = len(ft)
        points = [i for i in _GLUE_POINT_US.finditer(ft)] if "_" in ft else []
        for d in _DIGIT_RUN.finditer(ft):
            if d.start() and ft[d.start() - 1].isalpha():
                points.append(d)
        done = set()
        live, kept = self._live, self._kept_keys
        for g in points:
            a, b = g.start(), g.end()
            while a and _is_w(ft[a - 1]):
                a -= 1
            while b < n and _is_w(ft[b]):
                b += 1
            if (a, b) in done:
                continue
            done.add((a, b))
            tok = ft[a:b]
            var = _GLUE_SPACE.sub(_spaces, tok)
            for m in self._finder.find(var, nm.Folded(var)):
                k, fs, fe = m.key, a + m.start, a + m.end
                if m.inflected or k not in live or k in kept:
                    continue
                digits = fe < b and ft[fe].isdigit()
                if not digits and "_" not in ft[max(a, fs - 1):fe + 1]:
                    continue  # whole here: the finder found it already
                if digits and (k in COMMON_WORDS or m.flags & nm.WORD or k in self._common):
                    continue  # 'will2', 'mark1'
                if digits:
                    while fe < b and ft[fe].isdigit():
                        fe += 1
                os_, oe = folded.span(fs, fe)
                if m.flags & nm.WORD and not self._stands(
                        k, nm.Match(os_, folded.span(fs, a + m.end)[1], k, m.flags, False), text):
                    continue
                who = self._single.get(k) or self._person_for(k, resolve, counts)
                add((os_, _P_KNOWN, -oe, who, NAME if who == NAME else NAMES_IN_BODIES, 1))
