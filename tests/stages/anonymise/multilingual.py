"""A multilingual comment thread with a manifest of every personal token.

:func:`build` returns the WXR text and a :class:`Manifest`. Each comment body
starts with a marker line (``qz007``) so its text can be found in any output,
whatever ids the output gives it. Every piece of a body is recorded as one of

* ``person``: a mention of a commenter (any spelling: folded, inflected,
  nickname, sign-off, word-name in a name position), which must not survive;
* ``third``: a name of someone who never commented (no title before it);
* ``word``: an ordinary word that looks like a name (hope, will, May in
  "in May", a red rose, "Amazing Grace", my cat, Paris as a place), which
  must come through untouched;
* ``contact``: an e-mail (any spelling), phone, URL, bare domain or IP, in
  text, attributes or HTML comments; ``probe`` is the part that must not
  survive.

The same exact surface form is never both a person and a word in one
comment, so counting it in that comment's output tells which survived.
"""
from __future__ import annotations

import html
import random
import re
import sys
import os
from dataclasses import dataclass, field

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from wxr_builder import C, P, wxr  # noqa: E402


@dataclass
class Token:
    kind: str  # person | third | word | contact
    comment: str  # the comment's marker
    surface: str  # as written
    probe: str = ""  # for contacts: what must not survive


@dataclass
class Manifest:
    commenters: list = field(default_factory=list)  # (name, email)
    tokens: list = field(default_factory=list)
    bodies: dict = field(default_factory=dict)  # marker -> original body

    def of(self, kind: str) -> list[Token]:
        return [t for t in self.tokens if t.kind == kind]


# name, e-mail, forms others may use for them (person tokens)
COMMENTERS = [
    ("Anna Kowalski", "anna.k@gmail.com", ["Anna", "Anny", "Kowalski", "Annie"]),
    ("Zoë Martin", "zoe.m@example.net", ["Zoe", "Zoë", "Martin"]),
    ("José Álvarez", "jalvarez@example.es", ["Jose", "José", "Álvarez", "Alvarez"]),
    ("Søren Madsen", "soren@example.dk", ["Soren", "Søren", "Madsen"]),
    ("Siobhán O'Brien", "siobhan@example.ie", ["Siobhan", "O'Brien", "O’Brien", "OBrien",
                                               "O&#8217;Brien"]),
    ("Jean-Luc Moreau", "jlm@example.fr", ["Jean-Luc", "Jean Luc", "Moreau"]),
    ("王芳", "wangfang@example.cn", ["王芳"]),
    ("陈静怡", "chen@example.cn", ["陈静怡"]),
    ("Natalya Petrova", "natalya@example.ru", ["Natalya", "Petrova"]),
    ("Сергей Иванов", "sergei@example.ru", ["Сергей", "Иванов", "Иванову", "Иванова", "Сергею"]),
    ("Наташа Смирнова", "natasha@example.ru", ["Наташа", "Наташи", "Наташе", "Смирновой"]),
    ("أحمد منصور", "ahmad@example.eg", ["أحمد", "منصور", "لأحمد"]),
    ("Μαρία Παπαδοπούλου", "maria@example.gr", ["Μαρία", "Παπαδοπούλου"]),
    ("Hope", "hope.d@example.org", ["Hope"]),
    ("Will Turner", "wturner@example.com", ["Will", "Turner"]),
    ("Rose", "rose1970@example.com", ["Rose"]),
    ("Mark Evans", "mevans@example.com", ["Mark", "Evans", "mark"]),
    ("May Lin", "maylin@example.com", ["May", "Lin"]),
    ("Robert Hale", "rhale@example.com", ["Robert", "Bob", "Bobby", "Hale", "bob"]),
    ("Grace", "grace.k@example.com", ["Grace"]),
    ("Cat Moody", "catm@example.com", ["Cat Moody"]),
    ("Someone who cares", "", ["Someone who cares"]),
    ("jdoe1984@gmail.com", "jdoe1984@gmail.com", ["jdoe1984"]),
    ("Katherine Doyle", "kdoyle@example.com", ["Katherine", "Kate", "Doyle"]),
]

