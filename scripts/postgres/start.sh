#!/usr/bin/env bash
# Start a throwaway PostgreSQL 15 cluster on loopback, as root, without systemd: initdb in
# RUN_DIR/data as the postgres user, listening on 127.0.0.1:PORT only (its socket in
# RUN_DIR), every loopback connection trusted, synchronous_commit on (the default).
# Usage: start.sh [RUN_DIR] [PORT]   (defaults /tmp/hd-postgres and 25432)
# Prints the server's URL (postgres://postgres@127.0.0.1:PORT/postgres). A cluster already
# running in RUN_DIR is reused.
set -euo pipefail
RUN=${1:-/tmp/hd-postgres}
PORT=${2:-25432}
BIN=/usr/lib/postgresql/15/bin
[ -x "$BIN/initdb" ] || { echo "postgres: $BIN/initdb is missing; run scripts/postgres/install.sh" >&2; exit 1; }
mkdir -p "$RUN"
chown postgres: "$RUN"
# From / : PostgreSQL's programs find each other from the working directory, which the
# postgres user may not be allowed to enter (a checkout under /root).
as_postgres() { (cd / && su postgres -s /bin/sh -c "$*"); }
if [ ! -f "$RUN/data/PG_VERSION" ]; then
  as_postgres "$BIN/initdb -D '$RUN/data' -A trust -U postgres -E UTF8 --locale=C.UTF-8" >"$RUN/initdb.log" 2>&1 \
    || { cat "$RUN/initdb.log" >&2; exit 1; }
fi
if ! as_postgres "$BIN/pg_ctl -D '$RUN/data' status" >/dev/null 2>&1; then
  as_postgres "$BIN/pg_ctl -D '$RUN/data' -w -t 30 -l '$RUN/server.log' \
    -o \"-c listen_addresses=127.0.0.1 -p $PORT -k '$RUN' -c max_connections=200 -c fsync=on\" start" >/dev/null \
    || { tail -20 "$RUN/server.log" >&2; exit 1; }
fi
echo "postgres://postgres@127.0.0.1:$PORT/postgres"
