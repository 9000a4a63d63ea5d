"""Contact details in national formats (issue 11): phone numbers as Germany,
India, France, Spain, Poland, the UK, the Netherlands, Italy and Brazil write
them, IBANs, and national id numbers where a word beside them names them.
And the ordinary text with numbers around them, which must come through as
written: dates, prices, versions, times, scores, years, ranges, pages,
ISBNs, order numbers."""
from __future__ import annotations

import datetime
import random
from collections import Counter

import pytest
from hypothesis import given, settings, strategies as st

from migrator.ledger import Ledger
from migrator.model import Comment, Post
from migrator.stages.anonymise import ID, PHONE, Anonymiser
from migrator.stages.anonymise.identifiers import iban_ok


@pytest.fixture(scope="module")
def anon():
    return Anonymiser(secret=b"a secret of sixteen+ bytes")


@pytest.fixture(scope="module")
def scrub(anon):
    return anon.scrub


#: Phone numbers as their countries write them, each in several frames:
#: what the rule reads is the grouping and the count of digits (see
#: patterns._is_phone), so each number stands for its shape.
NATIONAL_PHONES = [
    "030/1234567",          # Germany: area code, '/', number
    "089/123456",           # Germany: a shorter number after the '/'
    "0171 1234567",         # Germany: mobile
    "(030) 123 45 67",      # Germany: area code in brackets, pairs
    "98765 43210",          # India: five and five
    "+91 98765 43210",      # India, international
    "06.12.34.56.78",       # France, with dots
    "06 12 34 56 78",       # France, with spaces
    "+33 6 12 34 56 78",    # France, international: a one-digit group after +33
    "612345678",            # Spain: nine digits, no separators
    "612 34 56 78",         # Spain, grouped
    "601 234 567",          # Poland
    "07700 900123",         # UK: mobile
    "020 7946 0958",        # UK: London
    "06-12345678",          # the Netherlands: mobile
    "347 123 4567",         # Italy: mobile
    "(11) 98765-4321",      # Brazil: São Paulo mobile
    "555.123.4567",         # North America, with dots
    "1-555-123-4567",       # North America, with its one-digit trunk prefix
    "8 912 345 67 89",      # Russia, with its one-digit trunk prefix
]
FRAMES = ["call {} now", "{}", "Tel.: {}.", "<p>Handy: {}</p>", "mój numer ({}), dzięki"]


@pytest.mark.parametrize("number", NATIONAL_PHONES)
@pytest.mark.parametrize("frame", FRAMES)
def test_national_phone_numbers(scrub, number, frame):
    assert scrub(frame.format(number)) == frame.format(PHONE)


@pytest.mark.parametrize("text, expected", [
    # the cases that leaked before, in one sentence each
    ("Ruf an: 030/1234567 oder 089/123456!", "Ruf an: [phone] oder [phone]!"),
    ("mera number 98765 43210 hai", "mera number [phone] hai"),
    ("appelle-moi au 06.12.34.56.78.", "appelle-moi au [phone]."),
    ("llámame al 612345678, gracias", "llámame al [phone], gracias"),
    ("+33 6 12 34 56 78", "[phone]"),
    # a number after a date and before one: each judged alone
    ("06.12.34.56.78 (od 01.06.2020)", "[phone] (od 01.06.2020)"),
    ("Tel. 030/1234567, Fax 030/1234568", "Tel. [phone], Fax [phone]"),
])
def test_national_phone_numbers_in_sentences(scrub, text, expected):
    assert scrub(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("IBAN: DE89 3704 0044 0532 0130 00.", "IBAN: [id]."),
    ("konto GB29NWBK60161331926819 dzięki", "konto [id] dzięki"),
    ("IBAN GB29 NWBK 6016 1331 9268 19", "IBAN [id]"),
    ("NL91ABNA0417164300", "[id]"),
    ("FR14 2004 1010 0505 0001 3M02 606", "[id]"),
    ("nr konta PL61 1090 1014 0000 0712 1981 2874", "nr konta [id]"),
    ("ES91 2100 0418 4502 0005 1332, gracias", "[id], gracias"),
    # an IBAN followed by another group of digits: the IBAN alone
    ("DE89 3704 0044 0532 0130 00 1234", "[id] 1234"),
    # in lower case, with dashes, with no-break spaces as such or as references
    ("iban de89 3704 0044 0532 0130 00", "iban [id]"),
    ("de89370400440532013000", "[id]"),
    ("DE89-3704-0044-0532-0130-00", "[id]"),
    ("IBAN DE89\u00a03704\u00a00044\u00a00532\u00a00130\u00a000 ok", "IBAN [id] ok"),
    ("<p>DE89&nbsp;3704&nbsp;0044&nbsp;0532&nbsp;0130&nbsp;00</p>", "<p>[id]</p>"),
    ("PESEL\u00a044051401359", "PESEL\u00a0[id]"),
])
def test_ibans(scrub, text, expected):
    assert scrub(text) == expected


