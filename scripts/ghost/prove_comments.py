#!/usr/bin/env python3
"""Shows, against the running local Ghost (scripts/ghost.sh start), what its Admin API
does with imported comments; every request and answer is written to a folder.

    python3 scripts/ghost/prove_comments.py [OUT_DIR]     (default $STATE/proof)

Only the Admin API key from $STATE/site.json is used (a JWT per call, as ghostctl.py
makes it). It creates a post with a slug, two members with `newsletters: []`, a thread
of a root comment, a reply and a reply to that reply (original dates, parent links),
then probes the edges: a reply whose parent_id is a reply, an in_reply_to_id that is
the root, a future created_at, a missing member, hide/delete, and how to list them.
Each fact is checked; the script exits 1 at the first one that does not hold.
It leaves its post, members and comments behind (scripts/ghost.sh reset removes them).
"""
import json
import os
import sys
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ghostctl  # noqa: E402

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ghostctl.STATE, "proof")
os.makedirs(OUT, exist_ok=True)
client = ghostctl.Client(ghostctl.load_site()["admin_api_key"])
step = [0]


def call(name, method, path, body=None):
    step[0] += 1
    status, data = client.call(method, path, body)
    with open(os.path.join(OUT, "%02d-%s.json" % (step[0], name)), "w") as f:
        json.dump({"request": {"method": method, "path": "/ghost/api/admin" + path, "body": body},
                   "status": status, "response": data}, f, indent=2)
        f.write("\n")
    return status, data


def check(cond, what, data=None):
    if not cond:
        print("FAILED: " + what, file=sys.stderr)
        if data is not None:
            print(json.dumps(data, indent=2)[:2000], file=sys.stderr)
        sys.exit(1)
    print("ok: " + what)


run = uuid.uuid4().hex[:8]
slug = "proof-" + run

# -- a post with a slug --------------------------------------------------------------
s, d = call("post-create", "POST", "/posts/?source=html", {"posts": [{
    "title": "Proof " + run, "slug": slug, "status": "published",
    "html": "<p>A post that existed on WordPress.</p>",
    "published_at": "2015-03-01T10:00:00.000Z"}]})
check(s == 201 and d["posts"][0]["slug"] == slug, "POST /posts/ creates a post with the given slug", d)
post_id = d["posts"][0]["id"]
s, d = call("post-by-slug", "GET", "/posts/slug/%s/?fields=id,slug,title" % slug)
check(s == 200 and d["posts"][0]["id"] == post_id, "GET /posts/slug/{slug}/ finds it", d)

# -- members, subscribed to nothing ----------------------------------------------------
members = {}
for name in ("Alice", "Bob"):
    email = "%s-%s@example.com" % (name.lower(), run)
    s, d = call("member-create-" + name.lower(), "POST", "/members/", {"members": [{
        "email": email, "name": name, "newsletters": []}]})
    check(s == 201 and d["members"][0]["newsletters"] == [] and d["members"][0]["subscribed"] is False,
          "POST /members/ with newsletters: [] creates %s subscribed to nothing" % name, d)
    members[name] = d["members"][0]["id"]
s, d = call("member-create-again", "POST", "/members/", {"members": [{
    "email": "alice-%s@example.com" % run, "name": "Alice", "newsletters": []}]})
check(s == 422, "a second POST /members/ with the same e-mail is refused (422)", d)
s, d = call("member-find-by-email", "GET", "/members/?filter=%s&fields=id,email" % (
    ghostctl.urllib.parse.quote("email:'alice-%s@example.com'" % run)))
check(s == 200 and d["members"][0]["id"] == members["Alice"], "GET /members/?filter=email:'...' finds a member", d)

# -- a thread: root, reply, reply to the reply ----------------------------------------
s, d = call("comment-root", "POST", "/comments/", {"comments": [{
    "post_id": post_id, "member_id": members["Alice"], "html": "<p>Root comment</p>",
    "created_at": "2015-03-02T08:00:00.000Z"}]})
check(s == 201 and d["comments"][0]["created_at"] == "2015-03-02T08:00:00.000Z",
      "POST /comments/ (post_id, member_id, html, created_at) keeps the original date", d)
root = d["comments"][0]["id"]

s, d = call("comment-reply", "POST", "/comments/", {"comments": [{
    "parent_id": root, "member_id": members["Bob"], "html": "<p>Reply to the root</p>",
    "created_at": "2015-03-02T09:30:00.000Z"}]})
