"""Field scrubbing: a post's comments, their private fields, and the site's users."""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace

from ...ledger import Ledger
from ...model import Comment, Post, Site
from .names import lexicon, signoff_span
from .fold import fold_word
from .people import _Thread, _is_initial, _key, _name_words, _not_a_name
from .words import COMMON_WORDS
from .secret import (EMAIL, ID, IP, NAME, NAMES_IN_BODIES, PHONE, URL, pseudonymous_email,
                     truncate_ip)

class FieldScrubber:
    """The field half of :class:`~migrator.stages.anonymise.Anonymiser` (a mixin)."""

    # -- posts ----------------------------------------------------------------
    def apply(self, post: Post, ledger: Ledger) -> Post:
        """Anonymise every comment of ``post`` in place (the post's own title
        and content are left as they are). Returns the post."""
        # Everyone of this post is known after this (learned now if apply()
        # is used without learn(): the tables are then rebuilt).
        people = {c.id: self._person(c) for c in post.comments}
        ctx = _Thread(self, post, people)
        resolve = ctx.resolve
        counts: Counter = Counter()
        truncate = self.ip == "truncate"
        self._ensure()
        signed = {c.id: self._signature(c.content) for c in post.comments if c.content}
        aliases = self._aliases(post, people, signed)
        for pos, c in enumerate(post.comments):
            ctx.comment, ctx.pos = c, pos
            me = people[c.id]
            own = (me.pseudonym, signed.get(c.id)) if me is not None and not me.kept else None
            c.content = self._scrub(c.content, resolve, counts, own, aliases)
            if me is not None and not me.kept:
                c.author_name = me.pseudonym
                if me.digest not in self._counted:
                    self._counted.add(me.digest)
                    counts["people"] += 1
            if me is None or not me.kept:
                c.user_id = 0
            c.author_ip = truncate_ip(c.author_ip) if truncate else ""
            self.clear_private(c)
        for name in ("people", NAMES_IN_BODIES, NAME, EMAIL, URL, PHONE, IP, ID):
            if counts[name]:
                ledger.count("anonymise", name, counts[name])
        return post

    def _signature(self, text: str) -> tuple[int, int] | None:
        """Where ``text`` signs (see ``signoff_span``), unless that is one
        word that is no known name alone in the comment or exclaimed
        ('Brilliant!', 'Ditto', 'Great post.\nStunning!'): that word is what
        the comment says, not who wrote it (as a signature it would become
        the author's pseudonym, here and wherever the post says it)."""
        span = signoff_span(text)
        if span is None:
            return None
        a, b = span
        w = text[a:b]
        if " " in w or not (text[b:b + 1] in ("!", "?") or not text[:a].strip()):
            return span
        k = _key(w)
        return span if k in self._live or k in lexicon().given else None

    def _aliases(self, post: Post, people: dict, signed: dict) -> dict[str, str] | None:
        """Names commenters of this post sign with that are no commenter's
        name ('Natalya' signing 'Наташа'): folded name -> their pseudonym,
        so other comments of the post that name them are scrubbed too."""
        found: dict[str, str] = {}
        for c in post.comments:
            me = people[c.id]
            if me is None or me.kept or not c.content:
                continue
            span = signed.get(c.id)
            if span is None:
                continue
            w = c.content[span[0]:span[1]]
            k = _key(w)
            if (k in self._taken or k in COMMON_WORDS or _is_initial(w) or len(k) < 2
                    or k in me.keys or _not_a_name(w)):  # 'Gracias.', 'Danke.' sign nobody
                continue
            found.setdefault(k, me.pseudonym)
        return found or None

    def clear_private(self, c: Comment) -> None:
        """The fields no anonymised output keeps: e-mail, URL, user agent, and
        comment meta but for the ``keep_meta`` keys."""
        c.author_email = c.author_url = c.author_user_agent = ""
        if c.meta:
            c.meta = [(k, v) for k, v in c.meta if k in self.keep_meta]

    def _learn_user_names(self, p, a, shown: str) -> None:
        """A site user's other names are theirs too ('Kasia B.' whose last
        name is Brzęczyszczykiewicz, login kbrzeczyszczykiewicz): looked for
        in every text like the name they show."""
        full = " ".join(x for x in (a.first_name, a.last_name) if x)
        if full and full != shown:
            self._add_names(p, Comment(id=0, post_id=0, author_name=full, author_email=a.email,
                                       user_id=a.id or 1))
        # The login only where it is a handle or holds the user's name: 'admin',
        # 'editor' or 'webmaster' stay words (a login is written in lower case).
        login = fold_word(a.login or "")
        names = {fold_word(w) for w in _name_words(f"{shown} {full}") if len(w) >= 3}
        if "_" in (a.login or "") or any(ch.isdigit() for ch in login) or any(
                w in login.replace(" ", "") for w in names):
            self._add_handle(p, login)

    def apply_site(self, site: Site) -> tuple[Site, dict[str, str]]:
        """The site's own users (``wp:author`` blocks) as anonymised output
        may show them: a copy of ``site`` whose users, unless kept, carry a
        pseudonym, an ``@anonymous.invalid`` address and a pseudonymous login.
        Returns the copy and the map old login -> new login, for the posts'
        ``author`` field. Registered users are kept with ``keep_registered``."""
        authors, logins = [], {}
        for a in site.authors:
            name = a.display_name or " ".join(x for x in (a.first_name, a.last_name) if x) or a.login
            probe = Comment(id=0, post_id=0, author_name=name, author_email=a.email,
                            user_id=a.id or 1)
            p = self._person(probe)
            if p is not None and not p.kept:
                self._learn_user_names(p, a, name)
            if p is None or p.kept:  # a kept name stays; an e-mail never does
                authors.append(replace(a, email=pseudonymous_email(probe) if a.email else ""))
                continue
            pseudonym = p.pseudonym
            login = re.sub(r"[^a-z0-9]+", "-", pseudonym.lower()).strip("-")
            logins[a.login] = login
            # The user's id goes too: the live site's '/?author=ID' leads to
            # their login and name.
            authors.append(replace(a, id=self.derive_id("user", site.key, a.id) if a.id else 0,
                                   login=login, display_name=pseudonym, first_name="",
                                   last_name="", email=pseudonymous_email(
                                       replace(probe, author_name=pseudonym))))
        return replace(site, authors=authors), logins
