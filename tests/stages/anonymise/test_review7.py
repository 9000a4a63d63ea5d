"""Leaks of the seventh review ([F], [G]), each fixed, each told apart from
ordinary text: a commenter's full name joined into one handle or hashtag,
a name glued to underscores or digits, look-alike letters of another
script inside a name, a signature above a job title or a "Sent from"
line, and the site's own title naming a commenter or a site user."""
from __future__ import annotations

import json

import pytest

from migrator.ledger import Ledger
from migrator.model import Comment, Post
from migrator.stages.anonymise import Anonymiser
from migrator.stages.anonymise.fold import fold, fold_word
from wxr_builder import C, P, author, wxr

GWEN = ("Gwendolyn Fairweather", "gwen@x.test")
WILL = ("Will", "will@x.test")
HIKER = ("happy_hiker", "hh@x.test")
SECRET = b"review seven, sixteen bytes or more"


def anon(*people: tuple[str, str]) -> Anonymiser:
    a = Anonymiser(secret=SECRET)
    a.learn_people([Comment(id=i + 1, post_id=1, author_name=n, author_email=e)
                    for i, (n, e) in enumerate(people)])
    return a


def leaks(out: str, *tokens: str) -> list[str]:
    """The tokens still in ``out``, looked for in its folded form (so a
    look-alike letter or an accent hides nothing)."""
    f = fold(out).text
    return [t for t in tokens if fold_word(t) in f]


@pytest.fixture(scope="module")
def gwen():
    a = anon(GWEN, WILL, HIKER)
    return a, a.pseudonym(*GWEN)




# -- 1. a full name joined into one handle or hashtag ------------------------------

@pytest.mark.parametrize("text,want", [
    ("thanks gwendolynfairweather!", "thanks {p}!"),
    ("GwendolynFairweather is right", "{p} is right"),
    ("follow gwendolynfairweather on insta", "follow {p} on insta"),
    ("Gwendolyn: see GWENDOLYNFAIRWEATHER", "{p}: see {p}"),
])
def test_a_full_name_joined_bare_in_a_sentence(gwen, text, want):
    a, p = gwen
    assert a.scrub(text) == want.format(p=p)


def test_a_joined_name_that_is_a_word_counts_only_in_camel_case():
    """'Will Power' joined is 'willpower': the word stays, 'WillPower' is his.
    (Only names made of common words: 'rainbow' of a Rain Bow is his, as
    the word list does not hold 'bow'.)"""
    a = anon(("Will Power", "will@x.test"), ("Rose Bud", "rose@x.test"), GWEN)
    p = a.pseudonym("Will Power", "will@x.test")
    assert a.scrub("it takes willpower, and a rosebud") == "it takes willpower, and a rosebud"
    assert a.scrub("ask WillPower about it") == f"ask {p} about it"
    assert a.scrub("gwendolynfairweathers and xgwendolynfairweather") == \
        "gwendolynfairweathers and xgwendolynfairweather"  # inside a longer word: another word


@pytest.mark.parametrize("text,want", [
    ("so true #GwendolynFairweather", "so true #{p}"),
    ("follow @GwendolynFairweather", "follow @{p}"),
    ("gwendolynfairweather85 wrote", "{p} wrote"),
    ("write to gwendolyn.fairweather on insta", "write to {p} on insta"),
    ("Gwendolyn.Fairweather agreed", "{p} agreed"),
    ("ping gwendolyn_fairweather there", "ping {p} there"),
    ("ask g.fairweather about it", "ask {p} about it"),
    ("so true #gfairweather", "so true #{p}"),
    ("follow @gfairweather", "follow @{p}"),
    ("ask gfairweather85 today", "ask {p} today"),
])
def test_a_full_name_joined_into_one_handle_is_that_commenter(gwen, text, want):
    a, p = gwen
    assert a.scrub(text) == want.format(p=p)


def test_the_initial_and_surname_form_needs_a_surname_that_is_no_word():
    a = anon(("Tom Baker", "tb@x.test"), ("Li Wu", "lw@x.test"))
    # 'baker' is a word and 'wu' too short: 'tbaker', 't.baker', 'lwu' are left alone
    for text in ("see tbaker and t.baker and lwu", "#tbaker tbaker1 #lwu"):
        assert a.scrub(text) == text
    assert a.scrub("so #tombaker wrote") == f"so #{a.pseudonym('Tom Baker', 'tb@x.test')} wrote"


# -- 2. a name glued to underscores or digits --------------------------------------

