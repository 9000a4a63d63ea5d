"""Identifiers in comment text that are no phone numbers: bank account
numbers (IBAN, with their mod-97 check) and national id numbers (PESEL,
NIP, SSN, BSN, Steuer-ID ...) where a word beside them says what they are.
Both become ``[id]``."""
from __future__ import annotations

import re

# ---------------------------------------------------------------------------
# IBAN
# ---------------------------------------------------------------------------

#: Countries that issue IBANs (the SWIFT registry's, and those of its
#: partial members): a code from anywhere else is no IBAN.
IBAN_COUNTRIES = frozenset(
    "AD AE AL AT AZ BA BE BG BH BI BR BY CH CR CY CZ DE DJ DK DO EE EG ES FI FK FO FR GB GE GI GL "
    "GR GT HN HR HU IE IL IQ IS IT JO KW KZ LB LC LI LT LU LV LY MC MD ME MK MN MR MT MU NI NL NO "
    "OM PK PL PS PT QA RO RS RU SA SC SD SE SI SK SM SO ST SV TL TN TR UA VA VG XK YE".split())
#: Two letters, two check digits, then the account: in groups of four
#: apart by a space or a dash ('DE89 3704 0044 0532 0130 00', 'de89-3704-...')
#: or in one piece ('GB29NWBK60161331926819'). 15 to 34 characters in all.
_IBAN_RE = re.compile(r"(?i)(?<![A-Z0-9])[A-Z]{2}\d\d(?:(?:[ -][A-Z0-9]{4}){2,7}(?:[ -][A-Z0-9]{1,3})?"
                      r"|[A-Z0-9]{11,30})(?![A-Z0-9])")
_IBAN_SEP = re.compile(r"[ -]")
_LAST_GROUP = re.compile(r"[ -][A-Za-z0-9]*$")


def iban_ok(code: str) -> bool:
    """Whether ``code`` (spaces, dashes and lower case allowed) is an IBAN: a country that issues
    them, 15 to 34 characters, and the ISO 13616 check (the code with its
    first four characters moved to the end, letters as 10..35, is 1 mod 97)."""
    s = _IBAN_SEP.sub("", code).upper()
    if not 15 <= len(s) <= 34 or s[:2] not in IBAN_COUNTRIES or not s[2:4].isdigit():
        return False
    return int("".join(str(int(ch, 36)) for ch in s[4:] + s[:4])) % 97 == 1


# ---------------------------------------------------------------------------
# National id numbers, where a word says so
# ---------------------------------------------------------------------------

#: Names of national id numbers: abbreviations as written (in capitals:
#: 'nip', 'sin', 'tin' are words), the long names in any case.
_ID_ABBR = ("PESEL", "NIP", "REGON", "SSN", "SIN", "TIN", "ITIN", "BSN", "DNI", "NIE", "NIF",
            "CPF", "CPR", "AHV", "NINO", "IdNr", "OIB", "EGN", "JMBG", "HETU", "PPSN", "UTR")
_ID_LONG = ("steuer-id", "steuerid", "steuer-identifikationsnummer", "steueridentifikationsnummer",
            "steuernummer", "sozialversicherungsnummer", "social security", "national insurance",
            "burgerservicenummer", "aadhaar", "personnummer", "henkilötunnus", "codice fiscale",
            "tax id", "national id", "id number", "numer pesel", "numéro de sécurité sociale")
_ID_WORD = (r"(?:\b(?-i:" + "|".join(sorted(_ID_ABBR, key=len, reverse=True)) + r")\b|\b(?:"
            + "|".join(re.escape(w) for w in sorted(_ID_LONG, key=len, reverse=True)) + r"))"
            r"(?:[ \t-]*(?:number|no\b\.?|nr\b\.?|nummer|numer))?")
#: The number: 7 to 15 digits, maybe grouped by spaces, dots, dashes or a
#: slash ('123-45-6789', '123.456.789-09', '12 345 678 901'), maybe a check
#: letter ('12345678Z'); or a UK National Insurance number ('QQ 12 34 56 C').
_ID_VALUE = (r"(?<![\w.+-])(?:\d(?:[ .\-/]?\d){6,14}(?:[ -]?(?-i:[A-Z])(?![\w]))?"
             r"|(?-i:[A-Z]{2}) ?\d\d ?\d\d ?\d\d ?(?-i:[A-D]))(?![\w]|[.-]\d)")
#: 'PESEL: 44051401359', 'my BSN number is 111222333', 'SSN# 123-45-6789'
#: (the word first, a few characters that are no digits between) ...
_ID_AFTER = re.compile(r"(?i)" + _ID_WORD + r"[^\w\n<>]{0,4}(?:(?:is|ist|lautet|wynosi|est|es|:)"
                       r"[^\w\n<>]{1,3})?(?P<v>" + _ID_VALUE + ")")
#: ... or the number first: '44051401359 (PESEL)'.
_ID_BEFORE = re.compile(r"(?i)(?P<v>" + _ID_VALUE + r")[ \t]*[(\[]?[ \t]*" + _ID_WORD)


#: Any of those words, to look for near a number.
_ID_NEAR = re.compile(r"(?i)" + _ID_WORD)


def id_spans(text: str, numbers) -> list[tuple[int, int]]:
    """Where IBANs and national id numbers (named by a word beside them) are
    in ``text``, looked for only around ``numbers``: the spans of its runs
    of digits (patterns._NUM_GATE's), as an IBAN or an id holds one."""
    out = []
    n = len(text)
    for a, b in numbers:
        lo, hi = max(0, a - 34), min(n, b + 34)
        for m in _IBAN_RE.finditer(text, lo, hi):  # 'DE89 3704 ...', 'GB29NWBK6016...'
            g = m.group()
            while not iban_ok(g) and _IBAN_SEP.search(g):  # 'DE89 3704 0044 0532 0130 00 1234'
                g = _LAST_GROUP.sub("", g)
            if iban_ok(g) and m.start() <= a < m.start() + len(g):
                out.append((m.start(), m.start() + len(g)))
        lo, hi = max(0, a - 40), min(n, b + 24)
        if _ID_NEAR.search(text, lo, hi):
            for rx in (_ID_AFTER, _ID_BEFORE):
                for m in rx.finditer(text, lo, hi):
                    if m.start("v") < b and m.end("v") > a:  # about this number
                        out.append(m.span("v"))
    return out