#: People who never comment. Oksana and Yusuf are not in the given-names list: only
#: where a name stands regardless of the list (after a title, addressed) are they found.
THIRD = ["Kori", "Margaret", "Helen", "Trevor", "Deborah", "Gregory", "Leonard", "Priscilla",
         "Harold", "Beatrice", "Wendell", "Lorraine", "Dolores", "Clifford", "Marjorie", "Eugene",
         "Agnes", "Rodney", "Olga", "Fatima", "Ingrid", "Aisha", "Oksana", "Yusuf"]
THIRD_FRAMES = ["My sister {t} says hi.", "{t} said the same thing.", "I told {t} about it.",
                "We visited {t} and her kids.", "My therapist {t} agrees.", "Even {t} was surprised.",
                "{t}, my neighbour, disagrees.", "I was with {t} Harrington last week.",
                "my friend {lower} came along.", "{t}'s advice helped me.", "Hi {t}, if you read this.",
                "Ask {t} what she thinks."]

# Ordinary-word uses: (sentence with {w}, the word as written)
WORDS = [
    ("I {w} things get easier for you.", "hope"), ("I really {w} so.", "hope"),
    ("There is always {w}.", "hope"), ("I {w} try that tomorrow.", "will"),
    ("It takes a lot of {w} to keep going.", "will"), ("{w} you write more about this?", "Will"),
    ("She gave me a red {w} from her garden.", "rose"), ("The sun {w} early today.", "rose"),
    ("Please {w} my words.", "mark"), ("It left a {w} on me.", "mark"),
    ("We met again in {w} last year.", "May"), ("You {w} find it helpful.", "may"),
    ("{w} I add something?", "May"), ("The {w} for therapy was huge.", "bill"),
    ("I paid the {w} myself.", "bill"), ("She handled it with {w}.", "grace"),
    ("We are saved by {w}.", "grace"), ("We sang Amazing {w} at the service.", "Grace"),
    ("My {w} sleeps on my lap.", "cat"), ("I feel so {w} lately.", "moody"),
    ("Nobody {w} about that.", "cares"), ("{w} told me it would pass.", "Someone"),
    ("My appointment is in {w}.", "June"), ("It takes {w} to trust again.", "faith"),
    ("We moved to {w} when I was ten.", "Georgia"), ("I visited {w} in the spring.", "Paris"),
    ("I hope you {w} keep writing.", "will"), ("That is a {w} of honour.", "mark"),
    ("He lives in {w} now.", "Virginia"), ("A {w} by any other name.", "rose"),
    ("I {w} be there next week.", "may"), ("Pay the {w} later.", "bill"),
    ("My {w} does not care either.", "cat"), ("I am {w} in the mornings.", "moody"),
    ("{w} knows how it feels.", "Nobody"), ("{w} is all I have left.", "Hope"),
    ("{w} is hard to find some days.", "Faith"), ("{w} my words, it passes.", "Mark"),
    ("The {w} was passed last spring.", "Bill"), ("{w} petals were everywhere.", "Rose"),
    ("I start therapy in {w}.", "June"), ("The {w} of God carried me.", "Grace"),
]

# Forms of a commenter that are names only in a name position, with that position.
POSITIONED = [
    ("Hope", ["Hope here.", "Hope said it best.", "Thanks Hope!", "As Hope's story shows, it passes.",
              "It gets better.\n\nHope"]),
    ("Will", ["Will here.", "It gets better. Will", "Will said the same.", "Dear Will,",
              "I agree with Will about this."]),
    ("Rose", ["Rose here - long time reader.", "Rose wrote about this before.", "Hi Rose!",
              "Love,\nRose"]),
    ("Mark", ["Mark wrote about this.", "Thanks Mark.", "mark here, first time posting."]),
    ("May", ["May said it well.", "Thank you May!", "Hi May, I hear you."]),
    ("Grace", ["Grace here.", "Grace's comment helped.", "Dear Grace,"]),
    ("Bob", ["bob here, agreeing.", "Bob said the same.", "Thanks Bob."]),
    ("Cat Moody", ["Cat Moody said it well.", "Like Cat Moody, I left."]),
    ("Someone who cares", ["Thank you, Someone who cares."]),
]

