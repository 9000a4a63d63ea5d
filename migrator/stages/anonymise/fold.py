"""Folding text for matching names: see :mod:`.names` (entities decoded, NFKD
without marks, apostrophes dropped, hyphens and underscores as spaces, lower
case, a word mixing Latin letters with Cyrillic or Greek look-alikes spelled
in one script), with a map back to the original positions; and which script a
key is written in.

Underscores are spaces on both sides, text and keys: '_Gwendolyn_' (Markdown
emphasis) and 'gwendolyn_fairweather' hold the name as words, and a handle
'happy_hiker' is the key 'happy hiker', found whole where written either way.
Code ('__init__', 'snake_case_names') holds no name unless a commenter's."""
from __future__ import annotations

import html
import re
import unicodedata
from bisect import bisect_right
from functools import lru_cache

from .scripts import is_indic_sign

# ---------------------------------------------------------------------------
# Folding
# ---------------------------------------------------------------------------

APOSTROPHES = "'’‘ʼ`´′"
_HYPHENS = "-‐‑‒–"
_SPELLED = {"ø": "o", "æ": "ae", "œ": "oe", "đ": "d", "ł": "l", "ı": "i", "þ": "th",
            "ð": "d", "ß": "ss", "ħ": "h", "ŧ": "t",
            # Persian and Urdu yeh, kaf and heh are the Arabic ones typed on another keyboard
            "\u06cc": "\u064a", "\u06a9": "\u0643", "\u06c1": "\u0647"}
#: What is not plain ASCII kept as is: entities, apostrophes, anything non-ASCII.
_SPECIAL = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});"
                      r"|['`]|[^\x00-\x7f]+")
_ASCII_SPECIAL = re.compile(r"[&`]")


def _is_mark(c: str) -> bool:
    """A mark of any kind: accents (Mn), and the vowel signs of Indic and
    Southeast Asian scripts (Mc, Mn with combining class 0), which \\w does
    not count as word characters: kept, they would cut 'प्रिया' into pieces.
    Not Thai and Lao signs: those names are found as substrings (see
    :mod:`.scripts`), where the signs tell names from words."""
    if "\u0e00" <= c <= "\u0eff":
        return False
    return unicodedata.combining(c) != 0 or unicodedata.category(c)[0] == "M"


#: Characters that show nothing: a soft hyphen, zero-width spaces and
#: joiners, direction marks. Deleted, so 'Kowal\u00adski' is Kowalski.
INVISIBLE = ("\u00ad\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff"
             "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u180e")


@lru_cache(maxsize=65536)
def fold_char(ch: str) -> str:
    """One character folded (may be '' or several characters)."""
    if ch in INVISIBLE:
        return ""
    if "\uac00" <= ch <= "\ud7af" or "\u0e00" <= ch <= "\u0eff":
        return ch  # a Hangul syllable, a Thai or Lao letter or sign (ำ is not ํ + า): kept whole
    if is_indic_sign(ord(ch)) and _is_mark(ch) and chr(ord(ch) - 0x38).isalpha():
        return chr(ord(ch) - 0x38)  # an Indic vowel sign is its vowel: 'प्रिया' is not 'प्रिय'
    if ch in APOSTROPHES:
        return "'"  # one apostrophe for all; keys also come without it (OBrien)
    if ch in _HYPHENS:
        return " "
    s = unicodedata.normalize("NFKD", ch)
    s = "".join(c for c in s if not _is_mark(c)).lower()
    if len(s) == 1 and "\u30a1" <= s <= "\u30f6":
        return chr(ord(s) - 0x60)  # katakana is hiragana: 'サクラ' is 'さくら' (ｻｸﾗ too)
    if len(s) == 1:
        return _SPELLED.get(s, s)
    return "".join(_SPELLED.get(c, c) for c in unicodedata.normalize("NFKD", s)
                   if not _is_mark(c))


def fold_word(text: str) -> str:
    """A name or key folded the way :func:`fold` folds text, spaces collapsed."""
    return " ".join(fold(text).text.replace("\x02", "").split())


