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
#: Where digits may make a number worth a look ("/": '030/1234567').
_NUM_GATE = re.compile(r"\d[\d .()+/-]{5,}\d")
_IP6_GATE = re.compile(r":[0-9A-Fa-f]{0,4}:")
#: Whether a (lower-cased) comment may hold any e-mail, URL, number or IP at
#: all. Every branch starts with a literal, so the engine only stops at '@',
#: ':', 'w', '.' and digits.
_PII_GATE = re.compile("|".join(
    ["@", "://", r"www\.", rf"\.(?:{_TLDS})/", r":[0-9a-f]{0,4}:"]
    + [rf"{d}[\d .()+/-]{{5,}}\d" for d in "0123456789"]))
_IP4_RE = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?!\w|\.\d)")
_IP6_RE = re.compile(r"(?<![\w:.])(?=[0-9A-Fa-f:.]*[0-9A-Fa-f])(?:[0-9A-Fa-f]{0,4}:){2,7}"
                     r"(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Fa-f]{1,4})?(?![\w:])")
#: A run of digit groups that may be a phone number (see _is_phone): a
#: '+country' (a one-digit group may follow it: '+33 6 12 34 56 78') or an
#: '(area)' first, or groups apart by one space, dot or dash (the first may
#: be one digit before two groups of three: '1-800-555-1234', '8 912 345 67
#: 89'), or one group of nine digits or more with a trunk 0. A '/' only after a
#: trunk prefix ('030/1234567'); after or before any other group it is a
#: fraction, a date or a path ('1/2', '2021/2022', '/2019/05/').
_PHONE_RE = re.compile(r"(?<![\w+./-])(?=[+(]|\d{2,5}[ .-]\d{2}|0\d{1,4}/\d|0\d{8}|\d[ .-]\d{3}[ .-]\d{3})"
                       r"(?:\+\d{1,3}[ .-]?(?:\(\d{1,5}\)[ .-]?)?\d{1,15}"  # '+33 6 12 34 56 78'
                       r"|(?:\d[ .-](?=\d{3}[ .-]\d{3}))?"  # a one-digit trunk prefix: '1-800-555-1234'
                       r"(?:\(\d{1,5}\)[ .-]?)?(?:0\d{1,4}/)?\d{2,15})"
                       r"(?:[ .-]\d{2,10}){0,5}(?![\w]|[./-]\d)")
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
_RUN = re.compile(r"[^\W\d_](?:[^\W\d_]|[\u0e31-\u0e4e\u0eb1-\u0ecd])*")  # Thai signs inside: 'วิชัย' is one run
_EDGES = re.compile(r"^\W+|[^\w\u0e00-\u0eff]+$")  # a Thai name may end in a vowel sign (มาลี)

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
#: A number grouped in thousands: '1.000.000', and with spaces '12 345 678',
#: '1 234 567' (three digits first, '601 234 567', is a Polish phone number),
#: or an amount with cents ('123 456.78').
_THOUSANDS = re.compile(r"\d{1,3}(?:\.\d{3})+|[1-9]\d?(?: \d{3})+|\d{1,3}(?: \d{3})+\.\d\d")
_URL_TRAIL = ".,;:!?)]}'\"”’»"

# Priorities when two replacements overlap: the leftmost wins, then this order.
(_P_TAG, _P_EMAIL, _P_URL, _P_IP, _P_ID, _P_PHONE, _P_OWN, _P_HANDLE, _P_TITLE, _P_ADDR,
 _P_KNOWN, _P_LEAD, _P_THIRD) = range(13)

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
    """Whether a run of digit groups ``s`` (as _PHONE_RE finds them) is a
    phone number. The rule is the shape of the groups and the count of
    digits, not a list of countries' formats:

    - 7 to 15 digits in all (what E.164 allows), and not a date
      ('2020-06-01', '01.06.2020'), a number grouped in thousands
      ('1.000.000', '12 345 678'), nor years alone ('2019 2020', '1990-2005');
    - a '+' or a '(' first (a country or an area code): a phone number
      ('+91 98765 43210', '(030) 123 45 67', '(11) 98765-4321');
    - one group: see _bare_phone ('0612345678', '612345678', not '123456789');
    - two groups: three digits and four (a local number, '555-1234'); a
      trunk prefix (a 0 and one to four digits) and four digits or more, nine
      or more in all ('0171 1234567', '07700 900123', '06-12345678', and the
      one '/' taken: '030/1234567'); or five digits and five apart by a
      space (India: '98765 43210'; with a dash, '50000-60000', it is a range);
    - three groups or more: a phone number ('601 234 567', '612 34 56 78',
      '06.12.34.56.78', '020 7946 0958', '347 123 4567', '555.123.4567',
      '1-555-123-4567').
    """
    digits = sum(ch.isdigit() for ch in s)
    if not 7 <= digits <= 15 or _DATE.fullmatch(s) or _THOUSANDS.fullmatch(s):
        return False
    if s[0] in "+(":
        return True
    groups = re.findall(r"\d+", s)
    if all(len(g) == 4 and g[:2] in ("19", "20") for g in groups):
        return False  # '2019 2020 2021', '1990-2005'
    if len(groups) == 1:
        return _bare_phone(s)
    if len(groups) == 2:
        a, b = groups
        return ((len(a) == 3 and len(b) == 4)
                or (a[0] == "0" and 2 <= len(a) <= 5 and len(b) >= 4 and digits >= 9)
                or (len(a) == len(b) == 5 and s[5] == " "))
    return True


