"""Names written as one with something else: joined by a dot to a first
name or initial ('gwendolyn.fairweather', 'g.fairweather'), glued to digits
('Gwendolyn2'), a hashtag of the initial and surname ('#gfairweather'). The
name finder matches whole words; these are found from its matches or looked
up where a cheap test says they may be. (Underscores are spaces once folded:
'_Gwendolyn_' needs nothing here.) A mixin of :class:`~migrator.stages.anonymise.scrub_text.TextScrubber` (it
uses the people tables the anonymiser builds)."""
from __future__ import annotations

import re
from collections import Counter

from . import names as nm
from .patterns import _P_KNOWN, _is_w
from .people import _key
from .secret import NAME, NAMES_IN_BODIES
from .words import COMMON_WORDS

#: What Glued._glued looks at: digits right after a letter.
_LETTER_DIGIT = re.compile(r"[0-9](?<=[^\W\d_][0-9])")
_HASHTAG = re.compile(r"#([^\W\d_]{6,})\b")  # a literal first: the engine stops only at '#'
#: A run of six letters or more in folded text: where a joined full name may
#: be. Runs of ASCII letters (three times faster to find than any letters),
#: then those that touch a letter of another script are dropped; a joined
#: name in another script is looked for only where one was learned.
_LONG_RUN = re.compile(r"[^\W\d_]{6,}")
_LONG_ASCII_RUN = re.compile(r"[a-z]{6,}")


def glue_in(ft: str) -> bool:
    """Whether folded text holds digits right after a letter (the engine
    stops only at digits: most comments hold none so glued)."""
    return _LETTER_DIGIT.search(ft) is not None


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
        # 'g.fairweather' is the initial form 'gfairweather' (learned for a
        # surname of 5+ letters that is no word: not 'a.smith')
        others = self._live.get(before + k if len(before) == 1 else before)
        return a if others and any(p in people for p in others) else -1

    def _glued(self, text: str, folded, resolve, counts: Counter, add) -> None:
        """A commenter's name with digits glued after it, which the name
        finder's whole words miss: 'Gwendolyn2', 'fairweather1985',
        'gfairweather85'. The letters before such digits are looked up as a
        key; only a commenter's, and only a name that is no common word
        ('will2', 'mark1' stay). The digits go with the name: 'Fairweather1985'
        becomes the pseudonym alone (a year or a number beside a name may say
        who it is). (Underscores need nothing here: folding makes them spaces.)"""
        ft = folded.text
        n = len(ft)
        live, kept, ambig = self._live, self._kept_keys, self._ambig
        for g in _LETTER_DIGIT.finditer(ft):
            d = g.start()
            a = d
            while a and ft[a - 1].isalpha():
                a -= 1
            if a and (ft[a - 1].isdigit() or ft[a - 1] in "'."):
                continue  # 'v2a3', 'x.y2': no name's start
            k = ft[a:d]
            if (len(k) < 3 or k not in live or k in kept or k in ambig or k in COMMON_WORDS
                    or k in nm.WORDLIKE_NAMES):
                continue
            e = d
            while e < n and ft[e].isdigit():
                e += 1
            if e < n and ft[e].isalpha():
                continue  # 'anna2b': a word of its own
            self._add_known(k, folded.span(a, e), resolve, counts, add)

    def _hashtags(self, text: str, resolve, counts: Counter, add) -> None:
        """'#gfairweather': a hashtag that is a commenter's initial and surname
        (the name pattern finds '#GwendolynFairweather' itself)."""
        live, kept = self._live, self._kept_keys
        for m in _HASHTAG.finditer(text):
            if m.start() and (_is_w(text[m.start() - 1]) or text[m.start() - 1] == "&"):
                continue  # '&#8217;', 'C#'
            k = _key(m.group(1))
            if (k in self._initial_keys or k in self._joined_keys) \
                    and k in live and k not in kept:
                self._add_known(k, m.span(1), resolve, counts, add)

    def _joined(self, text: str, folded, resolve, counts: Counter, add) -> None:
        """A commenter's full name joined into one word, bare in the text
        ('follow gwendolynfairweather', 'GwendolynFairweather said'): the
        runs of letters of the folded text looked up in the joined names
        learned (a set, at C speed: nothing is added to the name pattern,
        where each joined name cost time and memory). One that is also a
        word ('rainbow' of a Rain Bow) counts only written in camel case
        ('RainBow')."""
        ft = folded.text
        run = _LONG_RUN if self._joined_other and not ft.isascii() else _LONG_ASCII_RUN
        hits = self._joined_keys.intersection(run.findall(ft))
        if not hits:
            return
        live, kept, lex = self._live, self._kept_keys, nm.lexicon()
        n = len(ft)
        for m in run.finditer(ft):
            k = m.group()
            if k not in hits or k not in live or k in kept:
                continue
            if (m.start() and ft[m.start() - 1].isalpha()) or (m.end() < n and ft[m.end()].isalpha()):
                continue  # part of a longer word ('annakowalskiб')
            os_, oe = folded.span(*m.span())
            if (k in self._joined_words or k in COMMON_WORDS or k in lex.stop
                    or k in lex.given) and not any(
                    ch.isupper() for ch in text[os_ + 1:oe]):
                continue
            self._add_known(k, (os_, oe), resolve, counts, add)

    def _add_known(self, k: str, span: tuple[int, int], resolve, counts: Counter, add) -> None:
        who = self._single.get(k) or self._person_for(k, resolve, counts)
        add((span[0], _P_KNOWN, -span[1], who, NAME if who == NAME else NAMES_IN_BODIES, 1))
