"""Push benchmark for Waline: comments/s into the local Waline of scripts/waline.sh.

    python -m bench.waline_bench                 # 400 comments, 4 posts, depth <= 4
    python -m bench.waline_bench --comments 1000 --repeat 3
    python -m bench.run --push                   # the same, from make bench

The export is bench/push_bench.py's (same seed, same threads). Runs, each on
a freshly reset Waline:

  raw requests.post    a plain loop of ``requests.post`` to ``/api/db?table=Comment``
                       (new connection each), same rows, pre-order, parents first,
                       ``pid``/``rid`` from the ids Waline returned: the floor of
                       what any client pays Waline per comment
  raw Session          the same loop over one keep-alive ``requests.Session``
  push --workers 1     ``migrator push --to waline+URL`` (CLI, fresh journal):
                       parse, map paths, journal every comment, post one at a time
  push --workers 4     the same, four comments at once, parents before replies

comments/s is comments / wall time of the whole run (for the CLI rows that
includes start-up and the journal). Results go to stdout and
``bench-data/push-waline.json``. Without a running Waline it says so and exits 0.
"""
from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
import time

from .push_bench import DATA, ROOT, make_export
from . import push_common

STATE = os.environ.get("MIGRATOR_WALINE_STATE", "/tmp/migrator-waline")


def site() -> dict | None:
    import requests

    try:
        with open(os.path.join(STATE, "site.json")) as fh:
            s = json.load(fh)
        r = requests.get(s["api"] + "/token", headers=_auth(s), timeout=10)
        ok = r.status_code == 200 and (r.json().get("data") or {}).get("type") == "administrator"
        return s if ok else None
    except (OSError, ValueError, requests.RequestException):
        return None


def _auth(s: dict) -> dict:
    return {"Authorization": "Bearer " + s["token"]}


def reset() -> None:
    subprocess.run(["bash", os.path.join(ROOT, "scripts", "waline.sh"), "reset"],
                   env=dict(os.environ, MIGRATOR_WALINE_STATE=STATE), check=True,
                   capture_output=True)


def rows(export: str) -> list[tuple[int, int | None, dict]]:
    """(source id, source parent, row) in pre-order, the way push builds them
    (same pipeline, same columns)."""
    from migrator.pipeline import Options, Pipeline
    from migrator.waline import STATUS, link_path
    from migrator.waline.client import waline_date

    pipe = Pipeline([export], Options())
    out = []
    for _, post in pipe.posts():
        for c in post.comments:
            d = waline_date(c.date_gmt)
            out.append((c.id, c.parent_id, {
                "url": link_path(post.link), "nick": c.author_name, "mail": c.author_email,
                "ip": c.author_ip, "status": STATUS[c.status], "comment": c.content,
                "insertedAt": d, "createdAt": d, "updatedAt": d}))
        pipe.settle(post)
    pipe.ledger.close()
    return out


def raw(s: dict, plan, session: bool) -> float:
    import requests

    post = requests.Session().post if session else requests.post
    target: dict[int, int] = {}
    root: dict[int, int] = {}
    t = time.perf_counter()
    for cid, parent, row in plan:
        data = dict(row)
        if parent:
            data.update(pid=target[parent], rid=root[parent])
        r = post(s["api"] + "/db", params={"table": "Comment"}, json=data, headers=_auth(s),
                 timeout=60)
        body = r.json()
        if r.status_code != 200 or body.get("errno") != 0:
            raise RuntimeError(f"raw POST: {r.status_code} {r.text[:200]}")
        target[cid] = body["data"]["objectId"]
        root[cid] = root[parent] if parent else target[cid]
    return time.perf_counter() - t


def cli(s: dict, export: str, workers: int) -> float:
    wall, out = push_common.timed_push(export, ["--to", "waline+" + s["url"]],
                                       {"MIGRATOR_WALINE_TOKEN": s["token"]}, workers)
    if out["totals"]["written"] != out["requests"].get("POST"):
        raise RuntimeError(f"push wrote {out['totals']} with {out['requests']}")
    return wall


def count_comments(s: dict) -> int:
    import requests

    r = requests.get(s["api"] + "/db", headers=_auth(s), timeout=60)
    return len(r.json()["data"]["data"]["Comment"])


def run(comments: int = 400, posts: int = 4, repeat: int = 1, seed: int = 7,
        data: str = DATA) -> dict | None:
    s = site()
    if s is None:
        print("waline push bench: skipped (no local Waline: scripts/waline.sh start)", flush=True)
        return None
    os.makedirs(data, exist_ok=True)
    export = os.path.join(data, f"push-{comments}-{posts}-seed{seed}.xml")
    make_export(export, comments, posts, seed)
    plan = rows(export)
    n = len(plan)
    runs = [("raw requests.post", lambda _: raw(s, plan, session=False)),
            ("raw Session", lambda _: raw(s, plan, session=True)),
            ("push --workers 1", lambda _: cli(s, export, 1)),
            ("push --workers 4", lambda _: cli(s, export, 4))]
    # the server is shared: take the lock the tests take, so neither resets under the other
    lock = open(os.path.join(STATE, "tests.lock"), "a+")
    fcntl.flock(lock, fcntl.LOCK_EX)
    try:
        print(f"waline push bench: {n} comments on {posts} pages into {s['url']} "
              f"(Waline reset before every run, best of {repeat})", flush=True)
        results = push_common.best_of(runs, n, repeat, reset, lambda _: count_comments(s),
                                      "Waline")
        reset()
    finally:
        fcntl.flock(lock, fcntl.LOCK_UN)
        lock.close()
    result = push_common.save(os.path.join(data, "push-waline.json"), s["url"], n, posts, repeat,
                              results, platform="waline")
    return result


def summary(result: dict | None) -> str:
    return push_common.summary(result, "no local Waline")


def main(argv: list[str] | None = None) -> int:
    return push_common.main(run, "python -m bench.waline_bench", __doc__, DATA, argv,
                            comments=400, posts=4)


if __name__ == "__main__":
    sys.exit(main())