#: (text, probe): {n} makes each detail distinct; the probe must not survive.
CONTACTS = [
    ("akowalski{n} at gmail dot com", "akowalski{n}"), ("mike.r{n} [at] yahoo [dot] com", "mike.r{n}"),
    ("anna{n} (at) mail (dot) ru", "anna{n}"), ("tom.h{n}@outlook.com", "tom.h{n}"),
    ("Ann Lee <ann.lee{n}@gmail.com>", "ann.lee{n}"),
    ("<https://annkowalski{n}.example.com/about>", "annkowalski{n}"),
    ("annakowalski{n}.blog", "annakowalski{n}"), ("my-story{n}.net/post/12", "my-story{n}"),
    ("55512345{n:02d}", "55512345{n:02d}"), ("555-123-45{n:02d}", "123-45{n:02d}"),
    ("+44 7700 9001{n:02d}", "7700 9001{n:02d}"), ("(212) 555-01{n:02d}", "555-01{n:02d}"),
    ("077009004{n:02d}", "077009004{n:02d}"), ("+141555501{n:02d}", "41555501{n:02d}"),
    ("http://www.sibelblog{n}.com/2019/05/", "sibelblog{n}"), ("www.gracenotes{n}.org", "gracenotes{n}"),
    ("192.168.14.{n}", "192.168.14.{n}"), ("2001:db8:85a3::8a2e:370:{n}", "8a2e:370:{n}"),
    ("facebook.com/ann.lee.{n}", "ann.lee.{n}"), ("jdoe{n} [at] protonmail [dot] ch", "jdoe{n}"),
    ("ping me on annlee{n} at hotmail.com", "annlee{n}"),
    # phone numbers and ids as other countries write them ({hi}{lo}: the
    # number in two-digit groups)
    ("030/123{n:04d}", "123{n:04d}"), ("98765 4{n:04d}", "98765 4{n:04d}"),
    ("06.{hi}.{lo}.56.78", "06.{hi}.{lo}.56.78"), ("6123{n:05d}", "6123{n:05d}"),
    ("601 2{hi} 5{lo}", "601 2{hi} 5{lo}"), ("020 7946 {n:04d}", "7946 {n:04d}"),
    ("(11) 98765-{n:04d}", "98765-{n:04d}"), ("PESEL 44051{n:06d}", "44051{n:06d}"),
]


def _contact(rng: random.Random, n: int) -> tuple[str, str]:
    """A contact detail made unique by ``n`` (so each has its own probe)."""
    text, probe = CONTACTS[n % len(CONTACTS)]
    k = 10 + n  # two digits at least, unique per detail
    parts = {"n": k, "hi": f"{k // 100:02d}", "lo": f"{k % 100:02d}"}
    return text.format(**parts), probe.format(**parts)


