#!/usr/bin/env bash
# The web console's browser tests: Debian's chromium, Playwright's Python package pointed at
# it (never `playwright install`), and axe-core from npm into a cache outside the repo.
# Idempotent: each step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq chromium >/dev/null
fi
if ! .venv/bin/python -c "import playwright" 2>/dev/null; then
    .venv/bin/pip install -q "playwright>=1.45"
fi
AXE_DIR="${PQCPLAN_CACHE:-$HOME/.cache/pqcplan}/axe-$(sha256sum tests/app/web/package-lock.json | cut -c1-12)"
if [ ! -f "$AXE_DIR/node_modules/axe-core/axe.min.js" ] && command -v npm >/dev/null 2>&1; then
    mkdir -p "$AXE_DIR"
    cp tests/app/web/package.json tests/app/web/package-lock.json "$AXE_DIR/"
    (cd "$AXE_DIR" && npm ci --no-audit --no-fund --silent)
fi
echo "$AXE_DIR/node_modules/axe-core/axe.min.js"
