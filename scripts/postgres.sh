#!/usr/bin/env bash
# A throwaway PostgreSQL for migrator's storage tests and CI.
#
#   scripts/postgres.sh start    install Debian's postgresql if missing, create a cluster
#                                in $STATE/data (first time), start it, create the
#                                database, print its URL on stdout (idempotent: when it
#                                is already up it only re-checks and prints the URL)
#   scripts/postgres.sh stop     stop the cluster (no-op when it is not running)
#   scripts/postgres.sh status   exit 0 if the database accepts connections
#   scripts/postgres.sh url      print the URL
#
# The cluster is our own, not Debian's "main" one: data, socket, pid and log all
# live under STATE (env MIGRATOR_PG_STATE, default /tmp/migrator-pg). It listens on
# 127.0.0.1:55432 only, trusts every loopback connection (no passwords: a test
# database), and runs with fsync off (nothing in it is worth keeping).
# PostgreSQL refuses to run as root, so as root the server runs as the `postgres`
# OS user (created by the Debian package) and STATE is chown'ed to it.
# Only stdout carries the URL; everything else goes to stderr, so
#   export MIGRATOR_TEST_PG_URL="$(scripts/postgres.sh start)"
# works.
set -euo pipefail

STATE="${MIGRATOR_PG_STATE:-/tmp/migrator-pg}"
DATA="$STATE/data"
LOG="$STATE/postgres.log"
HOST=127.0.0.1
PORT=55432
DB=migrator_test
SUPERUSER=postgres
URL="postgresql+psycopg://${SUPERUSER}@${HOST}:${PORT}/${DB}"

say() { echo "postgres.sh: $*" >&2; }
die() { say "error: $*"; exit 1; }

# The newest installed server's bin folder (Debian: /usr/lib/postgresql/<major>/bin).
find_bindir() {
    local d
    for d in /usr/lib/postgresql/*/bin; do
        [ -x "$d/postgres" ] && [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && echo "$d"
    done | sort -V | tail -n1
}

install_postgres() {
    [ "$(id -u)" -eq 0 ] || die "PostgreSQL is not installed and we are not root: apt-get install postgresql"
    command -v apt-get >/dev/null || die "PostgreSQL is not installed and there is no apt-get"
    say "installing postgresql (Debian package)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq postgresql >&2
}

# Run a command as the OS user that owns the cluster.
as_owner() {
    if [ "$(id -u)" -ne 0 ]; then
        "$@"
    elif command -v runuser >/dev/null; then
        runuser -u postgres -- "$@"
    else
        su postgres -s /bin/sh -c "$(printf '%q ' "$@")"
    fi
}

BIN="$(find_bindir)"

is_running() {
    [ -n "$BIN" ] && [ -f "$DATA/PG_VERSION" ] && as_owner "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1
}

accepting() {
    "${BIN:+$BIN/}pg_isready" -q -h "$HOST" -p "$PORT" -d "$DB" -U "$SUPERUSER" >/dev/null 2>&1
}

psql_q() {
    "$BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$HOST" -p "$PORT" -U "$SUPERUSER" "$@"
}

init_cluster() {
    mkdir -p "$STATE"
    if [ "$(id -u)" -eq 0 ]; then
        id postgres >/dev/null 2>&1 || die "there is no 'postgres' OS user to run the server as"
        chown -R postgres:postgres "$STATE"
        chmod 0700 "$STATE"
        as_owner test -w "$STATE" || die "user postgres cannot write $STATE (is a parent folder closed to it?)"
    fi
    if [ -f "$DATA/PG_VERSION" ]; then
        return
    fi
    say "creating a cluster in $DATA"
    rm -rf "$DATA"  # a half-made data dir from an interrupted initdb
    as_owner "$BIN/initdb" -D "$DATA" -U "$SUPERUSER" --auth=trust -E UTF8 --locale=C >"$STATE/initdb.log" 2>&1 \
        || { cat "$STATE/initdb.log" >&2; die "initdb failed"; }
    as_owner tee -a "$DATA/postgresql.conf" >/dev/null <<EOF

# --- scripts/postgres.sh: a local, throwaway test cluster ---
listen_addresses = '$HOST'
port = $PORT
unix_socket_directories = '$STATE'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 50
EOF
    as_owner tee "$DATA/pg_hba.conf" >/dev/null <<EOF
# scripts/postgres.sh: trust on loopback only (a test database, no passwords)
local   all   all                 trust
host    all   all   127.0.0.1/32  trust
host    all   all   ::1/128       trust
EOF
}

start() {
    if [ -z "$BIN" ]; then
        install_postgres
        BIN="$(find_bindir)"
        [ -n "$BIN" ] || die "installed postgresql but found no server in /usr/lib/postgresql/*/bin"
    fi
    init_cluster
    if ! is_running; then
        if accepting; then
            die "something else already listens on $HOST:$PORT; stop it or set MIGRATOR_PG_STATE to its cluster"
        fi
        say "starting PostgreSQL ($("$BIN/postgres" --version | awk '{print $3}')) on $HOST:$PORT"
        as_owner "$BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 start >/dev/null \
            || { tail -n 20 "$LOG" >&2 || true; die "PostgreSQL did not start (log: $LOG)"; }
    fi
    for _ in $(seq 1 60); do
        accepting && break
        # pg_isready -d fails until the database exists: check the server itself too
        "$BIN/pg_isready" -q -h "$HOST" -p "$PORT" -U "$SUPERUSER" -d postgres && break
        sleep 0.5
    done
    if [ "$(psql_q -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$DB'")" != "1" ]; then
        say "creating database $DB"
        psql_q -d postgres -c "CREATE DATABASE $DB" >/dev/null
    fi
    psql_q -d "$DB" -tAc "SELECT 1" >/dev/null || die "cannot connect to $URL"
    echo "$URL"
}

stop() {
    if is_running; then
        say "stopping PostgreSQL ($DATA)"
        as_owner "$BIN/pg_ctl" -D "$DATA" -m fast -w -t 60 stop >/dev/null
    else
        say "not running"
    fi
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    status) accepting ;;
    url) echo "$URL" ;;
    *) echo "usage: $0 start|stop|status|url" >&2; exit 2 ;;
esac
