"""Everything around the comments: posts, the site, ids and links back.

Comment rows alone do not make an anonymous archive. A post titled
"Answering Anna Kowalski's question", a ``dc:creator`` that is a commenter's
name, a link to ``post-url#comment-1677`` on the live original: each of them
gives a person away. So, under ``--anonymise``:

* a post's title, excerpt and body go through the same body scrubbing as
  comments (:meth:`PostScrubber.scrub_post_text`, the one place that calls
  it); its slug is made again from the scrubbed title (or, when it was not
  the title's, scrubbed word by word); its author (``dc:creator``) becomes the
  login of a pseudonym: the site user it names (by login, any case, display
  name, first and last name or e-mail), else the commenter of that full name,
  else the name's own pseudonym. Kept people (``--keep-name``) stay as they are;
* the site's URLs become ``https://site-LABEL.anonymous.invalid`` (LABEL needs
  no secret: :func:`migrator.model.origin_label`), its name stays unless it
  names a commenter or a site user (:meth:`PostScrubber.site_title`), its
  description is scrubbed like a body; a post's link and guid point there;
* post and comment ids become ids derived from the secret (HMAC-SHA256 of
  the site, the kind and the old id, as a 16-digit number below 2**53, so
  JavaScript reads it exactly): stable for a secret, so a second run and a
  resumed push find what the first wrote; unrelated for another secret. The
  notes that name ids are mapped the same way; the ledger keeps the old ids
  (``--report`` is the one place that maps old to new).

Push (:attr:`keep_posts`): the posts are the target's own already, and are
found there by slug and link, so only comment ids change.
"""
from __future__ import annotations

import hashlib
import hmac
import html
import re
from collections import Counter
from dataclasses import replace
from urllib.parse import unquote

from ...model import Comment, Post, Site
from .people import _key, _name_words
from .secret import NAME, NAMES_IN_BODIES, _norm

#: Derived ids are 16-digit numbers: never equal to an original id (those are
#: far smaller), and below 2**53.
ID_LOW = 10 ** 15
ID_SPAN = 8 * 10 ** 15
ANON_HOST = "anonymous.invalid"
_NUMBER = re.compile(r"(?<![\d.])\d+(?![\d.])")
#: Ids in a problem message: 'comment 7001', 'post 501', 'given id 5', 'kept
#: as 1000000005', and the list of a 'parent cycle (7001, 7003, 7002)'.
_MESSAGE_ID = re.compile(r"\b(comment|post|id|as)\s+(\d+)\b|\bcycle \(([\d, ]+)\)")
#: Words glued by '_' or '-' (a file name: 'anna_kowalski_portrait'), and the glue.
_GLUED = re.compile(r"[^\W_]+(?:[-_]+[^\W_]+)+")
_GLUE = re.compile(r"[-_]+")
#: Where WordPress's own markup names a post (an attachment, a page) by its
#: id, which the live original answers ('/?attachment_id=4102' shows that
#: upload and its comments): '[caption id="attachment_4102"]', the classes
#: 'wp-image-4102' and 'wp-att-4102', 'data-id="4102"', '?attachment_id=',
#: '?page_id=', '?p=' in text, and the lists of '[gallery ids="4102,4103"]'.
_POST_REFS = re.compile(
    r"(?P<pre>\battachment_|\bwp-image-|\bwp-att-|\bdata-id=[\"']?"
    r"|(?:[?&]|&amp;|&#0?38;)(?:attachment_id|page_id|p)=)(?P<id>\d+)(?![\d.])"
    r"|(?P<list>\[gallery\b[^\]]*?\b(?:ids|include|exclude)=[\"']?)(?P<ids>\d+(?:\s*,\s*\d+)*)")
#: Where a text names a comment by its id: WordPress's anchors and element ids
#: ('#comment-1677', 'div-comment-1677', 'li-comment-1677') and '?replytocom='.
#: Mapped like the comments themselves, so an anchor still finds its comment
#: in the archive, and no longer the live one.
_COMMENT_REFS = re.compile(r"(?P<pre>\b(?:div-|li-)?comment-|(?:[?&]|&amp;|&#0?38;)replytocom=)"
                           r"(?P<id>\d+)(?![\d.])")
#: A block's attributes (``<!-- wp:image {"id":4102} -->``): its ids and id lists.
_BLOCK = re.compile(r"<!--\s*wp:[\w/-]+\s+\{.*?\}\s*/?-->", re.S)
_BLOCK_IDS = re.compile(r'(?P<pre>"(?:id|ref|mediaId|attachmentId)":)(?P<id>\d+)'
                        r'|(?P<list>"ids":\[)(?P<ids>\d+(?:\s*,\s*\d+)*)')
