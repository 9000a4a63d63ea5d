"""Push benchmark: comments/s into the local WordPress of scripts/wordpress.sh.

    python -m bench.push_bench                 # 400 comments, 4 posts, depth <= 4
    python -m bench.push_bench --comments 1000 --repeat 3
    python -m bench.run --push                 # the same, from make bench

Runs, each on a freshly reset site with the same posts:

  raw requests.post    a plain loop of ``requests.post`` calls (new connection
                       each, as the one-liner does), same payloads, in
                       pre-order, parents first: the floor of what any client
                       pays WordPress per comment
  raw Session          the same loop over one keep-alive ``requests.Session``
  push --workers 1     ``migrator push`` (CLI, fresh journal): parse, map posts,
                       journal every comment, post one at a time
  push --workers 4     the same, four comments at once, parents before replies

comments/s is comments / wall time of the whole run (for the CLI rows that
includes start-up, post mapping and the journal). Results go to stdout and
``bench-data/push.json``. Without a running WordPress it says so and exits 0.
"""
from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from . import push_common

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "bench-data")
STATE = os.environ.get("MIGRATOR_WP_STATE", "/tmp/migrator-wp")
WORDS = ("therapy session week feel attachment trust goodbye change listen hope time "
         "year friend work family miss talk change better always never maybe").split()


def site() -> dict | None:
    import requests

    try:
        with open(os.path.join(STATE, "site.json")) as fh:
            s = json.load(fh)
        r = requests.get(s["rest"] + "/wp/v2/users/me", auth=(s["user"], s["password"]),
                         timeout=10)
        return s if r.status_code == 200 else None
    except (OSError, ValueError, requests.RequestException):
        return None


def cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def make_export(path: str, comments: int, posts: int, seed: int) -> list[dict]:
    """A WXR with ``posts`` posts sharing ``comments`` comments, threads up to
    depth 4, some links (WordPress rewrites those on save). Returns the posts."""
    rnd = random.Random(seed)
    start = datetime(2016, 5, 1, 9, 0, tzinfo=timezone.utc)
    items, plist = [], []
    cid = 1000
    per = [comments // posts + (1 if i < comments % posts else 0) for i in range(posts)]
    for p in range(posts):
        slug = f"bench-post-{p + 1}"
        plist.append({"slug": slug, "title": f"Bench post {p + 1}"})
        depth: dict[int, int] = {}
        ids: list[int] = []
        body = []
        for k in range(per[p]):
            cid += 1
            parents = [i for i in ids[-12:] if depth[i] < 4]
            parent = rnd.choice(parents) if parents and rnd.random() < 0.6 else 0
            depth[cid] = depth.get(parent, 0) + 1
            ids.append(cid)
            when = start + timedelta(days=p, minutes=7 * k + rnd.randint(0, 5))
            text = " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(8, 40)))
            if rnd.random() < 0.2:
                text += f' <a href="https://example.net/{cid}">link</a>'
            who = rnd.randint(1, 60)
            body.append(
                "<wp:comment>"
                f"<wp:comment_id>{cid}</wp:comment_id>"
                f"<wp:comment_author>{cdata(f'Reader {who}')}</wp:comment_author>"
                f"<wp:comment_author_email>{cdata(f'reader{who}@example.org')}</wp:comment_author_email>"
                f"<wp:comment_author_url></wp:comment_author_url>"
                f"<wp:comment_author_IP>{cdata(f'192.0.2.{who}')}</wp:comment_author_IP>"
                f"<wp:comment_date>{cdata(when.strftime('%Y-%m-%d %H:%M:%S'))}</wp:comment_date>"
                f"<wp:comment_date_gmt>{cdata(when.strftime('%Y-%m-%d %H:%M:%S'))}</wp:comment_date_gmt>"
                f"<wp:comment_content>{cdata(f'{text} (#{cid})')}</wp:comment_content>"
                "<wp:comment_approved>1</wp:comment_approved><wp:comment_type>comment</wp:comment_type>"
                f"<wp:comment_parent>{parent}</wp:comment_parent><wp:comment_user_id>0</wp:comment_user_id>"
                "</wp:comment>")
        items.append(
            f"<item><title>{cdata(plist[-1]['title'])}</title>"
            f"<link>https://old.example.org/{slug}/</link>"
            f"<wp:post_id>{p + 1}</wp:post_id><wp:post_name>{cdata(slug)}</wp:post_name>"
            "<wp:post_date>2016-05-01 09:00:00</wp:post_date>"
            "<wp:post_date_gmt>2016-05-01 09:00:00</wp:post_date_gmt>"
            "<wp:status>publish</wp:status><wp:post_type>post</wp:post_type>"
            + "".join(body) + "</item>")
    ns = "http://wordpress.org/export/1.2/"
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(f'<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" xmlns:wp="{ns}" '
                 'xmlns:content="http://purl.org/rss/1.0/modules/content/" '
                 'xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>Bench</title>'
                 "<link>https://old.example.org</link><wp:wxr_version>1.2</wp:wxr_version>"
                 "<wp:base_site_url>https://old.example.org</wp:base_site_url>"
                 "<wp:base_blog_url>https://old.example.org</wp:base_blog_url>"
                 + "".join(items) + "</channel></rss>\n")
    return plist


def reset(s: dict, posts: list[dict]) -> dict[str, int]:
    import requests

    env = dict(os.environ, MIGRATOR_WP_STATE=STATE)
    subprocess.run(["bash", os.path.join(ROOT, "scripts", "wordpress.sh"), "reset"], env=env,
                   check=True, capture_output=True)
    ids = {}
    for p in posts:
        r = requests.post(s["rest"] + "/wp/v2/posts", auth=(s["user"], s["password"]), timeout=30,
                          json={"title": p["title"], "slug": p["slug"], "status": "publish",
                                "comment_status": "open"})
        r.raise_for_status()
        ids[p["slug"]] = r.json()["id"]
    return ids


def payloads(export: str) -> list[tuple[str, int, int | None, dict]]:
    """(post slug, source id, source parent, body) in pre-order, the way push
    builds them (same pipeline, same fields)."""
    from migrator.pipeline import Options, Pipeline
    from migrator.wordpress.client import REST_STATUS, rest_date

    pipe = Pipeline([export], Options())
    out = []
    for _, post in pipe.posts():
        for c in post.comments:
            out.append((post.slug, c.id, c.parent_id, {
                "author_name": c.author_name, "author_email": c.author_email,
                "author_ip": c.author_ip, "date_gmt": rest_date(c.date_gmt),
                "content": c.content, "status": REST_STATUS[c.status]}))
        pipe.settle(post)
    pipe.ledger.close()
    return out


def raw(s: dict, ids: dict[str, int], plan, session: bool) -> float:
    import requests

    post = requests.Session().post if session else requests.post
    target: dict[int, int] = {}
    auth = (s["user"], s["password"])
    t = time.perf_counter()
    for slug, cid, parent, body in plan:
        data = dict(body, post=ids[slug], parent=target[parent] if parent else 0)
        r = post(s["rest"] + "/wp/v2/comments", json=data, auth=auth, timeout=60)
        if r.status_code != 201:
            raise RuntimeError(f"raw POST: {r.status_code} {r.text[:200]}")
        target[cid] = r.json()["id"]
    return time.perf_counter() - t


def cli(s: dict, export: str, workers: int) -> float:
    wall, out = push_common.timed_push(export, ["--to", s["url"], "--user", s["user"]],
                                       {"MIGRATOR_WP_PASSWORD": s["password"]}, workers)
    if out["totals"]["written"] != out["requests"].get("POST"):
        raise RuntimeError(f"push wrote {out['totals']} with {out['requests']}")
    return wall


def count_comments(s: dict) -> int:
    import requests

    r = requests.get(s["rest"] + "/wp/v2/comments", auth=(s["user"], s["password"]),
                     params={"per_page": 1, "status": "any", "context": "edit"}, timeout=30)
    return int(r.headers.get("X-WP-Total", -1))


#: Seconds to wait for /tmp/migrator-wp.lock before the push bench is skipped.
LOCK_WAIT = 300


def run(comments: int = 400, posts: int = 4, repeat: int = 1, seed: int = 7,
        data: str = DATA) -> dict | None:
    s = site()
    if s is None:
        print("push bench: skipped (no local WordPress: scripts/wordpress.sh start)", flush=True)
        return None
    os.makedirs(data, exist_ok=True)
    export = os.path.join(data, f"push-{comments}-{posts}-seed{seed}.xml")
    plist = make_export(export, comments, posts, seed)
    plan = payloads(export)
    n = len(plan)
    runs = [("raw requests.post", lambda ids: raw(s, ids, plan, session=False)),
            ("raw Session", lambda ids: raw(s, ids, plan, session=True)),
            ("push --workers 1", lambda ids: cli(s, export, 1)),
            ("push --workers 4", lambda ids: cli(s, export, 4))]
    import fcntl

    # the site is shared: take the lock tests/test_push.py takes, so neither
    # empties the site under the other
    # (and the machine-wide lock every user of the shared WordPress takes)
    # Waits at most LOCK_WAIT seconds for it: a benchmark does not hang on a
    # long test run of someone else's.
    shared = open("/tmp/migrator-wp.lock", "a+")
    deadline = time.monotonic() + LOCK_WAIT
    while True:
        try:
            fcntl.flock(shared, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() > deadline:
                shared.close()
                print(f"push bench: skipped (the shared WordPress stayed locked for {LOCK_WAIT} s)",
                      flush=True)
                return None
            time.sleep(2)
    lock = open(os.path.join(STATE, "tests.lock"), "a+")
    fcntl.flock(lock, fcntl.LOCK_EX)
    try:
        print(f"push bench: {n} comments on {posts} posts into {s['url']} "
              f"(site reset before every run, best of {repeat})", flush=True)
        rows = push_common.best_of(runs, n, repeat, lambda: reset(s, plist),
                                   lambda _: count_comments(s), "the site")
        reset(s, [])
    finally:
        fcntl.flock(lock, fcntl.LOCK_UN)
        lock.close()
        fcntl.flock(shared, fcntl.LOCK_UN)
        shared.close()
    result = push_common.save(os.path.join(data, "push.json"), s["url"], n, posts, repeat, rows)
    return result


def summary(result: dict | None) -> str:
    return push_common.summary(result, "no local WordPress, or it stayed locked by another run")


def main(argv: list[str] | None = None) -> int:
    return push_common.main(run, "python -m bench.push_bench", __doc__, DATA, argv,
                            comments=400, posts=4)


if __name__ == "__main__":
    sys.exit(main())
