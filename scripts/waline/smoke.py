#!/usr/bin/env python3
"""Smoke check of a running local Waline (scripts/waline.sh start), stdlib only.

    python3 scripts/waline/smoke.py [--site /tmp/migrator-waline/site.json] [--transcript]

It imports a 4-deep thread plus a waiting and a spam comment into one page path via
POST /api/db?table=Comment (as migrator's Waline target does), reads them back three
ways (the admin export GET /api/db, the admin and the public GET /api/comment?path=),
checks every field, deletes one comment with DELETE /api/comment/:id and checks what
went with it. It leaves nothing behind (its page path is deleted at the end).
--transcript prints every request and response as JSON (docs/waline-notes.md quotes it).
Exit 0 when every check passes; otherwise one line per failed check and exit 1.
"""
import argparse
import json
import sys
import time
import urllib.error
import urllib.request

PATH = "/smoke/2019/03/hello-world/"


class Waline:
    def __init__(self, url, token, transcript):
        self.url = url.rstrip("/")
        self.token = token
        self.transcript = transcript

    def call(self, method, path, body=None, auth=True):
        headers = {"Content-Type": "application/json"}
        if auth:
            headers["Authorization"] = "Bearer " + self.token
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                status, payload = resp.status, json.loads(resp.read())
        except urllib.error.HTTPError as err:
            status, payload = err.code, json.loads(err.read() or b"null")
        if self.transcript:
            shown = "Bearer <token>" if auth else "(none)"
            print(f"\n>>> {method} {path}   Authorization: {shown}")
            if body is not None:
                print(json.dumps(body, ensure_ascii=False, indent=2))
            print(f"<<< HTTP {status}")
            print(json.dumps(payload, ensure_ascii=False, indent=2))
        return status, payload


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--site", default="/tmp/migrator-waline/site.json")
    ap.add_argument("--transcript", action="store_true")
    args = ap.parse_args()
    try:
        site = json.load(open(args.site))
    except OSError as err:
        sys.exit(f"smoke: cannot read {args.site}: {err.strerror} (run scripts/waline.sh start)")
    w = Waline(site["url"], site["token"], args.transcript)
    failures = []

    def check(cond, what):
        if not cond:
            failures.append(what)

    def export_rows():
        _, d = Waline(site["url"], site["token"], False).call("GET", "/api/db")
        return [c for c in d["data"]["data"]["Comment"] if c["url"] == PATH]

    # clean slate for our path (an earlier interrupted run)
    for row in export_rows():
        Waline(site["url"], site["token"], False).call("DELETE", f"/api/comment/{row['objectId']}")

    # ---- import: root, reply, reply to reply, depth 4, + a waiting and a spam root
    base = {"url": PATH}
    src = [
        # (key, parent key, fields)
        ("root", None, {"nick": "Alice", "mail": "alice@example.org", "link": "https://alice.example",
                        "ip": "203.0.113.5", "ua": "Mozilla/5.0 (X11; Linux x86_64; rv:118.0) Gecko/20100101 Firefox/118.0",
                        "status": "approved", "comment": "First! <em>hello</em>",
                        "insertedAt": "2019-03-04 05:06:07", "createdAt": "2019-03-04 05:06:07",
                        "updatedAt": "2019-03-04 05:06:07"}),
        ("r1", "root", {"nick": "Bob", "mail": "bob@example.org", "link": "", "ip": "198.51.100.7",
                        "ua": "curl/8.0", "status": "approved", "comment": "Reply to Alice",
                        "insertedAt": "2019-03-05 10:00:00"}),
        ("r2", "r1", {"nick": "Carol", "mail": "carol@example.org", "ip": "2001:db8::1", "ua": "",
                      "status": "waiting", "comment": "Reply to Bob (held for moderation)",
                      "insertedAt": "2019-03-06 11:00:00"}),
        ("r3", "r2", {"nick": "Dave", "mail": "dave@example.org", "ip": "192.0.2.9", "ua": "",
                      "status": "approved", "comment": "Reply to Carol (depth 4)",
                      "insertedAt": "2019-03-07 12:00:00"}),
        ("spam", None, {"nick": "Spammer", "mail": "spam@example.net", "ip": "192.0.2.66", "ua": "",
                        "status": "spam", "comment": "cheap pills", "insertedAt": "2019-03-08 13:00:00"}),
    ]
    new_id = {}
    root_of = {}
    t0 = time.perf_counter()
    for key, parent, fields in src:
        body = dict(base, **fields)
        if parent:
            body["pid"] = new_id[parent]
            root_of[key] = root_of[parent]
            body["rid"] = new_id[root_of[key]]
        else:
            root_of[key] = key
        body["objectId"] = 424242  # ignored by Waline: it assigns its own ids
        status, d = w.call("POST", "/api/db?table=Comment", body)
        check(status == 200 and d.get("errno") == 0, f"import {key}: {status} {d}")
        new_id[key] = d["data"]["objectId"]
        check(isinstance(new_id[key], int) and new_id[key] != 424242, f"import {key}: objectId {new_id[key]!r}")
    elapsed = time.perf_counter() - t0

    # ---- admin export: every field as sent, raw
    rows = {r["objectId"]: r for r in export_rows()}
    check(len(rows) == len(src), f"export has {len(rows)} rows, want {len(src)}")
    for key, parent, fields in src:
        row = rows.get(new_id[key], {})
        for f, v in fields.items():
            check(row.get(f) == v, f"export {key}.{f} = {row.get(f)!r}, want {v!r}")
        check(row.get("pid") == (new_id[parent] if parent else None), f"export {key}.pid = {row.get('pid')!r}")
        want_rid = new_id[root_of[key]] if parent else None
        check(row.get("rid") == want_rid, f"export {key}.rid = {row.get('rid')!r}, want {want_rid!r}")

    # ---- admin view of the page: all statuses, children flattened under the root
    status, d = w.call("GET", f"/api/comment?path={PATH}&pageSize=100&sortBy=insertedAt_asc")
    check(d.get("errno") == 0, f"admin list: {d}")
    data = d["data"]["data"]
    by_id = {c["objectId"]: c for c in data}
    check(set(by_id) == {new_id["root"], new_id["spam"]}, f"admin roots {sorted(by_id)}")
    kids = {c["objectId"]: c for c in by_id.get(new_id["root"], {}).get("children", [])}
    check(set(kids) == {new_id["r1"], new_id["r2"], new_id["r3"]}, f"admin children {sorted(kids)}")
    check(by_id.get(new_id["root"], {}).get("time") == 1551675967000, "root time is not 2019-03-04T05:06:07Z")
    check(kids.get(new_id["r3"], {}).get("reply_user", {}).get("nick") == "Carol", "r3 reply_user is not Carol")

    # ---- public view: no waiting/spam, no mail/ip
    status, d = w.call("GET", f"/api/comment?path={PATH}&pageSize=100", auth=False)
    data = d["data"]["data"]
    check([c["objectId"] for c in data] == [new_id["root"]], f"public roots {[c['objectId'] for c in data]}")
    pub_kids = {c["objectId"]: c for c in data[0]["children"]} if data else {}
    check(set(pub_kids) == {new_id["r1"], new_id["r3"]}, f"public children {sorted(pub_kids)}")
    check(all("mail" not in c and "ip" not in c for c in data + list(pub_kids.values())), "public shows mail/ip")
    check("reply_user" not in pub_kids.get(new_id["r3"], {}), "public r3 has a reply_user although its parent is hidden")

    # ---- delete r1: takes its direct children (pid = r1) with it, not grandchildren
    status, d = w.call("DELETE", f"/api/comment/{new_id['r1']}")
    check(d.get("errno") == 0, f"delete: {d}")
    left = {r["objectId"] for r in export_rows()}
    check(left == {new_id["root"], new_id["r3"], new_id["spam"]}, f"after deleting r1 left {sorted(left)}")

    # ---- no token: refused
    status, d = w.call("POST", "/api/db?table=Comment", dict(base, comment="x", status="approved"), auth=False)
    check(d.get("errno") == 401, f"import without token: {status} {d}")

    # clean up
    for row in export_rows():
        Waline(site["url"], site["token"], False).call("DELETE", f"/api/comment/{row['objectId']}")
    check(export_rows() == [], "cleanup left rows")

    if failures:
        for f in failures:
            print("FAIL:", f)
        return 1
    print(f"\nsmoke: ok ({len(src)} comments imported in {elapsed * 1000:.0f} ms, read back 3 ways, delete checked)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