@pytest.mark.parametrize("code", [
    "GB28NWBK60161331926819",       # one check digit off
    "DE89 3704 0044 0532 0130 01",  # the last digit off
    "ZZ89 3704 0044 0532 0130 00",  # no such country
    "AB12CDEF3456789012",           # a product code
    "ab12-3456-7890-1234",
])
def test_codes_that_are_no_iban_fail_the_check(code):
    assert not iban_ok(code)


def test_iban_check_on_random_codes():
    """The mod-97 check lets through about one random code in 97: of 2,000
    random codes shaped like an IBAN of a real country, few pass."""
    rng = random.Random(11)
    passed = 0
    for _ in range(2000):
        body = "".join(rng.choice("0123456789") for _ in range(18))
        passed += iban_ok("DE" + "".join(rng.choice("0123456789") for _ in range(2)) + body)
    assert passed < 60  # 2000 / 97 ~ 21


@pytest.mark.parametrize("text, expected", [
    ("my PESEL is 44051401359, thanks", "my PESEL is [id], thanks"),
    ("PESEL: 44051401359", "PESEL: [id]"),
    ("44051401359 (PESEL)", "[id] (PESEL)"),
    ("NIP 123-456-32-18", "NIP [id]"),
    ("NIP: 1234563218", "NIP: [id]"),
    ("my SSN is 123-45-6789.", "my SSN is [id]."),
    ("BSN 111222333", "BSN [id]"),
    ("BSN-nummer: 111222333", "BSN-nummer: [id]"),
    ("Steuer-ID: 12 345 678 901", "Steuer-ID: [id]"),
    ("meine Steuer-ID lautet 12345678901", "meine Steuer-ID lautet [id]"),
    ("DNI 12345678Z", "DNI [id]"),
    ("CPF 123.456.789-09", "CPF [id]"),
    ("NINO QQ 12 34 56 C", "NINO [id]"),
    ("social security number 123456789", "social security number [id]"),
])
def test_national_ids_named_by_a_word(scrub, text, expected):
    assert scrub(text) == expected


@pytest.mark.parametrize("text", [
    "111222333 people",          # nine digits, no word: not a phone shape, no id
    "the sin 12345678 times",    # 'sin' in lower case is a word
    "a tin 1234567 cans",
])
def test_numbers_no_word_names_stay(scrub, text):
    assert scrub(text) == text


def test_ids_are_counted_in_the_ledger():
    a = Anonymiser(secret=b"a secret of sixteen+ bytes")
    post = Post(id=1, title="t", comments=[
        Comment(id=1, post_id=1, author_name="Ann Lee", author_email="ann@x.test",
                content="IBAN DE89 3704 0044 0532 0130 00, PESEL 44051401359, tel. 030/1234567"),
    ])
    ledger = Ledger()
    a.apply(post, ledger)
    assert post.comments[0].content == "IBAN [id], PESEL [id], tel. [phone]"
    stats = ledger.stats["anonymise"]
    assert stats[ID] == 2 and stats[PHONE] == 1
    counts: Counter = Counter()
    a.scrub_text("IBAN GB29NWBK60161331926819", counts=counts)
    assert counts == Counter({ID: 1})


