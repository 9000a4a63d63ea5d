"""Names in scripts that glue words to names, or write no spaces, beyond CJK
(see :mod:`.names` for the rest). Each is looked for only where the folded
text holds a letter of its script (a C-speed search), and only when some
commenter's name is written in it: ASCII and Latin text cost nothing.

Thai and Lao
    No spaces between words ('ขอบคุณคุณสมชายมาก'): a name is found as a
    substring, like CJK, but not where the syllable goes on: a name is no
    name when a vowel sign or a following vowel comes right after it, or a
    leading vowel (เ แ โ ใ ไ) right before it. Their vowel signs stay in
    the folded text (see :func:`.fold.fold_char`): 'มาลี' is not 'มาลัย'.

Indic scripts, Georgian, Armenian, Ethiopic
    Case endings, kin terms and particles are glued to the name: Bengali
    'সুমনের', 'রিনাদি', Hindi 'प्रियाजी', Tamil 'மீனாவுக்கு', Georgian
    'გიორგის', Armenian 'Արամի', Amharic 'አበበን', and Amharic prefixes
    'የአበበ', 'ለሜሮን'. A word that starts with a commenter's name (of 3+
    letters folded), with up to 8 letters after it, is that name; Georgian
    names ending in a vowel also lose it ('ბერიძე' -> 'ბერიძის'). Armenian
    has case: there only a capitalised word counts, with one of its case
    endings. Indic vowel signs fold
    to their vowel letters, so 'प्रिया' is not 'प्रिय' (dear) and 'সুমন' is
    not 'সমান' (equal).

Vietnamese
    Folding drops the tones that tell words apart: 'Mình' (I), 'Hướng'
    (direction) and 'hương' (scent) fold to the names Minh and Hương. For a
    name written with Vietnamese letters, a word counts only written as the
    name is, or without any accent ('Huong'), and capitalised unless a name
    stands there.
"""
from __future__ import annotations

import re
import unicodedata

#: Thai and Lao letters; what may not follow a name (vowel signs, tone marks,
#: following vowels) and what may not precede it (leading vowels).
THAI = re.compile(r"[\u0e01-\u0e5b\u0e81-\u0edf]")
_THAI_AFTER = frozenset("\u0e30\u0e31\u0e32\u0e33\u0e34\u0e35\u0e36\u0e37\u0e38\u0e39\u0e3a\u0e45"
                        "\u0e47\u0e48\u0e49\u0e4a\u0e4b\u0e4c\u0e4d\u0e4e"
                        "\u0eb0\u0eb1\u0eb2\u0eb3\u0eb4\u0eb5\u0eb6\u0eb7\u0eb8\u0eb9\u0ebb\u0ebc"
                        "\u0ec8\u0ec9\u0eca\u0ecb\u0ecc\u0ecd")
_THAI_BEFORE = frozenset("\u0e40\u0e41\u0e42\u0e43\u0e44\u0ec0\u0ec1\u0ec2\u0ec3\u0ec4")

#: Scripts whose words take glued endings: Indic, Armenian, Georgian, Ethiopic.
GLUED = re.compile(r"[\u0900-\u0d7f\u0531-\u058f\u10a0-\u10ff\u1200-\u139f]")
_ARMENIAN = re.compile(r"[\u0531-\u058f]")
_GEORGIAN = re.compile(r"[\u10a0-\u10ff]")
_GEORGIAN_VOWEL_END = ("ი", "ე", "ა")
#: Amharic prefixes glued before a name: of, to, by/in, from, about, like, towards.
_ETHIOPIC_PREFIXES = ("እንደ", "ስለ", "ወደ", "የ", "ለ", "በ", "ከ")
_ETHIOPIC = re.compile(r"[\u1200-\u139f]")


def is_thai(key: str) -> bool:
    return THAI.search(key) is not None


def glues(key: str) -> bool:
    """Whether a folded key is written in a script that glues endings on."""
    return GLUED.search(key) is not None and " " not in key and len(key) >= 3


def is_indic_sign(o: int) -> bool:
    """A dependent vowel sign of an Indic script (the ISCII layout, shared by
    Devanagari to Malayalam: U+0x3E..U+0x4C of each block, less the virama)."""
    return 0x900 <= o < 0xd80 and 0x3e <= (o & 0x7f) <= 0x4c


