"""People: a commenter's names as keys to look for, and the thread context
that tells apart commenters who share a name."""
from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from dataclasses import dataclass

from ...model import Comment, Post
from .fold import fold_word
from .lexicon import lexicon
from .secret import PSEUDONYM_PREFIX
from .words import GREETINGS, COMMON_WORDS, MAX_ANCESTORS, _LY_NAMES, _NAME_AFFIXES, _PARTICLES, _WORD_ENDINGS

# ---------------------------------------------------------------------------
# People
# ---------------------------------------------------------------------------

#: A letter, then letters and marks (the vowel signs of Indic scripts are
#: marks, not word characters, for \w).
_LETTERS = r"[^\W\d_](?:[^\W\d_]|[\u0300-\u036f\u0483-\u0489\u0591-\u05c7\u0610-\u061a\u064b-\u065f" \
    r"\u0670\u06d6-\u06ed\u0900-\u0903\u093a-\u094f\u0951-\u0957\u0962\u0963\u0981-\u0983" \
    r"\u09bc-\u09d7\u0a01-\u0a03\u0a3c-\u0a51\u0a81-\u0a83\u0abc-\u0acd\u0b01-\u0b03\u0b3c-\u0b57" \
    r"\u0b82\u0bbe-\u0bcd\u0bd7\u0c00-\u0c04\u0c3e-\u0c56\u0c81-\u0c83\u0cbc-\u0cd6\u0d00-\u0d03" \
    r"\u0d3b-\u0d57\u0e31\u0e34-\u0e3a\u0e47-\u0e4e\u0eb1\u0eb4-\u0ebc\u0ec8-\u0ecd\u1ab0-\u1aff" \
    r"\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f])*"
_WORD = rf"{_LETTERS}(?:['’-]{_LETTERS})*"
_NAME_WORD = re.compile(_WORD)

def _lower(text: str) -> str:
    """Lower case of the same length (so positions match the original),
    with ’ as '. A character whose lower case is longer ('İ') stays."""
    low = text.lower()
    if len(low) != len(text):
        low = "".join(ch.lower() if len(ch.lower()) == 1 else ch for ch in text)
    return low.replace("’", "'")

def _key(text: str) -> str:
    """How a name or a matched mention is looked up: folded (entities
    decoded, accents and apostrophes dropped, hyphens as spaces, lower case,
    one space; see :func:`.names.fold`)."""
    if text.isascii() and text.isalnum():
        return text.lower()
    return fold_word(text)

def _is_initial(word: str) -> bool:
    return len(word) == 1 or (len(word) <= 3 and word.isupper())


_NONE: frozenset = frozenset()


@dataclass(eq=False, slots=True)
class _Person:
    """One person of the run. Slotted; their few keys and nicknames are
    tuples, and initials (kept only when someone may be kept) share one empty
    set until they have some (replaced, never changed in place): a run's
    20,000 people cost about 1 KB each."""
    digest: bytes
    width: int
    kept: bool = False
    used: bool = False  # its pseudonym has been written: it may not change
    keys: tuple = ()  # name / local-part keys of this person (a few: a tuple costs least)
    initials: frozenset = _NONE
    nicks: tuple = ()  # keys from the nickname list, not their own name

    _pseudonym: str = ""

    @property
    def label(self) -> str:
        return self.digest.hex()[:self.width].upper()

    @property
    def pseudonym(self) -> str:
        if not self._pseudonym or len(self._pseudonym) != len(PSEUDONYM_PREFIX) + self.width:
            self._pseudonym = PSEUDONYM_PREFIX + self.label
        return self._pseudonym

def _name_words(name: str) -> list[str]:
    words = _NAME_WORD.findall(unicodedata.normalize("NFC", name or ""))
    return [w for w in words if w.lower().strip(".") not in _NAME_AFFIXES]

def _joined_forms(words: list[str]) -> tuple[str, str]:
    """A full name joined into one handle or hashtag ('gwendolynfairweather',
    found in any case), and the first initial with a surname of 5+ letters
    that is no common word ('gfairweather'); '' for none. Only these two:
    every key costs memory per person. The initial form stays out of the
    name pattern (keys under every letter there cost every comment about
    4%): it is looked up where a word is a handle ('@', '#', before digits).
    Joined by a dot or an underscore the name is found from its words
    (Glued._dotted; fold makes '_' a space)."""
    keys = [_key(w).replace("'", "").replace(" ", "") for w in words
            if not _is_initial(w) and w.lower() not in _PARTICLES]
    if len(keys) < 2 or not all(k.isalpha() for k in keys) or _CJK_CHAR.search(keys[0]):
        return "", ""  # 'J. R. R. Tolkien': initials are never looked for alone; CJK has no spaces
    first, last = keys[0], keys[-1]
    initial = ""
    if len(last) >= 5 and last not in COMMON_WORDS and first.isascii():
        initial = first[0] + last
        if initial in COMMON_WORDS:
            initial = ""
    return "".join(keys), initial


