"""Finding people's names in text, in any script: the body rules of ``--anonymise``.

This module knows nothing of comments or people; the anonymiser hands it
name keys and asks where they are. It is pure functions and tables, built
once per run:

Folding (:func:`fold`)
    Text is matched in a folded form: HTML entities decoded, NFKD with the
    combining marks removed (Zoë = Zoe, Siobhán = Siobhan, й = и), apostrophes
    removed (O’Brien = OBrien = O&#8217;Brien), hyphens as spaces (Jean-Luc =
    Jean Luc), ø/æ/œ/ł/ß spelled out, lower case. A match in the folded text
    is mapped back to the ORIGINAL span, which is what gets replaced.

Scripts (:class:`NameFinder`)
    Latin, Cyrillic and Greek names are whole words. CJK names (Chinese,
    Japanese, Korean) have no word boundaries: a CJK name of 2+ characters is
    found as a substring ("谢谢王芳！"). Arabic and Hebrew names may carry a
    one-letter proclitic ("ولأحمد", "לדוד").

Inflection
    Latin, Cyrillic and Greek names of 4+ letters are also found with a
    declension suffix (Иванову/Иванова for Иванов, Наташи for Наташа, Polish
    Anny for Anna, Czech Jiřího, Greek Γιώργο): the name (consonant-final) or
    its stem (vowel-final, or with a fleeting vowel or a Polish consonant
    change: Wojtka, Małgorzacie) plus one of a fixed set of endings, and only
    where the text capitalises it.

Name positions (:func:`name_position`)
    A name that is also a word (Hope, Will, Rose, Mark, May, Bill, Grace) or
    a handle made of words ("Cat Moody") counts only where it stands as a
    name: a sign-off (the last word of a comment after a sentence end, a line
    break or a dash), "X here", "X said/wrote/asked", "X's" (capitalised),
    addressed ("Dear X", "Hi X", "thanks X", "@X", "X," opening a line),
    after "my sister"-like nouns, "named X", "I'm X", or capitalised in
    mid-sentence (not after "the", "a", "in" and similar).

Transliteration
    A Cyrillic or Greek word that spells a Latin-script name ("Вера" for a
    commenter "Vera", "Иванову" for "Ivanov") is found through its ASCII
    transliteration (the ``anyascii`` package, ISC), and only where the text
    capitalises it (or a name stands): "вера" (faith) stays. The other way,
    the anonymiser adds a Cyrillic or Greek name's transliteration as a key
    ("Natasha" for "Наташа").

Lexicon (:func:`lexicon`)
    Given names: the US Census 1990 first-name lists (5,494 names) shipped
    by the ``names`` package (MIT; the data is public domain).
    Nicknames: the ``nicknames`` package (Apache-2.0; Robert -> Bob, Bill,
    Rob, William -> Will, Bill ...). Both load once, lazily.
"""
from __future__ import annotations

import gc
import re
from typing import Iterable, Iterator

from .contacts import contact_spans  # re-exported: one module to ask
from .fold import (_CJK, _PROCLITICS, _RTL, _SUFFIXES, Folded, _is_mark, _stem_and_endings,
                   fold, fold_char, fold_word, script_of)
from .lexicon import (ADDRESS, DETERMINERS, POSSESSIVES, RELATION_ADJ, RELATIONS, SPEECH, WORD_GIVEN,
                      WORDLIKE_NAMES, lexicon)
from .scripts import (GLUED, THAI, caseless, ending_ok, glued_pattern, glued_stems, glues, has_case, is_thai,
                      thai_stands, wants_ethiopic)
from .positions import (capitalised_mid_sentence, is_sentence_start, name_position,
                        prev_word, signoff_span, third_parties, third_party_at)

# ---------------------------------------------------------------------------
# Finding names
# ---------------------------------------------------------------------------

# Flags of a key.
FULL = 1  # the key itself is a name
STEM = 2  # the key is a stem: found only with an ending
DECLINES = 4  # the key itself takes endings
WORD = 8  # also a word: only in a name position
CASED = 16  # only where the text capitalises it (or in a name position)
THIRD = 32  # a given name from the list (someone who may never have commented)
LOWER_SKIP = 64  # never wanted in lower case (a given name that is also a word): not reported


