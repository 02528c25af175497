#!/usr/bin/env bash
# Quick start: set up, migrate the SQLite database in instance/, make sure the demo company
# exists, and serve the app. Idempotent: run it again any time.
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
exec .venv/bin/flask run --host "$HOST" --port "$PORT"
