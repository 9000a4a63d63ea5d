"""What the three push benchmarks (WordPress, Ghost, Waline) share: the
one-line summary and the command line. Each keeps its own raw loop and its
own target's setup."""
from __future__ import annotations

import argparse
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
