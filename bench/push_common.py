"""What the three push benchmarks (WordPress, Ghost, Waline) share: the
one-line summary and the command line. Each keeps its own raw loop and its
own target's setup."""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import json
import time
from typing import Callable


def summary(result: dict | None, missing: str) -> str:
    """'raw loop 87.7/s, push --workers 1 62.5/s, ...', or why it was skipped."""
    if not result:
        return f"skipped ({missing})"
    return ", ".join(f"{r['run']} {r['comments_per_s']}/s" for r in result["results"])


def main(run: Callable, prog: str, doc: str, data: str, argv: list[str] | None = None, *,
         comments: int = 400, posts: int = 4) -> int:
    ap = argparse.ArgumentParser(prog=prog, description=doc.split("\n\n")[0])
    ap.add_argument("--comments", type=int, default=comments)
    ap.add_argument("--posts", type=int, default=posts)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--data", default=data)
    a = ap.parse_args(argv)
    run(a.comments, a.posts, a.repeat, a.seed, a.data)
    return 0


def best_of(runs: list, n: int, repeat: int, reset: Callable, count: Callable,
            where: str) -> list[dict]:
    """Each (label, fn) of ``runs``, ``repeat`` times: ``reset()`` empties the
    target and returns what ``fn`` and ``count`` need; ``fn`` returns its wall
    time; ``count`` must then find all ``n`` comments on the target. The best
    time of each run, as rows of the result."""
    rows = []
    for label, fn in runs:
        best = None
        for _ in range(max(1, repeat)):
            ctx = reset()
            wall = fn(ctx)
            got = count(ctx)
            if got != n:
                raise RuntimeError(f"{label}: {got} comments on {where}, expected {n}")
            best = wall if best is None else min(best, wall)
        rows.append({"run": label, "comments": n, "wall": round(best, 2),
                     "comments_per_s": round(n / best, 1)})
        print(f"  {label:<20} {best:7.2f} s  {n / best:7.1f} comments/s", flush=True)
    return rows


def save(path: str, target: str, n: int, posts: int, repeat: int, rows: list[dict],
         platform: str | None = None) -> dict:
    """The benchmark's result, written to ``path`` as JSON and returned."""
    result = {"when": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "target": target}
    if platform:
        result["platform"] = platform
    result.update({"comments": n, "posts": posts, "repeat": repeat, "results": rows})
    with open(path, "w") as fh:
        json.dump(result, fh, indent=1)
    return result


def timed_push(export: str, target: list[str], env: dict, workers: int) -> tuple[float, dict]:
    """``migrator push EXPORT TARGET... --workers N --json`` with a fresh
    journal: its wall time and its JSON answer (a failed push raises)."""
    exe = os.path.join(os.path.dirname(sys.executable), "migrator")
    cmd = [exe] if os.path.exists(exe) else [sys.executable, "-m", "migrator.cli"]
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        r = subprocess.run(cmd + ["push", export, *target, "--state", os.path.join(tmp, "j.db"),
                                  "--workers", str(workers), "--json"],
                           env=dict(os.environ, **env), capture_output=True, text=True)
        wall = time.perf_counter() - t
    if r.returncode != 0:
        raise RuntimeError(f"migrator push failed: {r.stderr[-300:]}")
    return wall, json.loads(r.stdout)