@pytest.mark.parametrize("text,want", [
    ("I loved _Gwendolyn_ and her post", "I loved _{p}_ and her post"),
    ("Gwendolyn2 wins again", "{p} wins again"),
    ("Fairweather1985 is back", "{p} is back"),
    ("hi fairweather1985", "hi {p}"),
    ("__Fairweather__ said so", "__{p}__ said so"),
])
def test_a_name_glued_to_underscores_or_digits_is_that_commenter(gwen, text, want):
    a, p = gwen
    assert a.scrub(text) == want.format(p=p)


def test_a_handle_with_an_underscore_is_still_found_whole(gwen):
    a, _ = gwen
    hiker = a.pseudonym(*HIKER)
    assert a.scrub("Thanks happy_hiker!") == f"Thanks {hiker}!"


@pytest.mark.parametrize("text", [
    "def __init__(self): my_var2 = snake_case_names",
    "set FAIR_WEATHER_MODE=1 and retry", "will2 go, will_do", "it was v2 of mark_down_3",
    "a_b_c and x1 y2 z3", "the weather was fair in 1985",
])
def test_code_and_ordinary_words_with_underscores_or_digits_stay(gwen, text):
    a, _ = gwen
    assert a.scrub(text) == text


# -- 3. look-alike letters of another script ---------------------------------------

@pytest.mark.parametrize("text", [
    "Fairwe\u0430ther is right",  # Cyrillic а
    "Thanks Gwendol\u0443n!",  # Cyrillic у
    "G\u03bfodbye, Gwend\u03bflyn Fairweather",  # Greek ο
])
def test_look_alike_letters_of_another_script_hide_no_name(gwen, text):
    a, p = gwen
    out = a.scrub(text)
    assert p in out and "Gwend" not in out and "Fairwe" not in out, out
    assert not leaks(out, "Gwendolyn", "Fairweather"), out


def test_capital_look_alikes_are_found_too():
    a = anon(("Bill Hart", "bh@x.test"))
    out = a.scrub("I agree with \u0412ill \u041dart here")  # Cyrillic В and Н
    assert out == f"I agree with {a.pseudonym('Bill Hart', 'bh@x.test')} here"


def test_a_cyrillic_name_with_a_latin_look_alike_is_found():
    a = anon(("Наташа", "n@x.test"))
    p = a.pseudonym('Наташа', 'n@x.test')
    assert a.scrub("Спасибо, Наташa!") == f"Спасибо, {p}!"
    assert a.scrub("Вчера Нaташа сказала") == f"Вчера {p} сказала"  # Latin a


@pytest.mark.parametrize("text", [
    "Привет, мир! Погода хорошая.", "Καλημέρα σε όλους", "I paid 5 \u00b5m and \u03c0r\u00b2",
    "Спасибо, all of you", "Это iPhone и macOS",
])
def test_words_wholly_in_one_script_stay(gwen, text):
    a, _ = gwen
    assert a.scrub(text) == text
    assert fold("Привет мир").text == "привет мир"  # Cyrillic stays Cyrillic


def test_pure_ascii_text_keeps_the_fast_path():
    f = fold("Plain ASCII text, nothing to do.")
    assert f._f is None and f._gone is None


# -- 4. a signature above another line ---------------------------------------------

def run_post(texts, author="happy_hiker", email="hh@x.test"):
    comments = [Comment(id=i + 1, post_id=1, author_name=author if i == 0 else f"reader{i}x",
                        author_email=email if i == 0 else f"r{i}@x.test", content=t)
                for i, t in enumerate(texts)]
    post = Post(id=1, comments=comments)
    a = Anonymiser(secret=SECRET)
    a.learn(post)
    a.apply(post, Ledger())
    return a, [c.content for c in comments]


@pytest.mark.parametrize("text,want", [
    ("Great post.\nJadwiga Wróblewska\nFlorist", "Great post.\n{p}\nFlorist"),
    ("Great post.\nJadwiga Wróblewska\nSenior Florist, Kraków", "Great post.\n{p}\nSenior Florist, Kraków"),
    ("Thanks!\nJadwiga\nSent from my iPhone", "Thanks!\n{p}\nSent from my iPhone"),
    ("Thanks!<br>\nJadwiga Wróblewska<br>\nSent from my Galaxy", "Thanks!<br>\n{p}<br>\nSent from my Galaxy"),
])
def test_a_signature_above_a_job_title_or_a_sent_from_line_is_the_author(text, want):
    a, (out, other) = run_post([text, "As Jadwiga Wróblewska said, yes."])
    p = a.pseudonym("happy_hiker", "hh@x.test")
    assert out == want.format(p=p)
    if "Wróblewska" in text:
        assert other == f"As {p} said, yes."  # named by another comment: the same person