#: 13 digits from 978 or 979: an ISBN-13 (its check digit is looked at).
_ISBN13 = re.compile(r"97[89]\d{10}")


def _bare_phone(g: str) -> bool:
    """Whether digits without separators (a '+' first or not) are a phone
    number: 9 to 15 digits; nine only with a trunk 0 or a first digit 6 to 9
    (Spain's and Poland's numbers, '612345678'; '123456789' stays); not a
    date-time ('20200601123000', '1999...') and not an ISBN-13 whose check
    digit is right ('9783161484100')."""
    plus = g.startswith("+")
    g = g.lstrip("+")
    if not 9 <= len(g) <= 15 or (len(g) == 9 and not plus and g[0] not in "06789"):
        return False
    if g[:4] in ("1999", "2000") or (g[:2] in ("19", "20") and len(g) == 14):
        return False  # a timestamp
    if _ISBN13.fullmatch(g):
        check = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(g))
        return check % 10 != 0
    return True


#: Words before a number that make it an order, a reference or a product
#: code, not a phone number: 'order 1234567890', 'PO 4500012345',
#: 'Invoice no. 612345678', 'ISBN 0306406152', 'ticket #612345678'. (Not
#: words that may stand before a phone number in a sentence: 'in case',
#: 'part', Polish 'po' = 'after'.)
_CODE_BEFORE = re.compile(
    r"(?i)(?:\b(?:order|invoice|ticket|tracking|parcel|shipment|booking|confirmation|transaction"
    r"|receipt|ref|reference|serial|isbn|issn|ean|gtin|upc|asin|sku|(?-i:PO)"
    r"|bestellung|bestellnummer|rechnung|commande|facture|pedido|factura|zamówienie|faktura)"
    r"(?:[ \t]*(?:no\b|nr\b|n°|number|num\b|id\b|code\b))?|[#№])[.:#№ \t]*$")


def _code_before(text: str, start: int) -> bool:
    """Whether the number at ``start`` follows a word that makes it a code
    (see _CODE_BEFORE)."""
    return _CODE_BEFORE.search(text, max(0, start - 40), start) is not None


def _no_phone_at(text: str, start: int, end: int) -> bool:
    """Whether the run of digit groups at text[start:end] is no phone number
    for what stands before it: a word that makes digits in one piece a code
    (see _CODE_BEFORE; 'order 555-123-4567' is still a phone number), or the
    first group of a number in thousands that the run's pattern could not
    start with ('1 234 567 890')."""
    if text[start] in "+(":
        return False
    if start >= 2 and text[start - 1] == " " and text[start - 2].isdigit():
        j = start - 2
        while j and text[j - 1].isdigit():
            j -= 1
        if _THOUSANDS.fullmatch(text, j, end):
            return True
    return text[start:end].isdigit() and _code_before(text, start)  # grouped: a phone's shape


def _phone_spans(s: str, off: int = 0) -> list[tuple[int, int]]:
    """Where the phone numbers are in a run of digit groups (offsets plus
    ``off``): the longest leading run of groups that is a phone number, then
    the rest likewise ('555-123-4567 2020-06-01' is a phone number and a date)."""
    if _THOUSANDS.fullmatch(s):
        return []  # '1 234 567 890': no phone number inside it either
    date = _DATE_IN.search(s)
    if date and _more_groups(s, date.start(), date.end()):
        date = None  # '06.12.34.56.78': a French phone number, not 6 Dec 1934
    if date:  # '555-123-4567 2020-06-01': numbers around a date
        left, right = s[:date.start()], s[date.end():]
        return ((_phone_spans(left[:-1], off) if left else [])
                + (_phone_spans(right[1:], off + date.end() + 1) if right else []))
    cuts = [m.start() for m in re.finditer(r"(?<=\d)[ .-](?=\d)", s)] + [len(s)]  # not at '/'
    for end in reversed(cuts):
        if _is_phone(s[:end]):
            rest = s[end:]
            return [(off, off + end)] + (_phone_spans(rest[1:], off + end + 1) if rest else [])
    if len(cuts) > 1:  # no phone starts here: try from the next group
        first = cuts[0]
        return _phone_spans(s[first + 1:], off + first + 1)
    return []

def _more_groups(s: str, a: int, b: int) -> bool:
    """Whether the date-like ``s[a:b]`` has more groups beside it written the
    same way ('06.12.34' in '06.12.34.56.78'), so is no date; '10.30-11' in
    '10.30-11.45' (a time range) or '2020-06-01' in '555-123-4567 2020-06-01' is."""
    seps = [ch for ch in s[a:b] if not ch.isdigit()]
    after = s[b:b + 2]
    before = s[max(0, a - 2):a]
    return ((len(after) == 2 and after[0] == seps[-1] and after[1].isdigit())
            or (len(before) == 2 and before[1] == seps[0] and before[0].isdigit()))


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
