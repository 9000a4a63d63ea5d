#!/usr/bin/env bash
# By hand, with curl: a post, two members (newsletters: []) and a three-comment thread with
# original dates and parent links, through the Admin API key in $STATE/site.json; prints the
# thread as Ghost lists it. Leaves its data (scripts/ghost.sh reset clears it).
set -euo pipefail
S="${MIGRATOR_GHOST_STATE:-/tmp/migrator-ghost}/site.json"
URL=$(python3 -c 'import json,sys;print(json.load(open(sys.argv[1]))["url"])' $S)
KEY=$(python3 -c 'import json,sys;print(json.load(open(sys.argv[1]))["admin_api_key"])' $S)
# the JWT: HS256, kid = key id, aud /admin/, exp 5 min, secret hex-decoded
TOKEN=$(python3 - "$KEY" <<'PY'
import base64, hashlib, hmac, json, sys, time
kid, secret = sys.argv[1].split(":")
b64 = lambda b: base64.urlsafe_b64encode(b).rstrip(b"=").decode()
now = int(time.time())
head = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": kid}).encode())
body = b64(json.dumps({"iat": now, "exp": now + 300, "aud": "/admin/"}).encode())
sig = b64(hmac.new(bytes.fromhex(secret), f"{head}.{body}".encode(), hashlib.sha256).digest())
print(f"{head}.{body}.{sig}")
PY
)
api() { curl -sS -X "$1" "$URL/ghost/api/admin$2" -H "Authorization: Ghost $TOKEN" \
             -H 'Content-Type: application/json' -H 'Accept-Version: v5.0' ${3:+-d "$3"}; }
POST=$(api POST '/posts/?source=html' '{"posts":[{"title":"Hello world","slug":"hello-world","status":"published","html":"<p>Imported.</p>"}]}' | python3 -c 'import json,sys;print(json.load(sys.stdin)["posts"][0]["id"])')
A=$(api POST /members/ '{"members":[{"email":"alice@example.com","name":"Alice","newsletters":[]}]}' | python3 -c 'import json,sys;print(json.load(sys.stdin)["members"][0]["id"])')
B=$(api POST /members/ '{"members":[{"email":"bob@example.com","name":"Bob","newsletters":[]}]}' | python3 -c 'import json,sys;print(json.load(sys.stdin)["members"][0]["id"])')
ROOT=$(api POST /comments/ "{\"comments\":[{\"post_id\":\"$POST\",\"member_id\":\"$A\",\"html\":\"<p>Root</p>\",\"created_at\":\"2015-03-02T08:00:00Z\"}]}" | python3 -c 'import json,sys;print(json.load(sys.stdin)["comments"][0]["id"])')
R1=$(api POST /comments/ "{\"comments\":[{\"parent_id\":\"$ROOT\",\"member_id\":\"$B\",\"html\":\"<p>Bob answers Alice</p>\",\"created_at\":\"2015-03-02T09:30:00Z\"}]}" | python3 -c 'import json,sys;print(json.load(sys.stdin)["comments"][0]["id"])')
api POST /comments/ "{\"comments\":[{\"parent_id\":\"$ROOT\",\"in_reply_to_id\":\"$R1\",\"member_id\":\"$A\",\"html\":\"<p>Alice answers Bob</p>\",\"created_at\":\"2015-03-03T07:15:00Z\"}]}" >/dev/null
echo "# GET /comments/post/$POST/?limit=all"
api GET "/comments/post/$POST/?limit=all" | python3 -c '
import json,sys
for c in json.load(sys.stdin)["comments"]:
    print(c["created_at"], c["id"], c["member"]["name"], c["html"])
    for r in c["replies"]:
        print("   ", r["created_at"], r["id"], r["member"]["name"], r["html"], "in_reply_to_id=%s" % r["in_reply_to_id"])'
