"""``wxr:FILE`` - a cleaned WXR 1.2 export, written the way WordPress writes one.

The output follows ``wp-admin/includes/export.php``: the same namespaces
(``http://wordpress.org/export/1.2/``), the same channel header, the same
item and ``wp:comment`` fields in the same order, text in CDATA with
``]]>`` split as ``]]]]><![CDATA[>`` (``wxr_cdata``), URLs as escaped text,
and a missing GMT date as ``0000-00-00 00:00:00``. So anything that imports
a WordPress export (the WordPress importer, Disqus, isso, remark42) takes
the result of filters, dedupe and anonymisation as it would the original.

What goes in is exactly what the model carries after the pipeline: after
``--anonymise`` that is already scrubbed, so ``private_fields`` means nothing
here. Reading the file back with :class:`~migrator.wxr.reader.WXRReader` gives
the same posts and comments, field for field (the tests check it).

Streamed: the header is written when the first post arrives (its Site is
the channel), each post is written as it comes, and the file is renamed
into place only when the run succeeded.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone
from xml.sax.saxutils import escape, quoteattr

from ..version import __version__
from ..ledger import Ledger
from ..model import STATUS_TO_WP, Comment, Post, Site
from .common import AtomicFile

WXR_VERSION = "1.2"
WP_NS = "http://wordpress.org/export/1.2/"
EXCERPT_NS = "http://wordpress.org/export/1.2/excerpt/"
ZERO_DATE = "0000-00-00 00:00:00"

#: Everything XML 1.0 forbids (C0 controls but tab/LF/CR, lone surrogates,
#: U+FFFE/U+FFFF). WordPress itself would write them and break the file.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value: str | None) -> str:
    """``value`` without the characters XML 1.0 forbids."""
    return _NOT_XML.sub("", value or "")


def cdata(value: str | None) -> str:
    """WordPress's ``wxr_cdata``: ``]]>`` inside is split across two sections."""
    return "<![CDATA[" + xml_text(value).replace("]]>", "]]]]><![CDATA[>") + "]]>"


def text(value: str | None) -> str:
    """Escaped character data (what WordPress writes for URLs and the header)."""
    return escape(xml_text(value))


def wp_date(d: datetime | None) -> str:
    """A local (naive) or UTC date as ``Y-m-d H:i:s``; none -> the zero date."""
    if d is None:
        return ZERO_DATE
    if d.tzinfo is not None:
        d = d.astimezone(timezone.utc)
    return d.strftime("%Y-%m-%d %H:%M:%S")


def rss_date(d: datetime | None) -> str:
    """RFC 822 date in UTC, as in ``<pubDate>``. No date -> what WordPress
    writes for a post that has none."""
    if d is None:
        return "Mon, 30 Nov -0001 00:00:00 +0000"
    if d.tzinfo is not None:
        d = d.astimezone(timezone.utc)
    return d.strftime("%a, %d %b %Y %H:%M:%S +0000")