class Folded:
    """Folded text and the way back to the original's positions: none (same
    positions), deleted characters only (``gone``), or pieces."""

    __slots__ = ("text", "_f", "_o", "_oe", "_one", "_gone", "_pad")

    def __init__(self, text: str, pieces=None, gone=None, pad=None):
        self.text = text
        self._gone = gone
        self._pad = pad  # original positions inside an entity after its first
        if pieces is None:
            self._f = None
        else:
            self._f, self._o, self._oe, self._one = pieces

    def span(self, fs: int, fe: int) -> tuple[int, int]:
        """The original span of the folded span ``[fs, fe)``."""
        if self._f is None:
            if self._gone is None:
                return fs, fe
            g = self._gone  # g[k] = (original position of the k-th deleted char) - k
            s = fs + bisect_right(g, fs)
            e = fe - 1 + bisect_right(g, fe - 1) + 1
            pad = self._pad
            if pad:
                while e in pad:  # a name ending in an entity ('Zo&euml;') takes all of it
                    e += 1
            return s, max(e, s)
        f, o, oe, one = self._f, self._o, self._oe, self._one
        i = bisect_right(f, fs) - 1
        s = o[i] + (fs - f[i]) if one[i] else o[i]
        j = bisect_right(f, fe - 1) - 1
        e = o[j] + (fe - 1 - f[j]) + 1 if one[j] else oe[j]
        return s, max(e, s)


class _Table(dict):
    """str.translate table: a character to its one-character fold; '\x00'
    for one to delete (apostrophes, lone marks), '\x01' for one that folds
    to several ('ß', 'æ'): that text takes the slow path."""

    def __missing__(self, o: int) -> str:
        ch = chr(o)
        if ch in APOSTROPHES:
            f = "'"
        else:
            f = fold_char(ch)
            f = f if len(f) == 1 else ("\x00" if not f else "\x01")
        self[o] = f
        return f


_TABLE = _Table()
_ENTITY = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_ZERO = re.compile("\x00")


def _mark_class() -> str:
    """A character class of every mark of the BMP (what fold_char drops)."""
    ranges, start, prev = [], None, None
    for o in range(0x300, 0x10000):
        if _is_mark(chr(o)):
            if start is None:
                start = o
            elif o != prev + 1:
                ranges.append((start, prev))
                start = o
            prev = o
    ranges.append((start, prev))
    return "[" + "".join(f"\\u{a:04x}-\\u{b:04x}" if a != b else f"\\u{a:04x}" for a, b in ranges) + "]"


_MARK = re.compile(_mark_class())
#: Characters NFKD leaves alone that fold to something else (apostrophes,
#: hyphens, letters spelled out).
_SPECIAL_CHARS = re.compile(
    "[" + re.escape("".join(sorted((set(APOSTROPHES + _HYPHENS) - {"'", "-"}) | set(_SPELLED)
                                   | set(INVISIBLE))))
    + "]")
#: Katakana, which folds to hiragana (in whole texts at C speed).
_KATAKANA = re.compile("[\u30a1-\u30f6]")
_TO_HIRAGANA = {o: o - 0x60 for o in range(0x30a1, 0x30f7)}
_PAD = re.compile("\x03")
_ZWNJ_ARABIC = re.compile("(?<=[\u0600-\u06ff])\u200c(?=[\u0600-\u06ff])")


def fold(text: str) -> Folded:
    """``text`` folded (see the module doc), with a map back to ``text``.
    Most texts fold at C speed (lower, translate, delete); entities and
    characters that fold to several take a slower path."""
    if text.isascii() and not _ASCII_SPECIAL.search(text):
        return Folded(text.lower().replace("-", " ").replace("_", " "))
    if "\u200c" in text:  # 'مریم\u200cخانم': a Persian joiner between words is a space
        text = _ZWNJ_ARABIC.sub(" ", text)
    orig = text
    if "&" in text and _ENTITY.search(text):
        # Each entity becomes its folded character(s) and padding, so
        # the text keeps its length; the padding is deleted like apostrophes.
        text = _ENTITY.sub(_entity_in_place, text)
        if "\x01" in text:
            return _fold_pieces(orig)
    if text.isascii():
        t = text.lower().replace("-", " ").replace("`", "'")
    else:
        t = text.lower()
        if len(t) != len(text):
            return _fold_pieces(orig)
        if len(t.encode("utf-8", "surrogatepass")) - len(t) <= 32:
            # A few characters outside ASCII (an accent, a curly quote, an
            # emoji): each through the table, the same fold as below, at a
            # fraction of the cost of normalising the whole text.
            t = _NON_ASCII.sub(_table_char, t.replace("-", " ").replace("`", "'"))
        else:
            t = _fold_wide(t)
        if "\x01" in t:
            return _fold_pieces(orig)
    pad = None
    if "\x03" in t:  # after a letter entity ('Zo&euml;'): deleted, the name is whole
        pad = {m.start() for m in _PAD.finditer(t)}
        t = t.replace("\x03", "\x00")
    if "\x00" not in t:
        return Folded(one_script(t.replace("_", " ")))
    gone = [m.start() - k for k, m in enumerate(_ZERO.finditer(t))]
    return Folded(one_script(t.replace("\x00", "").replace("_", " ")), gone=gone, pad=pad)


