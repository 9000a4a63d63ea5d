#!/usr/bin/env bash
# A real, local Waline comment server (@waline/vercel from npm, SQLite storage)
# for migrator's tests and CI.
#
#   scripts/waline.sh start    install what is missing (npm ci of the pinned
#                              @waline/vercel into $STATE/app, native sqlite3 built
#                              from source), create the SQLite schema, start the
#                              server on 127.0.0.1:8360, make sure the admin account
#                              exists, log in and write $STATE/site.json (idempotent:
#                              when all is up it only re-checks the admin token)
#   scripts/waline.sh reset    delete every comment and page counter (ids start at 1
#                              again); the admin account and its token are kept
#   scripts/waline.sh stop     stop the server (no-op when it is not running)
#   scripts/waline.sh status   exit 0 if the server answers and the admin token works
#   scripts/waline.sh url      print the base URL
#
# Everything lives under STATE (env MIGRATOR_WALINE_STATE, default /tmp/migrator-waline):
#   app/            package.json + package-lock.json (copied from scripts/waline/) and
#                   node_modules; npm-install.log
#   db/waline.sqlite  the database (schema: scripts/waline/schema.sql)
#   secrets.env     JWT_TOKEN (the server's signing key) and the admin password
#   waline.pid, waline.log, runtime/, tmp/
#   site.json       {"url": "http://127.0.0.1:8360", "api": ".../api",
#                    "admin_email": "admin@example.com", "admin_password": "...",
#                    "token": "<admin JWT, send as 'Authorization: Bearer <token>'>",
#                    "version": "1.39.3", "db": ".../waline.sqlite", "timezone": "UTC"}
#
# Offline: the server runs with a clean environment (env -i) holding only the
# settings below. OAUTH_URL is a data: URL answering {"services":[]} (Waline fetches
# it on every request; its default is an outside login service), Akismet and author
# notifications are off, no SMTP/webhook/captcha is set, and scripts/waline/server.js
# refuses any connection to a non-loopback host and logs "waline-offline-guard:
# blocked ..." to waline.log when something still tries.
#
# Time zone: the server runs with TZ=UTC. Waline stores dates as strings and turns
# them into times with JavaScript's Date parser, so "YYYY-MM-DD HH:MM:SS" means UTC
# here; that is also the form Waline writes itself.
#
# Native code: sqlite3 (a dependency of think-model-sqlite) would download a prebuilt
# binary from GitHub, which is unreachable here; npm_config_build_from_source=true and
# npm_config_nodedir (Node's own headers, /usr/include/node) make it compile locally
# with node-gyp instead (needs gcc, g++, make, python3). About 2.5 minutes the first
# time on 2 cores.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SUPPORT="$HERE/waline"
STATE="${MIGRATOR_WALINE_STATE:-/tmp/migrator-waline}"
HOST=127.0.0.1
PORT="${MIGRATOR_WALINE_PORT:-8360}"
URL="http://${HOST}:${PORT}"
WALINE_VERSION=1.39.3   # keep in step with scripts/waline/package.json (+ its lock)
NODE_MIN_MAJOR=20
ADMIN_EMAIL=admin@example.com
ADMIN_NAME=admin

APP="$STATE/app"
PKG_DIR="$APP/node_modules/@waline/vercel"
DB_DIR="$STATE/db"
DB="$DB_DIR/waline.sqlite"
PID_FILE="$STATE/waline.pid"
LOG="$STATE/waline.log"
SECRETS="$STATE/secrets.env"
SITE_JSON="$STATE/site.json"
OAUTH_URL_DATA='data:application/json,{"services":[]}'

