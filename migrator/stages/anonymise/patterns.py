"""Body patterns: the regular expressions and small helpers that find names,
e-mails, URLs, phone numbers and IP addresses in comment text."""
from __future__ import annotations

import ipaddress
import re
from collections import Counter
from typing import Callable

from .people import _WORD
from .secret import PHONE
from .words import GREETINGS, TITLES, _MONTH_CONTEXT, _MONTHS, _PARTICLES

# ---------------------------------------------------------------------------
# Body patterns
# ---------------------------------------------------------------------------

_SP = r"[ \t\u00a0]"
#: A word in name position: not followed by digits or '@' (then it is a handle or address).
_NWORD = rf"{_WORD}(?![\w@]|[:/.@][\w/])"
_NAMES_AFTER = rf"(?P<n1>{_NWORD})(?:(?P<sp>{_SP}+)(?P<n2>{_NWORD}))?"

# Each pattern either starts with a literal or a character set (so the regex
# engine skips quickly to where it can match) or only runs where a cheap test
# (a character in the text, _PII_GATE, _NUM_GATE) says it may match.
#: A real tag (a tag name, then a space, '/' or '>'): '<ann@x.com>' and
#: '<https://...>' in plain text are text, and scrubbed as such.
_TAG_RE = re.compile(r"<(?:!--.*?-->|/?[A-Za-z][A-Za-z0-9-]*(?=[\s/>])[^<>]*>|[!?][^<>]*>)", re.S)
#: From an '@': the rest of an e-mail address, or an @handle.
_EMAIL_AT = re.compile(r"@[\w-]+(?:\.[\w-]+)+")
_HANDLE_AT = re.compile(r"@[^\W\d_][\w.]*(?<![.])")
#: The rest of a link: up to a space, a quote or a bracket, written as such or
#: as a character reference ('&lt;a href=&quot;https://x&quot;&gt;' in escaped code).
_URL_REST = re.compile(r"(?:[^\s<>\"&]|&(?!(?:quot|gt|lt|apos|#0*(?:34|39|60|62)|#x0*(?:22|27|3c|3e));))+")
_SCHEMES = ("https", "http", "ftps", "ftp", "hxxps", "hxxp")  # hxxp: a defanged link
_TLDS = "com|net|org|info|biz|co|io|me|de|uk|fr|nl|ca|au|us|eu|ly|tv"
#: A bare domain with a path ('facebook.com/ann.lee'), found by its '.tld/'.
_BARE_RE = re.compile(rf"\.(?:{_TLDS})/[^\s<>\"]*")
_NUM_GATE = re.compile(r"\d[\d .()+-]{5,}\d")
_IP6_GATE = re.compile(r":[0-9A-Fa-f]{0,4}:")
#: Whether a (lower-cased) comment may hold any e-mail, URL, number or IP at
#: all. Every branch starts with a literal, so the engine only stops at '@',
#: ':', 'w', '.' and digits.
_PII_GATE = re.compile("|".join(
    ["@", "://", r"www\.", rf"\.(?:{_TLDS})/", r":[0-9a-f]{0,4}:"]
    + [rf"{d}[\d .()+-]{{5,}}\d" for d in "0123456789"]))
_IP4_RE = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?!\w|\.\d)")
_IP6_RE = re.compile(r"(?<![\w:.])(?=[0-9A-Fa-f:.]*[0-9A-Fa-f])(?:[0-9A-Fa-f]{0,4}:){2,7}"
                     r"(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Fa-f]{1,4})?(?![\w:])")
_PHONE_RE = re.compile(r"(?<![\w+.-])(?=[+(]|\d{2,5}[ .-]\d{2}|0\d{8})"
                       r"(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,5}\)[ .-]?)?\d{2,15}"
                       r"(?:[ .-]\d{2,10}){0,5}(?![\w]|[.-]\d)")