def build(seed: int = 7) -> tuple[str, Manifest]:
    rng = random.Random(seed)
    man = Manifest()
    man.commenters = [(n, e) for n, e, _ in COMMENTERS]
    posts = []
    cid = 0
    counter = {"contact": 0}
    word_i = 0
    third_i = 0
    pos_items = [(name, s) for name, forms in POSITIONED for s in forms]
    pos_i = 0

    def comment_text(marker: str, author_idx: int, reply_to_idx: int | None) -> str:
        nonlocal word_i, third_i, pos_i
        pieces: list[str] = [marker, "\n"]
        tail = None
        person_here: set[str] = set()
        word_here: set[str] = set()

        def person(surface: str, text: str | None = None) -> None:
            person_here.add(surface)
            man.tokens.append(Token("person", marker, surface))
            pieces.append(text if text is not None else surface)

        # 1. address the person replied to, in one of their forms
        if reply_to_idx is not None:
            name, email, forms = COMMENTERS[reply_to_idx]
            form = forms[(cid + author_idx) % len(forms)]
            if form in ("Someone who cares", "Cat Moody", "jdoe1984"):
                pieces.append("Thank you, ")
                person(form)
                pieces.append(". ")
            elif form.endswith(("у", "ой", "е")) and any(c > "\u0400" for c in form):
                pieces.append("Я написал ")
                person(form)
                pieces.append(" вчера. ")
            elif form.startswith("ل"):
                pieces.append("شكرا ")
                person(form)
                pieces.append(" على كلامك. ")
            elif form in ("王芳", "陈静怡"):
                pieces.append("谢谢")
                person(form)
                pieces.append("！你说得对。 ")
            elif form == "Anny":
                pieces.append("Dzięki za słowa ")
                person(form)
                pieces.append(". ")
            elif form in ("Наташи",):
                pieces.append("У ")
                person(form)
                pieces.append(" есть опыт. ")
            elif form in ("mark", "bob"):
                pieces.append("Like ")
                person(form.capitalize())
                pieces.append(" said, this matters. ")
            elif form in ("Hope", "Will", "Rose", "Mark", "May", "Grace"):
                pieces.append("Dear ")
                person(form)
                pieces.append(", thank you. ")
            else:
                pieces.append("I agree with ")
                person(form)
                pieces.append(" on this. ")
        # 2. a word-name in a name position (not the author's own word uses)
        if cid % 2 == 0:
            name, s = pos_items[pos_i % len(pos_items)]
            pos_i += 1
            person_surface = {"Bob": "bob" if s.startswith("bob") else "Bob",
                              "Mark": "mark" if s.startswith("mark") else "Mark"}.get(name, name)
            if person_surface.endswith("'s"):
                person_surface = person_surface[:-2]
            i = s.find(person_surface)
            if "\n" in s or s.endswith(". " + person_surface):
                tail = (s, person_surface)  # a sign-off: it ends the comment
                person_here.add(person_surface)
            else:
                pieces.append(s[:i])
                person(person_surface)
                pieces.append(s[i + len(person_surface):] + " ")
        # 3. ordinary words, two per comment, never the same surface as a person here
        for _ in range(3):
            for _try in range(len(WORDS)):
                sent, w = WORDS[word_i % len(WORDS)]
                word_i += 1
                if w not in person_here:
                    break
            else:
                continue
            pre, post = sent.split("{w}")
            pieces.append(pre)
            pieces.append(w)
            word_here.add(w)
            man.tokens.append(Token("word", marker, w))
            pieces.append(post + " ")
        # 4. a third party, no title
        if cid % 3 != 1:
            t = THIRD[third_i % len(THIRD)]
            frame = THIRD_FRAMES[(third_i * 5) % len(THIRD_FRAMES)]
            third_i += 1
            if "{lower}" in frame:
                t = t.lower()
                frame = frame.replace("{lower}", "{t}")
            pre, post = frame.split("{t}")
            pieces.append(pre)
            pieces.append(t)
            man.tokens.append(Token("third", marker, t))
            pieces.append(post + " ")
        # 5. contact details: in text, in an attribute, in an HTML comment
        for where in range(2):
            n = counter["contact"]
            counter["contact"] += 1
            text, probe = _contact(rng, n)
            if where == 0:
                pieces.append(f"Reach me at {text} if you like. ")
            elif n % 3 == 0:
                pieces.append(f'<img src="/wp-content/x.png" alt="sent by {html.escape(text)}" /> ')
            elif n % 3 == 1:
                pieces.append(f"<!-- note: {text} --> ")
            else:
                pieces.append(f'<span title="contact {html.escape(text)}" data-who="{html.escape(text)}">'
                              'ok</span> ')
            man.tokens.append(Token("contact", marker, text, probe))
        # 6. the author's own sign-off (the author's name, or alias)
        name, email, forms = COMMENTERS[author_idx]
        if tail is not None:
            s, surface = tail
            i = s.rfind(surface)
            pieces.append("\n" + s[:i])
            person(surface)
        elif name == "Natalya Petrova":
            pieces.append("\n\nНаташа")  # signs with a diminutive in another script
            man.tokens.append(Token("person", marker, "Наташа"))
        elif cid % 4 == 0 and forms[0] not in word_here and forms[0] not in (
                "Someone who cares", "jdoe1984", "Cat Moody"):
            pieces.append("\n\n" + forms[0])
            man.tokens.append(Token("person", marker, forms[0]))
        return "".join(pieces)

    for pid in range(1, 4):
        comments = []
        ids = []
        for j in range(22):
            cid += 1
            author_idx = (cid * 7 + pid) % len(COMMENTERS)
            parent = 0
            reply_to_idx = None
            if ids and j % 3 != 0:
                parent_id, reply_to_idx = ids[rng.randrange(len(ids))]
                if reply_to_idx == author_idx:
                    reply_to_idx = None
                else:
                    parent = parent_id
            marker = f"qz{cid:03d}"
            body = comment_text(marker, author_idx, reply_to_idx)
            man.bodies[marker] = body
            name, email, _ = COMMENTERS[author_idx]
            comments.append(C(id=1000 + cid, parent=parent, author=name, email=email,
                              ip=f"203.0.113.{cid % 250}", content=body,
                              date=f"2021-0{pid}-{(j % 27) + 1:02d} 1{j % 10}:00:00"))
            ids.append((1000 + cid, author_idx))
        posts.append(P(id=pid, comments=comments, title=f"Post {pid}", slug=f"post-{pid}"))
    return wxr(posts), man


