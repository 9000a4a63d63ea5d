"""``--to URL`` (WordPress), ``--to ghost+https://...``, ``--to waline+https://...``:
which platform a target string means, and its package's ``push``/``verify``."""
from __future__ import annotations

import importlib
import re

from .http import PushError, redact_url

PLATFORMS = ("wordpress", "ghost", "waline")


def split_target(to: str) -> tuple[str, str]:
    """(platform, URL). A plain URL is WordPress, as it always was."""
    m = re.match(r"^([a-z][a-z0-9]*)\+([a-z][a-z0-9.+-]*://.*)$", to or "", re.I | re.S)
    if not m:
        return "wordpress", to
    name = m.group(1).lower()
    if name not in PLATFORMS:
        raise PushError(f"unknown platform {m.group(1)!r} in --to {redact_url(to)}: use a plain "
                        f"URL (WordPress), ghost+https://... or waline+https://...")
    return name, m.group(2)


def package(name: str):
    """The platform's package (``migrator.ghost``...), which has push() and verify()."""
    try:
        return importlib.import_module(f"migrator.{name}")
    except ModuleNotFoundError as e:
        if e.name == f"migrator.{name}":
            raise PushError(f"the {name} target is not part of this version of migrator") from None
        raise