log() { echo "waline.sh: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# ---------------------------------------------------------------- node + install
ensure_node() {
    command -v node >/dev/null && command -v npm >/dev/null \
        || die "node and npm (Node.js >= $NODE_MIN_MAJOR) are needed and were not found"
    local major
    major=$(node -p 'process.versions.node.split(".")[0]')
    [ "$major" -ge "$NODE_MIN_MAJOR" ] || die "Node.js $(node --version) is too old: @waline/vercel needs >= $NODE_MIN_MAJOR"
}

# the install prefix whose include/node/ has the headers node-gyp builds against
node_headers_dir() {
    local prefix
    prefix=$(node -p 'require("path").resolve(process.execPath, "..", "..")')
    [ -f "$prefix/include/node/node_api.h" ] && { echo "$prefix"; return; }
    [ -f /usr/include/node/node_api.h ] && { echo /usr; return; }
    return 1
}

ensure_build_tools() {
    local missing=() t
    for t in gcc g++ make python3; do command -v "$t" >/dev/null || missing+=("$t"); done
    [ ${#missing[@]} -eq 0 ] && return 0
    [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null \
        || die "missing build tools (${missing[*]}) to compile sqlite3; install build-essential and python3"
    log "installing build tools (apt-get: build-essential python3)"
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y -q --no-install-recommends build-essential python3 >"$STATE/apt.log" 2>&1; then
        apt-get update -q >>"$STATE/apt.log" 2>&1
        apt-get install -y -q --no-install-recommends build-essential python3 >>"$STATE/apt.log" 2>&1 \
            || die "apt-get install failed, see $STATE/apt.log"
    fi
}

# 0 if the pinned Waline and a loadable sqlite3 binding are installed from our lock
installed_ok() {
    [ -f "$PKG_DIR/package.json" ] || return 1
    cmp -s "$SUPPORT/package-lock.json" "$APP/.installed-lock.json" || return 1
    [ "$(node -p "require('$PKG_DIR/package.json').version" 2>/dev/null)" = "$WALINE_VERSION" ] || return 1
    (cd "$APP" && node -e "require('sqlite3')" >/dev/null 2>&1)
}

ensure_install() {
    installed_ok && return 0
    ensure_build_tools
    local nodedir
    nodedir=$(node_headers_dir) || die "Node.js headers (include/node/node_api.h) not found: they are needed to compile sqlite3"
    mkdir -p "$APP"
    rm -f "$APP/.installed-lock.json"
    cp "$SUPPORT/package.json" "$SUPPORT/package-lock.json" "$APP/"
    log "installing @waline/vercel@$WALINE_VERSION into $APP (npm ci; sqlite3 compiles from source: a few minutes)"
    local t0=$SECONDS
    if ! (cd "$APP" && npm_config_build_from_source=true npm_config_nodedir="$nodedir" \
            npm ci --no-audit --no-fund --loglevel=warn >"$STATE/npm-install.log" 2>&1); then
        tail -n 30 "$STATE/npm-install.log" >&2 || true
        die "npm ci failed, see $STATE/npm-install.log"
    fi
    (cd "$APP" && node -e "require('sqlite3')") >/dev/null 2>>"$STATE/npm-install.log" \
        || die "sqlite3's native module does not load after install, see $STATE/npm-install.log"
    cp "$SUPPORT/package-lock.json" "$APP/.installed-lock.json"
    log "installed in $((SECONDS - t0))s"
}

# ---------------------------------------------------------------- secrets, schema
ensure_secrets() {
    if [ ! -s "$SECRETS" ]; then
        local r
        r() { head -c 64 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c "$1"; }
        {
            echo "JWT_TOKEN=$(r 48)"
            echo "ADMIN_PASSWORD=$(r 24)"
        } >"$SECRETS.tmp"
        chmod 600 "$SECRETS.tmp"
        mv "$SECRETS.tmp" "$SECRETS"
    fi
    # shellcheck disable=SC1090
    . "$SECRETS"
}

sql() {  # run SQL (argument) against the database; prints rows tab-separated
    python3 - "$DB" "$1" <<'PY'
import sqlite3, sys
con = sqlite3.connect(sys.argv[1], timeout=30)
with con:
    cur = con.executescript(sys.argv[2]) if sys.argv[2].count(";") > 1 else con.execute(sys.argv[2])
    for row in (cur.fetchall() if cur.description else []):
        print("\t".join("" if v is None else str(v) for v in row))
con.close()
PY
}

ensure_schema() {
    mkdir -p "$DB_DIR"
    sql "$(cat "$SUPPORT/schema.sql")"
}

# ---------------------------------------------------------------- the server
# our server's pid is alive (and is our server, not a process that reused the pid)
pid_alive() {
    [ -s "$PID_FILE" ] || return 1
    local pid; pid=$(cat "$PID_FILE")
    kill -0 "$pid" 2>/dev/null && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "waline/server.js"
}

# GET a path; prints the body; fails on a connection error or a non-2xx status
http_get() {  # path [token]
    if [ -n "${2:-}" ]; then
        curl -fsS --max-time 10 -H "Authorization: Bearer $2" "$URL$1"
    else
        curl -fsS --max-time 10 "$URL$1"
    fi
}

answering() {
    local body
    body=$(http_get "/api/comment?type=count&url=/" 2>/dev/null) || return 1
    [[ "$body" == *'"errno":0'* ]]
}

start_server() {
    if pid_alive; then
        answering && return 0
        log "server pid $(cat "$PID_FILE") does not answer: restarting it"
        stop_server
    fi
    if curl -s -o /dev/null --max-time 2 "$URL/"; then
        die "something else already listens on $HOST:$PORT (set MIGRATOR_WALINE_PORT, or stop it)"
    fi
    mkdir -p "$STATE/runtime" "$STATE/tmp"
    rm -f "$PID_FILE"
    echo "---- $(date -u +%FT%TZ) start" >>"$LOG"
    # env -i: Waline picks its storage from whichever of PG_DB, MYSQL_DB, MONGO_DB,
    # LEAN_KEY, ... it finds, so nothing from the caller's environment may leak in.
    setsid env -i \
        PATH="$PATH" HOME="$STATE" TMPDIR="$STATE/tmp" TZ=UTC LANG=C.UTF-8 NODE_ENV=production \
        SQLITE_PATH="$DB_DIR" SQLITE_DB=waline SQLITE_PREFIX=wl_ \
        JWT_TOKEN="$JWT_TOKEN" \
        OAUTH_URL="$OAUTH_URL_DATA" \
        AKISMET_KEY=false DISABLE_AUTHOR_NOTIFY=true \
        SITE_NAME="migrator test comments" SITE_URL="$URL" \
        WALINE_RUNTIME_PATH="$STATE/runtime" WALINE_LOG_SQL="${MIGRATOR_WALINE_LOG_SQL:-0}" \
        node "$SUPPORT/server.js" "$PKG_DIR" "$HOST" "$PORT" \
        </dev/null >>"$LOG" 2>&1 9>&- &
    echo $! >"$PID_FILE"
    local i
    for i in $(seq 1 150); do
        answering && return 0
        pid_alive || break
        sleep 0.2
    done
    tail -n 20 "$LOG" >&2 || true
    die "Waline did not come up on $URL, see $LOG"
}

stop_server() {
    if pid_alive; then
        local pid; pid=$(cat "$PID_FILE")
        kill -TERM "$pid" 2>/dev/null || true
        local i
        for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$PID_FILE"
}

# ---------------------------------------------------------------- admin account
# POST a JSON body (stdin) to a path; prints the response body
http_post_json() {  # path
    curl -sS --max-time 20 -X POST -H 'Content-Type: application/json' --data-binary @- "$URL$1"
}

json_field() {  # python expression on the parsed JSON `d` (stdin); prints it
    python3 -c 'import json,sys; d=json.load(sys.stdin); v=eval(sys.argv[1]); print("" if v is None else v)' "$1"
}

# prints the admin's token, or fails
login() {
    local body
    body=$(ADMIN_EMAIL="$ADMIN_EMAIL" ADMIN_PASSWORD="$ADMIN_PASSWORD" python3 -c \
        'import json,os; print(json.dumps({"email": os.environ["ADMIN_EMAIL"], "password": os.environ["ADMIN_PASSWORD"]}))' \
        | http_post_json /api/token) || return 1
    local token
    token=$(json_field 'd["data"]["token"] if d.get("errno") == 0 and d["data"].get("type") == "administrator" else ""' <<<"$body") || return 1
    [ -n "$token" ] || return 1
    echo "$token"
}

# (re)create the admin: the first user to register becomes administrator; if other
# users exist, the type is set in the database after registering.
create_admin() {
    log "creating the admin account $ADMIN_EMAIL"
    sql "DELETE FROM wl_Users WHERE email = '$ADMIN_EMAIL'" >/dev/null
    local body
    body=$(ADMIN_EMAIL="$ADMIN_EMAIL" ADMIN_PASSWORD="$ADMIN_PASSWORD" ADMIN_NAME="$ADMIN_NAME" SITE="$URL" python3 -c \
        'import json,os; print(json.dumps({"display_name": os.environ["ADMIN_NAME"], "email": os.environ["ADMIN_EMAIL"], "password": os.environ["ADMIN_PASSWORD"], "url": os.environ["SITE"]}))' \
        | http_post_json /api/user)
    [ "$(json_field 'd.get("errno")' <<<"$body")" = 0 ] || die "registering the admin failed: $body"
    sql "UPDATE wl_Users SET type = 'administrator' WHERE email = '$ADMIN_EMAIL'" >/dev/null
}

site_token() {
    [ -s "$SITE_JSON" ] || return 1
    python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["token"])' "$SITE_JSON" 2>/dev/null
}

# 0 if GET /api/token with the token answers the administrator
token_ok() {  # token
    local body
    body=$(http_get /api/token "$1" 2>/dev/null) || return 1
    [ "$(json_field 'd.get("data", {}).get("type") if d.get("errno") == 0 else ""' <<<"$body" 2>/dev/null)" = administrator ]
}

write_site_json() {  # token
    local tmp="$SITE_JSON.tmp"
    SITE_URL="$URL" ADMIN_EMAIL="$ADMIN_EMAIL" ADMIN_PASSWORD="$ADMIN_PASSWORD" TOKEN="$1" \
    VERSION="$WALINE_VERSION" DB="$DB" STATE="$STATE" python3 - "$tmp" <<'PY'
import json, os, sys
e = os.environ
site = {
    "url": e["SITE_URL"],
    "api": e["SITE_URL"] + "/api",
    "admin_email": e["ADMIN_EMAIL"],
    "admin_password": e["ADMIN_PASSWORD"],
    "token": e["TOKEN"],
    "version": e["VERSION"],
    "db": e["DB"],
    "state": e["STATE"],
    "timezone": "UTC",
}
with open(sys.argv[1], "w") as f:
    json.dump(site, f, indent=2)
    f.write("\n")
PY
    chmod 600 "$tmp"
    mv "$tmp" "$SITE_JSON"
}

ensure_admin() {
    local token
    if token=$(site_token) && token_ok "$token"; then
        return 0
    fi
    token=$(login) || { create_admin; token=$(login) || die "cannot log in as $ADMIN_EMAIL after creating it"; }
    token_ok "$token" || die "the admin token is refused by GET /api/token"
    write_site_json "$token"
}

# ---------------------------------------------------------------- commands
with_lock() {
    mkdir -p "$STATE"
    exec 9>"$STATE/.lock"
    flock -w 600 9 || die "could not lock $STATE/.lock"
}

cmd_start() {
    local t0=$SECONDS
    with_lock
    if [ -s "$SECRETS" ] && pid_alive && answering && token_ok "$(site_token || true)"; then
        echo "waline: running at $URL (admin token ok, state $STATE, already up)"
        return 0
    fi
    ensure_node
    ensure_install
    ensure_secrets
    ensure_schema
    start_server
    ensure_admin
    echo "waline: running at $URL (admin token ok, state $STATE, started in $((SECONDS - t0))s)"
}

cmd_stop() {
    with_lock
    if pid_alive; then
        stop_server
        echo "waline: stopped (state $STATE)"
    else
        rm -f "$PID_FILE"
        echo "waline: not running (state $STATE)"
    fi
}

cmd_reset() {
    with_lock
    [ -f "$DB" ] || die "no database at $DB: run scripts/waline.sh start"
    sql "DELETE FROM wl_Comment; DELETE FROM wl_Counter;
         DELETE FROM sqlite_sequence WHERE name IN ('wl_Comment', 'wl_Counter');" >/dev/null
    echo "waline: reset (no comments, no counters; admin kept) at $URL"
}

cmd_status() {
    if pid_alive && answering && token_ok "$(site_token || true)"; then
        echo "waline: running at $URL (admin token ok, state $STATE)"
    else
        echo "waline: not running (state $STATE)"
        return 1
    fi
}

case "${1:-}" in
    start)  cmd_start ;;
    stop)   cmd_stop ;;
    reset)  cmd_reset ;;
    status) cmd_status ;;
    url)    echo "$URL" ;;
    *) echo "usage: $0 start|stop|reset|status|url   (state: \$MIGRATOR_WALINE_STATE, default /tmp/migrator-waline)" >&2; exit 2 ;;
esac
