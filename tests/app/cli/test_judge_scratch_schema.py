"""`pqcplan judge` builds its scratch schema from the models, not by running Alembic.

Running the migrations took about 4 s of the tool's wall time; `create_all` takes 0.2 s.
The models equal the migrations (tests/alembic/test_schema_migrations.py), and the
verdicts stay those of the stored path (tests/app/cli/test_judge_cli.py).
"""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import EXCHANGE_DATA

DATA = EXCHANGE_DATA
JAVA = DATA / "cbomkit-hyperion-java-1.6.cdx.json"

PROBE = """
import sys
from pathlib import Path
from app.cli.judge import load_file

loaded = load_file(Path(sys.argv[1]).read_bytes(), name="java.cdx.json")
print(len(loaded.inventory.usages), "alembic.runtime.migration" in sys.modules)
"""


def test_judge_imports_without_running_migrations() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, str(JAVA)], capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    usages, ran_alembic = proc.stdout.split()
    assert int(usages) > 0
    assert ran_alembic == "False"
