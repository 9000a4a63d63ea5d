"""Sinks: where processed posts go. ``open_sink("sqlite:out.db")`` picks one
from a target string; every sink implements :class:`migrator.pipeline.Sink`.
"""
from __future__ import annotations

import importlib


class TargetError(ValueError):
    """A --to target the user wrote that we cannot use (usage error)."""


#: prefix -> (module, class). Modules are imported only when used.
REGISTRY = {
    "sqlite": ("migrator.sinks.sql", "SQLSink"),
    "sql": ("migrator.sinks.sql", "SQLSink"),
    "json": ("migrator.sinks.json", "JSONSink"),
    "jsonl": ("migrator.sinks.json", "JSONLSink"),
    "wxr": ("migrator.sinks.wxr", "WXRSink"),
    "html": ("migrator.sinks.html", "HTMLSink"),
}

TARGET_HELP = ("sqlite:PATH, any SQLAlchemy URL (sqlite:///x.db, postgresql+psycopg://...), "
               "json:DIR/, json:FILE.json, jsonl:FILE, wxr:FILE, html:DIR")


def parse_target(target: str) -> tuple[str, str]:
    """``'sqlite:out.db'`` -> ``('sqlite', 'out.db')``; SQLAlchemy URLs -> ``('sql', url)``."""
    if "://" in target:
        return "sql", target
    kind, sep, rest = target.partition(":")
    if not sep or kind not in REGISTRY or not rest:
        raise TargetError(f"unknown target {target!r}: use one of {TARGET_HELP}")
    return kind, rest


def open_sink(target: str, **options):
    kind, where = parse_target(target)
    module, cls = REGISTRY[kind]
    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as e:  # pragma: no cover - a sink not built yet
        raise TargetError(f"target {kind!r} is not available: {e}") from None
    return getattr(mod, cls).from_target(kind, where, **options)