#: Ordinary text with numbers: every one must come through as written.
ORDINARY = [
    # dates
    "2020-06-01", "01.06.2020", "1.6.2020", "06/01/2020", "2020/06/01", "12/25/2019", "31.12.1999",
    "20200601", "2021-03-04 10:30:00", "from 1.1.2020 to 31.12.2020",
    # years and ranges
    "1999-2004", "1999 - 2004", "2021/2022", "1990/91", "2019 2020 2021", "2021-2022-2023",
    "salary 50000-60000", "between 10000-20000 a year", "ages 18-25, 26-35, 36-45",
    # prices and counts
    "$1,234,567.89", "€ 12.345,67", "€1.299,00", "12 345 678 zł", "1 234 567 €", "£12.99",
    "1.000.000 people", "¥123,456,789", "12.5%", "1 234 567 890 €", "1.234.567.890 views",
    # versions
    "v2.10.3", "3.14.15", "Python 3.11.4", "Windows 10.0.19041.1288", "1.0.0-beta.2", "v10.15.7",
    "3.14159265", "chapter 11.2.3",
    # times
    "10:30", "at 10:30 on 12.05.2021", "21:00-23:30", "10.30-11.45", "10:30:00",
    # scores and fractions
    "score 21-17", "3-0, 2-1, 1-1", "1/2 cup", "2 1/2 years", "24/7", "365/24/7", "4 1/2",
    # pages
    "pp. 123-145", "pages 1012-1019", "p. 12",
    # ISBNs (ISBN-13 with its check digit right, and ISBN-10 after its word)
    "ISBN 978-3-16-148410-0", "ISBN 9783161484100", "9780306406157", "ISBN 0306406152",
    # order numbers
    "order 1234567890", "order #123456789", "Order No. 112-1234567-1234567", "PO 4500012345",
    "invoice 612345678", "ticket #612345678", "Rechnung Nr. 612345678", "Bestellnummer: 7012345678",
    # codes shaped like an IBAN whose check fails
    "GB28NWBK60161331926819", "ab12-3456-7890-1234", "SKU XY12-3456-7890",
    # and more
    "covid-19", "ZIP 90210", "1-2-3-4-5-6-7", "0.5 0.25 0.125", "90-60-90",
]


def test_ordinary_numbers_stay(scrub):
    assert len(ORDINARY) >= 40
    changed = [(t, scrub(t)) for t in ORDINARY if scrub(t) != t]
    assert not changed, changed


@settings(max_examples=300, deadline=None)
@given(st.dates(datetime.date(1900, 1, 1), datetime.date(2099, 12, 31)), st.sampled_from(["%Y-%m-%d", "%d.%m.%Y", "%m/%d/%Y", "%Y/%m/%d", "%d-%m-%Y",
                                     "%d.%m.%y", "%Y%m%d", "%d %B %Y", "%B %d, %Y"]),
       st.sampled_from(["on {}", "{}", "from {} on", "({})"]))
def test_dates_in_any_format_stay(anon, day, fmt, frame):
    text = frame.format(day.strftime(fmt))
    assert anon.scrub(text) == text


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(0, 99), min_size=2, max_size=3),
       st.sampled_from(["v{}", "version {}", "Python {}", "build {}"]))
def test_versions_stay(anon, parts, frame):
    """(Four parts are the IP patterns' to judge: '0.0.0.0'.)"""
    text = frame.format(".".join(map(str, parts)))
    assert anon.scrub(text) == text


@settings(max_examples=300, deadline=None)
@given(st.integers(1900, 2099), st.integers(0, 30), st.sampled_from(["-", "/", "–", " - "]))
def test_year_ranges_stay(anon, start, span, sep):
    text = f"in {start}{sep}{start + span}"
    assert anon.scrub(text) == text


@pytest.mark.parametrize("text, expected", [
    ("order 555-123-4567", "order [phone]"),      # grouped: a phone number's shape, after any word
    ("for my order call 0612345678", "for my order call [phone]"),
    ("order 1234567890", "order 1234567890"),      # in one piece after 'order': an order number
    ("in case: 612345678", "in case: [phone]"),    # words that may come before a phone number
    ("dzwoń po 601234567", "dzwoń po [phone]"),    # Polish 'po' (after), not 'PO'
])
def test_a_code_word_keeps_only_digits_in_one_piece(scrub, text, expected):
    assert scrub(text) == expected


def _grouped(n: int, sep: str) -> str:
    s = str(n)
    head, rest = s[:len(s) % 3 or 3], s[len(s) % 3 or 3:]
    return sep.join([head] + [rest[i:i + 3] for i in range(0, len(rest), 3)])


@settings(max_examples=400, deadline=None)
@given(st.integers(0, 99_999_999), st.sampled_from([",", ".", " ", "\u00a0", "\u202f", "&nbsp;"]),
       st.sampled_from(["", ",50", ".99"]), st.sampled_from(["{} €", "${}", "{} zł", "cost {} in all", "{} views"]))
def test_amounts_in_thousands_stay(anon, n, sep, cents, frame):
    """Amounts grouped in thousands in any locale's way, up to 99,999,999
    (nine digits in three groups of three, '123 456 789', have the shape of a
    Polish phone number, '601 234 567', and are taken for one)."""
    if sep in ",." and cents[:1] == sep:
        cents = ""
    text = frame.format(_grouped(n, sep) + cents)
    assert anon.scrub(text) == text
