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
    Latin and Cyrillic names of 4+ letters are also found with a
    declension suffix (Иванову/Иванова for Иванов, Наташи for Наташа, Polish
    Anny for Anna): the name (consonant-final) or its stem (vowel-final) plus
    one of a fixed set of endings, and only where the text capitalises it.

Name positions (:func:`name_position`)
    A name that is also a word (Hope, Will, Rose, Mark, May, Bill, Grace) or
    a handle made of words ("Cat Moody") counts only where it stands as a
    name: a sign-off (the last word of a comment after a sentence end, a line
    break or a dash), "X here", "X said/wrote/asked", "X's" (capitalised),
    addressed ("Dear X", "Hi X", "thanks X", "@X", "X," opening a line),
    after "my sister"-like nouns, "named X", "I'm X", or capitalised in
    mid-sentence (not after "the", "a", "in" and similar).

Lexicon (:func:`lexicon`)
    Given names: the US Census 1990 first-name lists (5,494 names) shipped
    by the ``names`` package (MIT; the data is public domain).
    Nicknames: the ``nicknames`` package (Apache-2.0; Robert -> Bob, Bill,
    Rob, William -> Will, Bill ...). Both load once, lazily.
"""
from __future__ import annotations

import html
import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Iterator

# ---------------------------------------------------------------------------
# Folding
# ---------------------------------------------------------------------------

APOSTROPHES = "'’‘ʼ`´′"
_HYPHENS = "-‐‑‒–"
_SPELLED = {"ø": "o", "æ": "ae", "œ": "oe", "đ": "d", "ł": "l", "ı": "i", "þ": "th",
            "ð": "d", "ß": "ss", "ħ": "h", "ŧ": "t"}
#: What is not plain ASCII kept as is: entities, apostrophes, anything non-ASCII.
_SPECIAL = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});"
                      r"|['`]|[^\x00-\x7f]+")
_ASCII_SPECIAL = re.compile(r"[&'`]")


@lru_cache(maxsize=65536)
def fold_char(ch: str) -> str:
    """One character folded (may be '' or several characters)."""
    if ch in APOSTROPHES:
        return ""
    if ch in _HYPHENS:
        return " "
    s = unicodedata.normalize("NFKD", ch)
    s = "".join(c for c in s if not unicodedata.combining(c)).lower()
    if len(s) == 1:
        return _SPELLED.get(s, s)
    return "".join(_SPELLED.get(c, c) for c in unicodedata.normalize("NFKD", s)
                   if not unicodedata.combining(c))


def fold_word(text: str) -> str:
    """A name or key folded the way :func:`fold` folds text, spaces collapsed."""
    return " ".join(fold(text).text.split())


class Folded:
    """Folded text and the way back to the original's positions."""

    __slots__ = ("text", "_f", "_o", "_oe", "_one")

    def __init__(self, text: str, pieces=None):
        self.text = text
        if pieces is None:
            self._f = None
        else:
            self._f, self._o, self._oe, self._one = pieces

    def span(self, fs: int, fe: int) -> tuple[int, int]:
        """The original span of the folded span ``[fs, fe)``."""
        if self._f is None:
            return fs, fe
        f, o, oe, one = self._f, self._o, self._oe, self._one
        i = bisect_right(f, fs) - 1
        s = o[i] + (fs - f[i]) if one[i] else o[i]
        j = bisect_right(f, fe - 1) - 1
        e = o[j] + (fe - 1 - f[j]) + 1 if one[j] else oe[j]
        return s, max(e, s)


def _possessive(text: str, e: int) -> bool:
    """An apostrophe before a final 's' ("Hope's"): it parts the name from
    the 's' instead of joining them ('hope s', not 'hopes')."""
    return text[e:e + 1] in ("s", "S") and not text[e + 1:e + 2].isalnum()


