"""Push benchmark for Ghost: comments/s into the local Ghost of scripts/ghost.sh.

    python -m bench.ghost_bench                 # 300 comments, 3 posts, depth <= 4
    python -m bench.run --push                  # the same, from make bench

Runs, each on a freshly reset site with the same posts:

  raw Session       a plain loop over one keep-alive ``requests.Session`` making
                    the same Admin API calls push makes: for each comment, its
                    member looked up by e-mail (created the first time), then
                    ``POST /comments/`` with the thread root and real parent;
                    a fresh JWT per minute. The floor of what any client pays.
  push --workers 1  ``migrator push`` (CLI, fresh journal)
  push --workers 4  the same, four at once, parents before replies

Results go to stdout and ``bench-data/ghost-push.json``. Without a running
Ghost it says so and exits 0.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from .push_bench import DATA, ROOT, make_export
from . import push_common

STATE = os.environ.get("MIGRATOR_GHOST_STATE", "/tmp/migrator-ghost")


def site() -> dict | None:
    import requests

    from migrator.ghost import admin_token

    try:
        with open(os.path.join(STATE, "site.json")) as fh:
            s = json.load(fh)
        r = requests.get(s["url"] + "/ghost/api/admin/settings/", timeout=10, headers={
            "Authorization": "Ghost " + admin_token(s["admin_api_key"]),
            "Accept-Version": "v5.0"})
        return s if r.status_code == 200 else None
    except (OSError, ValueError, KeyError, requests.RequestException):
        return None


class Admin:
    def __init__(self, s: dict):
        import requests

        self.s, self.session = s, requests.Session()
        self.root = s["url"] + "/ghost/api/admin"
        self.made = 0.0
        self.headers = {"Accept-Version": "v5.0"}

    def call(self, method: str, path: str, body=None, params=None):
        from migrator.ghost import admin_token

        if time.time() - self.made > 60:
            self.headers["Authorization"] = "Ghost " + admin_token(self.s["admin_api_key"])
            self.made = time.time()
        r = self.session.request(method, self.root + path, json=body, params=params,
                                 headers=self.headers, timeout=60)
        if r.status_code >= 400:
            raise RuntimeError(f"{method} {path}: {r.status_code} {r.text[:200]}")
        return r.json() if r.content else None


def reset(s: dict, posts: list[dict]) -> dict[str, str]:
    env = dict(os.environ, MIGRATOR_GHOST_STATE=STATE)
    subprocess.run(["bash", os.path.join(ROOT, "scripts", "ghost.sh"), "reset"], env=env,
                   check=True, capture_output=True)
    a = Admin(s)
    return {p["slug"]: a.call("POST", "/posts/", {"posts": [{
        "title": p["title"], "slug": p["slug"], "status": "published"}]})["posts"][0]["id"]
        for p in posts}


def plan(export: str):
    """(post slug, source id, source parent, member name, e-mail, html, created_at), pre-order."""
    from migrator.ghost import to_html
    from migrator.pipeline import Options, Pipeline

    pipe = Pipeline([export], Options())
    out = []
    for _, post in pipe.posts():
        for c in post.comments:
            out.append((post.slug, c.id, c.parent_id, c.author_name, c.author_email.lower(),
                        to_html(c.content), c.date_gmt.strftime("%Y-%m-%dT%H:%M:%S.000Z")))
        pipe.settle(post)
    pipe.ledger.close()
    return out


def raw(s: dict, ids: dict[str, str], steps) -> float:
    a = Admin(s)
    target: dict[int, str] = {}
    root: dict[int, int] = {}
    members: dict[str, str] = {}
    t = time.perf_counter()
    for slug, cid, parent, name, email, html, when in steps:
        if email not in members:
            found = a.call("GET", "/members/", params={"filter": f"email:'{email}'", "limit": 1,
                                                       "fields": "id,name,email"})["members"]
            members[email] = found[0]["id"] if found else a.call("POST", "/members/", {
                "members": [{"email": email, "name": name, "newsletters": []}]})["members"][0]["id"]
        body = {"post_id": ids[slug], "member_id": members[email], "html": html,
                "created_at": when}
        if parent:
            root[cid] = root.get(parent, parent)
            body["parent_id"] = target[root[cid]]
            if root[cid] != parent:
                body["in_reply_to_id"] = target[parent]
        target[cid] = a.call("POST", "/comments/", {"comments": [body]})["comments"][0]["id"]
    return time.perf_counter() - t


def cli(s: dict, export: str, workers: int) -> float:
    wall, out = push_common.timed_push(export, ["--to", "ghost+" + s["url"]],
                                       {"MIGRATOR_GHOST_KEY": s["admin_api_key"]}, workers)
    if out["totals"]["written"] != out["push"].get("posted"):
        raise RuntimeError(f"push wrote {out['totals']} with {out['push']}")
    return wall


def count(s: dict, ids: dict[str, str]) -> int:
    a = Admin(s)
    n = 0
    for pid in ids.values():
        for top in a.call("GET", f"/comments/post/{pid}/", params={"limit": "all"})["comments"]:
            n += 1 + len(a.call("GET", f"/comments/{top['id']}/replies/",
                                params={"limit": "all"})["comments"])
    return n


def run(comments: int = 300, posts: int = 3, repeat: int = 1, seed: int = 7,
        data: str = DATA) -> dict | None:
    s = site()
    if s is None:
        print("ghost push bench: skipped (no local Ghost: scripts/ghost.sh start)", flush=True)
        return None
    os.makedirs(data, exist_ok=True)
    export = os.path.join(data, f"ghost-push-{comments}-{posts}-seed{seed}.xml")
    plist = make_export(export, comments, posts, seed)
    steps = plan(export)
    n = len(steps)
    runs = [("raw Session", lambda ids: raw(s, ids, steps)),
            ("push --workers 1", lambda ids: cli(s, export, 1)),
            ("push --workers 4", lambda ids: cli(s, export, 4))]
    import fcntl

    lock = open(os.path.join(STATE, "tests.lock"), "a+")  # the tests' lock: the site is shared
    fcntl.flock(lock, fcntl.LOCK_EX)
    try:
        print(f"ghost push bench: {n} comments on {posts} posts into {s['url']} "
              f"(site reset before every run, best of {repeat})", flush=True)
        rows = push_common.best_of(runs, n, repeat, lambda: reset(s, plist),
                                   lambda ids: count(s, ids), "the site")
        reset(s, [])
    finally:
        fcntl.flock(lock, fcntl.LOCK_UN)
        lock.close()
    result = push_common.save(os.path.join(data, "ghost-push.json"), s["url"], n, posts, repeat,
                              rows, platform="ghost")
    return result


def summary(result: dict | None) -> str:
    return push_common.summary(result, "no local Ghost")


def main(argv: list[str] | None = None) -> int:
    return push_common.main(run, "python -m bench.ghost_bench", __doc__, DATA, argv,
                            comments=300, posts=3)


if __name__ == "__main__":
    sys.exit(main())