_TITLE_SET = frozenset(TITLES)
_TITLE_RUNS = frozenset(t.lower() for t in TITLES)
#: What may follow a title ('Dr. Todd') or an addressing word ('Dear Sibel,').
#: Surname particles after a title ('Dr. van der Berg', 'Dr. von Trapp').
_TITLE_PARTICLES = (r"(?:(?:" + "|".join(sorted(_PARTICLES | {"zu"}, key=len, reverse=True)) + ")"
                    + _SP + "+){0,2}")
_TITLE_TAIL = re.compile(rf"\.?{_SP}+(?P<pre>{_TITLE_PARTICLES}){_NAMES_AFTER}")
_ADDR_TAIL = re.compile(
    rf"(?:{_SP}*,)?{_SP}+(?!(?:{'|'.join(sorted(_TITLE_RUNS))})\b){_NAMES_AFTER}")
#: 'my friend Dorota', 'her sister Kori': a capitalised word after a
#: possessive and a relation noun is a person's name, known to any list or not.
_REL_TAIL = re.compile(rf"(?:{_SP}*,)?{_SP}+{_NAMES_AFTER}")
_ADDR_WORDS = frozenset("dear hiya hii hi hello hey howdy greetings thanks thx".split()
                        + ["thank you"]) | GREETINGS
#: A capitalised word and a comma where a line starts ('Tricia, if I had...').
# (possessive: neither the run before the word nor the word is given back,
# which could never make a match, only cost time at every tag)
_LEAD_RE = re.compile(rf"(?:[ \t\r\u00a0\"'“‘«„(\[*]|<[^<>]*>)*+"
                      rf"(?P<w>[^\W\d_a-z][^\W\d_]*+(?:['’-][^\W\d_]++)*+){_SP}*,")
#: The same after a line break or a block tag (a new line or paragraph).
_LEAD_NL_RE = re.compile(r"(?:\n|<(?i:/?(?:p|br|div|li|blockquote|h[1-6]|pre|td|th|dd|dt))"
                         r"\b[^<>]*>)" + _LEAD_RE.pattern)
_ATTR_TAG_RE = re.compile(r"<[A-Za-z][A-Za-z0-9-]*\s[^<>]*=[^<>]*>")
_HTML_COMMENT = re.compile(r"<!--(.*?)-->", re.S)
_RUN = re.compile(r"[^\W\d_]+")
_EDGES = re.compile(r"^\W+|\W+$")

_ATTR = re.compile(r"""(\s+)([^\s"'>/=]+)(?:(\s*=\s*)("[^"]*"|'[^']*'|[^\s"'>]+))?""")
_TAG_NAME = re.compile(r"<\s*/?\s*([A-Za-z][A-Za-z0-9]*)")
_URL_ATTRS = frozenset("href src srcset cite action formaction poster background longdesc "
                       "data usemap codebase ping".split())
#: A link's value that is a site without its scheme ('www.anna.pl',
#: 'anna-kowalski.blogspot.com/x'): not a path within this site. A file name
#: ('photo.jpg') is not taken for one.
_SCHEMELESS_SITE = re.compile(
    r"(?i)^(?:www\d?\.|[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?!(?:jpe?g|png|gif|webp|svg|bmp|ico|pdf|html?"
    r"|php|aspx?|jsp|txt|md|mp[34]|ogg|wav|webm|css|js|json|xml|zip)(?:[/?#]|$))[a-z]{2,24}(?:[/:?#]|$))")
#: A link within the site that names an original comment or post: the way
#: back to the live comment, and so to its author ('#comment-48213',
#: '?replytocom=48213', '/?p=4817').
_ORIGINAL_ID_LINK = re.compile(
    r"(?i)(?:#|\b)(?:comment|li-comment|div-comment)-\d|[?&](?:replytocom|p|page_id|attachment_id|"
    r"comment_id|cid)=\d")
#: Attributes whose value is text to scrub (and every data-* attribute).
_TEXT_ATTRS = frozenset("title alt aria-label aria-description placeholder label summary "
                        "content value srcdoc".split())
_BLOCK_TAGS = frozenset("p br div li ul ol blockquote h1 h2 h3 h4 h5 h6 pre hr table tr td th "
                        "dd dt dl section article header footer".split())