def fold(text: str) -> Folded:
    """``text`` folded (see the module doc), with a map back to ``text``."""
    if text.isascii() and not _ASCII_SPECIAL.search(text):
        return Folded(text.lower().replace("-", " "))
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
            elif dec in APOSTROPHES and _possessive(text, e):
                piece(s, e, " ", False)
            else:
                piece(s, e, "".join(fold_char(c) for c in dec), False)
        elif len(tok) == 1:
            f = " " if tok in APOSTROPHES and _possessive(text, e) else fold_char(tok)
            piece(s, e, f, len(f) == 1)
        else:
            folded = [" " if c in APOSTROPHES and _possessive(text, s + k + 1) else fold_char(c)
                      for k, c in enumerate(tok)]
            if all(len(x) == 1 for x in folded):
                piece(s, e, "".join(folded), True)
            else:
                for k, x in enumerate(folded):
                    piece(s + k, s + k + 1, x, len(x) == 1)
        pos = e
    if pos < len(text):
        piece(pos, len(text), text[pos:].lower().replace("-", " "), True)
    return Folded("".join(parts), (fs, os_, oes, one))


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
    if _CJK.search(key):
        return "cjk"
    if _RTL.search(key):
        return "rtl"
    if _CYRILLIC.search(key):
        return "cyrillic"
    if _LATIN_WORD.fullmatch(key):
        return "latin"
    return "other"


# Declension endings, folded (ą -> a, ę -> e, й -> и).
_LATIN_AFTER_CONSONANT = ("owi", "ovi", "em", "ie", "u", "a", "e", "y", "i", "ow", "om", "ach",
                          "ami", "ego", "emu", "ym", "ou", "ovi")
_LATIN_AFTER_STEM = ("y", "i", "ie", "e", "o", "u", "ou", "ej", "ii", "a")
_CYR_AFTER_CONSONANT = ("а", "у", "ом", "ым", "е", "ой", "ы", "ых", "ыми", "ою", "ей", "ем", "и",
                        "ю", "я", "ов", "ам", "ами", "ах", "ому", "ого", "ую")
_CYR_AFTER_STEM = ("а", "ы", "и", "е", "у", "ю", "ой", "ей", "ою", "ею", "я", "ом", "ем", "ь",
                   "ии", "ию", "ьи")
_SUFFIXES = sorted({"".join(fold_char(c) for c in s) for s in _LATIN_AFTER_CONSONANT
                    + _LATIN_AFTER_STEM + _CYR_AFTER_CONSONANT + _CYR_AFTER_STEM},
                   key=lambda s: (-len(s), s))  # folded: 'ой' is 'ои' in folded text
_LATIN_VOWELS = "aeiouy"
_CYR_VOWELS = "аеёиоуыэюяьй"
# Arabic and Hebrew one-letter (or article) proclitics: 'and', 'to', 'by', 'the' ...
_PROCLITICS = ("وال", "بال", "فال", "لل", "ال", "و", "ف", "ب", "ل", "ك", "ה", "ו", "ב", "ל", "מ",
               "ש", "כ")


def _stem_and_endings(key: str, script: str) -> tuple[str, tuple[str, ...]] | None:
    """How ``key`` declines: (stem, endings), or None when it is not declined."""
    if " " in key or len(key) < 4:
        return None
    if script == "latin":
        if key[-1] in _LATIN_VOWELS:
            return key[:-1], _LATIN_AFTER_STEM
        return key, _LATIN_AFTER_CONSONANT
    if script == "cyrillic":
        if key[-1] in _CYR_VOWELS:
            return key[:-1], _CYR_AFTER_STEM
        return key, _CYR_AFTER_CONSONANT
    return None


# ---------------------------------------------------------------------------
# Lexicon: given names, nicknames, common words
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Lexicon:
    given: frozenset  # folded given names
    nick_of: dict  # folded name -> folded nicknames and full forms it is linked to


_LEXICON: Lexicon | None = None