def thai_stands(ft: str, s: int, e: int) -> bool:
    """Whether a Thai or Lao key found at ``ft[s:e]`` is a whole syllable run."""
    return not ((e < len(ft) and ft[e] in _THAI_AFTER) or (s and ft[s - 1] in _THAI_BEFORE))


def glued_stems(key: str) -> list[str]:
    """Stems of a key that take endings only ('ბერიძე' -> 'ბერიძ')."""
    if _GEORGIAN.search(key) and key.endswith(_GEORGIAN_VOWEL_END) and len(key) >= 5:
        return [key[:-1]]
    return []


def glued_pattern(trie: str, ethiopic: bool) -> re.Pattern:
    """A word of folded text starting with a key (group 2), maybe after an
    Amharic prefix (group 1), with up to 8 letters glued on (group 3)."""
    pre = "(" + "|".join(_ETHIOPIC_PREFIXES) + ")?" if ethiopic else "()"
    return re.compile(r"(?<!\w)" + pre + "(" + trie + r")(\w{0,8})(?!\w)")


def caseless(key: str) -> bool:
    """Georgian: Unicode calls its everyday letters lower case (Mtavruli
    capitals are for headings), so no name there is ever capitalised."""
    return _GEORGIAN.search(key) is not None


def has_case(key: str) -> bool:
    return _ARMENIAN.search(key) is not None


#: Armenian case endings and articles after a name ('Արամի', 'Անին', 'Անիից'):
#: only these, as a capitalised word that merely starts like a name is common
#: there ('Անիվը', the wheel, for Անի).
_ARMENIAN_ENDINGS = frozenset("ի ին ից ով ում ն ը ս դ յի յին յից յով յում ու ուն ուց "
                              "ենց ի հետ".split())


def ending_ok(key: str, ending: str) -> bool:
    """Whether letters glued after a name may be an ending of its script."""
    return not ending or not has_case(key) or ending in _ARMENIAN_ENDINGS


def wants_ethiopic(keys) -> bool:
    return any(_ETHIOPIC.search(k) for k in keys)


# -- Vietnamese ------------------------------------------------------------------

#: Letters only Vietnamese writes: ă â đ ê ô ơ ư and the Latin Extended
#: Additional letters with a tone (ạ ả ấ ... ỹ).
_VIETNAMESE = re.compile(r"[ăâđêôơưĂÂĐÊÔƠƯ\u1ea0-\u1ef9]")


def vietnamese_spellings(name: str, words: list[str], key) -> dict[str, set[str]]:
    """For a name written with Vietnamese letters: each of its keys -> the
    ways it is written (lower case). Empty for any other name."""
    if name.isascii() or not _VIETNAMESE.search(name):
        return {}
    out: dict[str, set[str]] = {}
    for w in words + [" ".join(words)]:
        out.setdefault(key(w), set()).add(unicodedata.normalize("NFC", w).lower())
    return out


def vietnamese_stands(text: str, s: int, e: int, spellings: set[str], name_position) -> bool:
    """Whether a key of a Vietnamese name found at ``text[s:e]`` is that name:
    written as the name is, or without accents; capitalised, or where a name stands."""
    w = unicodedata.normalize("NFC", text[s:e]).lower()
    if not (w.isascii() or w in spellings):
        return False  # 'Mình', 'Hướng': another word that folds the same
    if text[s].isupper() or name_position(text, s, e):
        return True
    # 'cam on chi huong', 'cảm ơn chị hương': lower case after a kin term
    before = text[max(0, s - 8):s].rstrip().rsplit(None, 1)
    if not before:
        return False
    kin = "".join(c for c in unicodedata.normalize("NFKD", before[-1].lower()) if c.isascii())
    return kin in _KIN


#: Vietnamese kin terms people address each other with, without accents.
_KIN = frozenset("anh chi em co chu bac ong ba di cau ban".split())


#: Honorifics written beside a name in cased scripts ('Ayşe Hanım', 'Mehmet
#: Bey', 'Chị Hương', 'Tanaka-san'), folded: never taken for a surname after
#: the name or a given name before it.
HONORIFICS = frozenset("hanim bey efendi hoca abla abi san sama sensei kun chan ji sahib saab "
                       "sahab bhai didi anh chi em co chu bac ong ba".split())
