"""The WordPress target: push comment threads into a WordPress site over its REST API.

The posts must already be on the target; this moves their comment sections:
every thread at full depth, original dates, authors and statuses, nothing
twice — even after a crash, a lost answer, or a second run.

* :mod:`.client` — :class:`WordPress`, the REST client: Application Passwords over HTTP Basic,
  ``/wp-json/`` or ``?rest_route=`` (plain permalinks).
* :mod:`.mapping` — source posts and users to target ones.
* :mod:`.target` — :class:`WordPressTarget`, WordPress as a :class:`migrator.targets.Platform`.

The journal, the parents-first worker pool, retries, redaction and verify's
comparison are shared by every platform and live in :mod:`migrator.targets`;
:func:`push` and :func:`verify` here keep the WordPress-shaped signature.

Why POSTs are not retried blindly: WordPress answers an identical comment
with 409 ``comment_duplicate``, but it compares the *unfiltered* request with
the *filtered* stored comment, and its save filters change many comments
(``rel="nofollow ugc"`` added to links, ``&`` in a name stored as ``&amp;``,
content trimmed). Re-sending such a comment after a lost answer creates a
second copy. So urllib3 retries a POST only when WordPress cannot have seen it
(connect errors, 429); after any other failure (connection dropped, read
timeout, 5xx) the comment is looked up on the target first and posted again
only if it is not there.
"""
from __future__ import annotations

from typing import Iterable

from ..pipeline import Options
from ..targets import Journal, PushResult, VerifyResult, default_state_path
from ..targets import push as _push
from ..targets import verify as _verify
from .client import REST_STATUS, AuthError, PushError, WordPress, normalise_content, normalise_name
from .mapping import read_post_map
from .target import WordPressTarget


def platform(url: str, *, user: str, password: str, rest_base: str | None = None,
             post_map: dict[int, int] | None = None, retries: int = 6, backoff: float = 0.5,
             insecure_http: bool = False, client: WordPress | None = None) -> WordPressTarget:
    client = client or WordPress(url, user, password, rest_base=rest_base, retries=retries,
                                 backoff=backoff, insecure_http=insecure_http)
    return WordPressTarget(client, post_map)


def push(paths: Iterable[str], url: str, options: Options | None = None, *, user: str,
         password: str, state: str | None = None, post_map: dict[int, int] | None = None,
         workers: int = 4, dry_run: bool = False, delay: float = 0.0,
         rest_base: str | None = None, progress=None, client: WordPress | None = None,
         retries: int = 6, backoff: float = 0.5, insecure_http: bool = False) -> PushResult:
    """Push the comments of ``paths`` into the WordPress at ``url``; see
    :func:`migrator.targets.push`."""
    pf = platform(url, user=user, password=password, rest_base=rest_base, post_map=post_map,
                  retries=retries, backoff=backoff, insecure_http=insecure_http, client=client)
    return _push(paths, pf, options, state=state, workers=workers, dry_run=dry_run, delay=delay,
                 progress=progress)


def verify(paths: Iterable[str], url: str, options: Options | None = None, *, user: str,
           password: str, state: str | None = None, rest_base: str | None = None,
           client: WordPress | None = None, insecure_http: bool = False) -> VerifyResult:
    """Read the WordPress at ``url`` back and compare; see :func:`migrator.targets.verify`."""
    pf = platform(url, user=user, password=password, rest_base=rest_base,
                  insecure_http=insecure_http, client=client)
    return _verify(paths, pf, options, state=state)


__all__ = ["push", "verify", "platform", "WordPress", "WordPressTarget", "Journal", "PushError",
           "AuthError", "PushResult", "VerifyResult", "default_state_path", "read_post_map",
           "normalise_content", "normalise_name", "REST_STATUS"]
