#!/usr/bin/env bash
# A real, local Ghost 5.x (the `ghost` npm package, SQLite) for migrator's tests and CI.
#
#   scripts/ghost.sh start    install Ghost if missing, start it on loopback, set the site
#                             up (owner, comments on for all members, an Admin API key),
#                             write $STATE/site.json (idempotent: when all is up it only
#                             re-checks an authenticated Admin API call)
#   scripts/ghost.sh reset    delete every post, page, member and comment; the owner,
#                             the settings and the Admin API key are kept
#   scripts/ghost.sh stop     stop Ghost (no-op when it is not running)
#   scripts/ghost.sh status   exit 0 if the Admin API answers a call made with the key
#   scripts/ghost.sh url      print the site URL
#   scripts/ghost.sh lock     (maintainers) pin the installed dependency tree in
#                             scripts/ghost/package-lock-<version>.json; start uses it (npm ci)
#
# Everything lives under the state folder STATE (env MIGRATOR_GHOST_STATE, default
# /tmp/migrator-ghost):
#   versions/<v>/   the `ghost` npm package, unpacked, with its node_modules (the install)
#   current         symlink to versions/<v> (Ghost-CLI's layout: Ghost finds its own
#                   package.json through <cwd>/current)
#   content/        Ghost's content path: data/ghost.db (SQLite), logs/, themes/, ...
#   config.production.json, ghost.pid, ghost.log, secrets.env, site.json:
#   {"url": "http://127.0.0.1:2368", "admin_url": ".../ghost/api/admin",
#    "admin_api_key": "<id>:<hex secret>", "content_api_key": "...",
#    "owner": {"email": ..., "password": ...}, "ghost_version": "5.130.6", ...}
#
# Why it installs the way it does (docs/ghost-notes.md has the details):
# - `npm install ghost` as a dependency fails: the package depends on
#   "file:components/tryghost-i18n-<v>.tgz", a path inside itself. So, like Ghost-CLI,
#   we unpack the package (npm pack) and install its dependencies inside it.
# - its devDependencies include a GitHub tarball (unreachable here) that npm would
#   still fetch to build its tree, so they are removed from package.json first; yarn's
#   "resolutions" become npm "overrides"; peer ranges are ignored (--legacy-peer-deps)
#   as yarn does.
# - native modules try to download prebuilt binaries from GitHub; with
#   npm_config_build_from_source=true they are compiled here against Node's headers
#   (/usr/include/node, nodedir=/usr). sqlite3 links Debian's SQLite (libsqlite3-dev,
#   30 s instead of 3 min); re2, only ever loaded lazily with a RegExp fallback, is
#   replaced by a stub (prepare-package.js), saving most of the old 12-minute install.
# - the tested dependency tree is pinned (scripts/ghost/package-lock-<v>.json, npm ci).
# Measured: first start about 1.5 min (empty npm cache included), later starts 6 s.
# - Ghost 6 needs Node 22; Debian's Node here is 20, so this pins the last 5.x.
#
# Nothing goes out: mail uses nodemailer's stub transport, privacy.useTinfoil turns off
# gravatar/update-check data/RPC pings, the update check URL and the Explore ping URL point
# at nothing, staff device verification (an e-mailed login code) is off, and the site is
# private (is_private), which also stops Ghost from sending webmentions to links in posts.
# Ports: HTTP 127.0.0.1:${MIGRATOR_GHOST_PORT:-2368} only.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
STATE="${MIGRATOR_GHOST_STATE:-/tmp/migrator-ghost}"
GHOST_VERSION="${MIGRATOR_GHOST_VERSION:-5.130.6}"
HOST=127.0.0.1
PORT="${MIGRATOR_GHOST_PORT:-2368}"
SITE_URL="http://${HOST}:${PORT}"
APP="$STATE/versions/$GHOST_VERSION"
CONTENT="$STATE/content"
CONFIG="$STATE/config.production.json"
PID="$STATE/ghost.pid"
LOG="$STATE/ghost.log"
SECRETS="$STATE/secrets.env"
SITE_JSON="$STATE/site.json"
CTL=("python3" "$HERE/ghost/ghostctl.py")

