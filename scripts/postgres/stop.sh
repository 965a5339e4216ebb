#!/usr/bin/env bash
# Stop the cluster started by start.sh. Usage: stop.sh [RUN_DIR]
set -uo pipefail
RUN=${1:-/tmp/hd-postgres}
if [ -f "$RUN/data/PG_VERSION" ]; then
  su postgres -s /bin/sh -c "/usr/lib/postgresql/15/bin/pg_ctl -D '$RUN/data' -m fast -w stop" >/dev/null 2>&1
fi
echo "postgres stopped ($RUN)"
