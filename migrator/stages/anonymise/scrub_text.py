"""Body scrubbing: names, contact details and markup in comment text."""
from __future__ import annotations

import html
import re
from collections import Counter

from .patterns import (Resolver, _REL_TAIL, _ADDR_TAIL, _ADDR_WORDS, _APPOSITIVE_GATE, _ATTR,
                       _ATTR_TAG_RE, _BARE_RE, _EMAIL_AT, _HANDLE_AT, _IP4_RE, _IP6_GATE, _IP6_RE,
                       _LEAD_NL_RE, _LEAD_RE, _LOOSE_AT_GATE, _LOOSE_EMAIL, _MONTH_FORMS, _NAME_IS,
                       _NUM_GATE, _ORIGINAL_ID_LINK, _PHONE_RE, _PII_GATE, _P_ADDR, _P_EMAIL,
                       _P_HANDLE, _P_ID, _P_IP, _P_KNOWN, _P_LEAD, _P_PHONE, _P_TAG, _P_TITLE, _P_URL,
                       _SCHEMELESS_SITE, _TEXT_ATTRS, _TITLE_RUNS, _TITLE_SET, _TITLE_TAIL,
                       _URL_ATTRS, _URL_TRAIL, _in_a_date, _in_tag, _is_w, _month_context,
                       _no_phone_at, _phones,
                       _sentence_start, _url_spans, _valid_ip, _HTML_COMMENT, _P_OWN, _P_THIRD)
from . import names as nm
from .glued import Glued, glue_in
from .neighbours import Neighbours, word_start
from .people import _is_initial, _key, _lower, _not_a_name, _titlecase
from .secret import EMAIL, ID, IP, NAME, NAMES_IN_BODIES, PHONE, URL
from .identifiers import id_spans
from .scripts import vietnamese_stands
from .lexicon import PLACE_NAMES
from .words import COMMON_WORDS, _MONTHS

#: 'Dear Grace, May I ...': after a salutation's comma a capital opens a sentence.
_SALUTATION = re.compile(r"(?i:\b(?:dear|hi|hello|hey|thanks|thank you)\b)[^,.!?\n]{1,40},[ \t]*$")
_CONTACT_KIND = {"email": (_P_EMAIL, EMAIL), "url": (_P_URL, URL), "phone": (_P_PHONE, PHONE),
                 "id": (_P_ID, ID)}

#: Attributes that name things on the page ('id', 'class'): dropped when they name a commenter.
_ID_ATTRS = frozenset("id class name for headers itemid".split())
_SEPARATORS = re.compile(r"[_\W\d]+")


def _after_possessive(text: str, s: int) -> bool:
    """'my friend', 'meine Schwester', 'my late husband': a possessive, maybe
    an adjective between."""
    pw = nm.prev_word(text, s)
    if pw in nm.POSSESSIVES:
        return True
    if pw in nm.RELATION_ADJ:
        b = text[max(0, s - 60):s].rstrip()
        if not b.lower().endswith(pw):
            return False  # 'my late, husband': not one phrase
        b = b[:len(b) - len(pw)]
        return nm.prev_word(b, len(b)) in nm.POSSESSIVES
    return False


#: What :meth:`TextScrubber._person_for` says of a kept person's mention: leave it.
KEEP = "\0keep"


