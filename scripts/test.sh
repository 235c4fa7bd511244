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
# Compiled once here: with PYTHONDONTWRITEBYTECODE set (as some CI environments do), every
# `python -m app.cli.main` and server the tests start would compile the project again.
.venv/bin/python -m compileall -q app core inventory migration testbed
# On every core (pytest-xdist), at most 4 workers: each runs its own PostgreSQL template and
# servers, and most tests also start subprocesses. Whole files go to one worker
# (--dist loadfile), so module fixtures (live servers, peers) start once per file.
# PQCPLAN_TEST_WORKERS=0 runs the suite serially in one process.
workers="${PQCPLAN_TEST_WORKERS:-$(nproc)}"
if [ "$workers" -gt 4 ]; then workers=4; fi
if [ "$workers" -gt 1 ]; then
  .venv/bin/python -m pytest -q -p no:cacheprovider -n "$workers" --dist loadfile "$@"
else
  .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
fi