check(s == 201 and d["comments"][0]["created_at"] == "2015-03-02T09:30:00.000Z",
      "a reply: parent_id = the root, no post_id needed", d)
reply = d["comments"][0]["id"]

s, d = call("comment-reply-to-reply", "POST", "/comments/", {"comments": [{
    "parent_id": root, "in_reply_to_id": reply, "member_id": members["Alice"],
    "html": "<p>Reply to Bob's reply</p>", "created_at": "2015-03-03T07:15:00.000Z"}]})
check(s == 201 and d["comments"][0]["in_reply_to_id"] == reply,
      "a reply to a reply: parent_id = the root, in_reply_to_id = the real parent (kept)", d)
check(d["comments"][0].get("in_reply_to_snippet") == "Reply to the root",
      "the answer carries in_reply_to_snippet (the parent's text)", d)
deep = d["comments"][0]["id"]

# -- the edges ---------------------------------------------------------------------
s, d = call("comment-parent-is-a-reply", "POST", "/comments/", {"comments": [{
    "parent_id": reply, "member_id": members["Bob"], "html": "<p>parent_id is a reply</p>",
    "created_at": "2015-03-04T07:15:00.000Z"}]})
check(s == 400, "parent_id pointing at a reply is refused (400 'Can not reply to a reply')", d)

s, d = call("comment-in-reply-to-root", "POST", "/comments/", {"comments": [{
    "parent_id": root, "in_reply_to_id": root, "member_id": members["Bob"],
    "html": "<p>in_reply_to_id = the root</p>", "created_at": "2015-03-04T08:00:00.000Z"}]})
check(s == 201 and d["comments"][0]["in_reply_to_id"] is None,
      "in_reply_to_id = the root itself is silently dropped (null): only replies of the same root count", d)
dropped = d["comments"][0]["id"]

future = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(time.time() + 3 * 86400))
before = time.time()
s, d = call("comment-future-date", "POST", "/comments/", {"comments": [{
    "post_id": post_id, "member_id": members["Bob"], "html": "<p>Dated in the future</p>",
    "created_at": future}]})
got = d["comments"][0]["created_at"] if s == 201 else None
check(s == 201 and got != future and abs(time.mktime(time.strptime(got, "%Y-%m-%dT%H:%M:%S.000Z"))
                                          - time.mktime(time.gmtime(before))) < 120,
      "a future created_at is silently replaced by now (%s sent, %s stored)" % (future, got), d)
future_id = d["comments"][0]["id"]

s, d = call("comment-local-offset-date", "POST", "/comments/", {"comments": [{
    "post_id": post_id, "member_id": members["Bob"], "html": "<p>Date with an offset</p>",
    "created_at": "2015-03-05T10:00:00+02:00"}]})
check(s == 201 and d["comments"][0]["created_at"] == "2015-03-05T08:00:00.000Z",
      "created_at with an offset is stored as UTC", d)

s, d = call("comment-unknown-member", "POST", "/comments/", {"comments": [{
    "post_id": post_id, "member_id": "0" * 24, "html": "<p>nobody</p>"}]})
check(s == 404, "an unknown member_id is refused (404)", d)
s, d = call("comment-no-member", "POST", "/comments/", {"comments": [{
    "post_id": post_id, "html": "<p>nobody</p>"}]})
check(s == 422, "member_id is required (422)", d)

# -- reading back -----------------------------------------------------------------
s, d = call("comments-of-post", "GET", "/comments/post/%s/?limit=all" % post_id)
check(s == 200, "GET /comments/post/{post_id}/ lists the post's top-level comments with their replies", d)
tops = {c["id"]: c for c in d["comments"]}
check(root in tops and reply not in tops, "top level holds the root, not the replies", d)
rep_ids = [r["id"] for r in tops[root]["replies"]]
check(reply in rep_ids and deep in rep_ids, "the root's replies include the reply and the reply to it", d)
s, d = call("comment-replies", "GET", "/comments/%s/replies/?limit=all" % root)
check(s == 200 and {reply, deep, dropped} <= {c["id"] for c in d["comments"]},
      "GET /comments/{id}/replies/ pages through all replies of a root", d)
