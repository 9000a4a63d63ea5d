"""``html:DIR`` - a static archive a person can read, offline, on a phone or on paper.

* ``index.html`` lists every post with its comment count;
* one page per post, ``<post id>-<slug>.html``, with the title, a link to the
  original and the comments as nested threads (author or pseudonym, date,
  an ``id="comment-ID"`` anchor on each).

Safe to open from anyone's disk: comment HTML goes through nh3 (the Rust
``ammonia`` sanitiser: a real HTML5 parser, an allow-list of tags, only
http/https/mailto links, ``rel="nofollow ugc"``), every other value is
escaped by Jinja2's autoescape, and each page carries a Content-Security-
Policy that allows nothing but its own inline CSS. No JavaScript, no
fonts, no requests: the folder works as it is, anywhere, for good.

Threads are rendered from :func:`migrator.model.walk` events, never by
recursion, so a reply chain thousands deep renders; CSS stops indenting at
depth 8 (4 on a phone) while the DOM still nests.

Pages are written as posts come (each atomically); ``index.html`` is
written when the run succeeds. A post seen again in the same run (two
overlapping exports) gets its page rewritten with the comments of both.
"""
from __future__ import annotations

import html as htmllib
import os
import pickle
import re
import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone

import nh3
from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from ..version import __version__
from ..ledger import Ledger
from ..model import Comment, Post, Site, nest, walk
from .common import _UNSAFE, AtomicFile, FolderGuard, inside, iso_utc, safe_name, write_atomic

#: Tags a comment may keep. Everything else is stripped (its text kept);
#: script and style are dropped with their content.
ALLOWED_TAGS = {"p", "br", "a", "em", "strong", "b", "i", "blockquote", "ul", "ol", "li",
                "code", "pre"}
ALLOWED_ATTRIBUTES = {"a": {"href"}, "*": set()}  # "*": no lang/title (ammonia keeps them by default)
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow ugc"
#: Visual indentation stops at this depth (the DOM keeps nesting).
MAX_INDENT = 8
#: ... and at this one on a narrow screen.
MAX_INDENT_PHONE = 4

_ABSOLUTE = re.compile(r"^(?:https?|mailto):", re.I)
_WEB = re.compile(r"^https?://", re.I)
# Tags that make a chunk of comment text a block of its own (wpautop's list, shortened).
_BLOCK = r"(?:p|div|blockquote|ul|ol|li|dl|dd|dt|pre|h[1-6]|table|thead|tbody|tfoot|tr|td|th|" \
         r"hr|address|figure|figcaption|section|article|aside|header|footer|form|fieldset|details)"
_HAS_BLOCK = re.compile(rf"</?{_BLOCK}\b", re.I)
_STARTS_BLOCK = re.compile(rf"^\s*</?{_BLOCK}\b", re.I)
_PRE = re.compile(r"<pre\b.*?</pre\s*>", re.I | re.S)
_PARAGRAPHS = re.compile(r"\n[ \t]*\n\s*")


def _href_filter(tag: str, attr: str, value: str) -> str | None:
    # Only absolute http(s)/mailto links: a relative link would point into
    # the archive folder (or nowhere) and is not what the commenter meant.
    if attr == "href":
        return value if _ABSOLUTE.match(value.strip()) else None
    return value


