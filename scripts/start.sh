#!/usr/bin/env bash
# Quick start: set up, migrate the SQLite database in instance/, make sure the demo company exists
# with its simulated machines and a month of history (topped up to now on every run), and serve the
# app. While the server runs, `flask demo --feed` posts live readings of the demo machines to it over
# HTTP (DEMO_FEED=0 turns that off); it stops with the server. Idempotent: run it again any time.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export FLASK_APP=app PYTHONPATH=.
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-5000}
export BASE_URL=${BASE_URL:-http://$HOST:$PORT}
.venv/bin/flask db upgrade
.venv/bin/flask demo
echo
echo "Digital Factory is starting at $BASE_URL  (Ctrl+C stops it)"
if [ "${DEMO_FEED:-1}" != 0 ]; then
  case "$HOST" in 0.0.0.0|::|"[::]") local_host=127.0.0.1 ;; *) local_host=$HOST ;; esac
  # waits until the server answers /healthz, then posts every 10 s until it is stopped
  .venv/bin/flask demo --feed "http://$local_host:$PORT" >/dev/null &
  feeder=$!
  trap 'kill "$feeder" 2>/dev/null || true' EXIT
  echo "live readings of the demo machines are posted every 10 s while it runs (DEMO_FEED=0 turns that off)"
fi
.venv/bin/flask run --host "$HOST" --port "$PORT"
