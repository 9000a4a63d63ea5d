"""How the ``push``/``verify`` verbs connect to a Waline (``--to
waline+https://...``): the admin token from ``$MIGRATOR_WALINE_TOKEN``, else
``--user EMAIL`` with the password from ``--password-file``,
``$MIGRATOR_WALINE_PASSWORD`` or a hidden prompt; never a command-line value."""
from __future__ import annotations

import os
import sys

import click

from .common import EXIT_USAGE, fail


def _read(path: str, what: str) -> str:
    with open(path, encoding="utf-8") as fh:
        value = fh.read().strip()
    if not value:
        fail(f"{path} is empty: it should hold the {what}", EXIT_USAGE)
    return value


def waline_kwargs(user: str | None, password_file: str | None, insecure_http: bool,
                  path_map_file: str | None = None) -> dict:
    """Keyword arguments for :func:`migrator.waline.push` / ``verify``."""
    kw: dict = {"insecure_http": insecure_http}
    if path_map_file:
        from ..targets.http import PushError
        from ..waline import read_path_map

        try:
            kw["path_map"] = read_path_map(path_map_file)
        except PushError as e:
            fail(str(e), EXIT_USAGE)
    token = os.environ.get("MIGRATOR_WALINE_TOKEN", "").strip()
    if token:
        kw["token"] = token
        return kw
    if not user:
        fail("no Waline credentials: set MIGRATOR_WALINE_TOKEN to an administrator's token, "
             "or give --user ADMIN_EMAIL with MIGRATOR_WALINE_PASSWORD or --password-file",
             EXIT_USAGE)
    if password_file:
        password = _read(password_file, "Waline password")
    else:
        password = os.environ.get("MIGRATOR_WALINE_PASSWORD", "").strip()
        if not password and sys.stdin.isatty() and sys.stderr.isatty():
            password = click.prompt(f"Waline password for {user}", hide_input=True,
                                    err=True).strip()
        if not password:
            fail(f"no password for {user}: set MIGRATOR_WALINE_PASSWORD or use --password-file "
                 "(or MIGRATOR_WALINE_TOKEN instead)", EXIT_USAGE)
    kw.update(user=user, password=password)
    return kw