# ---------------------------------------------------------------------------
# Look-alike letters of another script
# ---------------------------------------------------------------------------

#: Cyrillic and Greek letters (as folded: lower case, no marks) that look like
#: a Latin one, and the Latin letters that look like a Cyrillic one. Unicode's
#: confusables list (and the packages that ship it, megabytes of JSON) covers
#: every script and upper case; folded text needs only these.
_TO_LATIN = str.maketrans({
    "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "і": "i", "ј": "j",
    "ѕ": "s", "к": "k", "һ": "h", "ԁ": "d", "ԛ": "q", "ԝ": "w", "ӏ": "l", "ү": "y",
    "ο": "o", "α": "a", "ι": "i", "ν": "v", "κ": "k", "ρ": "p", "τ": "t", "υ": "u", "χ": "x",
    # capitals that look Latin, as folding lowers them: В Н М Т, Β Ε Ζ Η Μ
    "в": "b", "н": "h", "м": "m", "т": "t", "β": "b", "ε": "e", "ζ": "z", "η": "h", "μ": "m"})
_TO_CYRILLIC = str.maketrans({"a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "y": "у",
                              "x": "х", "k": "к"})
#: A Cyrillic or Greek letter beside a Latin one (the engine stops only at
#: Cyrillic and Greek letters: as cheap as looking for them at all).
_MIXED_AT = re.compile(r"[\u0370-\u03ff\u0400-\u052f](?:(?<=[a-z][\u0370-\u03ff\u0400-\u052f])"
                       r"|(?=[a-z]))")
#: A word (letters only) in which a Latin letter touches a Cyrillic or Greek one.
_MIXED_WORD = re.compile(r"[^\W\d_]*(?:[a-z][\u0370-\u03ff\u0400-\u052f]|"
                         r"[\u0370-\u03ff\u0400-\u052f][a-z])[^\W\d_]*")
_NON_LATIN = re.compile(r"[^a-z]")
_NON_CYRILLIC = re.compile(r"[^\u0400-\u052f]")


def one_script(t: str) -> str:
    """Folded text whose words that mix Latin letters with Cyrillic or Greek
    look-alikes ('fairweаther' with a Cyrillic а, 'наташa' with a Latin a)
    are spelled in one script: Latin where every other letter has a Latin
    look-alike, else Cyrillic where every Latin letter has a Cyrillic one;
    else left as they are. A word wholly in one script never changes. Length
    and positions stay, so the map back to the original holds."""
    if not _MIXED_AT.search(t):
        return t
    return _MIXED_WORD.sub(_one_script_word, t)


def _one_script_word(m: re.Match) -> str:
    w = m.group()
    latin = w.translate(_TO_LATIN)
    if not _NON_LATIN.search(latin):
        return latin
    cyr = w.translate(_TO_CYRILLIC)
    if not _NON_CYRILLIC.search(cyr):
        return cyr
    return w


_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _table_char(m: re.Match) -> str:
    return _TABLE[ord(m.group())]


def _fold_wide(t: str) -> str:
    """Lower-cased text with many characters outside ASCII, folded: NFKD and
    the marks dropped, one character for one wherever the length stays (no
    character here is a mark of its own), so no map is needed; else
    character by character through the table."""
    n = _MARK.sub("", unicodedata.normalize("NFKD", t)).lower()  # NFKD may give capitals: ϔ -> Υ
    if len(n) == len(t) and not _MARK.search(t):
        t = n.replace("-", " ").replace("`", "'")
        if _SPECIAL_CHARS.search(t):
            t = _SPECIAL_CHARS.sub(_table_char, t)
        if _KATAKANA.search(t):
            t = t.translate(_TO_HIRAGANA)
        return t
    return t.translate(_TABLE)


_ENTITY_CACHE: dict = {}


def _entity_in_place(m: re.Match) -> str:
    tok = m.group()
    got = _ENTITY_CACHE.get(tok)
    if got is None:
        got = _ENTITY_CACHE[tok] = _entity_folded(tok)
        if len(_ENTITY_CACHE) > 4096:
            _ENTITY_CACHE.clear()
    return got