def lexicon() -> Lexicon:
    """The given-names list and the nickname links (loaded once)."""
    global _LEXICON
    if _LEXICON is None:
        given: set[str] = set()
        try:
            import names as _names  # the census first-name lists (MIT)

            for key in ("first:male", "first:female"):
                with open(_names.FILES[key], encoding="ascii", errors="ignore") as fh:
                    for line in fh:
                        word = line.split(" ", 1)[0].strip().lower()
                        if word.isalpha():
                            given.add(word)
        except (ImportError, OSError, KeyError, AttributeError):
            given = set(_FALLBACK_GIVEN)
        links: dict[str, set[str]] = {}
        try:
            from nicknames import NickNamer

            nn = NickNamer()
            for full, nicks in nn.nickname_lookup.items():
                for n in nicks:
                    links.setdefault(full, set()).add(n)
                    links.setdefault(n, set()).add(full)
        except ImportError:
            pass
        _LEXICON = Lexicon(frozenset(given), {k: frozenset(v) for k, v in links.items()})
    return _LEXICON


#: Used only when the ``names`` package is missing.
_FALLBACK_GIVEN = """james john robert michael william david richard charles joseph thomas
mary patricia linda barbara elizabeth jennifer maria susan margaret dorothy lisa nancy karen
helen sandra donna carol ruth sharon michelle laura sarah kimberly deborah jessica shirley
cynthia angela melissa brenda amy anna rebecca virginia kathleen pamela martha debra amanda
stephanie carolyn christine marie janet catherine frances ann joyce diane alice julie heather
teresa doris gloria evelyn jean cheryl mildred katherine joan ashley judith rose janice kelly
nicole judy christina kathy theresa beverly denise tammy irene jane lori rachel marilyn andrea
kathryn louise sara anne jacqueline wanda bonnie julia ruby lois tina phyllis norma paula diana
annie lillian emily robin peggy crystal gladys rita dawn connie florence tracy edna tiffany
carmen rosa cindy grace wendy victoria edith kim sherry sylvia josephine thelma shannon sheila
ethel ellen elaine marjorie carrie charlotte monica esther pauline emma juanita anita rhonda
hazel amber eva debbie april leslie clara lucille jamie joanne eleanor valerie danielle megan
alicia suzanne michele gail bertha darlene veronica jill erin geraldine lauren cathy joann
lorraine lynn sally regina erica beatrice dolores bernice audrey yvonne annette june samantha
marion dana stacy ana renee ida vivian roberta holly brittany melanie loretta yolanda jeanette
laurie katie kristen vanessa alma sue elsie beth jeanne kori george kenneth steven edward brian
ronald anthony kevin jason matthew gary timothy jose larry jeffrey frank scott eric stephen
andrew raymond gregory joshua jerry dennis walter patrick peter harold douglas henry carl arthur
ryan roger joe juan jack albert jonathan justin terry gerald keith samuel willie ralph lawrence
nicholas roy benjamin bruce brandon adam harry fred wayne billy steve louis jeremy aaron randy
howard eugene carlos russell bobby victor martin ernest phillip todd jesse craig alan shawn
clarence sean philip chris johnny earl jimmy antonio danny bryan tony luis mike stanley leonard
nathan dale manuel rodney curtis norman allen marvin vincent glenn jeffery travis jeff chad
jacob lee melvin alfred kyle francis bradley jesus herbert frederick ray joel edwin don eddie
ricky troy randall barry alexander bernard mario leroy francisco marcus micheal theodore clifford
miguel oscar jay jim tom calvin alex jon ronnie bill lloyd tommy leon derek warren darrell
jerome floyd leo alvin tim wesley gordon dean greg jorge dustin pedro derrick dan lewis zachary
corey herman maurice vernon roberto clyde glen hector shane ricardo sam rick lester brent ramon
charlie tyler gilbert gene marc reginald ruben brett angel nathaniel rafael leslie edgar milton
raul ben chester cecil duane franklin andre elmer brad gabriel ron mitchell roland arnold harvey
jared adrian karl cory claude erik darryl jamie neil jessie christian javier fernando clinton
ted mathew tyrone darren lonnie lance cody julio kelly kurt allan nelson guy clayton hugh max
dwayne dwight armando felix jimmie everett jordan ian wallace ken bob jaime casey alfredo alberto
dave ivan johnnie sidney byron julian isaac morris clifton willard daryl ross virgil andy marshall
salvador perry kirk sergio marion tracy seth kent terrance rene eduardo terrence enrique freddie
wade""".split()

