"""`pqcplan judge` reads a CBOM without a database and a CSV into a scratch schema made
from the models, never by running Alembic.

A CBOM goes through the importer's own reading (`read_cbom`) straight into planner facts:
SQLAlchemy is not even imported (it and the scratch schema cost 0.5-0.8 s of CPU per
call). A CSV is imported into an in-memory database whose schema comes from the models
(`create_all`, 0.2 s; running the migrations took about 4 s); the models equal the
migrations (tests/alembic/test_schema_migrations.py). The verdicts stay those of the stored
path on both (tests/app/cli/test_judge_cli.py, tests/migration/test_judge_stateless.py).
"""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import EXCHANGE_DATA

DATA = EXCHANGE_DATA
JAVA = DATA / "cbomkit-hyperion-java-1.6.cdx.json"
HEADER = "asset_ref,asset_name,asset_type,criticality,exposure,algorithm,primitive,function\n"

PROBE = """
import sys
from pathlib import Path
from app.cli.judge import load_file

path = Path(sys.argv[1])
loaded = load_file(path.read_bytes(), name=path.name)
print(len(loaded.inventory.usages), "alembic.runtime.migration" in sys.modules,
      "sqlalchemy" in sys.modules)
"""


def _probe(path) -> tuple[int, bool, bool]:  # type: ignore[no-untyped-def]
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, str(path)], capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    usages, ran_alembic, loaded_sqlalchemy = proc.stdout.split()
    return int(usages), ran_alembic == "True", loaded_sqlalchemy == "True"


def test_a_cbom_is_judged_without_sqlalchemy() -> None:
    usages, ran_alembic, loaded_sqlalchemy = _probe(JAVA)
    assert usages > 0
    assert not ran_alembic and not loaded_sqlalchemy


def test_a_csv_is_imported_without_running_migrations(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "web.csv"
    path.write_text(HEADER + "web,Web,application,medium,internal,RSA-2048,signature,\n")
    usages, ran_alembic, loaded_sqlalchemy = _probe(path)
    assert usages == 1
    assert not ran_alembic and loaded_sqlalchemy  # the scratch database


ORIGINAL_PROBE = """
import sys
from pathlib import Path
from app.cli.judge import load_file

loaded = load_file(Path(sys.argv[1]).read_bytes(), name="java.cdx.json")
print(len(loaded.inventory.usages), "alembic.runtime.migration" in sys.modules)
"""


def test_judge_imports_without_running_migrations() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", ORIGINAL_PROBE, str(JAVA)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    usages, ran_alembic = proc.stdout.split()
    assert int(usages) > 0
    assert ran_alembic == "False"