_OPENERS = " \t\r\u00a0\"'“‘«„([*"
_DATE = re.compile(r"\d{4}[-.]\d{1,2}[-.]\d{1,2}|\d{1,2}[-.]\d{1,2}[-.]\d{2,4}")
_DATE_IN = re.compile(rf"(?<!\d)(?:{_DATE.pattern})(?!\d)")
_THOUSANDS = re.compile(r"\d{1,3}(?:\.\d{3})+")
_URL_TRAIL = ".,;:!?)]}'\"”’»"

# Priorities when two replacements overlap: the leftmost wins, then this order.
(_P_TAG, _P_EMAIL, _P_URL, _P_IP, _P_PHONE, _P_OWN, _P_HANDLE, _P_TITLE, _P_ADDR, _P_KNOWN,
 _P_LEAD, _P_THIRD) = range(12)

def _is_w(ch: str) -> bool:
    return ch.isalnum() or ch == "_"

def _in_tag(text: str, pos: int) -> bool:
    """Whether ``pos`` is inside an HTML tag (or comment) of ``text``."""
    j = text.rfind("<", 0, pos)
    if j < 0 or text.find(">", j, pos) >= 0:
        return False
    m = _TAG_RE.match(text, j)
    return m is not None and m.end() > pos

def _sentence_start(text: str, pos: int) -> bool:
    """Whether ``pos`` starts a sentence (or a line, a paragraph, the text),
    looking back over spaces, opening quotes and inline tags."""
    i = pos
    while i > 0:
        ch = text[i - 1]
        if ch == "\n":
            return True
        if ch in _OPENERS:
            i -= 1
            continue
        if ch == ";" and text.endswith("&nbsp;", 0, i):
            i -= 6
            continue
        if ch == ">":
            j = text.rfind("<", 0, i - 1)
            if j < 0:
                return False
            m = _TAG_NAME.match(text, j)
            if m and m.group(1).lower() in _BLOCK_TAGS:
                return True
            i = j
            continue
        return ch in ".!?:;…"
    return True

#: key -> the person (a people._Person) it names in the comment at hand, or None.
Resolver = Callable[[str], object]

def _is_phone(s: str) -> bool:
    digits = sum(ch.isdigit() for ch in s)
    if not 7 <= digits <= 15 or _DATE.fullmatch(s) or _THOUSANDS.fullmatch(s):
        return False
    groups = re.findall(r"\d+", s)
    if s[0] not in "+(":
        if all(len(g) == 4 and g[:2] in ("19", "20") for g in groups):
            return False  # '2019 2020 2021', '1990-2005'
        if len(groups) == 2:
            # '555-1234', '07700 900123' are numbers; '25 30000' is not
            return (len(groups[0]) == 3 and len(groups[1]) == 4) or (
                groups[0][0] == "0" and digits >= 10)
    return True

def _phone_spans(s: str, off: int = 0) -> list[tuple[int, int]]:
    """Where the phone numbers are in a run of digit groups (offsets plus
    ``off``): the longest leading run of groups that is a phone number, then
    the rest likewise ('555-123-4567 2020-06-01' is a phone number and a date)."""
    date = _DATE_IN.search(s)
    if date:  # '555-123-4567 2020-06-01': numbers around a date
        left, right = s[:date.start()], s[date.end():]
        return ((_phone_spans(left[:-1], off) if left else [])
                + (_phone_spans(right[1:], off + date.end() + 1) if right else []))
    cuts = [m.start() for m in re.finditer(r"(?<=\d)[ .-](?=\d)", s)] + [len(s)]
    for end in reversed(cuts):
        if _is_phone(s[:end]):
            rest = s[end:]
            return [(off, off + end)] + (_phone_spans(rest[1:], off + end + 1) if rest else [])
    if len(cuts) > 1:  # no phone starts here: try from the next group
        first = cuts[0]
        return _phone_spans(s[first + 1:], off + first + 1)
    return []