#: Frequent words that are also given names, places or months: these count as
#: names only in a name position, never merely for being capitalised.
WORDLIKE_NAMES = frozenset("""
will may june april august faith hope grace joy rose mark bill ray rich rob art bob drew grant
hunter chase guy jack frank gene sky dawn summer autumn winter heather holly ivy lily daisy iris
violet ruby amber pearl crystal jade robin jay wren sage olive hazel brown gray grey cook bird
angel destiny harmony melody patience charity mercy bliss star storm rain river brook cliff dale
glen wood reed sandy sunny rusty lucky buck earl duke king prince major victor miles lance norm
chance rocky sterling win nick penny carol sue pat don tim bud chip dot kitty misty brandy sherry
trinity justice liberty serenity prudence felicity verity constance honor honour sunshine dusty
skip page mason bear fox wolf hawk forest meadow ocean raven dove lark basil clay stone flint
rock ash rowan cash colt jewel diamond precious lovely sweet happy merry noel eve christian
long young lane love early lee say son man field hill hall rich baker cole lord king joy gay
bell ward house park short small little strong wise hardy bishop knight butcher fisher miller
potter porter walker weaver shepherd cooper glass gold silver banks brooks waters rivers
fields hills street church cross sharp swift crane drake finch bull hart fry payne ginger candy
honey sly fair best green white black carter hope love loving tender
an in is it to me my so do go he we us up on no by or as at be if of oh ok hi ha am
""".split())

#: Given names that are as often places: after a place word they are places.
PLACE_NAMES = frozenset("""paris georgia virginia carolina florence austin jordan chelsea sydney
victoria charlotte savannah madison phoenix dallas houston israel india china kenya asia africa
america lincoln orlando denver aurora sierra nevada dakota brooklyn york london berlin vienna
milan venice siena lourdes regina adelaide alexandria tyler eugene marion raleigh""".split())
_PLACE_CONTEXT = frozenset("in to from at near visit visited visiting across around outside "
                           "inside via into through towards toward throughout of the".split())
DETERMINERS = frozenset("the a an my your his her our their its this that these those of "
                        "god's gods amazing saving red white pink yellow wild some any no every "
                        "each such what which".split())
#: Nouns after which a capitalised word is a person's name ("my sister Kori").
RELATIONS = frozenset("""sister brother mother father mum mom dad mama papa friend husband wife
son daughter aunt auntie uncle cousin niece nephew grandma grandmother grandpa grandfather
granny nana boss therapist colleague coworker neighbor neighbour partner boyfriend girlfriend
fiance fiancee counsellor counselor teacher roommate flatmate ex stepmother stepfather stepson
stepdaughter sibling child baby kid pastor priest coach mentor doctor nurse psychiatrist
psychologist analyst bestie buddy pal""".split())
#: Verbs of speech: "Helen said", "Hope wrote".
SPEECH = frozenset("""said says wrote writes asked asks told tells replied replies mentioned
mentions posted posts commented comments suggested suggests thinks thought explained explains
added adds noted notes shared shares answered answers responded responds argued argues claimed
claims believes believed feels felt knows knew agreed agrees""".split())
#: Words that open an addressed name ("Dear X", "thanks X").
ADDRESS = frozenset("dear dearest hi hiya hello hey howdy greetings thanks thx thankyou cheers "
                    "bye goodbye love sorry congrats welcome".split())
_SIGNOFF_WORDS = frozenset("love regards best cheers thanks warmly sincerely yours xo xx xoxo "
                           "hugs blessings namaste peace ciao".split())
_INTRO = re.compile(r"(?:\b(?:i'?m|i am|my name is|this is|named|called|call me|it'?s)\s+)$",
                    re.I)
_MONTHS = frozenset("january february march april may june july august september october "
                    "november december".split())
_SENTENCE_END = ".!?…:;\n"


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


