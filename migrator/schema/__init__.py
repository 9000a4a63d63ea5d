"""JSON Schemas (draft 2020-12) of the public JSON formats, shipped with the package.

* ``archive.schema.json``  - one post's document, a file of ``json:DIR/``;
* ``index.schema.json``    - ``index.json`` of ``json:DIR/``;
* ``document.schema.json`` - ``json:FILE.json``, every post in one document;
* ``comment.schema.json``  - one line of ``jsonl:FILE``.

The schemas refer to each other by ``$id`` (``https://migrator.invalid/schema/<file>``:
an identifier, not an address - the files are here). :func:`registry` resolves
those references without any network access::

    from jsonschema import Draft202012Validator
    from migrator import schema
    Draft202012Validator(schema.load("archive"), registry=schema.registry()).validate(doc)
"""
from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

NAMES = ("archive", "index", "document", "comment")
BASE = "https://migrator.invalid/schema/"


@lru_cache(maxsize=None)
def _text(name: str) -> str:
    if name.endswith(".json"):
        name = name[: -len(".json")]
    if name.endswith(".schema"):
        name = name[: -len(".schema")]
    if name not in NAMES:
        raise KeyError(f"no schema {name!r}: one of {', '.join(NAMES)}")
    return resources.files(__name__).joinpath(f"{name}.schema.json").read_text(encoding="utf-8")


def load(name: str) -> dict:
    """The schema ``name`` (``"archive"``, ``"archive.schema.json"``, ...) as a dict."""
    return json.loads(_text(name))


def registry():
    """A :class:`referencing.Registry` holding every shipped schema (needs the
    ``jsonschema`` package, which brings ``referencing``)."""
    from referencing import Registry, Resource

    return Registry().with_resources(
        (BASE + f"{n}.schema.json", Resource.from_contents(load(n))) for n in NAMES)
