#!/usr/bin/env bash
# Sets up and runs the whole test suite (SQLite; PostgreSQL too when TEST_DATABASE_URL is set).
# Extra arguments go to pytest, e.g. scripts/test.sh -k scoping
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh dev
if ! command -v "${CHROMIUM_PATH:-chromium}" >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing Debian's chromium for the browser tests..."
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null) \
    || echo "could not install chromium; browser tests will be skipped (they fail under CI=true)"
fi
export PYTHONPATH=.${PYTHONPATH:+:$PYTHONPATH}
exec .venv/bin/python -m pytest "$@"
