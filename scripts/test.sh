#!/usr/bin/env bash
# Set up, start PostgreSQL (installing it when missing), lint, and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/browser.sh >/dev/null  # chromium, playwright, axe-core for tests/app/web
bash scripts/peers.sh  # sshd and openssl for the discovery tests' real peers
PQCPLAN_TEST_PG_URL="$(bash scripts/postgres.sh)"
export PQCPLAN_TEST_PG_URL
.venv/bin/ruff check .
.venv/bin/python -m pytest -q -p no:cacheprovider "$@"