def autop(text: str) -> str:
    """WordPress's ``wpautop``, reduced to what comments need: a blank line
    ends a paragraph, a single newline is a ``<br>``. Chunks that already are
    blocks (``<blockquote>``, ``<ul>``...) are left alone, and so is text
    inside ``<pre>``."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        return ""
    pres: list[str] = []

    def keep(m: re.Match) -> str:
        pres.append(m.group(0))
        return f"\ue000{len(pres) - 1}\ue001"

    text = _PRE.sub(keep, text)
    has_blocks = bool(_HAS_BLOCK.search(text)) or bool(pres)
    out = []
    for chunk in _PARAGRAPHS.split(text.strip()):
        chunk = chunk.strip("\n")
        if not chunk.strip():
            continue
        if has_blocks and (_STARTS_BLOCK.match(chunk) or chunk.strip().startswith("\ue000")):
            out.append(chunk)
        else:
            out.append("<p>" + chunk.replace("\n", "<br>\n") + "</p>")
    html = "\n".join(out)
    return re.sub("\ue000(\\d+)\ue001", lambda m: pres[int(m.group(1))], html)


def clean_comment(content: str) -> Markup:
    """A comment body as safe HTML: paragraphs from bare newlines, then nh3."""
    return Markup(nh3.clean(autop(content or ""), tags=ALLOWED_TAGS,
                            attributes=ALLOWED_ATTRIBUTES, url_schemes=URL_SCHEMES,
                            link_rel=LINK_REL, strip_comments=True,
                            attribute_filter=_href_filter))


def web_url(url: str | None) -> str | None:
    """``url`` if it is an http(s) URL (for hrefs we make ourselves), else None.
    A host under ``.invalid`` (what anonymised runs give the original site)
    leads nowhere, so it is no link either."""
    url = (url or "").strip()
    if not _WEB.match(url) or any(ch in url for ch in "\"'<> \t\n"):
        return None
    host = url.split("://", 1)[1].split("/", 1)[0].split("?", 1)[0].rsplit(":", 1)[0]
    return None if host.lower().rstrip(".").endswith(".invalid") else url


def plain(text: str | None) -> str:
    """WordPress stores titles and names with entities (``&amp;``, ``&#8217;``);
    show the characters. Autoescape escapes them again on output."""
    return htmllib.unescape(text or "").strip()


def _lang(value: str) -> str:
    value = (value or "").strip()
    return value if re.fullmatch(r"[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*", value) else "en"


#: How a date is shown, by the run's --date-precision: a rounded date shows
#: no made-up midnight.
SHOWN = {"second": "%Y-%m-%d %H:%M", "minute": "%Y-%m-%d %H:%M", "hour": "%Y-%m-%d %H:00",
         "day": "%Y-%m-%d", "month": "%Y-%m", "year": "%Y"}


def _fmt_date(c: Comment, fmt: str = SHOWN["second"]) -> tuple[str, str]:
    """(shown, machine) dates: the site's local time as readers saw it,
    and the UTC instant for ``<time datetime>``."""
    machine = iso_utc(c.date_gmt) or ""
    if c.date is not None:
        shown = c.date.strftime(fmt)
    elif c.date_gmt is not None:
        shown = c.date_gmt.strftime(fmt) + " UTC"
    else:
        shown = ""
    return shown, machine


@dataclass
class Event:
    """One step of a thread for the template: open a comment (and, if it has
    replies, its reply list) or close them."""

    enter: bool
    has_replies: bool
    comment: Comment | None = None
    depth: int = 0
    body: Markup | None = None
    author: str = ""
    author_url: str | None = None
    date: str = ""
    date_iso: str = ""
    parent: Comment | None = None
    parent_author: str = ""
    badges: tuple[str, ...] = ()
    reply_level: int = 0  # CSS level of this comment's reply list (capped)


def thread_events(comments: list[Comment], fmt: str = SHOWN["second"]):
    """Events for the template, from ``walk(nest(...))``: flat, no recursion.
    ``fmt``: how dates are shown (see :data:`SHOWN`)."""
    by_id = {c.id: c for c in comments}
    depth = 0
    for kind, node in walk(nest(comments)):
        c = node.comment
        has = bool(node.replies)
        if kind == "leave":
            depth -= 1
            yield Event(enter=False, has_replies=has)
            continue
        depth += 1
        parent = by_id.get(c.parent_id) if c.parent_id is not None else None
        shown, machine = _fmt_date(c, fmt)
        badges = []
        if c.type != "comment":
            badges.append(c.type)
        if c.status != "approved":
            badges.append(c.status)
        yield Event(
            enter=True, has_replies=has, comment=c, depth=depth, body=clean_comment(c.content),
            author=plain(c.author_name) or "Anonymous", author_url=web_url(c.author_url),
            date=shown, date_iso=machine, parent=parent,
            parent_author=(plain(parent.author_name) or "Anonymous") if parent else "",
            badges=tuple(badges), reply_level=min(depth, MAX_INDENT))


def _environment() -> Environment:
    env = Environment(loader=PackageLoader("migrator", "templates"), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                      keep_trailing_newline=True)
    env.globals.update(MAX_INDENT=MAX_INDENT, MAX_INDENT_PHONE=MAX_INDENT_PHONE,
                       generator=f"migrator {__version__}")
    return env


def _site_slug(site: Site) -> str:
    return _UNSAFE.sub("-", site.key.split("://")[-1]).strip("-")[:60] or "site"


#: Post types that get a page even without comments (the site's own content).
CONTENT_TYPES = ("post", "page")


class HTMLSink:
    """``html:DIR``: one page per post plus ``index.html``."""

    def __init__(self, folder: str, replace: bool = False, **_):
        self.folder = folder
        self._guard = FolderGuard(folder, ".html", f"html:{folder}", replace)
        self.env = _environment()
        self._post_tpl = self.env.get_template("post.html.j2")
        self._index_tpl = self.env.get_template("index.html.j2")
        self._sites: dict[str, Site] = {}
        self._entries: dict[str, dict] = {}  # file name -> index entry, in order
        self._spill: str | None = None
        self._shown = SHOWN["second"]
        self.skipped = 0

    @classmethod
    def from_target(cls, kind: str, where: str, private_fields: bool = False,
                    replace: bool = False, **options):
        # private_fields is ignored: a public archive never shows e-mail,
        # IP or user agent.
        return cls(where, replace=replace)

    def open(self, run) -> None:
        self._shown = SHOWN.get(getattr(getattr(run, "options", None), "precision", "second"),
                                SHOWN["second"])
        self._guard.open(run)  # refuses a folder of another kind of run
        os.makedirs(self.folder, exist_ok=True)
        self._spill = tempfile.mkdtemp(prefix="migrator-html-")

    def _name(self, site: Site, post: Post) -> str:
        name = safe_name(post, ".html")
        self._sites.setdefault(site.key, site)
        if site.key != next(iter(self._sites)):
            # Two sites in one folder: keep their pages apart.
            name = f"{_site_slug(site)}--{name}"
        return name

    def write_post(self, site: Site, post: Post, ledger: Ledger) -> None:
        if not post.comments and post.type not in CONTENT_TYPES:
            # Attachments, menu items, revisions without comments: nothing to read.
            self.skipped += 1
            return
        name = self._name(site, post)
        path = inside(self.folder, name)
        spill = os.path.join(self._spill, f"{len(self._entries)}.pickle")
        if name in self._entries:
            # The same post again (overlapping exports): one page with both
            # parts; comments already shown are not repeated.
            entry = self._entries[name]
            spill = entry["_spill"]
            with open(spill, "rb") as fh:
                old: Post = pickle.load(fh)
            seen = {c.id for c in old.comments}
            old.comments.extend(c for c in post.comments if c.id not in seen)
            post = old
        with open(spill, "wb") as fh:
            pickle.dump(post, fh, protocol=pickle.HIGHEST_PROTOCOL)
        self._render_post(site, post, path)
        shown_at = post.date.strftime("%Y-%m-%d") if post.date else ""
        self._entries[name] = {
            "_spill": spill, "file": name, "title": plain(post.title) or f"(untitled {post.type} {post.id})",
            "date": shown_at, "type": post.type, "comments": len(post.comments), "site": site.key,
        }

    def _render_post(self, site: Site, post: Post, path: str) -> None:
        title = plain(post.title) or f"(untitled {post.type} {post.id})"
        out = AtomicFile(path)
        try:
            self._post_tpl.stream(
                site=site, site_title=plain(site.title) or site.key or "Archive",
                lang=_lang(site.language), post=post, title=title,
                original=web_url(post.link), count=len(post.comments),
                events=thread_events(post.comments, self._shown),
                max_indent=MAX_INDENT,
            ).dump(out.fh)
        except BaseException:
            out.abort()
            raise
        out.commit()

    def close(self, ok: bool) -> None:
        try:
            if ok and self._spill is not None:
                sites = []
                for key, site in self._sites.items():
                    entries = [e for e in self._entries.values() if e["site"] == key]
                    sites.append({"title": plain(site.title) or key or "Archive", "link": web_url(site.link),
                                  "posts": entries, "comments": sum(e["comments"] for e in entries)})
                first = next(iter(self._sites.values()), Site())
                html = self._index_tpl.render(
                    sites=sites, lang=_lang(first.language),
                    title=sites[0]["title"] if len(sites) == 1 else "Comment archive",
                    total=sum(s["comments"] for s in sites), pages=len(self._entries),
                    generated=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"))
                write_atomic(inside(self.folder, "index.html"), html)
        finally:
            if self._spill is not None:
                shutil.rmtree(self._spill, ignore_errors=True)
                self._spill = None
            self._guard.close(ok, list(self._entries) + ["index.html"])


__all__ = ["HTMLSink", "autop", "clean_comment", "thread_events"]