def is_sentence_start(text: str, s: int) -> bool:
    b = _before(text, s).rstrip(" \t\u00a0\"'“‘«„([*")
    return not b or b[-1] in _SENTENCE_END or b.endswith((" -", " —", "--"))


def prev_word(text: str, s: int) -> str:
    """The word before ``s`` (lower case), '' at the start of a sentence."""
    b = _before(text, s)
    m = _PREV_WORD.search(b)
    if not m:
        return ""
    between = b[m.end(1):]
    if any(ch in between for ch in ".!?\n"):
        return ""
    return m.group(1).lower().replace("’", "'")


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
    b = _before(text, s, 30)
    if _INTRO.search(b):
        return True
    after = text[e:e + 3].lstrip(" \t\u00a0")
    if after[:1] in (",", ":", "!") and is_sentence_start(text, s):
        return True  # 'Rose, I am so sorry'
    if is_signoff(text, s, e):
        return True
    return False


_LAST_LINE = re.compile(r"(?:^|\n|<(?i:br|p|div)\b[^<>]*>)[ \t\u00a0\-—~*]*"
                        r"([^\W\d_][\w'’]*(?:-[^\W\d_][\w'’]*)?)"
                        r"[ \t\u00a0.!,~*)]*(?:</[a-z]+>|<br\s*/?>|\s)*$")


def signoff_span(text: str) -> tuple[int, int] | None:
    """The span of a comment's signature: one word (a name, in any script)
    alone on the last line, capitalised where the script has case."""
    m = _LAST_LINE.search(text[-200:])
    if not m:
        return None
    off = max(0, len(text) - 200)
    s, e = m.span(1)
    w = m.group(1)
    if len(w) < 2 or (w[0].lower() != w[0].upper() and not w[0].isupper()):
        return None
    if w.lower() in _SIGNOFF_WORDS:
        return None
    return s + off, e + off


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
# Finding names
# ---------------------------------------------------------------------------

# Flags of a key.
FULL = 1  # the key itself is a name
STEM = 2  # the key is a stem: found only with an ending
DECLINES = 4  # the key itself takes endings
WORD = 8  # also a word: only in a name position
CASED = 16  # only where the text capitalises it (or in a name position)


@dataclass(frozen=True)
class Match:
    start: int  # in the original text
    end: int
    key: str  # the folded key (for a stem: the full key it is the stem of)
    flags: int
    inflected: bool