if __name__ == "__main__":  # python tests/stages/anonymise/multilingual.py out.wxr
    text, man = build()
    with open(sys.argv[1] if len(sys.argv) > 1 else "multilingual.wxr", "w", encoding="utf-8") as fh:
        fh.write(text)
    kinds = {k: len(man.of(k)) for k in ("person", "third", "word", "contact")}
    print(kinds)


def strings(obj):
    """Every string in a JSON document, however deep."""
    if isinstance(obj, str):
        yield obj
    elif isinstance(obj, dict):
        for v in obj.values():
            yield from strings(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from strings(v)


def segments(text: str, digits: int = 3) -> dict[str, str]:
    """marker ('qz' and ``digits`` digits) -> the text from that comment's
    marker to the next marker."""
    marks = list(re.finditer(r"qz\d{%d}" % digits, text))
    segs: dict[str, str] = {}
    for i, m in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        segs[m.group()] = segs.get(m.group(), "") + text[m.start():end]
    return segs


def files(folder):
    """Every file under ``folder``, in a stable order."""
    for root, _, names in sorted(os.walk(folder)):
        for f in sorted(names):
            yield os.path.join(root, f)


def read_outputs(out) -> dict[str, str]:
    """The SQLite, json:DIR/ and JSONL outputs written under ``out`` (as
    db.sqlite, json/ and all.jsonl), each as one text of every string in it."""
    import json
    import sqlite3

    got = {}
    with sqlite3.connect(out / "db.sqlite") as db:
        parts = []
        for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'"):
            for row in db.execute(f'SELECT * FROM "{table}"'):
                parts.extend(str(v) for v in row if isinstance(v, str))
        got["sqlite"] = "\n".join(parts)
    got["json"] = "\n".join(s for f in files(out / "json")
                            for s in strings(json.load(open(f, encoding="utf-8"))))
    with open(out / "all.jsonl", encoding="utf-8") as fh:
        got["jsonl"] = "\n".join(s for line in fh if line.strip() for s in strings(json.loads(line)))
    return got
