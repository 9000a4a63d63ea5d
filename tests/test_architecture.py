"""The layout's rules, read from the code itself with ``ast``.

migrator/ is split into rooms (README, "Layout"):

    data      model, ledger, version        plain data: import only each other
    wxr       wxr/                          the source format
    stages    stages/                       thread, dedupe, anonymise: only data and each other
    compose   pipeline, parallel            reader -> stages -> sinks
    sinks     sinks/                        only data, sink helpers, format helpers
    targets   wordpress/ (and other live    may use the pipeline, never the face
              targets)
    face      api, cli/, inspection, review, the package root

Every import is read, at any depth of the module (a function-level or
``TYPE_CHECKING`` import is still an import), and checked against the rules;
the whole graph must have no cycle; no module may pass about 500 lines unless
its docstring's first lines say why.
"""
from __future__ import annotations

import ast
import os
import textwrap

import pytest

from paths import ROOT

PACKAGE = "migrator"
MAX_LINES = 520
LONG_OK = "why this module is long:"

#: room -> the rooms it may import from (its own room is always allowed).
ALLOWED = {
    "data": set(),
    "wxr": {"data"},
    "stages": {"data"},
    "sinks": {"data", "wxr", "schema"},
    "schema": set(),
    "compose": {"data", "wxr", "stages", "sinks"},
    "targets": {"data", "wxr", "stages", "sinks", "compose", "schema"},
    "face": {"data", "wxr", "stages", "sinks", "compose", "targets", "schema"},
}
TARGET_PACKAGES = ("wordpress", "ghost", "waline", "targets")


def room(module: str) -> str:
    parts = module.split(".")[1:]
    if not parts:
        return "face"  # the package root re-exports the face
    head = parts[0]
    if head in ("model", "ledger", "version"):
        return "data"
    if head in ("wxr", "stages", "sinks", "schema"):
        return head
    if head in ("pipeline", "parallel", "identity", "memory"):
        return "compose"
    if head in TARGET_PACKAGES:
        return "targets"
    if head in ("api", "cli", "inspection", "review"):
        return "face"
    return "unknown"


def modules(root: str) -> dict[str, str]:
    """module name -> file path, for every .py under root/migrator."""
    found = {}
    base = os.path.join(root, PACKAGE)
    for folder, dirs, files in os.walk(base):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        for name in files:
            if not name.endswith(".py"):
                continue
            rel = os.path.relpath(os.path.join(folder, name), root)[:-3].split(os.sep)
            if rel[-1] == "__init__":
                rel = rel[:-1]
            found[".".join(rel)] = os.path.join(folder, name)
    return found


