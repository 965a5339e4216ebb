#!/usr/bin/env bash
# Install Debian's PostgreSQL 15 server, as root, without starting the system-wide cluster
# the package makes (the tests and benches start their own with start.sh).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
if [ -x /usr/lib/postgresql/15/bin/initdb ]; then
  echo "postgres: already installed"; exit 0
fi
# Never let the package's maintainer scripts start a server on 5432.
made_policy=no
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod 755 /usr/sbin/policy-rc.d
  made_policy=yes
fi
trap 'if [ "$made_policy" = yes ]; then rm -f /usr/sbin/policy-rc.d; fi' EXIT
apt-get update -qq
apt-get install -y -qq --no-install-recommends postgresql-15 >/dev/null
echo "postgres: installed $(/usr/lib/postgresql/15/bin/postgres --version)"
