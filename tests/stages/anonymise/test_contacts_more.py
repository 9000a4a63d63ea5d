"""Contact details hidden from the classic patterns: e-mails behind HTML
character references (WordPress's antispambot()) or full-width forms, phone
numbers in other digits or with other dashes, written-out e-mails with 'dot'
in the local part. And the ordinary text around them that must stay."""
from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from migrator.stages.anonymise import Anonymiser
from migrator.stages.anonymise.contacts import contact_spans


@pytest.fixture(scope="module")
def scrub():
    return Anonymiser(secret=b"a secret of sixteen+ bytes").scrub


@pytest.mark.parametrize("text, expected", [
    ("mail anna&#64;gmail&#46;com please", "mail [email] please"),
    ("mail anna&#x40;gmail.com please", "mail [email] please"),
    ("mail anna&#X40;gmail&#X2E;com please", "mail [email] please"),
    ("anna&#0064;gmail&#x2E;com", "[email]"),
    ("anna&#x0040;gmail&#046;com.", "[email]."),
    ("anna&commat;gmail&period;com", "[email]"),
    # antispambot() encodes random letters of the address too
    ("write to &#97;n&#110;a&#46;k&#64;gm&#97;il&#46;com!", "write to [email]!"),
    ("anna@gmail&#46;com", "[email]"),
    ("anna＠gmail．com", "[email]"),
    ("ａｎｎａ＠ｇｍａｉｌ．ｃｏｍ です", "[email] です"),
    ("anna﹫gmail.com", "[email]"),
    ("<p>Mail: anna&#64;gmail&#46;com &#8211; thanks</p>", "<p>Mail: [email] &#8211; thanks</p>"),
])
def test_emails_behind_references_and_full_width_forms(scrub, text, expected):
    assert scrub(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("call 555–123–4567 now", "call [phone] now"),      # en dash
    ("call 555—123—4567", "call [phone]"),              # em dash
    ("call 555‑123‑4567", "call [phone]"),              # non-breaking hyphen
    ("call 555－123－4567", "call [phone]"),             # full-width hyphen
    ("call 555−123−4567", "call [phone]"),              # minus sign
    ("٠٥٥١٢٣٤٥٦٧", "[phone]"),                          # Arabic-Indic
    ("۰۵۵۱۲۳۴۵۶۷", "[phone]"),                          # Eastern Arabic-Indic
    ("رقمي ٠٥٥١٢٣٤٥٦٧ شكرا", "رقمي [phone] شكرا"),
    ("０９０－１２３４－５６７８", "[phone]"),             # full-width
    ("電話は０９０－１２３４－５６７８です", "電話は[phone]です"),
    ("call ＋４４ ２０ ７９４６ ０９５８", "call [phone]"),
    ("call 555–123–4567 on 2020–06–01", "call [phone] on 2020–06–01"),
])
def test_phone_numbers_in_other_digits_and_dashes(scrub, text, expected):
    assert scrub(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("write to anna dot kowalski at gmail dot com", "write to [email]"),
    ("write to anna dot kowalski at gmail.com", "write to [email]"),
    ("anna [dot] kowalski [at] example [dot] org please", "[email] please"),
    ("a dot b dot c at mail dot ru", "[email]"),
])
def test_written_out_emails_with_dot_in_the_local_part(scrub, text, expected):
    assert scrub(text) == expected


@pytest.mark.parametrize("text", [
    "I paid 12–15 dollars",
    "dot the i's and cross the t's",
    "Ages 10–12 only",
    "from 2019–2020, then 1990—2005",
    "on 2020–06–01 and 01–06–2020",
    "pages 100–120 — see chapter 3",
    "١٢ كتابا في ٢٠١٩",                  # Arabic-Indic, but no phone number
    "２０２０年１２月",                     # a full-width date
    "connect the dot at the end",
    "I got to the dot at 5pm",
    "R&amp;D at &#8220;home&#8221; &#8211; cost 5&#8364;",
    "&#64;anna thanks",                  # a handle, not an e-mail
    "price ￥１２，０００ only",
])
def test_ordinary_text_stays(scrub, text):
    assert scrub(text) == text


def test_spans_point_into_the_original_text():
    text = "x &#97;nna&#64;gmail&#46;com y ٠٥٥١٢٣٤٥٦٧ z 555–123–4567"
    spans = sorted(contact_spans(text, digits=False))
    assert [(text[s:e], what) for s, e, what in spans] == [
        ("&#97;nna&#64;gmail&#46;com", "email"), ("٠٥٥١٢٣٤٥٦٧", "phone"),
        ("555–123–4567", "phone")]


def test_plain_contacts_are_left_to_the_classic_patterns():
    """A plain address or number in a text that triggers the new looks is not
    reported twice by them (the classic patterns in scrub_text find it)."""
    text = "anna@gmail.com – 555-123-4567 – &#8217;"
    assert contact_spans(text, digits=True) == []


@pytest.mark.parametrize("text, expected", [
    ("tel 555&#8211;123&#8211;4567", "tel [phone]"),
    ("tel 555&ndash;123&ndash;4567 or 555&#x2014;123&#x2014;4568", "tel [phone] or [phone]"),
    ("ages 10&#8211;12, years 2019&#8211;2020", "ages 10&#8211;12, years 2019&#8211;2020"),
])
def test_phone_numbers_with_dashes_as_character_references(scrub, text, expected):
    assert scrub(text) == expected

_PIECES = ["5", "0", "12", "555", "٠", "٥", "۵", "０", "５", "–", "—", "‑", "－", "-", " ", ".", "@", "＠",
           "．", "&#64;", "&#x40;", "&#46;", "&#8211;", "&#8217;", "&amp;", "&ndash;", "anna", "gmail",
           "com", " dot ", " at ", "電話", "ب", "\u00a0", "&#", ";", "x"]


_ANON = Anonymiser(secret=b"a secret of sixteen+ bytes")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=30))
def test_spans_are_whole_pieces_of_the_text(pieces):
    """Any mix of the characters the new looks handle: spans lie inside the
    text, never start or end inside a character reference, and scrubbing
    does not fail."""
    text = "".join(pieces)
    bounds = {0}
    for p in pieces:
        bounds.add(max(bounds) + len(p))
    refs = [(i, i + len(p)) for i, p in zip(sorted(bounds), pieces) if p.startswith("&") and p.endswith(";")]
    for s, e, what in contact_spans(text, digits=True):
        assert 0 <= s < e <= len(text) and what in ("email", "url", "phone")
        assert not any(a < s < b or a < e < b for a, b in refs), (text, s, e)
    _ANON.scrub(text)