def imports(module: str, path: str, known: set[str]) -> list[tuple[str, int]]:
    """The modules of ours that ``module`` imports, with line numbers."""
    tree = ast.parse(open(path, encoding="utf-8").read(), path)
    is_pkg = path.endswith("__init__.py")
    here = module.split(".") if is_pkg else module.split(".")[:-1]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == PACKAGE:
                    out.append((_longest(alias.name, known), node.lineno))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[:len(here) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != PACKAGE:
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                out.append((sub if sub in known else _longest(target, known), node.lineno))
    return [(m, line) for m, line in out if m and m != module]


def _longest(name: str, known: set[str]) -> str:
    parts = name.split(".")
    while parts and ".".join(parts) not in known:
        parts.pop()
    return ".".join(parts)


def _is_ancestor(a: str, b: str) -> bool:
    """Importing a submodule runs its packages' __init__ first: that edge is
    Python's, not ours, and is left out of the graph."""
    return b.startswith(a + ".")


def check(root: str) -> list[str]:
    """Every broken rule under root/migrator, as one line each."""
    mods = modules(root)
    known = set(mods)
    problems = []
    graph: dict[str, set[str]] = {m: set() for m in mods}
    for mod, path in sorted(mods.items()):
        mine = room(mod)
        if mine == "unknown":
            problems.append(f"{mod}: in no room of the layout")
        for target, line in imports(mod, path, known):
            if _is_ancestor(target, mod):
                continue
            graph[mod].add(target)
            theirs = room(target)
            if mine != "unknown" and theirs != mine and theirs not in ALLOWED.get(mine, set()):
                problems.append(f"{mod}:{line}: a {mine} module imports {target} ({theirs})")
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
        n = text.count("\n")
        if n > MAX_LINES:
            doc = (ast.get_docstring(ast.parse(text)) or "").lower()
            if LONG_OK not in " ".join(doc.split("\n")[:8]):
                problems.append(f"{mod}: {n} lines, and its first lines do not say why")
    problems += [f"import cycle: {' -> '.join(c)}" for c in cycles(graph)]
    return list(dict.fromkeys(problems))


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected component of more than one module
    (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    comps = []
    counter = 0
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on.add(start)
        while work:
            node, it = work[-1]
            for nxt in it:
                if nxt not in graph:
                    continue
                if nxt not in index:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on.add(nxt)
                    work.append((nxt, iter(sorted(graph[nxt]))))
                    break
                if nxt in on:
                    low[node] = min(low[node], index[nxt])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    comp = []
                    while True:
                        x = stack.pop()
                        on.discard(x)
                        comp.append(x)
                        if x == node:
                            break
                    if len(comp) > 1:
                        comps.append(sorted(comp))
    return [c + [c[0]] for c in comps]


def test_the_layout_keeps_its_rules():
    problems = check(ROOT)
    assert not problems, "\n".join(problems)


def test_every_room_is_there():
    mods = modules(ROOT)
    rooms = {room(m) for m in mods}
    assert {"data", "wxr", "stages", "compose", "sinks", "targets", "face"} <= rooms
    for folder in ("wxr", "stages", "stages.anonymise", "sinks", "wordpress", "cli"):
        assert f"{PACKAGE}.{folder}" in mods, folder


# -- the checker itself fails on what the rules forbid ---------------------------

def _tree(tmp_path, files: dict[str, str]) -> str:
    for rel, text in files.items():
        path = tmp_path / PACKAGE / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return str(tmp_path)


@pytest.mark.parametrize("files, expected", [
    # The circle [J] found: a stage that imports what composes it.
    ({"__init__.py": "", "pipeline.py": "from .stages import dedupe\n",
      "stages/__init__.py": "", "stages/dedupe.py": "def review():\n    from ..pipeline import Pipeline\n"},
     ["a stages module imports migrator.pipeline (compose)", "import cycle"]),
    # A stage that knows the source format.
    ({"__init__.py": "", "wxr/__init__.py": "", "wxr/reader.py": "",
      "stages/__init__.py": "", "stages/anonymise.py": "from ..wxr.reader import WXRReader\n"},
     ["a stages module imports migrator.wxr.reader (wxr)"]),
    # A sink reaching for the pipeline, a target reaching for the CLI.
    ({"__init__.py": "", "pipeline.py": "", "cli.py": "", "sinks/__init__.py": "",
      "sinks/sql.py": "import migrator.pipeline\n", "wordpress/__init__.py": "",
      "wordpress/push.py": "from migrator.cli import main\n"},
     ["a sinks module imports migrator.pipeline", "a targets module imports migrator.cli"]),
    # Plain data that imports a stage; a TYPE_CHECKING import counts too.
    ({"__init__.py": "", "model.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
      "    from .stages.thread import thread\n", "stages/__init__.py": "", "stages/thread.py": ""},
     ["a data module imports migrator.stages.thread"]),
    # A 1,300-line module, and a module in no room.
    ({"__init__.py": "", "push.py": "x = 1\n" * 1300}, ["1300 lines", "in no room"]),
])
def test_the_checker_finds_what_the_rules_forbid(tmp_path, files, expected):
    problems = "\n".join(check(_tree(tmp_path, files)))
    for text in expected:
        assert text in problems, problems


def test_a_long_module_that_says_why_passes(tmp_path):
    root = _tree(tmp_path, {"__init__.py": "", "model.py": '"""The model.\n\nWhy this module is long: '
                            'one table of fields."""\n' + "x = 1\n" * 900})
    assert check(root) == []
