"""The Ghost target: push comment threads into Ghost 5's native comments over
the Admin API (``migrator push EXPORT --to ghost+https://blog.example``).

* :mod:`.client` — :class:`Ghost`: the Admin API key as a short-lived JWT, paging.
* :mod:`.target` — :class:`GhostTarget`, Ghost as a :class:`migrator.targets.Platform`:
  posts by slug or ``--post-map``, commenters as members (``newsletters: []``),
  Ghost's two-level threads (``parent_id`` = the thread root, ``in_reply_to_id`` =
  the real parent), GMT dates, statuses.

Everything else (journal, resume, workers, retries, redaction, verify) is
:mod:`migrator.targets`.
"""
from __future__ import annotations

from typing import Iterable

from ..pipeline import Options
from ..targets import PushResult, VerifyResult
from ..targets import push as _push
from ..targets import verify as _verify
from .client import Ghost, admin_token
from .target import GhostTarget, content_key, to_html


def platform(url: str, *, key: str, post_map: dict | None = None, hide_unapproved: bool = False,
             insecure_http: bool = False, secret: bytes | None = None, retries: int = 6,
             backoff: float = 0.5) -> GhostTarget:
    client = Ghost(url, key, retries=retries, backoff=backoff, insecure_http=insecure_http)
    return GhostTarget(client, post_map=post_map, hide_unapproved=hide_unapproved, secret=secret)


def _secret(options: Options | None) -> bytes | None:
    s = getattr(options, "secret", None) if options is not None else None
    return s.encode() if isinstance(s, str) else s


def push(paths: Iterable[str], url: str, options: Options | None = None, *, key: str,
         post_map: dict | None = None, hide_unapproved: bool = False, insecure_http: bool = False,
         state: str | None = None, workers: int = 4, dry_run: bool = False, delay: float = 0.0,
         progress=None, retries: int = 6, backoff: float = 0.5) -> PushResult:
    """Push the comments of ``paths`` into the Ghost site at ``url``; see
    :func:`migrator.targets.push`. ``key`` is an Admin API key ``id:secret``."""
    pf = platform(url, key=key, post_map=post_map, hide_unapproved=hide_unapproved,
                  insecure_http=insecure_http, secret=_secret(options), retries=retries,
                  backoff=backoff)
    return _push(paths, pf, options, state=state, workers=workers, dry_run=dry_run, delay=delay,
                 progress=progress)


def verify(paths: Iterable[str], url: str, options: Options | None = None, *, key: str,
           state: str | None = None, insecure_http: bool = False, post_map: dict | None = None,
           hide_unapproved: bool = False) -> VerifyResult:
    """Read the Ghost site back and compare; see :func:`migrator.targets.verify`."""
    pf = platform(url, key=key, post_map=post_map, hide_unapproved=hide_unapproved,
                  insecure_http=insecure_http, secret=_secret(options))
    return _verify(paths, pf, options, state=state)


__all__ = ["push", "verify", "platform", "Ghost", "GhostTarget", "admin_token", "to_html",
           "content_key"]