class TextScrubber(Neighbours, Glued):
    """The body half of :class:`~migrator.stages.anonymise.Anonymiser` (a mixin:
    it uses the people tables the anonymiser builds)."""

    # -- bodies ---------------------------------------------------------------
    def scrub(self, text: str) -> str:
        """Body replacement alone (no thread context: a first name shared by
        several commenters becomes ``[name]``)."""
        return self._scrub(text, None, Counter())

    def scrub_text(self, text: str, resolve: Resolver | None = None,
                   counts: Counter | None = None) -> str:
        """Any text scrubbed with the rules of comment bodies (for post titles,
        excerpts, bodies): commenters -> pseudonyms (a name shared by several
        -> that of ``resolve(key)``, else ``[name]``), third parties ->
        ``[name]``, contact details -> ``[email]``/``[url]``/``[phone]``/``[ip]``,
        IBANs and national id numbers -> ``[id]``;
        kept people stay. ``counts`` (a Counter) gets what was replaced."""
        return self._scrub(text, resolve, Counter() if counts is None else counts)

    def _scrub(self, text: str, resolve: Resolver | None, counts: Counter,
               own: tuple | None = None, aliases: dict | None = None) -> str:
        """Find every replacement (cheap tests first: most comments need
        few of the patterns), then apply the leftmost of overlapping ones.
        ``own``: (the author's pseudonym, the span of their signature); ``aliases``:
        names commenters of this post sign with -> their pseudonyms."""
        if not text:
            return text
        if self._dirty:
            self._compile()
        # (start, priority, -end, replacement, what to count ('' = by the replacement), n)
        edits: list[tuple[int, int, int, str, str, int]] = []
        add = edits.append
        live, kept = self._live, self._kept_keys

        # -- markup and things that are not names -----------------------------
        tags = "<" in text
        if tags and "=" in text:  # only tags with attributes can change
            for m in _ATTR_TAG_RE.finditer(text):
                new = self._piece("t", m.group(), counts)
                if new != m.group():
                    add((m.start(), _P_TAG, -m.end(), new, "", 0))
        if tags and "<!--" in text:  # the text of HTML comments is scrubbed like any other
            for m in _HTML_COMMENT.finditer(text):
                new = ("<!--" + self._scrub(m.group(1), resolve, counts) + "-->" if resolve is not None
                       else self._piece("c", m.group(1), counts))
                if new != m.group():
                    add((m.start(), _P_TAG, -m.end(), new, "", 0))
        low = _lower(text)
        pii = _PII_GATE.search(low) is not None
        if ("@" in text and _LOOSE_AT_GATE.search(text)) or "%40" in text:
            # 'anna.k @gmail.com', 'anna.k@ gmail.com', '<b>anna.k</b>@gmail.com',
            # 'anna%40gmail.com': the local part goes too
            for m in _LOOSE_EMAIL.finditer(text):
                add((m.start(1), _P_EMAIL, -m.end(1), EMAIL, EMAIL, 1))
                if m.group(2) == "%40":
                    add((m.start(2), _P_EMAIL, -m.end(3), "", "", 0))
        if pii:  # one quick look: most comments hold none of these
            at = text.find("@")
            while at >= 0:  # e-mails and @handles, found from their '@'
                m = _EMAIL_AT.match(text, at)
                b = at
                while b and (_is_w(text[b - 1]) or text[b - 1] in ".+-"):
                    b -= 1
                if m and b < at:
                    add((b, _P_EMAIL, -m.end(), EMAIL, EMAIL, 1))
                elif b == at and not (at and text[at - 1] in ".@"):
                    m = _HANDLE_AT.match(text, at)
                    if m:
                        k = _key(m.group()[1:])
                        if k not in kept:
                            who = self._person_for(k, resolve, counts) if k in live else NAME
                            add((at, _P_HANDLE, -m.end(), "@" + who,
                                 NAME if who == NAME else NAMES_IN_BODIES, 1))
                at = text.find("@", at + 1)
            urls = _url_spans(low) if "://" in low or "www." in low else ()
            for s, e in urls:
                add((s, _P_URL, -e, URL, URL, 1))
            if "/" in text:
                for m in _BARE_RE.finditer(low):
                    s = m.start()
                    if any(a <= s < b for a, b in urls):
                        continue  # part of a URL found above
                    while s and (_is_w(low[s - 1]) or low[s - 1] in ".-"):
                        s -= 1
                    if s == m.start() or (s and low[s - 1] in "/@:"):
                        continue  # no domain before it, or part of a longer URL
                    core = low[s:m.end()].rstrip(_URL_TRAIL)
                    add((s, _P_URL, -(s + len(core)), URL, URL, 1))
            n_text = len(text)
            numbers = []
            for g in _NUM_GATE.finditer(text):  # look for numbers only where digits are
                numbers.append(g.span())
                lo, hi = max(0, g.start() - 2), min(n_text, g.end() + 2)
                for m in _IP4_RE.finditer(text, lo, hi):
                    if _valid_ip(m.group()):
                        add((m.start(), _P_IP, -m.end(), IP, IP, 1))
                for m in _PHONE_RE.finditer(text, lo, hi):
                    if _no_phone_at(text, m.start(), m.end()):
                        continue  # 'order 555-123-4567', '1 234 567 890'
                    n = Counter()
                    rep = _phones(m.group(), n)
                    if n[PHONE]:
                        add((m.start(), _P_PHONE, -m.end(), rep, PHONE, n[PHONE]))
            for s, e in id_spans(text, numbers):  # 'DE89 3704 0044 ...', 'PESEL 44051401359'
                add((s, _P_ID, -e, ID, ID, 1))
            if ":" in text and _IP6_GATE.search(text):
                for m in _IP6_RE.finditer(text):
                    if _valid_ip(m.group()):
                        add((m.start(), _P_IP, -m.end(), IP, IP, 1))

        # -- contact details the patterns above miss ---------------------------------
        for cs, ce, what in nm.contact_spans(text, digits=pii, low=low):
            prio, rep = _CONTACT_KIND[what]
            add((cs, prio, -ce, rep, rep, 1))

        # -- names (found in the folded text, replaced in the original) ---------------
        single = self._single
        folded = nm.fold(text)
        taken = self._taken
        for m in self._finder.find(text, folded):
            k, s, e = m.key, m.start, m.end
            if k in nm.RELATIONS and not m.inflected and _after_possessive(text, s):
                t = _REL_TAIL.match(text, e)  # 'my friend Dorota', 'my late husband, Zbigniew'
                if t:
                    self._named(text, t, _P_TITLE, resolve, counts, add)
            if m.flags & nm.THIRD and k not in taken:
                if text[s].isupper() or s and text[s - 1] == " " and k not in nm.WORDLIKE_NAMES:
                    end = nm.third_party_at(text, s, e, k, COMMON_WORDS)
                    if end >= 0:
                        add((self._given_before(text, s), _P_THIRD, -end, NAME, NAME, 1))
                    elif text[s].isupper() and k not in nm.WORDLIKE_NAMES:
                        # 'Margaret Thornbury said so too.': a given name and a surname
                        # where a name stands, though the sentence opens with them
                        end = self._surname_after(text, e)
                        if end > e and nm.name_position(text, s, end):
                            add((s, _P_THIRD, -end, NAME, NAME, 1))
                continue
            if k in live:
                # 'gwendolyn.fairweather', 'g.fairweather': the name from its start
                dot = self._dotted(k, text, s) if s > 1 and text[s - 1] == "." else -1
                if dot >= 0 or self._stands(k, m, text):
                    who = single.get(k) or self._person_for(k, resolve, counts)
                    s2, e2 = s, e
                    if dot >= 0:
                        s2 = dot
                    elif KEEP not in who and " " not in k:  # 'Mike Thornbury' for a commenter Mike
                        s2, e2 = self._given_before(text, s), self._surname_after(text, e)
                    add((s2, _P_KNOWN, -e2, who, NAME if who == NAME else NAMES_IN_BODIES, 1))
            if m.inflected:
                continue
            if k in _ADDR_WORDS:
                t = _ADDR_TAIL.match(low, e)
                if t:
                    self._named(text, t, _P_ADDR, resolve, counts, add)
            elif k in _TITLE_RUNS and text[s:e] in _TITLE_SET:
                t = _TITLE_TAIL.match(text, e)
                if t:
                    self._named(text, t, _P_TITLE, resolve, counts, add)
        ft = folded.text
        if glue_in(ft):
            self._glued(text, folded, resolve, counts, add)
        if "#" in text and (self._initial_keys or self._joined_keys):
            self._hashtags(text, resolve, counts, add)
        if self._joined_keys:
            self._joined(text, folded, resolve, counts, add)
        if "," in text or "(" in text:
            for g in _APPOSITIVE_GATE.finditer(low):  # 'Dorota (my sister)', 'Dorota, my sister,'
                if g.group(1) not in nm.RELATIONS:
                    continue
                b = g.start()
                while b and text[b - 1] in " \t\u00a0":
                    b -= 1
                a = word_start(text, b)
                w = text[a:b]
                k = _key(w) if w else ""
                if (len(w) >= 2 and not (a and _is_w(text[a - 1])) and _titlecase(w)
                        and not _not_a_name(w) and k not in PLACE_NAMES and k not in kept
                        and k not in live):
                    add((a, _P_THIRD, -b, NAME, NAME, 1))
        if "name" in low:  # 'Her name was Dorota Wrzesińska.', 'a boy named Tymoteusz'
            for m in _NAME_IS.finditer(low):
                t = _REL_TAIL.match(text, m.end())
                if t:
                    self._named(text, t, _P_TITLE, resolve, counts, add)
        if aliases:
            for m in self._alias_finder(aliases).find(text, folded):
                if self._stands(m.key, m, text):
                    add((m.start, _P_KNOWN, -m.end, aliases[m.key], NAMES_IN_BODIES, 1))
        if own is not None:  # the author's own signature is the author
            own, span = own
            if span is not None:
                w = text[span[0]:span[1]]
                k = _key(w)
                if k not in kept and not _not_a_name(w) and not _is_initial(w):
                    end = span[1] if " " in w else self._surname_after(text, span[1])
                    add((span[0], _P_OWN, -end, own, NAMES_IN_BODIES, 1))  # '— Barbara Nowak' too
        if "," in text:
            leads = [_LEAD_RE.match(text)]
            if tags or "\n" in text:
                leads += _LEAD_NL_RE.finditer(text)
            for m in leads:
                if m is None:
                    continue
                w = m.group("w")
                if not _titlecase(w) or _not_a_name(w):
                    continue  # 'Yes,', 'Thanks,', 'OMG,'
                k = _key(w)
                if k in live or k in kept:
                    continue
                add((m.start("w"), _P_LEAD, -m.end("w"), NAME, NAME, 1))

        if not edits:
            return text
        self._again(text, edits)
        edits.sort()  # leftmost first; then by priority; then the longest
        out, last = [], 0
        first_tag = text.find("<") if tags else len(text)
        kept_full = self._kept_full.finditer(text) if self._kept_full is not None else ()
        kept_spans = [(m.start(), m.end()) for m in kept_full]  # a kept name in full stays
        for s, prio, e, rep, kind, n in edits:
            if s < last:
                continue  # inside an earlier replacement (a name in a URL, a tag)
            if KEEP in rep or (kept_spans and prio != _P_TAG and any(a <= s < b for a, b
                                                                      in kept_spans)):
                continue  # the kept person's, here (see Anonymiser._compile)
            if s > first_tag and prio != _P_TAG and _in_tag(text, s):
                continue  # inside a tag: only _tag() changes what is there
            if prio in (_P_EMAIL, _P_URL) and s > last and text[s - 1] == "<" and text[-e:-e + 1] == ">":
                s, e = s - 1, e - 1  # '<ann@x.com>' in plain text: the brackets go too
            out.append(text[last:s])
            out.append(rep)
            last = -e
            if kind:
                counts[kind] += n
        out.append(text[last:])
        return "".join(out)

    def _piece(self, kind: str, piece: str, counts: Counter) -> str:
        """A tag (``kind`` 't') or the text of an HTML comment ('c'), scrubbed
        without thread context: the same piece always comes out the same while
        the tables stand, so it is done once (``_compile`` empties the cache).
        Gutenberg's '<!-- wp:paragraph -->' pairs are most of a post's pieces."""
        cache = self._pieces
        got = cache.get((kind, piece))
        if got is None:
            delta: Counter = Counter()
            new = self._tag(piece, delta) if kind == "t" else "<!--" + self._scrub(piece, None, delta) + "-->"
            if len(cache) > 4096:
                cache.clear()
            got = cache[(kind, piece)] = (new, delta)
        new, delta = got
        if delta:
            counts.update(delta)
        return new

    def _stands(self, k: str, m: "nm.Match", text: str) -> bool:
        """Whether a found key stands as a name here: a declined form only
        capitalised; a key that is also a word only where a name stands (or
        capitalised mid-sentence, not after 'the', 'in May'); a key that must
        be capitalised (a surname, a nickname) capitalised or where a name
        stands."""
        s, e, f = m.start, m.end, m.flags
        if self._viet and k in self._viet and not vietnamese_stands(text, s, e, self._viet[k],
                                                                    nm.name_position):
            return False  # 'Mình', 'Hướng': a word that folds like a Vietnamese name
        if k in _MONTH_FORMS and _in_a_date(text, s, e):
            return False  # 'ends on Jan 5, 2021' (a commenter Jan)
        if m.inflected:
            return text[s].isupper()
        if f & nm.WORD:
            if nm.name_position(text, s, e):
                return True
            return (text[s].isupper() and self._used_as_name(k, text, s, e)
                    and nm.prev_word(text, s) not in nm.DETERMINERS
                    and not _SALUTATION.search(text, max(0, s - 60), s))
        if f & nm.CASED and text[s].islower():  # (scripts without case never are)
            return nm.name_position(text, s, e)
        return True

    def _alias_finder(self, aliases: dict) -> "nm.NameFinder":
        key = frozenset(aliases)
        finder = self._alias_finders.get(key)
        if finder is None:
            if len(self._alias_finders) > 256:
                self._alias_finders.clear()
            finder = self._alias_finders[key] = nm.NameFinder(
                {a: nm.key_flags(a) for a in aliases})
        return finder

    def _used_as_name(self, k: str, text: str, s: int, e: int) -> bool:
        """A name that may be a word ('Hope', 'Will', 'May') is a name where
        it is capitalised and not simply starting a sentence, or addressed
        ('Hope, thank you'), and a month is a month before a day ('May 1st')."""
        w = text[s:e]
        if not _titlecase(w):
            return False
        after = text[e:e + 40].lstrip(" \t\u00a0")
        if k in self._common and not after.startswith(",") and _sentence_start(text, s):
            return False  # 'Hope you are well.'
        if k in _MONTHS and (after[:1].isdigit() or _month_context(text, s)):
            return False
        return True

    def _person_for(self, key: str, resolve: Resolver | None, counts: Counter) -> str:
        who = self._single.get(key)
        if who is not None:
            return who
        kept = self._contested.get(key)
        if kept is not None:  # a kept name's word a commenter shares
            ctx = getattr(resolve, "__self__", None)
            c = getattr(ctx, "comment", None)
            if c is not None and kept:
                me = ctx.people.get(c.id)
                parent = ctx.people.get(c.parent_id) if c.parent_id is not None else None
                if parent is not None and id(parent) in kept:
                    return KEEP  # an answer to the kept person: theirs
                if me is not None and id(me) in kept and not (
                        parent is not None and key in parent.keys):
                    return KEEP  # by the kept person, not answering a namesake
            if len(self._live[key]) == 1:
                return self._live[key][0].pseudonym
        p = resolve(key) if resolve else None
        return NAME if p is None else p.pseudonym

    def _word(self, w: str, resolve: Resolver | None, counts: Counter) -> str | None:
        """An addressed word ('Dear X', 'Dr. X'): a commenter's pseudonym,
        ``[name]`` for a name nobody here has, or None to keep it."""
        k = _key(w)
        if k in self._kept_keys:
            return None
        if k not in self._live:  # 'Jiřího' for Jiří, 'Вера' for a commenter 'Vera'
            for m in self._finder.find(w):
                if m.start == 0 and m.end == len(w) and m.key in self._live \
                        and m.key not in self._kept_keys:
                    k = m.key
                    break
        if k in self._live:
            return self._person_for(k, resolve, counts)
        if _titlecase(w) and not _not_a_name(w):
            return NAME
        return None

    def _named(self, text: str, m: re.Match, prio: int, resolve, counts, add) -> None:
        """One or two name words after 'Dear' or a title."""
        s1, e1 = m.span("n1")
        n1 = text[s1:e1]
        if not n1[0].isupper() and _key(n1) not in self._live:
            return  # 'thanks for', 'hi there': the words after are looked at like any other
        if m.group("n2") is not None:
            s2, e2 = m.span("n2")
            n2 = text[s2:e2]
            full = _key(text[s1:e2])
            if full in self._live and full not in self._kept_keys:
                who = self._person_for(full, resolve, counts)
                add((s1, prio, -e2, who, NAME if who == NAME else NAMES_IN_BODIES, 1))
                return
        else:
            n2 = None
        r1 = self._word(n1, resolve, counts)
        if r1 is None:
            return  # kept, or no name: a second word is looked at like any other
        if "pre" in m.re.groupindex and m.group("pre"):
            s1 = m.start("pre")  # 'Dr. van der Berg': the particles go with the name
        if n2 is not None and _titlecase(n2):
            r2 = self._word(n2, resolve, counts)
            if r2 == NAME and r1 == NAME:
                add((s1, prio, -e2, NAME, NAME, 1))  # 'Dear Mary Jane' -> one [name]
                return
            if r2 is not None:
                add((s2, prio, -e2, r2, NAME if r2 == NAME else NAMES_IN_BODIES, 1))
        add((s1, prio, -e1, r1, NAME if r1 == NAME else NAMES_IN_BODIES, 1))

    def _names_in(self, text: str) -> bool:
        """Whether a commenter's name occurs in ``text`` (a link's path)."""
        if self._dirty:
            self._compile()
        text = _SEPARATORS.sub(" ", text)  # 'anna_kowalski_funeral.jpg', 'anna-kowalski'
        return any(m.key in self._live for m in self._finder.find(text))

    def _tag(self, tag: str, counts: Counter) -> str:
        """Inside a tag: links to absolute URLs lose their attribute; text
        attributes (title, alt) are scrubbed; nothing else is touched."""
        if tag.startswith("<!--") or "=" not in tag:
            return tag

        def attr(m: re.Match) -> str:
            name = m.group(2).lower()
            value = m.group(4)
            if value is None:
                return m.group(0)
            quote = value[0] if value[0] in "\"'" else ""
            inner = value[1:-1] if quote else value
            if name in _URL_ATTRS:
                # Read as the browser does: '&#104;ttps://', 'https&#58;//' are links out.
                v = html.unescape(inner).strip() if "&" in inner else inner.strip()
                if not (re.match(r"\s*[A-Za-z][A-Za-z0-9+.\s-]*:", v) or v.startswith("//")
                        or "@" in v or _SCHEMELESS_SITE.match(v) or _ORIGINAL_ID_LINK.search(v)
                        or (not v.startswith("#") and self._names_in(v))):
                    return m.group(0)  # a fragment or a link within the site (naming nobody)
                counts[URL] += 1
                return ""
            if name == "style" and "url(" in inner.lower():  # background:url(https://...)
                counts[URL] += 1
                return ""
            if name in _ID_ATTRS:
                if self._names_in(inner):  # <span id="anna-kowalski">: the attribute goes
                    counts[NAME] += 1
                    return ""
                return m.group(0)
            if name in _TEXT_ATTRS or name.startswith("data-"):
                scrubbed = self._scrub(inner, None, counts)
                return m.group(1) + m.group(2) + m.group(3) + quote + scrubbed + quote
            if self._names_in(inner):  # rel="Fairweather", hreflang=..., any other: it goes
                counts[NAME] += 1
                return ""
            return m.group(0)

        return _ATTR.sub(attr, tag)