log() { echo "ghost.sh: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

export MIGRATOR_GHOST_STATE="$STATE" MIGRATOR_GHOST_URL="$SITE_URL"

# ---------------------------------------------------------------- install
installed() { [ -f "$APP/.migrator-installed" ] && [ "$(cat "$APP/.migrator-installed")" = "$GHOST_VERSION" ]; }

ensure_tools() {
    local missing=()
    command -v node >/dev/null || missing+=(nodejs)
    command -v npm >/dev/null || missing+=(npm)
    command -v python3 >/dev/null || missing+=(python3)
    command -v make >/dev/null || missing+=(make)
    command -v g++ >/dev/null || missing+=(g++)
    local can_apt=""
    [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null && can_apt=1
    if [ ${#missing[@]} -gt 0 ]; then
        [ -n "$can_apt" ] || die "missing ${missing[*]}; install them"
        apt_install "${missing[@]}" || die "apt-get install ${missing[*]} failed, see $STATE/apt.log"
    fi
    # Debian's SQLite headers: sqlite3 then links the system library (30 s of compiling)
    # instead of compiling its bundled amalgamation (3 min on a busy 2-core machine).
    # Optional: without them the bundled SQLite is compiled.
    if [ ! -f /usr/include/sqlite3.h ] && [ -n "$can_apt" ]; then
        apt_install libsqlite3-dev || log "could not install libsqlite3-dev; compiling sqlite3's own SQLite"
    fi
}

apt_install() {
    log "installing $* (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q --no-install-recommends "$@" >>"$STATE/apt.log" 2>&1 || {
        apt-get update -q >>"$STATE/apt.log" 2>&1
        apt-get install -y -q --no-install-recommends "$@" >>"$STATE/apt.log" 2>&1
    }
}

node_headers() {
    # node-gyp compiles against these instead of downloading a headers tarball
    local nodedir
    nodedir="$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")"
    if [ -f "$nodedir/include/node/node.h" ]; then echo "$nodedir"; return; fi
    [ -f /usr/include/node/node.h ] && { echo /usr; return; }
    die "Node's C headers (include/node/node.h) are missing; install Debian's libnode-dev or nodejs headers"
}

install_ghost() {
    local t0=$SECONDS nodedir
    ensure_tools
    nodedir="$(node_headers)"
    local major; major="$(node -p 'process.versions.node.split(".")[0]')"
    case "$major" in 18|20|22) ;; *) die "Ghost $GHOST_VERSION needs Node 18, 20 or 22, this is $(node --version)";; esac
    log "installing Ghost $GHOST_VERSION into $APP (first time: a few minutes, native modules are compiled)"
    local tmp="$STATE/install.tmp"
    rm -rf "$tmp" "$APP"
    mkdir -p "$tmp"
    (cd "$tmp" && npm pack "ghost@$GHOST_VERSION" --silent >"$STATE/install.log" 2>&1) \
        || { cat "$STATE/install.log" >&2; die "npm pack ghost@$GHOST_VERSION failed"; }
    tar xzf "$tmp/ghost-$GHOST_VERSION.tgz" -C "$tmp"
    rm -f "$tmp/ghost-$GHOST_VERSION.tgz"
    node "$HERE/ghost/prepare-package.js" "$tmp/package/package.json"
    local lock="$HERE/ghost/package-lock-$GHOST_VERSION.json"
    (
        cd "$tmp/package"
        export npm_config_build_from_source=true npm_config_nodedir="$nodedir" \
               npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
        # node-gyp turns npm_config_sqlite into sqlite3's --sqlite=/usr (link the system lib)
        if [ -f /usr/include/sqlite3.h ]; then export npm_config_sqlite=/usr; fi
        local common=(--omit=dev --legacy-peer-deps --no-audit --no-fund --prefer-offline)
        # the tree that was tested, pinned (made with scripts/ghost.sh lock); without it,
        # npm resolves Ghost's ranges afresh
        if [ -f "$lock" ]; then
            cp "$lock" package-lock.json
            npm ci "${common[@]}" >>"$STATE/install.log" 2>&1 && exit 0
            echo "ghost.sh: npm ci with $lock failed; resolving afresh" | tee -a "$STATE/install.log" >&2
            rm -rf node_modules package-lock.json
        fi
        npm install "${common[@]}" --no-package-lock >>"$STATE/install.log" 2>&1
    ) || { tail -n 30 "$STATE/install.log" >&2; die "npm install failed, see $STATE/install.log"; }
    (cd "$tmp/package" && node -e '
        const s = require("sqlite3");
        new s.Database(":memory:").get("select sqlite_version() v", (e, r) => {
            if (e) { throw e; }
            console.log("sqlite3 module works, SQLite " + r.v);
        });') >>"$STATE/install.log" 2>&1 \
        || die "sqlite3 did not build, see $STATE/install.log"
    echo "$GHOST_VERSION" >"$tmp/package/.migrator-installed"
    mkdir -p "$(dirname "$APP")"
    mv "$tmp/package" "$APP"
    rm -rf "$tmp"
    log "installed Ghost $GHOST_VERSION in $((SECONDS - t0))s"
}

# ---------------------------------------------------------------- config
ensure_secrets() {
    if [ ! -s "$SECRETS" ]; then
        local r
        r() { head -c 48 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c "$1"; }
        {
            echo "OWNER_EMAIL=owner@example.com"
            echo "OWNER_PASSWORD=Mg-$(r 24)"
            echo "PRIVATE_PASSWORD=$(r 16)"
        } >"$SECRETS.tmp"
        chmod 600 "$SECRETS.tmp"
        mv "$SECRETS.tmp" "$SECRETS"
    fi
}

write_config() {
    mkdir -p "$CONTENT/data" "$CONTENT/logs" "$CONTENT/images" "$CONTENT/files" "$CONTENT/media" \
             "$CONTENT/settings" "$CONTENT/public" "$CONTENT/themes"
    # Ghost-CLI's layout: the shipped themes are copied into the content folder
    local t
    for t in "$APP"/content/themes/*; do
        [ -e "$CONTENT/themes/$(basename "$t")" ] || cp -r "$t" "$CONTENT/themes/"
    done
    local tmp; tmp="$(mktemp "$STATE/config.XXXXXX")"
    cat >"$tmp" <<JSON
{
  "url": "$SITE_URL",
  "server": {"host": "$HOST", "port": $PORT},
  "database": {
    "client": "sqlite3",
    "connection": {"filename": "$CONTENT/data/ghost.db"},
    "useNullAsDefault": true,
    "debug": false
  },
  "mail": {"transport": "stub", "from": "ghost@example.invalid"},
  "logging": {"level": "info", "transports": ["file"], "path": "$CONTENT/logs", "rotation": {"enabled": false}},
  "paths": {"contentPath": "$CONTENT"},
  "privacy": {"useTinfoil": true},
  "updateCheck": {"url": "http://127.0.0.1:9/", "forceUpdate": false},
  "explore": {"update_url": "", "testimonials_url": ""},
  "security": {"staffDeviceVerification": false},
  "sendWelcomeEmail": false,
  "emailAnalytics": false,
  "backgroundJobs": {"emailAnalytics": false, "clickTrackingLastSeenAtUpdater": false},
  "imageOptimization": {"resize": false, "srcsets": false},
  "spam": {"user_login": {"minWait": 1000, "maxWait": 2000, "freeRetries": 100}},
  "migrator": {"note": "written by migrator's scripts/ghost.sh on every start"}
}
JSON
    chmod 600 "$tmp"
    mv "$tmp" "$CONFIG"
}

# ---------------------------------------------------------------- process
pid_alive() { [ -s "$PID" ] && kill -0 "$(cat "$PID")" 2>/dev/null; }

http_up() { curl -s -o /dev/null --max-time 5 "$SITE_URL/ghost/api/admin/site/"; }

start_ghost() {
    pid_alive && return 0
    ln -sfn "versions/$GHOST_VERSION" "$STATE/current"
    if http_up; then
        die "something else already answers on $SITE_URL; stop it or set MIGRATOR_GHOST_PORT"
    fi
    log "starting Ghost $GHOST_VERSION on $SITE_URL"
    rm -f "$PID"
    # cwd = STATE: Ghost reads config.production.json from its working directory
    # setsid -f: its own session, detached from ours; sh writes its pid, then becomes node;
    # fd 9 (our lock) is not passed on, or a running Ghost would hold the lock forever
    (cd "$STATE" && NODE_ENV=production GHOST_NODE_VERSION_CHECK=false \
        setsid -f sh -c 'echo $$ >"$1"; exec node current/index.js' sh "$PID" </dev/null >>"$LOG" 2>&1 9>&-)
    local i
    for i in $(seq 1 50); do [ -s "$PID" ] && break; sleep 0.1; done
    for i in $(seq 1 300); do
        if ! pid_alive; then
            tail -n 40 "$LOG" >&2 || true
            die "Ghost exited during boot, see $LOG"
        fi
        curl -s -o /dev/null --max-time 2 -w '%{http_code}' "$SITE_URL/ghost/api/admin/site/" 2>/dev/null | grep -q '^200$' \
            && return 0
        sleep 0.5
    done
    tail -n 40 "$LOG" >&2 || true
    die "Ghost did not answer on $SITE_URL within 150s, see $LOG"
}

stop_ghost() {
    if pid_alive; then
        local pid; pid="$(cat "$PID")"
        kill -TERM "$pid" 2>/dev/null || true
        local i
        for i in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
        kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$PID"
}

# ---------------------------------------------------------------- commands
with_lock() {
    mkdir -p "$STATE"
    exec 9>"$STATE/.lock"
    flock -w 900 9 || die "could not lock $STATE/.lock"
}

cmd_start() {
    local t0=$SECONDS
    with_lock
    if installed && pid_alive && [ -s "$SITE_JSON" ] && "${CTL[@]}" check 2>/dev/null; then
        echo "ghost: running at $SITE_URL (Admin API ok, state $STATE, already up)"
        return 0
    fi
    installed || install_ghost
    ensure_secrets
    write_config
    start_ghost
    # shellcheck disable=SC1090
    (. "$SECRETS" && OWNER_EMAIL="$OWNER_EMAIL" OWNER_PASSWORD="$OWNER_PASSWORD" \
        PRIVATE_PASSWORD="$PRIVATE_PASSWORD" GHOST_VERSION="$GHOST_VERSION" "${CTL[@]}" setup) \
        || die "site setup failed (log: $LOG)"
    "${CTL[@]}" check || die "the Admin API does not answer a call made with the key in $SITE_JSON"
    echo "ghost: running at $SITE_URL (Admin API ok, state $STATE, started in $((SECONDS - t0))s)"
}

cmd_stop() {
    with_lock
    stop_ghost
    echo "ghost: stopped (state $STATE)"
}

cmd_reset() {
    with_lock
    pid_alive && [ -s "$SITE_JSON" ] || die "Ghost is not running: run scripts/ghost.sh start"
    "${CTL[@]}" reset
    echo "ghost: reset (no posts, pages, members or comments; owner and key kept) at $SITE_URL"
}

# writes scripts/ghost/package-lock-<version>.json from the installed tree (maintainers:
# after changing GHOST_VERSION or prepare-package.js, delete the old lock, start, then lock)
cmd_lock() {
    installed || die "Ghost $GHOST_VERSION is not installed in $APP: run scripts/ghost.sh start first"
    (cd "$APP" && npm install --package-lock-only --omit=dev --legacy-peer-deps --no-audit --no-fund \
        --prefer-offline >>"$STATE/install.log" 2>&1) || die "npm could not write the lock, see $STATE/install.log"
    cp "$APP/package-lock.json" "$HERE/ghost/package-lock-$GHOST_VERSION.json"
    echo "ghost: wrote scripts/ghost/package-lock-$GHOST_VERSION.json"
}

cmd_status() {
    if pid_alive && [ -s "$SITE_JSON" ] && "${CTL[@]}" check 2>/dev/null; then
        echo "ghost: running at $SITE_URL (Admin API ok, state $STATE)"
    else
        echo "ghost: not running (state $STATE)"
        return 1
    fi
}

case "${1:-}" in
    start)  cmd_start ;;
    stop)   cmd_stop ;;
    reset)  cmd_reset ;;
    status) cmd_status ;;
    url)    echo "$SITE_URL" ;;
    lock)   cmd_lock ;;
    *) echo "usage: $0 start|stop|status|reset|url   (state: \$MIGRATOR_GHOST_STATE, default /tmp/migrator-ghost)" >&2; exit 2 ;;
esac
