#!/usr/bin/env bash
# Regenerate requirements.lock (every dependency, pinned, with hashes) from pyproject.toml.
# Upgrade everything:      scripts/lock.sh --upgrade
# Upgrade one package:     scripts/lock.sh --upgrade-package fastapi
# Then run scripts/setup.sh, the tests, and commit requirements.lock with pyproject.toml.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/pip-compile ]; then
  .venv/bin/python -m pip install -q "pip-tools>=7.4"
fi
.venv/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
  --no-emit-find-links --extra dev --output-file requirements.lock "$@" pyproject.toml