@pytest.mark.parametrize("text", [
    "Lovely arrangement.\nFlorist", "Sent from my iPhone", "Nice.\nSent from my iPhone",
    "Agreed.\nBest wishes\nSent from my iPhone", "So true.\nThank You\nFlorist",
    "My favourite lines:\nthe rain in spain\nstays mainly",
])
def test_a_last_line_that_signs_nobody_stays(text):
    _, (out,) = run_post([text])
    assert out == text


# -- 5. the site's own title -------------------------------------------------------

def site_export(tmp_path, title: str) -> str:
    posts = [P(id=10, title="Soup", slug="soup", author="mdubois", site="https://kitchen.example",
               comments=[C(id=1, author="Tobias Quill", email="tq@x.test", content="Lovely soup."),
                         C(id=2, author="Hope Ravensworth", email="hr@x.test", content="Yum.")])]
    users = author("mdubois", "m@x.test", "Marguerite Dubois", "Marguerite", "Dubois")
    path = tmp_path / "site.xml"
    path.write_text(wxr(posts, site="https://kitchen.example", authors=users, title=title),
                    encoding="utf-8")
    return str(path)


def converted_title(tmp_path, run_cli, title: str, *extra: str) -> tuple[str, str]:
    src = site_export(tmp_path, title)
    out = tmp_path / "out.json"
    r = run_cli("convert", src, "--to", f"json:{out}", "--anonymise", *extra,
                env={"MIGRATOR_SECRET": SECRET.decode()})
    assert r.exit_code == 0, r.output
    text = out.read_text(encoding="utf-8")
    return json.loads(text)["posts"][0]["site"]["title"], text


@pytest.mark.parametrize("title,gone", [
    ("Marguerite's Kitchen", "Marguerite"),  # the site's own user (its author)
    ("Dubois Family Recipes", "Dubois"),
    ("Tobias Quill Reviews", "Tobias"),  # a commenter
    ("Soup with Ravensworth", "Ravensworth"),
])
def test_a_site_title_naming_a_commenter_or_a_site_user_is_scrubbed(tmp_path, run_cli, title, gone):
    got, text = converted_title(tmp_path, run_cli, title)
    assert "Commenter " in got and gone not in text, got


@pytest.mark.parametrize("title", ["Hollyhock Notes", "Hope Springs Eternal", "Grace and Soup"])
def test_a_site_title_naming_nobody_of_the_run_is_kept(tmp_path, run_cli, title):
    got, _ = converted_title(tmp_path, run_cli, title)
    assert got == title


def test_a_kept_site_user_keeps_the_title(tmp_path, run_cli):
    got, _ = converted_title(tmp_path, run_cli, "Marguerite's Kitchen", "--keep-name",
                             "Marguerite Dubois")
    assert got == "Marguerite's Kitchen"


def test_joined_names_kept_out_of_the_pattern_are_still_found_as_handles():
    a = anon(GWEN)
    p = a.pseudonym(*GWEN)
    for text, want in [("so true #GwendolynFairweather", "so true #{p}"),
                       ("follow @gwendolynfairweather", "follow @{p}"),
                       ("gwendolynfairweather85 wrote", "{p} wrote"),
                       ("ping gwendolyn_fairweather", "ping {p}")]:
        assert a.scrub(text) == want.format(p=p)
    assert "gwendolynfairweather" not in a._finder.flags  # not in the pattern


def test_one_word_alone_or_exclaimed_is_what_the_comment_says_not_a_signature():
    """'Brilliant!' alone was taken for its author's signature: it became
    their pseudonym, there and wherever the post said it. A known name
    alone still signs, and a name on the last line still does."""
    from migrator.ledger import Ledger
    from migrator.model import Comment, Post
    texts = ["Brilliant!", "Midday.", "Ditto", "Great post.\nStunning!", "Anna",
             "Great post!\nKasia", "so brilliant, Kasia!"]
    a = Anonymiser(secret=b"k" * 16)
    post = Post(id=1, comments=[Comment(id=i + 1, post_id=1, author_name="Anna Kowalski",
                                        author_email=f"a{i}@x.test", content=t)
                                for i, t in enumerate(texts)])
    a.learn(post)
    a.apply(post, Ledger())
    got = [c.content for c in post.comments]
    assert got[:4] == texts[:4]
    assert got[4] == a.pseudonym("Anna Kowalski", "a4@x.test")
    kasia = a.pseudonym("Anna Kowalski", "a5@x.test")
    assert got[5] == f"Great post!\n{kasia}" and got[6] == f"so brilliant, {kasia}!"
