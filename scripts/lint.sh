#!/usr/bin/env bash
# Static checks CI runs before the tests (settings in pyproject.toml): ruff over the tree, mypy over the
# domain packages. Run after scripts/setup.sh dev.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/ruff check --no-cache .
.venv/bin/mypy
