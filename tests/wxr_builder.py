"""Build small WXR documents in tests, field by field, so hostile and damaged
inputs are generated in code instead of committed."""
from __future__ import annotations

from dataclasses import dataclass, field


def cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


@dataclass
class C:
    id: int
    parent: int = 0
    author: str = "Someone"
    email: str = ""
    url: str = ""
    ip: str = "192.0.2.1"
    date: str = "2020-01-01 12:00:00"
    date_gmt: str | None = None  # None -> same as date (UTC site)
    content: str = "Hello."
    approved: str = "1"
    type: str = "comment"
    user_id: int = 0
    meta: list = field(default_factory=list)

    def xml(self) -> str:
        gmt = self.date if self.date_gmt is None else self.date_gmt
        meta = "".join(
            f"<wp:commentmeta><wp:meta_key>{cdata(k)}</wp:meta_key>"
            f"<wp:meta_value>{cdata(v)}</wp:meta_value></wp:commentmeta>" for k, v in self.meta)
        return (
            "<wp:comment>\n"
            f"<wp:comment_id>{self.id}</wp:comment_id>\n"
            f"<wp:comment_author>{cdata(self.author)}</wp:comment_author>\n"
            f"<wp:comment_author_email>{cdata(self.email)}</wp:comment_author_email>\n"
            f"<wp:comment_author_url>{cdata(self.url)}</wp:comment_author_url>\n"
            f"<wp:comment_author_IP>{cdata(self.ip)}</wp:comment_author_IP>\n"
            f"<wp:comment_date>{cdata(self.date)}</wp:comment_date>\n"
            f"<wp:comment_date_gmt>{cdata(gmt)}</wp:comment_date_gmt>\n"
            f"<wp:comment_content>{cdata(self.content)}</wp:comment_content>\n"
            f"<wp:comment_approved>{cdata(self.approved)}</wp:comment_approved>\n"
            f"<wp:comment_type>{cdata(self.type)}</wp:comment_type>\n"
            f"<wp:comment_parent>{self.parent}</wp:comment_parent>\n"
            f"<wp:comment_user_id>{self.user_id}</wp:comment_user_id>\n"
            f"{meta}</wp:comment>\n")


@dataclass
class P:
    id: int
    comments: list = field(default_factory=list)
    title: str = "A post"
    slug: str = ""
    type: str = "post"
    date: str = "2020-01-01 10:00:00"
    date_gmt: str | None = None
    author: str = "admin"
    content: str = "Body."
    excerpt: str = ""
    site: str = "https://example.org"

    def xml(self) -> str:
        gmt = self.date if self.date_gmt is None else self.date_gmt
        slug = self.slug or f"post-{self.id}"
        return (
            "<item>\n"
            f"<title>{cdata(self.title)}</title>\n"
            f"<link>{self.site}/{slug}/</link>\n"
            f"<dc:creator>{cdata(self.author)}</dc:creator>\n"
            f"<guid isPermaLink=\"false\">{self.site}/?p={self.id}</guid>\n"
            f"<content:encoded>{cdata(self.content)}</content:encoded>\n"
            f"<excerpt:encoded>{cdata(self.excerpt)}</excerpt:encoded>\n"
            f"<wp:post_id>{self.id}</wp:post_id>\n"
            f"<wp:post_date>{cdata(self.date)}</wp:post_date>\n"
            f"<wp:post_date_gmt>{cdata(gmt)}</wp:post_date_gmt>\n"
            f"<wp:post_name>{cdata(slug)}</wp:post_name>\n"
            "<wp:status><![CDATA[publish]]></wp:status>\n"
            f"<wp:post_type>{cdata(self.type)}</wp:post_type>\n"
            + "".join(c.xml() for c in self.comments) + "</item>\n")


def author(login: str, email: str = "", display: str = "", first: str = "", last: str = "",
           tag: str = "wp:author", id: int = 1) -> str:
    """A ``wp:author`` block (``tag="wp:wp_author"`` for the variant some exporters write)."""
    return (f"<{tag}><wp:author_id>{id}</wp:author_id><wp:author_login>{cdata(login)}"
            f"</wp:author_login><wp:author_email>{cdata(email)}</wp:author_email>"
            f"<wp:author_display_name>{cdata(display)}</wp:author_display_name>"
            f"<wp:author_first_name>{cdata(first)}</wp:author_first_name>"
            f"<wp:author_last_name>{cdata(last)}</wp:author_last_name></{tag}>\n")


def wxr(posts, version: str = "1.2", scheme: str = "http", site: str = "https://example.org",
        prolog: str = "", authors: str = "", title: str = "Test site") -> str:
    ns = f"{scheme}://wordpress.org/export/{version}/"
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n' + prolog +
        f'<rss version="2.0" xmlns:excerpt="{ns}excerpt/" '
        'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" '
        f'xmlns:wp="{ns}">\n<channel>\n<title>{title}</title>\n<link>{site}</link>\n'
        f"<wp:wxr_version>{version}</wp:wxr_version>\n"
        f"<wp:base_site_url>{site}</wp:base_site_url>\n<wp:base_blog_url>{site}</wp:base_blog_url>\n"
        + authors
        + "".join(p.xml() for p in posts) + "</channel>\n</rss>\n")


def write(tmp_path, posts, name: str = "export.xml", **kw) -> str:
    path = tmp_path / name
    path.write_text(wxr(posts, **kw), encoding="utf-8")
    return str(path)