class Match:
    """One key found: ``start``/``end`` in the original text, the folded
    ``key`` (for a stem: the full key it is the stem of), its ``flags``, and
    whether it was found with a declension ending."""

    __slots__ = ("start", "end", "key", "flags", "inflected")

    def __init__(self, start: int, end: int, key: str, flags: int, inflected: bool):
        self.start, self.end, self.key, self.flags, self.inflected = start, end, key, flags, inflected


#: Letters in the order the regex engine should try them: how often a word
#: starts with each (first level), how often each occurs (deeper). A trie's
#: branches are disjoint, so the order never changes what matches; Python's
#: engine tries branches one by one, so likely letters first saves time.
_FIRST_ORDER = {ch: i for i, ch in enumerate("taoswcbphfmdrelnigyuvjkqxz")}
_DEEP_ORDER = {ch: i for i, ch in enumerate("eaoinrlstuhcdmygkbpvfwjzxq")}


def trie_pattern(words: Iterable[str]) -> str:
    """One alternation for many literal words, factored as a trie. A space
    matches any run of whitespace.

    Built from the words sorted: those that share a prefix are neighbours,
    so each node of the trie is a run of them (no dict per node), and a run
    of one word is the rest of that word."""
    ws = sorted(set(words))
    escaped: dict[str, str] = {}

    def esc(ch: str) -> str:
        e = escaped.get(ch)
        if e is None:
            e = escaped[ch] = r"\s+" if ch == " " else "'\x02*" if ch == "'" else re.escape(ch)
        return e

    def emit(lo: int, hi: int, depth: int) -> str:
        # ws[lo:hi] share their first `depth` characters; one of them may end there.
        end = len(ws[lo]) == depth
        i = lo + 1 if end else lo
        kids = []
        while i < hi:
            ch = ws[i][depth]
            j = i + 1
            while j < hi and ws[j][depth] == ch:
                j += 1
            if j == i + 1:  # one word: the rest of it, letter by letter
                kids.append((ch, "".join([esc(c) for c in ws[i][depth:]])))
            else:
                kids.append((ch, esc(ch) + emit(i, j, depth + 1)))
            i = j
        if not kids:
            return ""
        if len(kids) == 1:
            body = kids[0][1]
        else:
            order = _FIRST_ORDER if depth == 0 else _DEEP_ORDER
            kids.sort(key=lambda kid: (order.get(kid[0], 99), kid[0]))
            body = "(?:" + "|".join([branch for _, branch in kids]) + ")"
        return "(?:" + body + ")?" if end else body

    return emit(0, len(ws), 0) if ws else ""