_CJK_CHAR = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")


def _initials(words: list[str]) -> set[str]:
    letters = [w[0] for w in words if w]
    if len(letters) < 2:
        return set()
    s = "".join(letters).lower()
    return {s, ".".join(s) + ".", ". ".join(s) + "."}

def _ambiguous(key: str) -> bool:
    """A name key that may be a plain word: only its capitalised uses count."""
    return all(p in COMMON_WORDS or len(p) <= 2 or _wordlike(p) for p in key.split())

def _wordlike(key: str) -> bool:
    """Built like an English word ('waiting', 'hopeless'): a name with such an
    ending (Fleming) is still replaced wherever it is capitalised."""
    return len(key) >= 6 and key.endswith(_WORD_ENDINGS)

def _common(key: str) -> bool:
    """Every word of the key is a common word ('Hope', 'Will May'): at the
    start of a sentence it is taken for the word."""
    return all(p in COMMON_WORDS for p in key.split())

def _titlecase(word: str) -> bool:
    return word[:1].isupper() and not (len(word) > 1 and word.isupper())

def _not_a_name(word: str) -> bool:
    """An unknown capitalised word that is surely no name."""
    k = word.lower()
    if k in COMMON_WORDS:
        return True
    f = fold_word(k)
    if f in GREETINGS or (k in lexicon().stop and f not in lexicon().given):
        return True  # a common word of some language ('Спасибо', 'Merci', 'Однако')
    return len(k) >= 8 and k.endswith("ly") and k not in _LY_NAMES

class _Thread:
    """The post being anonymised, for telling apart commenters who share a
    name: the comment in hand is set before each body is scrubbed.

    A name (of some commenter who is not kept) is a person's when it is one
    of their keys and they are not kept: ``not p.kept and key in p.keys``,
    written out where it is asked, as a call costs more than the test."""

    __slots__ = ("anon", "post", "people", "by_id", "comment", "pos", "_up", "_near", "_where")

    def __init__(self, anon, post: Post, people: dict) -> None:  # anon: the Anonymiser
        self.anon, self.post, self.people = anon, post, people
        self.by_id = {c.id: c for c in post.comments}
        self.comment: Comment | None = None
        self.pos = 0
        self._up: dict[tuple[int, str], _Person | None] = {}  # (comment, key) -> ancestor
        self._near: dict[str, tuple[list[int], list[_Person]]] = {}  # key -> where, who
        self._where: dict[int, tuple[_Person, list[int]]] | None = None

    def resolve(self, key: str) -> _Person | None:
        """Of several commenters sharing a name: the one replied to (nearest
        ancestor first), else the author, else the nearest comment of the post."""
        c = self.comment
        p = self._ancestor(c, key)
        if p is not None:
            return p
        me = self.people[c.id]
        if me is not None and not me.kept and key in me.keys:  # see the class doc
            return me
        near = self._near.get(key)
        if near is None:
            if self._where is None:  # person -> positions in the post, once per post
                self._where = {}
                for i, o in enumerate(self.post.comments):
                    p = self.people[o.id]
                    if p is not None:
                        self._where.setdefault(id(p), (p, []))[1].append(i)
            # The people of this name who wrote here: from the fewer of the
            # name's people and the post's (a first name may have hundreds).
            # A position is one comment's: no tie of the sort reaches p.
            pick, where = self.anon._live.get(key, ()), self._where
            if len(pick) <= len(where):
                at = sorted((i, p) for p in pick if id(p) in where for i in where[id(p)][1])
            else:  # see the class doc
                at = sorted((i, p) for p, pos in where.values()
                            if not p.kept and key in p.keys for i in pos)
            near = self._near[key] = ([i for i, _ in at], [p for _, p in at])
        positions, persons = near
        if not positions:
            return None
        j = bisect_left(positions, self.pos)
        best = min((k for k in (j - 1, j) if 0 <= k < len(positions)),
                   key=lambda k: (abs(positions[k] - self.pos), positions[k]))
        return persons[best]

    def _ancestor(self, c: Comment, key: str) -> _Person | None:
        """The nearest author up the thread from ``c`` who has this name
        (remembered per comment, so a deep thread is walked once)."""
        people, by_id, up = self.people, self.by_id, self._up
        walked: list[int] = []
        found = None
        parent = c.parent_id
        for _ in range(MAX_ANCESTORS):  # threads are trees: no cycle, but stay bounded
            if parent is None or parent not in by_id:
                break
            if (parent, key) in up:
                found = up[(parent, key)]
                break
            p = people[parent]
            if p is not None and not p.kept and key in p.keys:  # see the class doc
                found = p
                break
            walked.append(parent)
            parent = by_id[parent].parent_id
        # Every comment walked past has the same answer as the one above it:
        # 'the nearest of its own ancestors (itself included)'.
        for cid in walked:
            up[(cid, key)] = found
        return found
