"""Anonymise comment threads: pseudonyms for people, scrubbed comment bodies.

WordPress's own eraser sets the author to "Anonymous", blanks e-mail, URL and
user agent and cuts the IP to /24, but leaves every body untouched: "Dear
Sibel," still names Sibel. This stage does the fields *and* the bodies.

People
    A person is their normalised e-mail (NFKC, trimmed, case-folded), or
    their normalised name when the comment has no e-mail. Their pseudonym is
    ``Commenter XXXXXXXX``: hex digits of HMAC-SHA256(secret, identity). The
    same secret gives the same pseudonym in every run and file; another
    secret gives unrelated ones; two people who share a name but not an
    e-mail stay two people. Should two people of one run share the digits,
    both get longer ones (checked as people are learned, so before any is
    written). No secret -> a random one, thrown away (``reproducible`` is
    False).

Fields
    author name -> pseudonym; e-mail, URL, user agent -> removed; IP ->
    removed, or with ``ip="truncate"`` WordPress's /24 and /64
    (``wp_privacy_anonymize_ip``); ``user_id`` -> 0 unless the person is kept;
    commentmeta -> only the keys in ``keep_meta``.

Bodies (HTML: only text is touched; links to absolute URLs lose their href)
    * a commenter's full name, first name, surname and e-mail local part
      -> that commenter's pseudonym (when a first name is shared by several
      commenters, the one the comment replies to wins, then the comment's
      own author, then the nearest comment of the same post; with no such
      context -> ``[name]``);
    * an unknown name used as addressee ("Dear X", "Hi X", "@X", "X," at the
      start of the comment or a line) or after a title (Dr., Mrs. ...) ->
      ``[name]``;
    * e-mails, URLs, phone numbers, IP addresses -> ``[email]``, ``[url]``,
      ``[phone]``, ``[ip]``; IBANs and national id numbers (PESEL, SSN ...
      where their name stands beside them) -> ``[id]``.
    Names that are also common words ("Hope", "Will", "May", "Snow") are only
    replaced where they are used as names: capitalised mid-sentence, or
    addressed. Initials and one-letter surnames are never matched alone.

Kept people (``keep_names``, and with ``keep_registered`` the site's own
users) keep their name, their ``user_id`` and every mention of them: for
"Jeffery Smith" also "Jeffery", "Smith" ("Dr. Smith") and "JS". A kept
name's word that a commenter who is not kept shares is that commenter's,
unless the kept name is written in full or the comment is by (or answers)
the kept person: keeping one person never unmasks another.

Posts, the site's URLs, ids and links back to the original: see
:mod:`.scrub_posts`.

Memory follows the number of distinct people, never the number of comments:
learning keeps per-person data only. :meth:`Anonymiser.learn_people` takes
every commenter of the exports before the first post; the pipeline finds them
by scanning the files' bytes (``migrator.wxr.scan``; the full reader is the
fallback), so no export is parsed twice: the stage itself knows no format. After learning, one pattern holding every name, addressing word and
title as a trie finds them all in a single scan of a comment; e-mails, URLs,
numbers and markup are looked for only where a cheap test says they may be.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from typing import Iterable

from ...model import Comment, Post
from . import names as nm
from .learning import (_INITIALS, _KEY, _NICK, _OTHER, _SITE, _VIET, is_handle, key_forms,
                       local_names as _local_names, name_plan)
from .patterns import _ADDR_WORDS, _TITLE_RUNS
from .people import _Person, _ambiguous, _common, _initials, _key, _name_words
from .scrub_fields import FieldScrubber
from .scrub_posts import PostScrubber
from .scrub_text import TextScrubber
from .secret import HEX_DIGITS, IP_POLICIES, PSEUDONYM_PREFIX, _norm, identity
from .words import COMMON_WORDS

class Anonymiser(TextScrubber, FieldScrubber, PostScrubber):
    """Pseudonymises people and scrubs comment bodies (see the module doc).

    >>> a = Anonymiser(secret=b"k")
    >>> for post in posts: a.learn(post)          # doctest: +SKIP
    >>> for post in posts: a.apply(post, ledger)  # doctest: +SKIP
    """

    def __init__(self, secret: bytes | str | None = None, keep_names: Iterable[str] = (),
                 keep_registered: bool = False, ip: str = "drop",
                 keep_meta: Iterable[str] = ()):
        if isinstance(secret, str):
            secret = secret.encode("utf-8")
        if secret is not None and not secret:
            raise ValueError("the anonymisation secret is empty")
        if ip not in IP_POLICIES:
            raise ValueError(f"ip must be one of {', '.join(IP_POLICIES)}, not {ip!r}")
        self.reproducible: bool = secret is not None
        self._secret: bytes = secret if secret is not None else secrets.token_bytes(32)
        self.keep_names = tuple(n for n in keep_names if n and n.strip())
        self.keep_registered = keep_registered
        #: Whether anyone can be kept (their initials are looked for only then).
        self._may_keep = bool(self.keep_names) or keep_registered
        self.ip = ip
        self.keep_meta = frozenset(keep_meta)

        self._kept_emails = {_norm(n) for n in self.keep_names if "@" in n}
        self._kept_names = {tuple(w.lower() for w in _name_words(n)) for n in self.keep_names}
        self._kept_names.discard(())
        self._kept_static: set[str] = set()
        for n in self.keep_names:
            words = _name_words(n)
            self._kept_static.add(_key(n))
            self._kept_static.update(_key(w) for w in words)
            self._kept_static.add(_key(" ".join(words)))
            self._kept_static |= {k.replace("'", "") for k in self._kept_static if "'" in k}
            self._kept_static |= _initials(words)
        self._kept_static.discard("")

        # Per person / per distinct name only (never per comment).
        self._by_digest: dict[bytes, _Person] = {}
        self._by_raw: dict[tuple[str, str], _Person | None] = {}
        #: Pseudonym -> its person (the prefix and a label: as unique as the
        #: label, and the string each person's pseudonym is anyway).
        self._labels: dict[str, _Person] = {}
        #: Key -> its people: lists while learning, tuples once the tables are
        #: built (the same tuples as _live's where nobody of them is kept).
        self._index: dict[str, list[_Person] | tuple[_Person, ...]] = {}
        self._counted: set[bytes] = set()
        #: (person, web site) pairs already learned: only while learning.
        self._urls_learned: set[tuple[int, str]] = set()
        #: Display name -> what it teaches (see .learning.name_plan): only while learning.
        self._name_plans: dict[str, tuple] = {}

        self._dirty = True
        #: How many times the name tables were built (once per run after learning).
        self.compiled = 0
        self._live: dict[str, tuple[_Person, ...]] = {}
        self._single: dict[str, str] = {}
        self._kept_keys: set[str] = set()
        self._ambig: set[str] = set()
        self._common: set[str] = set()
        #: Keys that are a token of a phrase handle ('cares' of 'Someone who
        #: cares'), nicknames from the nickname list, e-mail local parts.
        self._word_tokens: set[str] = set()
        self._nick_keys: set[str] = set()
        self._handle_keys: set[str] = set()
        #: First initial and surname ('gfairweather'): keys, but not in the name
        #: pattern (see _add_joined); looked up where a word is a handle.
        self._initial_keys: set[str] = set()
        #: Full names joined ('gwendolynfairweather'): keys, but not in the name
        #: pattern (there they cost 10-13% of the stage, and 20 MB at 20,000
        #: people); looked up in a set from the text's runs of letters (Glued._joined).
        self._joined_keys: set[str] = set()
        #: Those made of common words ('rainbow' of a Rain Bow): only in camel case.
        self._joined_words: set[str] = set()
        #: Whether one of them is written in letters outside ASCII ('наташаиванова').
        self._joined_other = False
        #: Latin spellings of Cyrillic and Greek names ('natasha' for 'Наташа').
        self._translit_keys: set[str] = set()
        #: Keys of names written with Vietnamese letters -> how they are written.
        self._viet: dict[str, set[str]] = {}
        self._finder: nm.NameFinder | None = None
        #: Every key of a commenter or kept person: never a third party.
        self._taken: set[str] = set()
        self._alias_finders: dict = {}
        #: Kept names' words that a commenter who is not kept shares -> ids of
        #: the kept people who have them; and every full kept name, as a pattern.
        self._contested: dict[str, frozenset] = {}
        self._kept_full: re.Pattern | None = None

    @classmethod
    def from_options(cls, o) -> "Anonymiser":
        """The anonymiser a :class:`~migrator.pipeline.Options` asks for."""
        return cls(secret=o.secret, keep_names=o.keep_names, keep_registered=o.keep_registered,
                   ip=o.ip, keep_meta=o.keep_meta)

    # -- people -------------------------------------------------------------
    def _digest(self, ident: str) -> bytes:
        # hmac.digest: the one-shot form of hmac.new(...).digest(), same bytes
        return hmac.digest(self._secret, b"migrator/person/v1\0" + ident.encode("utf-8"),
                           hashlib.sha256)

    def pseudonym(self, name: str, email: str = "") -> str:
        """The pseudonym of the person with this name and e-mail ("" if neither)."""
        ident = identity(name, email)
        if ident is None:
            return ""
        digest = self._digest(ident)
        p = self._by_digest.get(digest)
        if p is not None:
            return p.pseudonym
        return PSEUDONYM_PREFIX + digest.hex()[:HEX_DIGITS].upper()

    def _place(self, p: _Person) -> None:
        """Give ``p`` a label no other person of this run has."""
        while True:
            other = self._labels.get(p.pseudonym)
            if other is None or other is p:
                self._labels[p.pseudonym] = p
                return
            if not other.used:  # both get longer labels, neither keeps the shared one
                del self._labels[other.pseudonym]
                other.width += 4
                self._place(other)
            p.width += 4

    def _person(self, c: Comment, learning: bool = False) -> _Person | None:
        raw = (c.author_name, c.author_email)
        if raw in self._by_raw:
            p = self._by_raw[raw]
        else:
            ident = identity(*raw)
            p = None
            if ident is not None:
                digest = self._digest(ident)
                p = self._by_digest.get(digest)
                if p is None:
                    p = self._by_digest[digest] = _Person(digest, HEX_DIGITS)
                    self._place(p)
                    self._dirty = True
                if self._is_kept(c) and not p.kept:
                    p.kept = True
                    self._dirty = True
                if not self._add_names(p, c):
                    return p  # not cached: a later real comment still brings the names
            self._by_raw[raw] = p
        if p is not None and not p.kept and self.keep_registered and c.user_id > 0:
            p.kept = True
            self._dirty = True
        if learning and p is not None and c.author_url and c.type not in ("pingback", "trackback"):
            # A person's site is the same on each of their comments: learned once
            # (the same site again would add nothing to the same person).
            seen = (id(p), c.author_url)
            if seen not in self._urls_learned:
                self._urls_learned.add(seen)
                self._learn_url(p, c.author_url)
        return p

    def _learn_url(self, p: _Person, url: str) -> None:
        """A commenter's web site written as their name (``zebedee-marchbanks.example``,
        ``twitter.com/anna_kowalski``) gives their name words, by the rule of
        e-mails' local parts. Only while learning, before the tables are built:
        a URL first met in a post would rebuild them."""
        m = _SITE.match(url.strip())
        if m is None:
            return
        before = len(p.keys)
        for part in (m.group(1).split(".", 1)[0] if "." in m.group(1) else "", m.group(2)):
            for w in _local_names(part.lower(), strict=True):
                self._add_key(p, _key(w))
        if len(p.keys) != before:
            self._dirty = True

    def _is_kept(self, c: Comment) -> bool:
        if self._kept_emails and _norm(c.author_email) in self._kept_emails:
            return True
        if not self._kept_names:
            return False
        words = tuple(w.lower() for w in _name_words(c.author_name))
        return bool(words) and words in self._kept_names

    def _add_key(self, p: _Person, key: str) -> None:
        self._put_keys(p, key_forms(key))

    def _put_keys(self, p: _Person, forms: tuple[str, ...]) -> None:
        """Give ``p`` these keys (what :func:`.learning.key_forms` made of one)."""
        # p is in _index[k] exactly when k is one of p.keys (both change only
        # here): the person's few keys are asked, never the key's list, which
        # for a common first name holds hundreds of people (a scan of it per
        # key made learning grow with the square of the people).
        for k in forms:
            if k not in p.keys:
                p.keys += (k,)
                people = self._index.get(k)
                if people is None:
                    self._index[k] = [p]
                elif people.__class__ is list:
                    people.append(p)
                else:  # built into a tuple by _compile (a newcomer after learning)
                    self._index[k] = people + (p,)

    def _add_names(self, p: _Person, c: Comment) -> bool:
        if c.type in ("pingback", "trackback") or c.status == "spam":
            return False  # a blog's title, or a spammer's phrase: not a name to look for
        before = len(p.keys), len(p.initials)
        # What a display name teaches is the same for everyone who shows it
        # (thousands of people share a few thousand names): worked out once
        # per name while learning, then replayed on each person in order.
        plan = self._name_plans.get(c.author_name)
        if plan is None:
            plan = self._name_plans[c.author_name] = name_plan(c.author_name, self._may_keep)
        for op, arg in plan:
            if op is _KEY:
                self._put_keys(p, arg)
            elif op is _NICK:  # Robert is also Bob, Bobby, Rob: the nickname list's links
                nick, forms = arg
                if nick not in p.keys:
                    self._put_keys(p, forms)
                    self._nick_keys.add(nick)
                    if nick not in p.nicks:
                        p.nicks += (nick,)
            elif op is _INITIALS:
                if arg - p.initials:
                    p.initials = p.initials | arg
            elif op is _OTHER:
                self._joined_other = True
            elif op is _VIET:
                self._viet.setdefault(arg[0], set()).update(arg[1])
            else:  # one of the key sets
                getattr(self, op).add(arg)
        local = _norm(c.author_email).partition("@")[0]
        self._add_handle(p, local)
        for w in _local_names(local):  # 'Anonymous' writing from mike.thornbury@
            self._add_key(p, _key(w))
        raw = (c.author_name or "").strip().lstrip("@")
        if " " not in raw and ("_" in raw or any(ch.isdigit() for ch in raw)):
            self._add_handle(p, raw.lower())  # 'happy_hiker', 'anna77': a handle, found whole
        if (len(p.keys), len(p.initials)) != before:
            self._dirty = True
        return True

    def _add_handle(self, p: _Person, handle: str) -> None:
        """An e-mail's local part, a login or a handle, found whole (in lower case too)."""
        if is_handle(handle):
            k = _key(handle)
            self._add_key(p, k)
            self._handle_keys.add(k)

    def learn(self, post: Post) -> None:
        """Note every commenter of ``post`` (call for every post before
        :meth:`apply`, so a name is scrubbed even before its owner's first
        comment). Keeps per-person data only."""
        for c in post.comments:
            self._person(c, learning=True)

    def learn_people(self, comments: Iterable[Comment]) -> None:
        """Note these commenters (what :meth:`learn` does for a post's). The
        pipeline hands in every commenter of its exports before the first
        post, from a byte scan of the files (see ``migrator.wxr.scan``).
        Anything with a Comment's ``author_name``, ``author_email``,
        ``status``, ``type`` and ``user_id`` will do."""
        for c in comments:
            self._person(c, learning=True)

    # -- name tables ----------------------------------------------------------
    def _compile(self) -> None:
        """Build the lookup tables from everyone learned (once per run)."""
        kept_keys = set(self._kept_static)
        real = None  # keys that are some live commenter's own name
        people_kept = [p for p in self._by_digest.values() if p.kept]
        for p in self._by_digest.values():
            if p.kept:
                if p.nicks:  # a kept person's nickname never hides a commenter's own name
                    if real is None:
                        real = {k for q in self._by_digest.values() if not q.kept
                                for k in q.keys if k not in q.nicks}
                    kept_keys.update(k for k in p.keys if k not in p.nicks or k not in real)
                else:
                    kept_keys.update(p.keys)
                kept_keys |= p.initials
        # A kept name's word that a commenter who is not kept shares ('Anna'
        # of a kept 'Anna Berg' and of commenter Anna Kowalski) would unmask
        # her: it is hers, unless the full kept name is written or the comment
        # answers (or is by) the kept person (see _person_for, KEEP). Only a
        # commenter's own name contests it: 'Robert' is not Bob's because the
        # nickname list links the two.
        contested = {k: frozenset(id(p) for p in people if p.kept)
                     for k, people in self._index.items()
                     if k in kept_keys and " " not in k
                     and any(not p.kept and k not in p.nicks for p in people)}
        kept_keys -= set(contested)
        live: dict[str, tuple[_Person, ...]] = {}
        index = self._index
        for key, people in index.items():
            if people.__class__ is list:  # a tuple from now on, shared with _live
                people = index[key] = tuple(people)
            if key in kept_keys:
                continue
            alive = tuple(p for p in people if not p.kept)
            if alive:
                live[key] = people if len(alive) == len(people) else alive
        self._live, self._kept_keys, self._contested = live, kept_keys, contested
        self._kept_full = _phrase_pattern(
            [n for n in self.keep_names if len(_name_words(n)) > 1]
            + [k for k in kept_keys if " " in k and any(k in p.keys for p in people_kept)])
        # From now on pseudonyms may be written: a later collision extends
        # only the newcomer's.
        for p in self._by_digest.values():
            p.used = True
        self._single = {k: ps[0].pseudonym for k, ps in live.items()
                        if len(ps) == 1 and k not in contested}
        self._ambig = {k for k in live if _ambiguous(k)}
        self._common = {k for k in self._ambig if _common(k)}
        # The finder works on folded text: every name key in any script (CJK
        # as substrings, Latin and Cyrillic declined), and the addressing
        # words and titles that introduce a name.
        out = self._initial_keys | self._joined_keys
        keys = {k: self._key_flags(k) for k in live if k not in out}
        for w in _ADDR_WORDS | _TITLE_RUNS:
            keys[w] = keys.get(w, 0) | nm.WORD
        self._taken = set(self._index) | kept_keys
        # Given names of the list that are nobody's here: people who never
        # commented ('my sister Kori'), judged where found (third_party_at).
        for g in nm.lexicon().given:
            if (len(g) > 2 and g not in self._taken and g not in keys
                    and (g not in COMMON_WORDS or g in nm.WORD_GIVEN)):
                wordlike = g in COMMON_WORDS or g in nm.WORDLIKE_NAMES
                keys[g] = nm.THIRD | (nm.LOWER_SKIP if wordlike else 0)
        for w in nm.RELATIONS:  # 'my friend Dorota' (a given name too stays one: 'Nana said')
            keys[w] = keys.get(w, 0) | nm.WORD
        self._finder = nm.NameFinder(keys)
        self._pieces = {}  # tags and HTML comments scrubbed with these tables (TextScrubber._piece)
        self._urls_learned = set()  # learning is over: a site met later is learned again
        self._name_plans = {}
        self._dirty = False
        self.compiled += 1

    def _key_flags(self, k: str) -> int:
        """nm.WORD for a key that is also a word, nm.CASED for one that must
        be capitalised (unless where a name stands)."""
        script = nm.script_of(k)
        word = script != "cjk" and (
            k in self._word_tokens or k in self._ambig or k in nm.WORDLIKE_NAMES
            or all(t in COMMON_WORDS or t in nm.WORDLIKE_NAMES for t in k.split()))
        flags = nm.key_flags(k, word)
        if k in self._nick_keys or k in self._translit_keys:
            flags |= nm.CASED
        elif k in self._handle_keys or not k.replace(" ", "").isalpha():
            flags &= ~nm.CASED  # 'akowalski77', 'anna.k': handles are written in lower case
        return flags

    def _ensure(self) -> None:
        if self._dirty:
            self._compile()


def _phrase_pattern(names) -> re.Pattern | None:
    """One pattern for these names written in full (any case, any spacing)."""
    parts = sorted({r"\s+".join(re.escape(w) for w in _name_words(n)) for n in names} - {""},
                   key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(parts) + r")(?!\w)", re.I) if parts else None
