"""Source post -> Waline page path.

Waline keys a page's comments by ``url``: the path the client sends, by
default ``decodeURI(location.pathname)``. So a post maps to its link's path
(``https://blog.example/2019/03/hello/`` -> ``/2019/03/hello/``), or to what
``--path-map`` says. A WordPress site with plain permalinks (``/?p=123``) has
the path ``/`` for every post: such a post needs ``--path-map``.
"""
from __future__ import annotations

import csv
import re
from urllib.parse import unquote, urlsplit

from ..model import Post, Site
from ..targets.base import Target
from ..targets.http import PushError

#: what JavaScript's decodeURI leaves encoded: escapes of reserved characters
_RESERVED_ESCAPE = re.compile(r"%(2[346BCFbcf]|3[ABDFabdf]|40)")
_ESCAPE = re.compile(r"(%[0-9A-Fa-f]{2})+")


def decode_uri(path: str) -> str:
    """JavaScript's ``decodeURI``: percent-escapes decoded as UTF-8, except those
    of ``; / ? : @ & = + $ , #``; a malformed sequence is left as it is."""
    def one(m: re.Match) -> str:
        chunk = m.group(0)
        out, keep = [], []
        for part in re.findall(r"%[0-9A-Fa-f]{2}", chunk):
            if _RESERVED_ESCAPE.fullmatch(part):
                if keep:
                    out.append(_decode(keep))
                    keep = []
                out.append(part)
            else:
                keep.append(part)
        if keep:
            out.append(_decode(keep))
        return "".join(out)

    return _ESCAPE.sub(one, path)


def _decode(parts: list[str]) -> str:
    raw = "".join(parts)
    try:
        return unquote(raw, errors="strict")
    except UnicodeDecodeError:
        return raw


def link_path(link: str) -> str:
    """The Waline ``url`` of a post link: its path, decoded like decodeURI."""
    return decode_uri(urlsplit(link or "").path or "")


def read_path_map(path: str) -> dict[int, str]:
    """``--path-map`` CSV: ``source_post_id,path`` per line (a header line,
    blank lines and ``#`` comments allowed). The path may be a full URL; its
    path is used. PushError with file and line on anything else."""
    out: dict[int, str] = {}
    try:
        fh = open(path, newline="", encoding="utf-8-sig")
    except OSError as e:
        raise PushError(f"--path-map {path}: {e.strerror}") from None
    with fh:
        for n, row in enumerate(csv.reader(fh), 1):
            cells = [x.strip() for x in row]
            if not cells or not any(cells) or cells[0].startswith("#"):
                continue
            if len(cells) < 2:
                raise PushError(f"--path-map {path}:{n}: expected 'source_post_id,path'")
            pid, target = cells[0], cells[1]
            if not pid.isdigit():
                if n == 1:
                    continue  # a header
                raise PushError(f"--path-map {path}:{n}: {pid!r} is not a post id")
            if re.match(r"^https?://", target, re.I):
                target = link_path(target)
            if not target.startswith("/"):
                raise PushError(f"--path-map {path}:{n}: {target!r} is not a page path "
                                "(it must start with '/', e.g. /2019/03/hello-world/)")
            out[int(pid)] = target
    return out


class PathMapper:
    """Source post -> :class:`Target` whose ``id`` is the Waline page path."""

    def __init__(self, path_map: dict[int, str] | None = None):
        self.path_map = dict(path_map or {})
        self.reasons: dict[tuple[str, int], str] = {}

    def resolve(self, site: Site, post: Post) -> Target | None:
        if post.id in self.path_map:
            return Target(self.path_map[post.id], slug=post.slug, link=post.link,
                          title=post.title, type=post.type, how="--path-map")
        u = urlsplit(post.link or "")
        path = link_path(post.link)
        if not post.link:
            why = "the post has no link in the export: give its page path with --path-map"
        elif path in ("", "/") and u.query:
            why = (f"its link {post.link} is a plain permalink: Waline keys comments by page "
                   "path, and on a site with plain permalinks every post's path is '/'. "
                   "Give each post's path on the new site with --path-map "
                   "(source_post_id,/path/)")
        elif path in ("", "/"):
            why = (f"its link {post.link} is the site's front page '/': give the post's page "
                   "path with --path-map")
        else:
            return Target(path, slug=post.slug, link=post.link, title=post.title,
                          type=post.type, how="link path")
        self.reasons[(post.site, post.id)] = why
        return None