def _entity_folded(tok: str) -> str:
    dec = html.unescape(tok)
    if dec == tok:
        return tok
    if dec and all(c in INVISIBLE for c in dec):
        return "\x00" * len(tok)  # '&shy;', '&#8203;': nothing there, the word goes on
    f = "".join(fold_char(c) for c in dec)
    if not f:
        f = "\x00"
    if len(f) > len(tok) or any(c in dec for c in "\x00\x01\x02\x03"):
        return "\x01"
    # A letter ('&euml;') is part of a word: its padding is deleted. Anything
    # else pads with '\x02', kept: a separator like the entity was (and after
    # an apostrophe the name finder lets it pass: 'O&#8217;Brien').
    return f + ("\x03" if f.isalpha() else "\x02") * (len(tok) - len(f))


def _fold_pieces(text: str) -> Folded:
    """The general fold: entities decoded, any character to any length."""
    if "\u200c" in text:  # as fold() does
        text = _ZWNJ_ARABIC.sub(" ", text)
    fs: list[int] = []
    os_: list[int] = []
    oes: list[int] = []
    one: list[bool] = []
    parts: list[str] = []
    flen = pos = 0

    def piece(o: int, oe: int, folded: str, is_one: bool) -> None:
        nonlocal flen
        fs.append(flen)
        os_.append(o)
        oes.append(oe)
        one.append(is_one)
        parts.append(folded)
        flen += len(folded)

    for m in _SPECIAL.finditer(text):
        s, e = m.span()
        if s > pos:
            piece(pos, s, text[pos:s].lower().replace("-", " "), True)
        tok = m.group()
        if tok[0] == "&":
            dec = html.unescape(tok)
            if dec == tok:
                piece(s, e, tok.lower(), True)
            else:
                piece(s, e, "".join(fold_char(c) for c in dec), False)
        elif len(tok) == 1:
            f = fold_char(tok)
            piece(s, e, f, len(f) == 1)
        else:
            folded = [fold_char(c) for c in tok]
            if all(len(x) == 1 for x in folded):
                piece(s, e, "".join(folded), True)
            else:
                for k, x in enumerate(folded):
                    piece(s + k, s + k + 1, x, len(x) == 1)
        pos = e
    if pos < len(text):
        piece(pos, len(text), text[pos:].lower().replace("-", " "), True)
    return Folded(one_script("".join(parts).replace("_", " ")), (fs, os_, oes, one))


# ---------------------------------------------------------------------------
# Scripts
# ---------------------------------------------------------------------------

