#!/usr/bin/env bash
# Run the ingest benchmark (bench/ingest.py) with the project's virtualenv; arguments go to it.
#   bench/run.sh                      # every phase, 20 s each after a 5 s warm-up
#   bench/run.sh --duration 5 --phases single,batch
# Needs a reachable PostgreSQL (BENCH_DATABASE_URL or TEST_DATABASE_URL, a superuser URL;
# default postgresql://postgres@127.0.0.1:5432/test) and wrk, which it installs with apt-get when
# run as root on Debian, and InfluxDB 1.x (Debian's influxdb) for the peer phases. Everything it creates
# (a database, a role, gunicorn, influxd and its data folder) is gone afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
missing=""
command -v wrk >/dev/null 2>&1 || missing="wrk"
command -v influxd >/dev/null 2>&1 || missing="$missing influxdb"  # the peer of the line-protocol phases
if [ -n "$missing" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    # shellcheck disable=SC2086
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
  else
    echo "needed: apt-get install $missing" >&2
    exit 1
  fi
fi
PYTHON=.venv/bin/python
[ -x "$PYTHON" ] || PYTHON=python3
exec "$PYTHON" bench/ingest.py "$@"