def header(site: Site, now: datetime | None = None) -> str:
    now = now or datetime.now(timezone.utc)
    base_site = site.base_site_url or site.link
    base_blog = site.base_blog_url or site.link
    out = [
        '<?xml version="1.0" encoding="UTF-8" ?>\n',
        "<!-- This is a WordPress eXtended RSS file: a cleaned copy of a WordPress export,\n"
        "     written by migrator (comments filtered, threaded, deduplicated and, if asked,\n"
        "     anonymised). Import it with Tools -> Import -> WordPress, or any WXR importer. -->\n",
        f'<!-- generator="migrator/{__version__}" created="{now.strftime("%Y-%m-%d %H:%M")}" -->\n',
        '<rss version="2.0"\n'
        f'\txmlns:excerpt="{EXCERPT_NS}"\n'
        '\txmlns:content="http://purl.org/rss/1.0/modules/content/"\n'
        '\txmlns:wfw="http://wellformedweb.org/CommentAPI/"\n'
        '\txmlns:dc="http://purl.org/dc/elements/1.1/"\n'
        f'\txmlns:wp="{WP_NS}"\n'
        ">\n\n<channel>\n",
        f"\t<title>{text(site.title)}</title>\n",
        f"\t<link>{text(site.link)}</link>\n",
        f"\t<description>{text(site.description)}</description>\n",
        f"\t<pubDate>{rss_date(now)}</pubDate>\n",
        f"\t<language>{text(site.language)}</language>\n",
        f"\t<wp:wxr_version>{WXR_VERSION}</wp:wxr_version>\n",
        f"\t<wp:base_site_url>{text(base_site)}</wp:base_site_url>\n",
        f"\t<wp:base_blog_url>{text(base_blog)}</wp:base_blog_url>\n\n",
    ]
    for a in site.authors:
        out.append(
            f"\t<wp:author><wp:author_id>{int(a.id)}</wp:author_id>"
            f"<wp:author_login>{cdata(a.login)}</wp:author_login>"
            f"<wp:author_email>{cdata(a.email)}</wp:author_email>"
            f"<wp:author_display_name>{cdata(a.display_name)}</wp:author_display_name>"
            f"<wp:author_first_name>{cdata(a.first_name)}</wp:author_first_name>"
            f"<wp:author_last_name>{cdata(a.last_name)}</wp:author_last_name></wp:author>\n")
    # The site's own generator (its WordPress version) is kept: importers may
    # look at it; who wrote this file is said in the comment above.
    out.append(f"\n\t<generator>{text(site.generator or 'https://wordpress.org/')}</generator>\n\n")
    return "".join(out)


FOOTER = "</channel>\n</rss>\n"


def comment_xml(c: Comment) -> str:
    out = [
        "\t\t<wp:comment>\n",
        f"\t\t\t<wp:comment_id>{int(c.id)}</wp:comment_id>\n",
        f"\t\t\t<wp:comment_author>{cdata(c.author_name)}</wp:comment_author>\n",
        f"\t\t\t<wp:comment_author_email>{cdata(c.author_email)}</wp:comment_author_email>\n",
        f"\t\t\t<wp:comment_author_url>{text(c.author_url)}</wp:comment_author_url>\n",
        f"\t\t\t<wp:comment_author_IP>{cdata(c.author_ip)}</wp:comment_author_IP>\n",
        f"\t\t\t<wp:comment_date>{cdata(wp_date(c.date))}</wp:comment_date>\n",
        f"\t\t\t<wp:comment_date_gmt>{cdata(wp_date(c.date_gmt))}</wp:comment_date_gmt>\n",
        f"\t\t\t<wp:comment_content>{cdata(c.content)}</wp:comment_content>\n",
        f"\t\t\t<wp:comment_approved>{cdata(STATUS_TO_WP.get(c.status, c.status))}</wp:comment_approved>\n",
        f"\t\t\t<wp:comment_type>{cdata(c.type)}</wp:comment_type>\n",
        f"\t\t\t<wp:comment_parent>{int(c.parent_id or 0)}</wp:comment_parent>\n",
        f"\t\t\t<wp:comment_user_id>{int(c.user_id or 0)}</wp:comment_user_id>\n",
    ]
    if c.author_user_agent:
        # WordPress's exporter leaves the user agent out; exports made by
        # other tools carry it and our reader reads it, so it is kept
        # (unknown elements are ignored by every importer).
        out.append(f"\t\t\t<wp:comment_agent>{cdata(c.author_user_agent)}</wp:comment_agent>\n")
    for key, value in c.meta:
        out.append("\t\t\t<wp:commentmeta>\n"
                   f"\t\t\t\t<wp:meta_key>{cdata(key)}</wp:meta_key>\n"
                   f"\t\t\t\t<wp:meta_value>{cdata(value)}</wp:meta_value>\n"
                   "\t\t\t</wp:commentmeta>\n")
    out.append("\t\t</wp:comment>\n")
    return "".join(out)