_CJK_CHARS = r"\u3040-\u30ff\u3100-\u312f\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff"
_CJK = re.compile(f"[{_CJK_CHARS}]")
_RTL = re.compile(r"[\u0590-\u05ff\u0600-\u06ff\u0750-\u077f]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LATIN_WORD = re.compile(r"[a-z]+(?: [a-z]+)*")


def script_of(key: str) -> str:
    """'cjk', 'rtl', 'cyrillic', 'latin' or 'other' for a folded key."""
    if key.isascii():  # most keys: no CJK, RTL or Cyrillic letter can be in them
        return "latin" if _LATIN_WORD.fullmatch(key) else "other"
    if _CJK.search(key):
        return "cjk"
    if _RTL.search(key):
        return "rtl"
    if _CYRILLIC.search(key):
        return "cyrillic"
    if _LATIN_WORD.fullmatch(key):
        return "latin"
    return "other"


# Declension endings, folded (ą -> a, ę -> e, й -> и). Polish, Czech and
# Slovak on Latin names (Anny, Novákovi, Jiřího, Kowalskiego), Russian and
# Ukrainian on Cyrillic ones (Иванову, Наташи, Олені, Іванові), Greek
# (Γιώργο, Ελένης).
_LATIN_AFTER_CONSONANT = ("owi", "ovi", "em", "ie", "u", "a", "e", "y", "i", "ow", "om", "ach",
                          "ami", "ego", "emu", "ym", "ou", "ovi", "iem", "s")
_LATIN_AFTER_STEM = ("y", "i", "ie", "e", "o", "u", "ou", "ej", "ii", "a", "iho", "imu", "im",
                     "iego", "iemu", "iej", "ich", "imi", "cy", "as", "es", "is", "os", "us")
_CYR_AFTER_CONSONANT = ("а", "у", "ом", "ым", "е", "ой", "ы", "ых", "ыми", "ою", "ей", "ем", "и",
                        "ю", "я", "ов", "ам", "ами", "ах", "ому", "ого", "ую", "ові", "еві", "і")
_CYR_AFTER_STEM = ("а", "ы", "и", "е", "у", "ю", "ой", "ей", "ою", "ею", "я", "ом", "ем", "ь",
                   "ии", "ию", "ьи", "і", "ї", "ію", "о", "єві", "еві", "єм", "ого", "ому", "им",
                   "ую", "ая", "ие", "их", "ими", "ои")
_GREEK_AFTER_STEM = ("ος", "ου", "ο", "ε", "ης", "η", "ας", "α", "ες", "ι", "ων")
_SUFFIXES = sorted({"".join(fold_char(c) for c in s) for s in _LATIN_AFTER_CONSONANT
                    + _LATIN_AFTER_STEM + _CYR_AFTER_CONSONANT + _CYR_AFTER_STEM
                    + _GREEK_AFTER_STEM},
                   key=lambda s: (-len(s), s))  # folded: 'ой' is 'ои' in folded text
_GREEK_ENDINGS = tuple("".join(fold_char(c) for c in s) for s in _GREEK_AFTER_STEM)
_GREEK = re.compile(r"[\u0370-\u03ff]")
_LATIN_VOWELS = "aeiouy"
_CYR_VOWELS = "аеёиоуыэюяьйіїє"
# Arabic and Hebrew one-letter (or article) proclitics: 'and', 'to', 'by', 'the' ...
_PROCLITICS = ("وال", "بال", "فال", "لل", "ال", "و", "ف", "ب", "ل", "ك", "ה", "ו", "ב", "ל", "מ",
               "ש", "כ")


def _stem_and_endings(key: str, script: str) -> list[tuple[str, tuple[str, ...]]]:
    """How ``key`` declines: (stem, endings) pairs, the first the regular
    one; none when it is not declined. The others: a fleeting vowel (Wojtek
    -> Wojtka, Павел -> Павла, Karel -> Karla), Polish consonant changes
    before -e (Małgorzata -> Małgorzacie, Agnieszka -> Agnieszce, Magda ->
    Magdzie), adjectival surnames (Kowalska -> Kowalskiej, Kowalscy,
    Достоевский -> Достоевского)."""
    if " " in key or len(key) < 4:
        return []
    out: list[tuple[str, tuple[str, ...]]] = []
    if script == "latin":
        if key[-1] in _LATIN_VOWELS:
            out.append((key[:-1], _LATIN_AFTER_STEM))
            if key[-1] == "a" and key[-2:] in _PL_CHANGE:
                out.append((key[:-2] + _PL_CHANGE[key[-2:]], ("e",)))
            if key.endswith(("ski", "cki", "ska", "cka")):
                out.append((key[:-3] + key[-3], ("cy",)))  # Kowalscy, Nowaccy
        else:
            out.append((key, _LATIN_AFTER_CONSONANT))
            if (key[-2] == "e" and key[-1] not in _LATIN_VOWELS and key[-3] not in _LATIN_VOWELS
                    and len(key) >= 5):
                out.append((key[:-2] + key[-1], _LATIN_AFTER_CONSONANT))  # Wojtek -> Wojtka
        return out
    if script == "cyrillic":
        if key[-1] in _CYR_VOWELS:
            out.append((key[:-1], _CYR_AFTER_STEM))
            if key[-2:] in ("ии", "ыи", "ои", "ая"):  # Достоевский, Толстой, Толстая
                out.append((key[:-2], _CYR_AFTER_STEM))
        else:
            out.append((key, _CYR_AFTER_CONSONANT))
            if key[-2] in "ео" and key[-1] not in _CYR_VOWELS and key[-3] not in _CYR_VOWELS \
                    and len(key) >= 5:
                out.append((key[:-2] + key[-1], _CYR_AFTER_CONSONANT))  # Павел -> Павла
        return out
    if _GREEK.search(key) and key.isalpha():
        for end in ("ος", "ης", "ας", "ες", "ους"):
            if key.endswith(end):
                return [(key[:-len(end)], _GREEK_ENDINGS)]
        if key[-1] in "αηοιυω":
            return [(key[:-1], _GREEK_ENDINGS)]
        return [(key, _GREEK_ENDINGS)]
    return []


#: Polish stems before the locative/dative -e: Małgorzata -> Małgorzacie ...
_PL_CHANGE = {"ta": "ci", "ka": "c", "ga": "dz", "da": "dzi", "ra": "rz"}