def trie_pattern(words: Iterable[str]) -> str:
    """One alternation for many literal words, factored as a trie. A space
    matches any run of whitespace."""
    root: dict = {}
    for w in words:
        node = root
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict) -> str:
        branches = [(r"\s+" if ch == " " else re.escape(ch)) + emit(child)
                    for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return "(?:" + body + ")?" if "" in node else body

    return emit(root)


def _is_w(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


class NameFinder:
    """Every occurrence of a set of folded keys in a text.

    ``keys`` maps a folded key to its flags (WORD, CASED); FULL, STEM and
    DECLINES are worked out here. :meth:`find` gives the raw matches; the
    caller decides, with :func:`name_position` and
    :func:`capitalised_mid_sentence`, which ones stand as names."""

    def __init__(self, keys: dict[str, int]):
        self.flags: dict[str, int] = {}
        self.stem_of: dict[str, list[str]] = {}
        cjk, rtl, other = [], [], []
        for key, flags in keys.items():
            if not key:
                continue
            script = script_of(key)
            if script == "cjk":
                if len(key.replace(" ", "")) >= 2:
                    cjk.append(key)
                    self.flags[key] = self.flags.get(key, 0) | flags | FULL
                continue
            flags |= FULL
            dec = None if flags & WORD else _stem_and_endings(key, script)
            if dec is not None:
                stem, endings = dec
                if stem == key:
                    flags |= DECLINES
                elif len(stem) >= 3:
                    self.flags[stem] = self.flags.get(stem, 0) | STEM
                    self.stem_of.setdefault(stem, []).append(key)
                    (rtl if script == "rtl" else other).append(stem)
            self.flags[key] = self.flags.get(key, 0) | flags
            (rtl if script == "rtl" else other).append(key)
        suf = "|".join(re.escape(s) for s in _SUFFIXES)
        self._main = re.compile(r"[^0-9a-z_](" + trie_pattern(sorted(set(other))) + r")(?:(?P<suf>"
                                + suf + r")\b|\b)") if other else None
        self._cjk = re.compile(trie_pattern(sorted(set(cjk), key=len, reverse=True))) if cjk else None
        pro = "|".join(_PROCLITICS)
        self._rtl = re.compile(r"(?<!\w)(?:" + pro + r")?(" + trie_pattern(sorted(set(rtl)))
                               + r")\b") if rtl else None

    def find(self, text: str, folded: Folded | None = None) -> Iterator[Match]:
        """Matches in ``text`` (original positions), left to right per script."""
        if folded is None:
            folded = fold(text)
        ft = folded.text
        flags, stem_of = self.flags, self.stem_of
        if self._main is not None:
            for m in self._main.finditer(" " + ft):
                k = m.group(1)
                s = m.start(1) - 1
                if s and _is_w(ft[s - 1]):
                    continue  # inside a word of another script
                k = " ".join(k.split()) if not k.isalnum() else k
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
                        continue
                    os_, oe = folded.span(s, e)
                    yield Match(os_, oe, k, f, True)
                    continue
                if not f & FULL:
                    continue
                os_, oe = folded.span(s, e)
                yield Match(os_, oe, k, f, False)
        if self._cjk is not None and _CJK.search(ft):
            for m in self._cjk.finditer(ft):
                os_, oe = folded.span(*m.span())
                yield Match(os_, oe, m.group(), flags[m.group()], False)
        if self._rtl is not None and _RTL.search(ft):
            for m in self._rtl.finditer(ft):
                k = m.group(1)
                f = flags.get(k, 0)
                if not f & FULL:
                    continue
                os_, oe = folded.span(*m.span(1))
                yield Match(os_, oe, k, f, False)


def key_flags(key: str, word_tokens: bool = False) -> int:
    """WORD for a key that is also a plain word (or a token of a handle made
    of words), CASED for one that must be capitalised unless in a name
    position (not a known given name, in a script that has case)."""
    flags = 0
    if key in WORDLIKE_NAMES or word_tokens:
        flags |= WORD
    script = script_of(key)
    if script in ("latin", "cyrillic", "other") and " " not in key and key not in lexicon().given:
        flags |= CASED
    return flags


def nickname_keys(first: str) -> set[str]:
    """Folded nicknames and full forms the nickname list links to ``first``
    (Robert -> bob, rob, bobby ...; Bob -> robert)."""
    return set(lexicon().nick_of.get(fold_word(first), ()))


# ---------------------------------------------------------------------------
# Third parties: given names of people who never commented
# ---------------------------------------------------------------------------

_CAP_WORD = re.compile(r"(?<![\w@.'’&#/-])([A-Z][a-z]+(?:['’-][A-Z]?[a-z]+)?)(?![\w@]|\.[a-z])")
_SURNAME = re.compile(r"[ \t\u00a0]+([A-Z][a-z]+(?:['’-][A-Z]?[a-z]+)?)(?![\w@])")
_TRIGGER = re.compile(r"(?<!\w)([A-Za-z]+)[ \t\u00a0]+([a-z][a-z'’-]+)(?!\w)")


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
        elif k in PLACE_NAMES:
            pw = prev_word(text, s)
            if pw in _PLACE_CONTEXT and not _strong_position(text, s, e):
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
    """Addressed, after a relation noun or 'named', before 'said' or 'here'."""
    pw = prev_word(text, s)
    if pw in ADDRESS or pw in RELATIONS:
        return True
    if _INTRO.search(_before(text, s, 30)):
        return True
    nxt = _NEXT.match(text, e)
    if nxt and nxt.group(1) is not None:
        w = nxt.group(1).strip(".,!?:;").lower()
        if w == "here" or w in SPEECH:
            return True
    return False


# ---------------------------------------------------------------------------
# Contact details the classic patterns miss
# ---------------------------------------------------------------------------

TLDS = ("com net org info biz co io me de uk fr nl ca au us eu ly tv blog dev app xyz site online "
        "page art name pl ru cn jp es it ch se no dk fi be at br in mx nz ie za gr pt cz sk hu ro "
        "ua by kz tr il ae sa eg kr tw hk sg my id ph vn th ar cl pe ve is lt lv ee si hr rs bg "
        "me email live life world today space tech studio design photo photography social "
        "club shop store fm am cc ws gl gg ai wiki").split()
_TLD_ALT = "|".join(sorted(set(TLDS), key=lambda t: (-len(t), t)))
#: A bare domain ('annakowalski.blog', 'www' not needed): labels, a known TLD.
BARE_DOMAIN = re.compile(r"(?<![\w@.\-/])(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:"
                         + _TLD_ALT + r")(?:/[^\s<>\"]*)?(?![\w@-]|\.[a-z0-9])", re.I)
_AT = r"(?:\s*[\(\[\{<]\s*at\s*[\)\]\}>]\s*|\s+at\s+|\s*\(@\)\s*|\s+@\s+)"
_DOT = r"(?:\s*[\(\[\{<]\s*dot\s*[\)\]\}>]\s*|\s+dot\s+|\s*\.\s*)"
#: 'akowalski77 at gmail dot com', 'x [at] y [dot] com', 'anna (at) mail (dot) ru'
SPELLED_EMAIL = re.compile(r"(?<![\w.])[\w.+-]+" + _AT + r"[\w-]+(?:" + _DOT + r"[\w-]+)*?"
                           + r"(?:\s*[\(\[\{<]\s*dot\s*[\)\]\}>]\s*|\s+dot\s+|\.)(?:" + _TLD_ALT
                           + r")(?!\w)", re.I)
#: Ten to fifteen digits in a row (no separators): a phone number, unless it
#: looks like a date-time or a long id in a URL.
BARE_PHONE = re.compile(r"(?<![\w/=#.-])\+?\d{10,15}(?![\w/.-]\w)")
_GATE_SPELLED = re.compile(r"(?i)\bat\b|\(@\)| @ ")


MAIL_PROVIDERS = frozenset("gmail googlemail yahoo hotmail outlook live msn aol icloud me mac "
                           "protonmail proton pm gmx web yandex mail qq 163 126 zoho fastmail "
                           "tutanota btinternet comcast verizon".split())
_AT_SPLIT = re.compile(r"\s*[\(\[\{<]\s*at\s*[\)\]\}>]\s*|\s+at\s+|\s*\(@\)\s*|\s+@\s+")


def _split_at(low: str) -> tuple[str, str, str]:
    m = _AT_SPLIT.search(low)
    if not m:
        return low, "", ""
    return low[:m.start()], m.group(), low[m.end():]


def contact_spans(text: str) -> list[tuple[int, int, str]]:
    """(start, end, what) for e-mails written out, bare domains and phone
    numbers without separators; what is 'email', 'url' or 'phone'."""
    out = []
    if _GATE_SPELLED.search(text):
        for m in SPELLED_EMAIL.finditer(text):
            g = m.group()
            low = g.lower()
            local, _, rest = _split_at(low)
            spelled = "dot" in rest or "[at]" in low or "(at)" in low or "{at}" in low
            handle = any(ch.isdigit() or ch in "._+-" for ch in local)
            provider = rest.split(".")[0].split()[0] if rest.strip() else ""
            if spelled or handle or provider in MAIL_PROVIDERS:
                out.append((m.start(), m.end(), "email"))
    if "." in text:
        for m in BARE_DOMAIN.finditer(text):
            out.append((m.start(), m.end(), "url"))
    if any(ch.isdigit() for ch in text):
        for m in BARE_PHONE.finditer(text):
            g = m.group().lstrip("+")
            if g[:4] in ("1999", "2000") or (g[:2] in ("19", "20") and len(g) == 14):
                continue  # 20200101123000: a timestamp
            out.append((m.start(), m.end(), "phone"))
    return out