def item_xml(post: Post) -> str:
    out = [
        "\t<item>\n",
        f"\t\t<title>{cdata(post.title)}</title>\n",
        f"\t\t<link>{text(post.link)}</link>\n",
        f"\t\t<pubDate>{rss_date(post.date_gmt)}</pubDate>\n",
        f"\t\t<dc:creator>{cdata(post.author)}</dc:creator>\n",
        f"\t\t<guid isPermaLink={quoteattr('false')}>{text(post.guid)}</guid>\n",
        "\t\t<description></description>\n",
        f"\t\t<content:encoded>{cdata(post.content)}</content:encoded>\n",
        f"\t\t<excerpt:encoded>{cdata(post.excerpt)}</excerpt:encoded>\n",
        f"\t\t<wp:post_id>{int(post.id)}</wp:post_id>\n",
        f"\t\t<wp:post_date>{cdata(wp_date(post.date))}</wp:post_date>\n",
        f"\t\t<wp:post_date_gmt>{cdata(wp_date(post.date_gmt))}</wp:post_date_gmt>\n",
        f"\t\t<wp:comment_status>{cdata(post.comment_status)}</wp:comment_status>\n",
        f"\t\t<wp:ping_status>{cdata(post.ping_status)}</wp:ping_status>\n",
        f"\t\t<wp:post_name>{cdata(post.slug)}</wp:post_name>\n",
        f"\t\t<wp:status>{cdata(post.status)}</wp:status>\n",
        f"\t\t<wp:post_parent>{int(post.parent or 0)}</wp:post_parent>\n",
        f"\t\t<wp:menu_order>{int(post.menu_order or 0)}</wp:menu_order>\n",
        f"\t\t<wp:post_type>{cdata(post.type)}</wp:post_type>\n",
        f"\t\t<wp:post_password>{cdata('')}</wp:post_password>\n",
        "\t\t<wp:is_sticky>0</wp:is_sticky>\n",
    ]
    out.extend(comment_xml(c) for c in post.comments)
    out.append("\t</item>\n")
    return "".join(out)


class WXRSink:
    """``wxr:FILE``: one WXR 1.2 file (one channel: the first post's site)."""

    def __init__(self, path: str, **_):
        self.path = path
        self._out: AtomicFile | None = None
        self._site: Site | None = None
        self._other_sites: set[str] = set()
        self.posts = 0
        self.comments = 0

    @classmethod
    def from_target(cls, kind: str, where: str, private_fields: bool = False, **options):
        # private_fields is ignored: WXR carries every field the model has.
        return cls(where)

    def open(self, run) -> None:
        self._out = AtomicFile(self.path)
        self._run = run

    def _start(self, site: Site) -> None:
        self._site = site
        self._out.fh.write(header(site))

    def write_post(self, site: Site, post: Post, ledger: Ledger) -> None:
        if self._site is None:
            self._start(site)
        elif site.key != self._site.key and site.key not in self._other_sites:
            # One WXR file is one site. Say so once rather than silently
            # merging two sites under one channel.
            self._other_sites.add(site.key)
            ledger.problem(self.path, None,
                           f"wxr: posts of {site.key or 'another site'} written into the "
                           f"channel of {self._site.key or 'the first site'} (one WXR file "
                           "holds one site; write each site to its own file)", kind="sink")
        self._out.fh.write(item_xml(post))
        self.posts += 1
        self.comments += len(post.comments)

    def close(self, ok: bool) -> None:
        if self._out is None:
            return
        if ok:
            if self._site is None:  # nothing was written: still a valid, empty export
                sites = list(getattr(self._run, "sites", {}).values())
                self._start(sites[0] if sites else Site())
            self._out.fh.write(FOOTER)
        self._out.finish(ok)
        self._out = None


__all__ = ["WXRSink", "cdata", "text", "wp_date", "xml_text", "header", "item_xml"]