def _is_w(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


_SUFFIX_SET = frozenset(_SUFFIXES)
#: A Cyrillic or Greek letter, and a word of them (folded text: no marks left).
_CYR_GREEK_CLASS = r"[\u0370-\u03ff\u0400-\u04ff]"
CYRILLIC_OR_GREEK = re.compile(_CYR_GREEK_CLASS)
_CYR_GREEK_WORD = re.compile(_CYR_GREEK_CLASS + "+")
_CYR_ENDINGS = sorted({e for e in _SUFFIXES if _CYR_GREEK_WORD.fullmatch(e)}, key=len, reverse=True)


def transliterate(word: str) -> str:
    """``word``'s ASCII spelling, folded ('Вера' -> 'vera'); '' without the
    ``anyascii`` package."""
    try:
        from anyascii import anyascii
    except ImportError:  # pragma: no cover - a dependency; kept optional at run time
        return ""
    return fold_word(anyascii(word)).replace("'", "")  # 'Наталья' -> "Natal'ya" -> natalya


#: A name pattern this long (in characters) is followed by a collection.
_BIG_PATTERN = 1 << 16


# -- Names in Latin letters -------------------------------------------------------

#: Scripts whose names anyascii spells the way their owners do in Latin
#: letters: Cyrillic, Greek, Armenian, Georgian, Ethiopic, Hangul, kana (not
#: Han: its readings are Chinese; not Indic: 'शर्मा' would be 'srma'; not Thai).
_ROMANISED = re.compile(r"[\u0370-\u03ff\u0400-\u04ff\u0531-\u058f\u10a0-\u10ff\u1200-\u139f"
                        r"\u3040-\u30ff\uac00-\ud7af]")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")


def romanised(word: str) -> list[str]:
    """``word`` in Latin letters, folded, as its owner would write it
    ('Наташа' -> 'natasha', '민준' -> 'minjun' and 'min jun', 'さくら' ->
    'sakura'); none for other scripts or without the ``anyascii`` package."""
    if word.isascii() or not _ROMANISED.search(word) or _HAN.search(word):
        return []
    try:
        from anyascii import anyascii
    except ImportError:  # pragma: no cover - a dependency; kept optional at run time
        return []
    tr = anyascii(word)  # Hangul comes syllable by syllable: 'MinJun'
    out = [fold_word(tr).replace("'", "")]
    if _CAMEL.search(tr):
        out.append(fold_word(_CAMEL.sub(" ", tr)).replace("'", ""))
    return out



class NameFinder:
    """Every occurrence of a set of folded keys in a text.

    ``keys`` maps a folded key to its flags (WORD, CASED); FULL, STEM and
    DECLINES are worked out here. :meth:`find` gives the raw matches; the
    caller decides, with :func:`name_position` and
    :func:`capitalised_mid_sentence`, which ones stand as names."""

    def __init__(self, keys: dict[str, int]):
        self.flags: dict[str, int] = {}
        self.stem_of: dict[str, list[str]] = {}
        cjk, rtl, other, thai, glued = [], [], [], [], []
        for key, flags in keys.items():
            if not key:
                continue
            if key.isascii():
                pass  # most keys: no script of .scripts (a C-speed test)
            elif is_thai(key):  # no spaces: substrings, where the syllable ends (see .scripts)
                if len(key) >= 3 and " " not in key:
                    thai.append(key)
                    self.flags[key] = self.flags.get(key, 0) | flags | FULL
                continue
            elif glues(key) and not flags & (WORD | THIRD):
                glued.append(key)
            script = script_of(key)
            if script == "cjk":
                if len(key.replace(" ", "")) >= 2:
                    cjk.append(key)
                    self.flags[key] = self.flags.get(key, 0) | flags | FULL
                continue
            flags |= FULL
            for stem, _endings in () if flags & (WORD | THIRD) else _stem_and_endings(key, script):
                if stem == key:
                    flags |= DECLINES
                elif len(stem) >= 3:
                    self.flags[stem] = self.flags.get(stem, 0) | STEM
                    self.stem_of.setdefault(stem, []).append(key)
                    (rtl if script == "rtl" else other).append(stem)
            self.flags[key] = self.flags.get(key, 0) | flags
            (rtl if script == "rtl" else other).append(key)
        suf = "|".join(re.escape(s) for s in _SUFFIXES)
        # Two tries: every key whole, then the keys that decline (and stems)
        # with an ending. One trie with an optional ending matched 'fr'+'om'
        # and 'sam'+'e' only for Python to throw them away: twice the matches.
        # (trie_pattern sorts and deduplicates the words itself)
        declining = [k for k in other if self.flags.get(k, 0) & (STEM | DECLINES)]
        whole = trie_pattern(other)
        main = (r"[^0-9a-z_](?:(" + whole + r")\b|(" + (trie_pattern(declining) if declining else "(?!)")
                + r")(?P<suf>" + suf + r")\b)") if other else None
        # The regex parser's tree of a pattern (about 100 bytes a character,
        # in reference cycles) set off the cyclic collector over and over
        # while it grew: half the time of compiling 154k characters (0.6 s ->
        # 0.3 s at 400k comments with the collector paused).
        paused = gc.isenabled()
        if paused:
            gc.disable()
        try:
            self._main = re.compile(main) if main is not None else None
        finally:
            if paused:
                gc.enable()
        if len(whole) > _BIG_PATTERN:
            # That tree is garbage now, left for a collector that may not run
            # for a while: by then the run's other objects share its pages and
            # the process keeps them (12 MB at 400k comments).
            gc.collect()
        self._cjk = re.compile(trie_pattern(cjk)) if cjk else None
        pro = "|".join(_PROCLITICS)
        self._rtl = re.compile(r"(?<!\w)(?:" + pro + r")?(" + trie_pattern(rtl)
                               + r")\b") if rtl else None
        #: Latin-script keys, for Cyrillic and Greek words spelled in another script.
        self._latin = frozenset(k for k in other if self.flags.get(k, 0) & (FULL | STEM)
                                and k.isascii() and k.isalpha())
        self._translit_cache: dict[str, tuple] = {}
        self._thai = re.compile(trie_pattern(sorted(set(thai)))) if thai else None
        #: Keys that take glued endings (and their stems) -> the full key.
        self._glued_key = {k: k for k in glued}
        for k in glued:
            for st in glued_stems(k):
                self._glued_key.setdefault(st, k)
        self._glued = glued_pattern(trie_pattern(sorted(self._glued_key)), wants_ethiopic(glued)) \
            if glued else None

    def find(self, text: str, folded: Folded | None = None) -> Iterator[Match]:
        """Matches in ``text`` (original positions), left to right per script."""
        n = len(text)
        for m in self._find(text, folded):
            e = m.end
            while e < n and text[e] >= "\u0300" and _is_mark(text[e]):
                e += 1  # a name's last vowel sign (folded away) goes with it
            m.end = e
            yield m

    def _find(self, text: str, folded: Folded | None = None) -> Iterator[Match]:
        if folded is None:
            folded = fold(text)
        ft = folded.text
        flags, stem_of = self.flags, self.stem_of
        same = folded._f is None and folded._gone is None  # positions need no map
        if self._main is not None:
            for m in self._main.finditer(" " + ft):
                k = m.group(1) or m.group(2)
                s = m.start()  # where the key starts in ft (the pattern ran on " " + ft)
                if s and _is_w(ft[s - 1]):
                    continue  # inside a word of another script
                if not k.isalnum():
                    k = " ".join(k.replace("\x02", "").split())
                suf = m.group("suf")
                f = flags.get(k, 0)
                e = m.end() - 1
                if suf:
                    if f & STEM:
                        for full in stem_of[k]:
                            os_, oe = folded.span(s, e)
                            yield Match(os_, oe, full, flags[full], True)
                            break
                        continue
                    if not f & DECLINES:
                        # 'kowalskiego': the trie took 'kowalski' + 'ego'; the
                        # name is the stem 'kowalsk' + 'iego'
                        word = k + suf
                        for i in range(len(k) - 1, 2, -1):
                            st = word[:i]
                            if flags.get(st, 0) & STEM and word[i:] in _SUFFIX_SET:
                                os_, oe = folded.span(s, e)
                                yield Match(os_, oe, stem_of[st][0], flags[stem_of[st][0]], True)
                                break
                        continue
                    os_, oe = folded.span(s, e)
                    yield Match(os_, oe, k, f, True)
                    continue
                if not f & FULL:
                    continue
                os_, oe = (s, e) if same else folded.span(s, e)
                if f & LOWER_SKIP and text[os_].islower():
                    continue
                yield Match(os_, oe, k, f, False)
        if ft.isascii():  # most texts: no CJK or RTL letter can be in them (a C-speed test)
            return
        if self._cjk is not None and _CJK.search(ft):
            for m in self._cjk.finditer(ft):
                os_, oe = folded.span(*m.span())
                yield Match(os_, oe, m.group(), flags[m.group()], False)
        if self._thai is not None and THAI.search(ft):
            for m in self._thai.finditer(ft):
                if thai_stands(ft, *m.span()):
                    os_, oe = folded.span(*m.span())
                    yield Match(os_, oe, m.group(), flags[m.group()], False)
        if self._glued is not None and GLUED.search(ft):
            yield from self._glued_words(ft, folded)
        if self._latin and CYRILLIC_OR_GREEK.search(ft):
            yield from self._translit(ft, folded)
        if self._rtl is not None and _RTL.search(ft):
            for m in self._rtl.finditer(ft):
                k = m.group(1)
                f = flags.get(k, 0)
                if not f & FULL:
                    continue
                os_, oe = folded.span(*m.span(1))
                yield Match(os_, oe, k, f, False)


    def _glued_words(self, ft: str, folded: Folded) -> Iterator[Match]:
        """Names with endings or an Amharic prefix glued on (see .scripts):
        the name's letters are the match (a stem's ending goes with it);
        words with nothing glued are the main pattern's."""
        for m in self._glued.finditer(ft):
            k, suf = m.group(2), m.group(3)
            full = self._glued_key[k]
            if not ending_ok(full, suf):
                continue  # 'Անիվը' (the wheel) for Անի
            if full != k:
                if not suf:
                    continue
                e = m.end(3)  # 'ბერიძის': the stem and its ending
            elif not (suf or m.group(1)):
                continue
            else:
                e = m.end(2)
            os_, oe = folded.span(m.start(2), e)
            yield Match(os_, oe, full, self.flags[full], has_case(full))

    def _translit(self, ft: str, folded: Folded) -> Iterator[Match]:
        """Cyrillic and Greek words that spell a Latin-script key (whole, or
        declined: 'Иванову' for 'ivanov'). Always CASED: only where the text
        capitalises them or a name stands."""
        flags, cache, latin = self.flags, self._translit_cache, self._latin
        for m in _CYR_GREEK_WORD.finditer(ft):
            w = m.group()
            if w in flags:
                continue  # a key of its own script: found above
            got = cache.get(w)
            if got is None:
                got = ()
                tr = transliterate(w)
                if tr in latin and flags[tr] & FULL:
                    got = (tr, False)
                else:
                    for end in _CYR_ENDINGS:
                        if len(w) - len(end) >= 3 and w.endswith(end):
                            base = transliterate(w[:-len(end)])
                            f = flags.get(base, 0) if base in latin else 0
                            if f & STEM:
                                got = (self.stem_of[base][0], True)
                            elif f & DECLINES:
                                got = (base, True)
                            if got:
                                break
                if len(cache) > 4096:
                    cache.clear()
                cache[w] = got
            if got:
                key, inflected = got
                os_, oe = folded.span(*m.span())
                yield Match(os_, oe, key, flags[key] | CASED, inflected)



def key_flags(key: str, word_tokens: bool = False) -> int:
    """WORD for a key that is also a plain word (or a token of a handle made
    of words), CASED for one that must be capitalised unless in a name
    position (not a known given name, in a script that has case)."""
    flags = 0
    if key in WORDLIKE_NAMES or word_tokens:
        flags |= WORD
    script = script_of(key)
    if (script in ("latin", "cyrillic", "other") and " " not in key and key not in lexicon().given
            and (key.isascii() or not caseless(key))):
        flags |= CASED
    return flags


def nickname_keys(first: str) -> set[str]:
    """Folded nicknames and full forms the nickname list links to ``first``
    (Robert -> bob, rob, bobby ...; Bob -> robert)."""
    return set(lexicon().nick_of.get(fold_word(first), ()))




__all__ = ["fold", "fold_char", "fold_word", "Folded", "script_of", "lexicon", "nickname_keys",
           "key_flags", "NameFinder", "Match", "FULL", "STEM", "DECLINES", "WORD", "CASED",
           "LOWER_SKIP",
           "name_position", "capitalised_mid_sentence", "is_sentence_start", "prev_word",
           "signoff_span", "third_parties", "third_party_at", "contact_spans", "THIRD", "ADDRESS", "DETERMINERS",
           "RELATIONS", "POSSESSIVES", "RELATION_ADJ", "SPEECH", "WORDLIKE_NAMES", "WORD_GIVEN", "trie_pattern", "transliterate", "romanised"]
