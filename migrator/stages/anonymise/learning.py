"""What learning a commenter teaches the anonymiser, worked out apart from
any person: the keys a display name, an e-mail's local part or a web site
gives (pure functions of the text; :class:`.anonymiser.Anonymiser` puts
them on a person). A display name's steps are worked out once per name and
replayed on everyone who shows it (thousands of people share a few
thousand names)."""
from __future__ import annotations

import html
import re

from . import names as nm
from .lexicon import surnames
from .patterns import _EDGES, _RUN
from .people import _initials, _is_initial, _joined_forms, _key, _name_words
from .scripts import vietnamese_spellings
from .words import COMMON_WORDS, MAX_NAME_WORDS, _PARTICLES

_DIGRAPHS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue",
                           "ø": "oe", "Ø": "Oe", "å": "aa", "Å": "Aa"})


def _digraphs(word: str) -> str:
    """The spelling without umlauts or rings: Jürgen -> Juergen, Søren ->
    Soeren, Kierkegård -> Kierkegaard."""
    return word.translate(_DIGRAPHS)


#: Steps of a name plan (see name_plan) other than adding to a key set.
_KEY, _NICK, _INITIALS, _OTHER, _VIET = "key", "nick", "initials", "other", "viet"


def is_handle(handle: str) -> bool:
    """Whether an e-mail's local part, a login or a handle is looked for whole."""
    return (len(handle) >= 3 and any(ch.isalpha() for ch in handle)
            and handle not in COMMON_WORDS and not handle.isdigit() and "@" not in handle)


def key_forms(key: str) -> tuple[str, ...]:
    """The keys a name key is looked for as: itself trimmed to a letter or
    digit at each end (``\\b`` is its edge), and without its apostrophes;
    none for initials only ('J. S.'), never looked for."""
    if key.isalpha():  # letters only: no edge to trim, one run of letters
        return (key,) if len(key) >= 2 else ()
    key = _EDGES.sub("", key)
    if not key or not any(len(r) >= 2 for r in _RUN.findall(key)):
        return ()
    return (key, key.replace("'", "")) if "'" in key else (key,)


_SITE = re.compile(r"(?i)(?:[a-z][a-z0-9+.-]*:)?//(?:www\.)?([^/?#:@]+)[^/?#]*/?([^/?#]*)")
_LOCAL_PARTS = re.compile(r"[._+\-]+|\d+")


def local_names(local: str, strict: bool = False) -> list[str]:
    """The name words of an e-mail's local part written as a name: two or
    three parts, the first a listed given name or an initial
    (``mike.thornbury``, ``j.fairweather``), or each a listed given name or
    surname (``bartholomew.quince``). A commenter who signs 'Anonymous' or
    only 'Mike' is still called by them. Parts that are common words, and
    local parts such as ``info.sales``, give nothing. ``strict`` (a web
    site's host, 'john-smith-photography'): only listed names count."""
    if local.isalpha():  # one part (no separator, no digit): no name of two words
        return []
    parts = [w for w in _LOCAL_PARTS.split(local) if w]
    if not 2 <= len(parts) <= 3 or not all(w.isalpha() for w in parts):
        return []
    given, stop, listed = nm.lexicon().given, nm.lexicon().stop, surnames()
    words = [w for w in parts if len(w) >= 3 and w not in COMMON_WORDS and w not in stop]
    first = parts[0]
    if len(first) == 1 or (first in given and first in words):
        return [w for w in words if w in given or w in listed] if strict else words
    if len(words) == len(parts) and all(w in given or w in listed for w in words):
        return words
    return []


