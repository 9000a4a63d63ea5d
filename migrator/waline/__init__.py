"""The Waline target: push comment threads into a Waline comment server.

``migrator push EXPORT --to waline+https://comments.example.org``. Each post is
a page path (its link's path, or ``--path-map``); every comment is imported
with ``POST /api/db?table=Comment`` keeping its author, e-mail, link, IP, user
agent, status and GMT date, and its place in the thread through ``pid`` (the
parent's new id) and ``rid`` (the thread root's new id).

* :mod:`.client` — :class:`Waline`: the admin token, the import, reading back.
* :mod:`.mapping` — source posts to page paths.
* :mod:`.target` — :class:`WalineTarget`, Waline as a :class:`migrator.targets.Platform`.

The journal, parents-first ordering, retries, redaction, the dry-run plan and
verify's comparison are shared with the other targets (:mod:`migrator.targets`).
Waline has no idempotency key, so a comment whose answer was lost is looked
up on its page (same nick, e-mail, text, date and parent) before it is sent
again.
"""
from __future__ import annotations

from typing import Iterable

from ..pipeline import Options
from ..targets import PushResult, VerifyResult
from ..targets import push as _push
from ..targets import verify as _verify
from .client import STATUS, Waline, WalineError
from .mapping import PathMapper, decode_uri, link_path, read_path_map
from .target import WalineTarget


def platform(url: str, *, token: str | None = None, user: str | None = None,
             password: str | None = None, path_map: dict[int, str] | None = None,
             retries: int = 6, backoff: float = 0.5, insecure_http: bool = False,
             client: Waline | None = None) -> WalineTarget:
    """The Waline at ``url`` as a platform. ``token`` is an administrator's
    token; else ``user`` (the admin's e-mail) and ``password`` log in."""
    client = client or Waline(url, token=token, email=user, password=password,
                              retries=retries, backoff=backoff, insecure_http=insecure_http)
    return WalineTarget(client, path_map)


def push(paths: Iterable[str], url: str, options: Options | None = None, *,
         token: str | None = None, user: str | None = None, password: str | None = None,
         path_map: dict[int, str] | None = None, state: str | None = None, workers: int = 4,
         dry_run: bool = False, delay: float = 0.0, progress=None, client: Waline | None = None,
         retries: int = 6, backoff: float = 0.5, insecure_http: bool = False) -> PushResult:
    """Push the comments of ``paths`` into the Waline at ``url``; see
    :func:`migrator.targets.push`."""
    pf = platform(url, token=token, user=user, password=password, path_map=path_map,
                  retries=retries, backoff=backoff, insecure_http=insecure_http, client=client)
    return _push(paths, pf, options, state=state, workers=workers, dry_run=dry_run, delay=delay,
                 progress=progress)


def verify(paths: Iterable[str], url: str, options: Options | None = None, *,
           token: str | None = None, user: str | None = None, password: str | None = None,
           path_map: dict[int, str] | None = None, state: str | None = None,
           client: Waline | None = None, insecure_http: bool = False) -> VerifyResult:
    """Read the Waline at ``url`` back and compare; see :func:`migrator.targets.verify`."""
    pf = platform(url, token=token, user=user, password=password, path_map=path_map,
                  insecure_http=insecure_http, client=client)
    return _verify(paths, pf, options, state=state)


__all__ = ["push", "verify", "platform", "Waline", "WalineTarget", "WalineError", "PathMapper",
           "read_path_map", "link_path", "decode_uri", "STATUS"]
