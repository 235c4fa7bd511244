#!/usr/bin/env bash
# Install everything pqcplan needs into ./.venv, and build liboqs (cached outside the repo).
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-python3}"

if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
# Every dependency pinned with hashes (scripts/lock.sh regenerates it), then pqcplan itself.
.venv/bin/python -m pip install -q --require-hashes -r requirements.lock
.venv/bin/python -m pip install -q --no-deps -e .

if command -v cargo >/dev/null 2>&1 && command -v cmake >/dev/null 2>&1; then
  bash scripts/build_liboqs.sh >&2
else
  echo "note: cargo or cmake missing: liboqs is not built; the testbed offers the OpenSSL" \
       "and PQClean engines only (see README)" >&2
fi