_SLUG_DROP = re.compile(r"['’‘`]")
_SLUG_GAP = re.compile(r"[^\w]+", re.UNICODE)


def _name_cased(glued: str, drop: frozenset | set = frozenset()) -> str:
    """Words glued by '-' or '_' (a slug, a file name) apart, each capitalised
    as a name would be written (in lower case a name may be taken for a
    word), leaving out those in ``drop``."""
    return " ".join(w[:1].upper() + w[1:] for w in _GLUE.split(glued) if w and w not in drop)


def slugify(text: str) -> str:
    """A slug as WordPress makes one from a title (near enough): entities
    resolved, apostrophes dropped, lower case, runs of other signs one dash."""
    text = _SLUG_DROP.sub("", html.unescape(text or ""))
    return _SLUG_GAP.sub("-", text.lower()).strip("-_")


def login_of(pseudonym: str) -> str:
    """The login form of a pseudonym: ``Commenter 7F3A9C21`` -> ``commenter-7f3a9c21``."""
    return re.sub(r"[^a-z0-9]+", "-", pseudonym.lower()).strip("-")


def anonymous_site_url(label: str) -> str:
    return f"https://site-{label}.{ANON_HOST}"


class PostScrubber:
    """The part of :class:`~migrator.stages.anonymise.Anonymiser` that does
    posts, the site, ids and dates' neighbours (a mixin)."""

    # -- ids and the secret's fingerprint -------------------------------------------
    def derive_id(self, kind: str, site: str, old: int) -> int:
        """The id an anonymised output gives ``old`` (``kind``: post or comment):
        HMAC-SHA256(secret, "migrator/KIND-id/v1\\0SITE\\0OLD") as a number."""
        bases = self.__dict__.setdefault("_id_bases", {})
        base = bases.get((kind, site))
        if base is None:  # the keyed state up to the id, made once per kind and site
            base = bases[(kind, site)] = hmac.new(
                self._secret, f"migrator/{kind}-id/v1\0{site}\0".encode("utf-8"), hashlib.sha256)
        h = base.copy()
        h.update(str(int(old)).encode("ascii"))
        return ID_LOW + int.from_bytes(h.digest()[:8], "big") % ID_SPAN

    def fingerprint(self) -> str:
        """A keyed fingerprint of the secret (never the secret): outputs record
        it, so a run with another secret is told apart from a re-run."""
        return hmac.new(self._secret, b"migrator/secret-fingerprint/v1", hashlib.sha256
                        ).hexdigest()[:32]

    # -- the site ----------------------------------------------------------------------
    def output_site(self, site: Site, keep_posts: bool = False) -> tuple[Site, dict[str, str]]:
        """``site`` as anonymised outputs get it, and its users' new logins:
        :meth:`apply_site`, then, unless ``keep_posts`` (push: the target
        keeps its own URLs), :meth:`anonymous_site`."""
        scrubbed, logins = self.apply_site(site)
        if not keep_posts:
            scrubbed = self.anonymous_site(site, scrubbed)
        return scrubbed, logins

    def anonymous_site(self, site: Site, scrubbed: Site) -> Site:
        """``scrubbed`` (the copy :meth:`apply_site` made) without the
        original's URLs: they point to ``site-LABEL.anonymous.invalid``."""
        label = site.origin_label
        url = anonymous_site_url(label)
        # The generator says which WordPress wrote the export: its version may
        # stay, any host it names (WordPress.com sites name their own) not.
        version = re.search(r"[?&]v=([\w.-]+)", site.generator or "")
        generator = "https://wordpress.org/" + (f"?v={version.group(1)}" if version else "")
        return replace(scrubbed, link=url, base_site_url=url, base_blog_url=url, origin=label,
                       title=self.site_title(site.title),
                       description=self.scrub_post_text(site.description, Counter()),
                       generator=generator)

    def site_title(self, title: str) -> str:
        """The site's name as an anonymised output shows it: kept, unless it
        names a commenter or a site user ('Marguerite's Kitchen'); then those
        names are replaced as in a body. (A name of nobody in the run stays:
        the title is what the archive is called.)"""
        if not title:
            return title
        counts: Counter = Counter()
        scrubbed = self.scrub_post_text(title, counts)
        if counts[NAMES_IN_BODIES] or (counts[NAME] and self._names_in(title)):
            return scrubbed
        return title

    # -- posts -------------------------------------------------------------------------
    def scrub_post_text(self, text: str, counts: Counter) -> str:
        """A post's text (title, excerpt, body), scrubbed by the rules of
        comment bodies. The one call into body scrubbing from here."""
        return self.scrub_text(text, None, counts) if text else text

    def post_author(self, author: str, site: Site, logins: dict[str, str]) -> str:
        """What a post's ``dc:creator`` becomes (see the module doc)."""
        if not author:
            return author
        if author in logins:
            return logins[author]
        norm = _norm(author)
        for a in site.authors:
            names = {_norm(a.login), _norm(a.display_name), _norm(a.email),
                     _norm(" ".join(x for x in (a.first_name, a.last_name) if x))}
            if norm in names - {""}:  # a kept user (not in logins) stays as written
                return logins.get(a.login, author)
        probe = Comment(id=0, post_id=0, author_name=author, user_id=1)
        if self._is_kept(probe):
            return author
        words = _name_words(author)
        if words:
            own = self._by_digest.get(self._digest("name:" + norm))
            others = [p for p in self._index.get(_key(" ".join(words)), ()) if p is not own]
            if len(others) == 1:
                return author if others[0].kept else login_of(others[0].pseudonym)
            if own is not None and own.kept:
                return author
        return login_of(self.pseudonym(author))

    def learn_post_authors(self, creators, users) -> None:
        """Post authors written like names (not a lower-case login) that are no
        site user (``users``: their logins and display names) and no
        commenter's full name are people too: learned with the commenters, so
        their names are scrubbed wherever written."""
        users = {_norm(x) for x in users}
        for name in sorted(set(creators)):
            words = _name_words(name)
            if not words or _norm(name) in users or _key(" ".join(words)) in self._index:
                continue
            if name.strip() == name.strip().lower() and " " not in name.strip():
                continue  # a login ('admin', 'jekyllbot'): pseudonymised as an author, not a word to look for
            self._person(Comment(id=0, post_id=0, author_name=name, user_id=1))

    def post_texts(self, post: Post, counts: Counter) -> tuple[str, str, str, str]:
        """``post``'s title, slug, body and excerpt scrubbed: the costly part
        of :meth:`apply_post`, which the stage worker does beside the
        comments (it needs nothing but these four fields)."""
        title = self._file_name_title(self.scrub_post_text(post.title, counts), counts)
        slug = self._post_slug(post, title, counts)
        return (title, slug, self.scrub_post_text(post.content, counts),
                self.scrub_post_text(post.excerpt, counts))

    def apply_post(self, post: Post, site: Site, anon_site: Site, logins: dict[str, str],
                   counts: Counter, keep_posts: bool = False,
                   texts: tuple[tuple[str, str, str, str], dict] | None = None) -> Post:
        """Everything of ``post`` but its comments' people (done by
        :meth:`apply`): its own fields, and every id. ``site`` is the
        original, ``anon_site`` what the sinks get. With ``keep_posts`` (push)
        only the comments' ids change. ``texts``: what :meth:`post_texts`
        gave for this post elsewhere, and its counts; a fifth text there is
        what :meth:`post_author` gave for its author (the stage worker,
        which holds the name tables, sends it)."""
        old_site = post.site
        new_post = post.id
        if not keep_posts:
            new_post = self.derive_id("post", old_site, post.id)
            author = None
            if texts is None:
                title, slug, content, excerpt = self.post_texts(post, counts)
            else:
                done_texts, done = texts
                title, slug, content, excerpt = done_texts[:4]
                author = done_texts[4] if len(done_texts) > 4 else None
                counts.update(done)
            base = anon_site.base_blog_url
            post.author = self.post_author(post.author, site, logins) if author is None else author
            post.content = self.renumber_posts(content, old_site)
            post.excerpt = self.renumber_posts(excerpt, old_site)
            post.title, post.slug = title, slug
            post.link = f"{base}/{slug}/" if slug else f"{base}/?p={new_post}"
            post.guid = f"{base}/?p={new_post}"
            if post.parent:
                post.parent = self.derive_id("post", old_site, post.parent)
            post.id, post.site = new_post, anon_site.key
        seen: dict[int, int] = {}  # a parent is renumbered once
        for c in post.comments:
            self._renumber(c, old_site, new_post, post.site, seen)
            if not keep_posts:  # push: the posts keep their ids on the target
                c.content = self.renumber_posts(c.content, old_site)
        return post

    def renumber_posts(self, text: str, old_site: str) -> str:
        """``text`` with the post ids WordPress's markup holds (see
        :data:`_POST_REFS`), and the comment ids of its anchors (see
        :data:`_COMMENT_REFS`), replaced the way the outputs replace them."""
        if not text:
            return text
        if "comment-" in text or "replytocom" in text:
            text = _COMMENT_REFS.sub(lambda m: m.group("pre") + str(
                self.derive_id("comment", old_site, int(m.group("id")))), text)
        if not ("id=" in text or "p=" in text or "wp-" in text or "attachment_" in text
                or "[gallery" in text or "<!--" in text):  # every form holds one of these
            return text

        def one(m: re.Match) -> str:
            if m.group("pre") is not None:
                return m.group("pre") + str(self.derive_id("post", old_site, int(m.group("id"))))
            ids = re.sub(r"\d+", lambda n: str(self.derive_id("post", old_site, int(n.group()))),
                         m.group("ids"))
            return m.group("list") + ids

        text = _POST_REFS.sub(one, text)
        if "<!--" in text:
            text = _BLOCK.sub(lambda b: _BLOCK_IDS.sub(one, b.group()), text)
        return text

    def _renumber(self, c: Comment, old_site: str, new_post: int, new_site: str,
                  seen: dict) -> None:
        def new(i: int | None) -> int | None:
            if i is None:
                return None
            got = seen.get(i)
            if got is None:
                got = seen[i] = self.derive_id("comment", old_site, i)
            return got

        c.frozen_key, c.origin_post_id = c.ledger_key, c.post_id
        c.id, c.parent_id, c.post_id = new(c.id), new(c.parent_id), new_post
        c.original_parent_id = new(c.original_parent_id)
        c.source_id = None
        c.site = new_site
        if c.notes:  # every number in a note is a comment id
            c.notes = [_NUMBER.sub(lambda m: str(new(int(m.group()))), n) for n in c.notes]

    def renumber_message(self, text: str, old_site: str, posts: bool = True) -> str:
        """A problem message of an anonymised run, its ids of ``old_site``'s
        comments (and posts, unless ``posts`` is False: push keeps them)
        replaced the way the outputs replace them."""
        def one(m: re.Match) -> str:
            if m.group(3) is not None:
                ids = ", ".join(str(self.derive_id("comment", old_site, int(x)))
                                for x in m.group(3).replace(" ", "").split(",") if x)
                return f"cycle ({ids})"
            word, num = m.group(1), int(m.group(2))
            kind = "post" if word in ("post", "id") else "comment"
            if kind == "post" and not posts:
                return m.group()
            return f"{word} {self.derive_id(kind, old_site, num)}"
        return _MESSAGE_ID.sub(one, text)

    def _file_name_title(self, title: str, counts: Counter) -> str:
        """A title holding words glued by '_' (or a lone token glued by '-'),
        as WordPress titles an upload after its file ('anna_kowalski_portrait.jpg'):
        its words are scrubbed as the slug's are; a token naming nobody stays."""
        if not title or ("_" not in title and (" " in title.strip() or "-" not in title)):
            return title

        def one(m: re.Match) -> str:
            token = m.group()
            if "_" not in token and " " in title.strip():
                return token
            words = _name_cased(token)
            done = self.scrub_post_text(words, counts)
            return token if done == words else done
        return _GLUED.sub(one, title)

    def _post_slug(self, post: Post, title: str, counts: Counter) -> str:
        """The slug of the scrubbed post: made from the scrubbed title when the
        old one was the title's; else the old one's words, scrubbed."""
        old = unquote(post.slug or "")
        if not old:
            return ""
        if slugify(post.title) == old:
            return slugify(title)
        # Its words capitalised, as a name would be written: a slug is lower
        # case, and a name in lower case may be taken for a word. The post's
        # own id and its parent's go: WordPress gives an untitled post or a
        # menu item its id as slug ('4101'), a revision its parent's
        # ('4101-revision-v1'): they would lead back to the live original.
        own = {str(post.id), str(post.parent or post.id)}
        return slugify(self.scrub_post_text(_name_cased(old, drop=own), counts))


__all__ = ["PostScrubber", "slugify", "login_of", "anonymous_site_url", "ID_LOW", "ID_SPAN",
           "ANON_HOST"]
