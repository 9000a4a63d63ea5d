"""Contact details the classic patterns miss: e-mails written out ('x at
gmail dot com', 'x [at] y [dot] com'), bare domains ('annakowalski.blog') and
phone numbers without separators ('5551234567')."""
from __future__ import annotations

import re

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