byid = {c["id"]: c for c in d["comments"]}
check(byid[deep]["in_reply_to_id"] == reply and byid[reply]["in_reply_to_id"] is None,
      "replies carry in_reply_to_id (null for a direct reply to the root)", d)
s, d = call("comment-read", "GET", "/comments/%s/" % deep)
check(s == 200 and d["comments"][0]["id"] == deep, "GET /comments/{id}/ reads one comment", d)
s, d = call("comment-read-include", "GET", "/comments/%s/?include=post,parent,member" % deep)
c = d["comments"][0] if s == 200 else {}
check(s == 200 and c["post"]["id"] == post_id and c["parent"]["id"] == root,
      "GET /comments/{id}/?include=post,parent,member names the post and the parent (root)", d)
check(c.get("in_reply_to_id") is None,
      "... but then in_reply_to_id reads null (its relation is not loaded): read it without include", d)

# -- hide and delete (status) -------------------------------------------------------
s, d = call("comment-hide", "PUT", "/comments/%s/" % future_id, {"comments": [{
    "id": future_id, "status": "hidden"}]})
check(s == 200 and d["comments"][0]["status"] == "hidden", "PUT /comments/{id}/ status=hidden hides it", d)
s, d = call("comments-of-post-with-hidden", "GET", "/comments/post/%s/?limit=all" % post_id)
hidden = [c for c in d["comments"] if c["id"] == future_id]
check(s == 200 and hidden and hidden[0]["status"] == "hidden" and hidden[0]["html"],
      "the Admin API still lists a hidden comment, with status 'hidden' and its html", d)
s, d = call("comment-delete", "PUT", "/comments/%s/" % dropped, {"comments": [{
    "id": dropped, "status": "deleted"}]})
check(s == 200 and d["comments"][0]["status"] == "deleted", "PUT /comments/{id}/ status=deleted deletes it (soft)", d)
s, d = call("comment-replies-after-delete", "GET", "/comments/%s/replies/?limit=all" % root)
check(s == 200 and dropped not in {c["id"] for c in d["comments"]},
      "a deleted reply is no longer listed (the row stays, status 'deleted')", d)
s, d = call("comment-read-deleted", "GET", "/comments/%s/" % dropped)
check(s == 200 and d["comments"][0]["status"] == "deleted", "GET /comments/{id}/ still reads a deleted one", d)
s, d = call("comment-republish", "PUT", "/comments/%s/" % future_id, {"comments": [{
    "id": future_id, "status": "published"}]})
check(s == 200 and d["comments"][0]["status"] == "published", "status=published shows it again", d)
s, d = call("comment-bad-status", "PUT", "/comments/%s/" % future_id, {"comments": [{
    "id": future_id, "status": "spam"}]})
check(s >= 400, "an unknown status is refused (%s)" % s, d)

# a hidden parent: existing links stay, new links to it are dropped
s, d = call("comment-hide-reply", "PUT", "/comments/%s/" % reply, {"comments": [{
    "id": reply, "status": "hidden"}]})
check(s == 200, "hide the reply that the reply-to-reply answers", d)
s, d = call("comment-read-after-parent-hidden", "GET", "/comments/%s/" % deep)
check(s == 200 and d["comments"][0]["in_reply_to_id"] == reply,
      "an existing in_reply_to_id survives its target being hidden", d)
s, d = call("comment-reply-to-hidden", "POST", "/comments/", {"comments": [{
    "parent_id": root, "in_reply_to_id": reply, "member_id": members["Bob"],
    "html": "<p>answering a hidden reply</p>", "created_at": "2015-03-07T10:00:00.000Z"}]})
check(s == 201 and d["comments"][0]["in_reply_to_id"] is None,
      "a NEW reply whose in_reply_to_id is hidden loses the link (null): create all, hide last", d)
s, d = call("comment-unhide-reply", "PUT", "/comments/%s/" % reply, {"comments": [{
    "id": reply, "status": "published"}]})
check(s == 200, "publish it again", d)
s, d = call("comment-create-hidden", "POST", "/comments/", {"comments": [{
    "post_id": post_id, "member_id": members["Bob"], "html": "<p>created hidden?</p>",
    "status": "hidden", "created_at": "2015-03-06T10:00:00.000Z"}]})
check(s == 201 and d["comments"][0]["status"] == "published",
      "status on create is ignored: a new comment is always published (hide it afterwards)", d)
print("all facts hold; requests and answers in " + OUT)
