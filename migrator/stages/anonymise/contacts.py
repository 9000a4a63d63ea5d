"""Contact details the classic patterns miss: e-mails written out ('x at
gmail dot com', 'x [at] y [dot] com'), bare domains ('annakowalski.blog') and
phone numbers without separators ('5551234567', '612345678'); e-mails hidden
behind HTML character references or full-width forms ('anna&#64;gmail&#46;com', as
WordPress's antispambot() writes them; 'anna＠gmail．com'); phone numbers in
other digits or with other dashes ('٠٥٥١٢٣٤٥٦٧', '555–123–4567')."""
from __future__ import annotations

import re
import unicodedata

from .identifiers import id_spans
from .patterns import _NUM_GATE, _PHONE_RE, _bare_phone, _code_before, _no_phone_at, _phone_spans

# ---------------------------------------------------------------------------
# Contact details the classic patterns miss
# ---------------------------------------------------------------------------

TLDS = ("com net org info biz co io me de uk fr nl ca au us eu ly tv blog dev app xyz site online "
        "page art name pl ru cn jp es it ch se no dk fi be at br in mx nz ie za gr pt cz sk hu ro "
        "ua by kz tr il ae sa eg kr tw hk sg my id ph vn th ar cl pe ve is lt lv ee si hr rs bg "
        "me email live life world today space tech studio design photo photography social "
        "club shop store fm am cc ws gl gg ai wiki").split()
_TLD_ALT = "|".join(sorted(set(TLDS), key=lambda t: (-len(t), t)))


