"""The Python side of every CLI verb (the CLI only maps options onto these).

>>> from migrator import api, Options                       # doctest: +SKIP
>>> ledger = api.convert(["export.xml"], ["sqlite:blog.db"],  # doctest: +SKIP
...                      Options(statuses=None, anonymise=True, secret=b"k"))
>>> ledger.totals()                                          # doctest: +SKIP
{'input': 55, 'written': 50, 'filtered': 3, 'merged': 2, 'rejected': 0}
"""
from __future__ import annotations

from typing import Iterable

from .ledger import Ledger
from .pipeline import Options, Pipeline
from .sinks import open_sink, parse_target


def inspect(exports: Iterable[str], progress=None) -> dict:
    """What is in the exports (``migrator inspect --json`` prints this)."""
    from .inspection import inspect_exports

    return inspect_exports(list(exports), progress=progress)


def convert(exports: Iterable[str], targets: Iterable[str], options: Options | None = None,
            private_fields: bool = False, report: str | None = None, progress=None,
            pipeline: Pipeline | None = None, replace: bool = False) -> Ledger:
    """Run the pipeline into every target (``migrator convert``).

    Targets are strings as on the command line: ``sqlite:PATH``, a SQLAlchemy
    URL, ``json:DIR/``, ``json:FILE.json``, ``jsonl:FILE``, ``wxr:FILE``,
    ``html:DIR``. Returns the ledger; ``report`` also writes it as JSON.

    A database or folder that holds an earlier run's output of the same site
    but of another kind (anonymised or not, another secret) is refused
    (:class:`~migrator.sinks.common.StaleOutput`); ``replace`` deletes that
    output first instead (in the first batch's transaction)."""
    targets = list(targets)
    for t in targets:
        parse_target(t)  # a target that is no target: said before anything starts
    pipeline = pipeline or Pipeline(list(exports), options or Options(), progress=progress)
    # The reader's process (where there is one) parses while the sinks load.
    pipeline.start_reading()
    try:
        sinks = [open_sink(t, private_fields=private_fields, replace=replace) for t in targets]
    except BaseException:
        pipeline.stop_reading()
        raise
    ledger = pipeline.run(sinks)
    if report:
        with open(report, "w", encoding="utf-8") as fh:
            ledger.write_report(fh, {"targets": list(targets), "inputs": pipeline.paths,
                                     "options": pipeline.options.describe()})
    return ledger


def dedupe(exports: Iterable[str], options: Options | None = None):
    """The duplicate clusters, post by post, without writing anything
    (``migrator dedupe``). Yields ``(post, clusters)``."""
    from .review import review

    return review(list(exports), options or Options())


def push(exports: Iterable[str], url: str, options: Options | None = None, **kwargs):
    """Post the comments into a live site (``migrator push``). ``url`` is the
    WordPress site, or ``ghost+https://...`` / ``waline+https://...``; the
    connection arguments are the platform's (:func:`migrator.wordpress.push`:
    ``user``, ``password``; :func:`migrator.ghost.push`: ``key``;
    :func:`migrator.waline.push`: ``token``, or ``user`` (e-mail) and
    ``password``, and ``path_map``)."""
    from .targets.select import package, split_target

    name, target = split_target(url)
    return package(name).push(list(exports), target, options or Options(), **kwargs)


def verify(exports: Iterable[str], url: str, options: Options | None = None, **kwargs):
    """Read the target back and compare (``migrator verify``); the same
    arguments as :func:`push`."""
    from .targets.select import package, split_target

    name, target = split_target(url)
    return package(name).verify(list(exports), target, options or Options(), **kwargs)