def name_plan(author_name: str, may_keep: bool) -> tuple:
    """What learning a display name does, as steps for ``Anonymiser._add_names``
    to replay on a person: (_KEY, forms) adds a key (as :func:`key_forms`
    gives it), (_NICK, (key, forms)) a nickname unless the person has the
    key already, (_INITIALS, set)
    initials, (name of a key set, key) adds to that set, (_OTHER, None)
    notes a joined name outside ASCII, (_VIET, (key, spellings)) how a key
    of a Vietnamese name is written. Depends on the name alone."""
    plan: list = []
    name = (author_name or "").strip()
    if name.startswith("@"):  # '@ophelia_t': a handle as display name, not an e-mail
        name = name.lstrip("@")
    if "&" in name:  # 'Zo&euml; Bront&euml;' as the field holds it: the name is Zoë Brontë
        name = html.unescape(name)
    if "@" in name:  # an e-mail as display name: its local part, never 'gmail' or 'com'
        name = re.sub(r"[._+\d-]+", " ", name.split("@", 1)[0])
    words = _name_words(name)
    for k, spelled in vietnamese_spellings(name, words, _key).items():  # see .scripts
        plan.append((_VIET, (k, spelled)))
    # 'Someone who cares', 'A therapy client': a phrase of words is found as
    # a whole; its words that are not common ones only where a name stands.
    phrase = len(words) >= 3 and any(w.lower() in COMMON_WORDS for w in words)
    if not words:
        return _finished(plan)
    if may_keep:  # initials matter only to people who may be kept
        plan.append((_INITIALS, frozenset(_initials(words))))
    if len(words) >= 2:
        full = " ".join(words)
        if len(full) <= 80:
            plan.append((_KEY, _key(full)))
            if not phrase and " " in name:  # 'happy_hiker' is a handle already
                _plan_joined(plan, words)
    if len(words) <= MAX_NAME_WORDS or not phrase:  # a long name is still a name
        for w in words:
            if phrase and w.lower() in COMMON_WORDS:
                continue
            if not _is_initial(w) and w.lower() not in _PARTICLES:
                plan.append((_KEY, _key(w)))
                if phrase:
                    plan.append(("_word_tokens", _key(w)))
            for part in re.split(r"[-'’]", w) if "-" in w else ():
                if len(part) >= 2:
                    plan.append((_KEY, _key(part)))
            alt = _digraphs(w)
            if alt != w and not _is_initial(w):  # Jürgen is also written Juergen
                plan.append((_KEY, _key(alt)))
            alone = [w]
            if len(words) == 1 and nm.script_of(w) == "cjk" and len(w) in (3, 4):
                # 王小芳, 김민수, 田中花子: the given name (and a two-character
                # family name) alone, as people write them to each other
                alone.append(w[len(w) - 2:])
                plan.append((_KEY, _key(alone[-1])))
                if len(w) == 4:
                    plan.append((_KEY, _key(w[:2])))
            for tr in (t for a in alone if not _is_initial(w) for t in nm.romanised(a)):
                # 'Наташа' is also written 'Natasha', 'გიორგი' 'Giorgi', '민준'
                # 'Minjun' or 'Min-jun': the name in Latin letters (see .scripts)
                if len(tr) >= 3 and tr.replace(" ", "").isalpha() and tr not in COMMON_WORDS:
                    plan.append((_KEY, tr))
                    plan.append(("_translit_keys", tr))
    first = words[0]
    if not phrase and not _is_initial(first) and first.isalpha():
        # Robert is also Bob, Bobby, Rob: the nickname list's links
        for nick in nm.nickname_keys(first):
            if len(nick) >= 3:
                plan.append((_NICK, nick))
    return _finished(plan)


def _finished(plan: list) -> tuple:
    """The plan with each key as :func:`key_forms` makes it (once per name)."""
    return tuple((op, key_forms(arg)) if op is _KEY else
                 (op, (arg, key_forms(arg))) if op is _NICK else (op, arg) for op, arg in plan)

def _plan_joined(plan: list, words: list[str]) -> None:
    """The full name joined ('gwendolynfairweather') and the initial form
    ('gfairweather') as keys: see :func:`.people._joined_forms`."""
    if nm.script_of(words[0]) == "cjk":  # '김 민준', '佐藤 花子' are also written '김민준', '佐藤花子'
        plan.append((_KEY, _key("".join(words))))
        return
    joined, initial = _joined_forms(words)
    if joined and joined not in COMMON_WORDS:
        if is_handle(joined):  # as _add_handle
            plan.append((_KEY, _key(joined)))
            plan.append(("_handle_keys", _key(joined)))
        plan.append(("_joined_keys", joined))
        if all(w.lower() in COMMON_WORDS for w in words):
            plan.append(("_joined_words", joined))  # 'Will Power': 'willpower' is a word
        if not joined.isascii():
            plan.append((_OTHER, None))
    if initial:
        plan.append((_KEY, initial))
        plan.append(("_initial_keys", initial))