def _phones(s: str, counts: Counter) -> str:
    """A run of digit groups -> its phone numbers as ``[phone]`` (see _phone_spans)."""
    out, last = [], 0
    for a, b in _phone_spans(s):
        out.append(s[last:a])
        out.append(PHONE)
        last = b
    if not out:
        return s
    counts[PHONE] += len(out) // 2
    out.append(s[last:])
    return "".join(out)

def _url_spans(low: str) -> list[tuple[int, int]]:
    """Spans of ``http(s)://...``, ``ftp(s)://...`` and ``www....`` URLs in
    lower-cased text, found from their '://' or 'www.' (quicker than a regex
    that would stop at every h, f and w)."""
    spans = []
    i = low.find("://")
    while i >= 0:
        for scheme in _SCHEMES:
            s = i - len(scheme)
            if s >= 0 and low.startswith(scheme, s) and not (s and _is_w(low[s - 1])):
                m = _URL_REST.match(low, s)
                spans.append((s, s + len(m.group().rstrip(_URL_TRAIL))))
                break
        i = low.find("://", i + 3)
    i = low.find("www.")
    while i >= 0:
        if not (i and (_is_w(low[i - 1]) or low[i - 1] in "@/.")):
            m = _URL_REST.match(low, i)
            spans.append((i, i + len(m.group().rstrip(_URL_TRAIL))))
        i = low.find("www.", i + 4)
    return spans

def _valid_ip(s: str) -> bool:
    if not any(ch.isdigit() or ch in "abcdefABCDEF" for ch in s):
        return False
    try:
        ipaddress.ip_address(s)
    except ValueError:
        return False
    return True

#: Month names and their short forms: a commenter 'Jan' or 'June' is not named
#: in 'ends on Jan 5, 2021' or 'the 3rd of June'.
_MONTH_FORMS = _MONTHS | frozenset("jan feb mar apr jun jul aug sep sept oct nov dec".split())
_DAY_AFTER = re.compile(r"\.?,?[ \t\u00a0]*(?:(?:3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)?(?![\d%])\b"
                        r"|(?:1[89]|20)\d\d(?![\d%]))")
_DAY_BEFORE = re.compile(r"\d(?:st|nd|rd|th)?\.?(?:[ \t\u00a0]+of)?[ \t\u00a0]*$")


def _in_a_date(text: str, s: int, e: int) -> bool:
    """A month name at text[s:e] with a day or year beside it ('Jan 5',
    'Jan. 2021', '5 Jan', '3rd of June')."""
    return _DAY_AFTER.match(text, e) is not None or _DAY_BEFORE.search(text, max(0, s - 12), s) is not None


def _month_context(text: str, pos: int) -> bool:
    """'in May', 'last June': the word before a month name makes it a date."""
    m = re.search(r"(\w+)\W*$", text[max(0, pos - 20):pos])
    return bool(m) and m.group(1).lower() in _MONTH_CONTEXT


#: An e-mail whose '@' has spaces or tags beside it, or is written '%40'.
_GAP = r"(?:[ \t\u00a0]|<[^<>]{0,80}>){1,4}"
_LOOSE_AT_GATE = re.compile(r"[\s>]@|@[\s<]")
_LOOSE_EMAIL = re.compile(
    r"(?<![\w.+%-])([\w.+-]*?[^\W\d_][\w.+-]*?)(" + _GAP + "@(?:" + _GAP + ")?|@" + _GAP + "|%40)"
    r"([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})(?![\w-])")

#: 'his name is', 'her name was', 'named': a name follows.
_NAME_IS = re.compile(r"\b(?:name(?:'s| is| was)|named)(?=[ \t\u00a0])")
#: A name followed by a relation in apposition: 'Dorota (my sister)', 'Dorota, my late sister,'.
#: (On lower-cased text, from its '(' or ',': the engine skips to those.)
_APPOSITIVE_GATE = re.compile(r"[(,][ \t\u00a0]*(?:my|his|her|our|their|your)[ \t\u00a0]+"
                              r"(?:(?:late|dear|little|big|older|younger|best|twin)[ \t\u00a0]+)?"
                              r"([^\W\d_]+)")