def _tld_trie() -> str:
    """The TLDs as one factored alternation (a trie: quicker to try at each dot)."""
    root: dict = {}
    for w in set(TLDS):
        node = root
        for ch in w:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict) -> str:
        branches = [re.escape(ch) + emit(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return "(?:" + body + ")?" if "" in node else body

    return emit(root)
#: Where a bare domain ends: a dot and a known TLD, then no more of a word.
_TLD_HIT = re.compile(r"\.(?:" + _tld_trie() + r")(?![\w@-]|\.[A-Za-z0-9])")  # lower case only
_PATH = re.compile(r"/[^\s<>\"]*")
_URL_TRAIL = ".,;:!?)]}'\"”’»"
_AT = r"(?:\s*[\(\[\{<]\s*at\s*[\)\]\}>]\s*|\s+at\s+|\s*\(@\)\s*|\s+@\s+)"
#: 'dot' spelled out: ' dot ', '[dot]', '(dot)' ...
_DOT_WORD = r"(?:\s*[\(\[\{<]\s*dot\s*[\)\]\}>]\s*|\s+dot\s+)"
_DOT = r"(?:" + _DOT_WORD + r"|\s*\.\s*)"
#: 'akowalski77 at gmail dot com', 'x [at] y [dot] com', 'anna (at) mail (dot) ru',
#: 'anna dot kowalski at gmail dot com'
SPELLED_EMAIL = re.compile(r"(?<![\w.])[\w.+-]+(?:" + _DOT_WORD + r"[\w+-]+){0,3}" + _AT
                           + r"[\w-]+(?:" + _DOT + r"[\w-]+)*?(?:" + _DOT_WORD + r"|\.)(?:"
                           + _TLD_ALT + r")(?!\w)", re.I)
#: Nine to fifteen digits in a row (no separators): a phone number, unless it
#: looks like a date-time, an ISBN, an order number or a long id in a URL
#: (see patterns._bare_phone and _code_before).
BARE_PHONE = re.compile(r"(?<![\w/=#.-])\+?\d{9,15}(?![\w/.-]\w)")
_AT_CLOSE = re.compile(r"at ?[\])}>]")
_SPELLED_HINTS = re.compile(r"\bdot\b|[\[({<] ?at ?[\])}>]|\(@\)| @ ")
#: ' at gmail.com': a domain right after a plain ' at '.
_AT_DOMAIN = re.compile(r"[\w-]+\.(?:" + _TLD_ALT + r")\b", re.I)
_NINE_DIGITS = re.compile(r"\d{9}")
#: A defanged domain ('annakowalski[.]blog', 'anna(.)com', 'site[dot]net/x').
_DEFANGED = re.compile(r"(?<![\w.-])[\w-]+(?:\.[\w-]+)*(?:\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\))"
                       r"(?:" + _TLD_ALT + r")(?!\w)(?:/[^\s<>\"]*)?", re.I)


MAIL_PROVIDERS = frozenset("gmail googlemail yahoo hotmail outlook live msn aol icloud me mac "
                           "protonmail proton pm gmx web yandex mail qq 163 126 zoho fastmail "
                           "tutanota btinternet comcast verizon".split())
_AT_SPLIT = re.compile(r"\s*[\(\[\{<]\s*at\s*[\)\]\}>]\s*|\s+at\s+|\s*\(@\)\s*|\s+@\s+")


def _split_at(low: str) -> tuple[str, str, str]:
    m = _AT_SPLIT.search(low)
    if not m:
        return low, "", ""
    return low[:m.start()], m.group(), low[m.end():]


_CAPITAL_TLD = re.compile(r"\.(?<=[A-Za-z0-9]\.)[A-Z]")  # a literal first: the engine skips to dots
_TITLED_TLDS = frozenset(("Com", "Net", "Org", "Info", "Blog", "Shop", "Online", "Site"))


def _shouted_or_titled(text: str, a: int, b: int) -> bool:
    """A domain found in the lower-cased text whose ending the text
    capitalises: the whole name in capitals ('KOWALSKISTUDIO.PL'), or a
    generic ending written like a word ('Kowalskistudio.Com'). 'done.It'
    (a missing space) is neither."""
    host = text[a:b].split("/", 1)[0]
    label, _, tld = host.rpartition(".")
    if tld.isupper() and len(tld) >= 2:
        return len(label.rsplit(".", 1)[-1]) >= 4 and label.upper() == label  # not 'IT.IT'
    return tld in _TITLED_TLDS


def _bare_domains(text: str) -> list[tuple[int, int, str]]:
    """'annakowalski.blog', 'my-story.net/post/12': found from their '.tld'
    (a literal start, so the engine skips to the dots), then walked back."""
    out = []
    for m in _TLD_HIT.finditer(text):
        s = m.start()
        b = s
        while b and (text[b - 1].isalnum() or text[b - 1] in ".-_"):
            b -= 1
        if b == s or (b and text[b - 1] in "@/:.#=&?"):
            continue  # no domain before it, or part of an e-mail or a URL
        label = text[b:s].rsplit(".", 1)[-1]
        if len(label) < 2 or not any(ch.isalpha() for ch in text[b:s]):
            continue  # 'e.g.', '3.14.in', 'done.It'
        e = m.end()
        p = _PATH.match(text, e)
        if p:
            e = p.end()
        while e > s and text[e - 1] in _URL_TRAIL:
            e -= 1
        out.append((b, e, "url"))
    return out


#: A character reference for '@' or '.', or for a dash or a no-break or thin
#: space between digits (decimal or hex, leading zeros or not).
_REF_GATE = re.compile(r"&(?:(?<=[0-9]&)(?:nbsp|thinsp|#0*160|#[xX]0*[aA]0|#0*82(?:39|01)"
                       r"|#[xX]0*20(?:2[fF]|09));(?=[0-9])"
                       r"|#(?:[xX]0*(?:40|2[eE])|0*(?:64|46));|commat;|period;"
                       r"|(?<=[0-9]&)(?:#(?:0*821[0-3]|0*8722|[xX]0*(?:201[0-5]|2212))"
                       r"|[nm]dash|minus|hyphen|dash);(?=[0-9]))")
_REF = re.compile(r"&#(?:[xX]([0-9a-fA-F]{1,6})|([0-9]{1,7}));"
                  r"|&(commat|period|hyphen|dash|ndash|mdash|minus|lowbar|plus|nbsp|thinsp);")
_NAMED = {"commat": "@", "period": ".", "hyphen": "-", "dash": "-", "ndash": "-", "mdash": "-",
          "minus": "-", "lowbar": "_", "plus": "+", "nbsp": "\u00a0", "thinsp": "\u2009"}
_PLAIN_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def _wide(ch: str) -> str:
    """A full-width or small form of an ASCII character ('＠', '．', 'ａ') -> that character."""
    c = ord(ch)
    if 0xFF01 <= c <= 0xFF5E:
        return chr(c - 0xFEE0)
    return {"\ufe6b": "@", "\ufe52": ".", "\u3002": "."}.get(ch, ch) if c > 0x3000 else ch


def _decoded(text: str) -> tuple[str, list[tuple[int, int]]]:
    """``text`` with its character references decoded and full-width forms
    made ASCII, and for each character of that the span it came from."""
    dec: list[str] = []
    where: list[tuple[int, int]] = []
    last = 0

    def raw(a: int, b: int) -> None:
        seg = text[a:b]
        if not seg.isascii():
            seg = "".join(map(_wide, seg))
        dec.append(seg)
        where.extend((i, i + 1) for i in range(a, b))

    for m in _REF.finditer(text):
        raw(last, m.start())
        hx, dc, name = m.groups()
        try:
            ch = _NAMED[name] if name else chr(int(hx, 16) if hx else int(dc))
        except (ValueError, OverflowError):
            ch = "\ufffd"
        dec.append(_wide(ch))
        where.append(m.span())
        last = m.end()
    raw(last, len(text))
    return "".join(dec), where


#: A link whose scheme or 'www.' is written with character references.
#: (Starts with a literal '&', so the engine skips to those; 'www&' is looked for apart.)
_LINK_REF_GATE = re.compile(r"&(?:#[xX]?[0-9a-fA-F]{1,7}|colon|sol|period);"
                            r"(?=[^\s<>\"']{0,40}?(?://|&#0*47;|&#[xX]0*2[fF];|&sol;))")
#: A link in decoded text ('&#104;ttps://anna.pl/x', 'www&#46;anna&#46;pl').
_PLAIN_LINK = re.compile(r"(?i)(?:\b[a-z][a-z0-9+.-]*://|\bwww\d?\.)[^\s<>\"']+")


def _hidden_links(text: str, d: str, where: list[tuple[int, int]]) -> list[tuple[int, int, str]]:
    """Links written with character references: found in the decoded text
    ``d`` (see _decoded), their spans mapped back to ``text``."""
    out = []
    for m in _PLAIN_LINK.finditer(d):
        g = m.group().rstrip(_URL_TRAIL)
        s, e = where[m.start()][0], where[m.start() + len(g) - 1][1]
        if text[s:e] != g:  # a plain link is the classic patterns' to find
            out.append((s, e, "url"))
    return out


def _hidden_emails(text: str, d: str, where: list[tuple[int, int]]) -> list[tuple[int, int, str]]:
    """E-mails written with character references or full-width forms: the
    plain e-mail pattern run on the decoded text ``d`` (see _decoded), its
    hits mapped back."""
    out = []
    for m in _PLAIN_EMAIL.finditer(d):
        s, e = where[m.start()][0], where[m.end() - 1][1]
        if text[s:e] != m.group():  # a plain e-mail is the classic patterns' to find
            out.append((s, e, "email"))
    return out


#: Dash-like characters that may stand between digit groups.
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"
#: What the looks below are for, in one character class (one pass over a text
#: that is not ASCII): dash-like characters, digits other than 0-9 a phone
#: number may be written in (Arabic-Indic, Eastern Arabic-Indic, Devanagari,
#: Bengali, full-width) and the full-width or small '@' and '.'.
_WIDE_GATE = re.compile("[" + _DASHES + "\u0660-\u0669\u06f0-\u06f9\u0966-\u096f\u09e6-\u09ef"
                        "\uff10-\uff19\uff20\ufe6b\uff0e"
                        # no-break and thin spaces: between digits ('+48 601 234 567')
                        # as French and Polish typing writes them
                        "\u00a0\u202f\u2009\u2007]")


class _ToAscii(dict):
    """str.translate table, filled as it is used: any decimal digit -> its
    ASCII digit; dash-like characters -> '-'; no-break and ideographic spaces
    and letters of scripts without case (CJK, kana, Arabic) -> ' ';
    full-width '+', '(', ')', '.' -> ASCII. One character for one:
    positions in the translation are positions in the text."""

    def __missing__(self, cp: int) -> int:
        ch = chr(cp)
        if ch in _DASHES:
            v = "-"
        elif ch.isdecimal():
            v = str(unicodedata.decimal(ch))
        elif ch in "\u00a0\u202f\u2009\u3000" or unicodedata.category(ch) == "Lo":
            v = " "  # CJK, kana, Arabic letters: no space needed between them and a number
        elif ch in "＋（）．":
            v = _wide(ch)
        else:
            v = ch
        self[cp] = ord(v)
        return ord(v)


_TO_ASCII = _ToAscii()


def _wide_phones(text: str, d: str | None = None,
                 where: list[tuple[int, int]] | None = None) -> list[tuple[int, int, str]]:
    """Phone numbers in other digits or with other dashes ('٠٥٥١٢٣٤٥٦٧',
    '555–123–4567', '０９０－１２３４－５６７８'), and IBANs and ids spaced with
    no-break spaces (see identifiers): the classic patterns
    run on a same-length ASCII translation of the text (of ``d``, the decoded
    text, when given: '555&#8211;123&#8211;4567'; ``where`` maps it back)."""
    t = (text if d is None else d).translate(_TO_ASCII)
    spans = []
    n = len(t)
    numbers = []
    for g in _NUM_GATE.finditer(t):
        numbers.append(g.span())
        for m in _PHONE_RE.finditer(t, max(0, g.start() - 2), min(n, g.end() + 2)):
            if not _no_phone_at(t, m.start(), m.end()):
                spans.extend(_phone_spans(m.group(), m.start()))
    for m in BARE_PHONE.finditer(t):
        if _bare_phone(m.group()) and m.span() not in spans and not _code_before(t, m.start()):
            spans.append(m.span())
    found = [(a, b, "phone") for a, b in spans]
    found += [(a, b, "id") for a, b in id_spans(t, numbers)]  # 'DE89&nbsp;3704&nbsp;...'
    out = []
    for a, b, what in found:
        s, e = (a, b) if where is None else (where[a][0], where[b - 1][1])
        if text[s:e] != t[a:b]:  # plain ones are the classic patterns' to find
            out.append((s, e, what))
    return out


def contact_spans(text: str, digits: bool = True, low: str | None = None) -> list[tuple[int, int, str]]:
    """(start, end, what) for e-mails written out, bare domains and phone
    numbers without separators; what is 'email', 'url', 'phone' or 'id'."""
    out = []
    if low is None:
        low = text.lower()
    windows = []
    if ("dot" in low or ("@" in low and ("(@)" in low or " @ " in low))  # one character first: quicker
            or (("]" in low or ")" in low or "}" in low or ">" in low) and _AT_CLOSE.search(low))) \
            and _SPELLED_HINTS.search(low):
        windows.append((0, len(text)))
    else:
        i = low.find(" at ")
        while i >= 0:
            if _AT_DOMAIN.match(low, i + 4):
                windows.append((max(0, i - 80), min(len(text), i + 200)))
            i = low.find(" at ", i + 4)
    seen = set()
    for lo, hi in windows:
        for m in SPELLED_EMAIL.finditer(text, lo, hi):
            g = m.group()
            if m.span() in seen:
                continue
            seen.add(m.span())
            gl = g.lower()
            local, _, rest = _split_at(gl)
            spelled = ("dot" in rest or " dot " in local or "[dot]" in local or "(dot)" in local
                       or "[at]" in gl or "(at)" in gl or "{at}" in gl)
            handle = any(ch.isdigit() or ch in "._+-" for ch in local)
            provider = rest.split(".")[0].split()[0] if rest.strip() else ""
            if spelled or handle or provider in MAIL_PROVIDERS:
                out.append((m.start(), m.end(), "email"))
    if "." in text:
        out.extend(_bare_domains(text))
        if _CAPITAL_TLD.search(text):  # 'KOWALSKISTUDIO.PL', 'Kowalskistudio.Com', not 'done.It'
            plain = {(a, b) for a, b, _ in out}
            for a, b, what in _bare_domains(low):
                if (a, b) not in plain and _shouted_or_titled(text, a, b):
                    out.append((a, b, what))
    if (("[" in text or "{" in text) and ("[.]" in text or "{.}" in text or "[dot]" in low)) or (
            "(" in text and ("(.)" in text or "(dot)" in low)):  # one-character looks first: quicker
        for m in _DEFANGED.finditer(text):
            out.append((m.start(), m.end() - len(m.group()) + len(m.group().rstrip(_URL_TRAIL)),
                        "url"))
    if digits and _NINE_DIGITS.search(text):
        for m in BARE_PHONE.finditer(text):
            if _bare_phone(m.group()) and not _code_before(text, m.start()):
                out.append((m.start(), m.end(), "phone"))
    refs = "&" in text and _REF_GATE.search(text) is not None
    links = "&" in text and ("www&" in low or _LINK_REF_GATE.search(text) is not None)
    wide = not text.isascii() and _WIDE_GATE.search(text) is not None
    if refs or links or wide and ("＠" in text or "﹫" in text or ("@" in text and "．" in text)):
        d, where = _decoded(text)
        out.extend(_hidden_emails(text, d, where))
        if refs or links:
            out.extend(_hidden_links(text, d, where))
        if refs:  # '555&#8211;123&#8211;4567', and the digits and dashes looked for below
            out.extend(_wide_phones(text, d, where))
    if wide and not refs:
        out.extend(_wide_phones(text))
    return out
