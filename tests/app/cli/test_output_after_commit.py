"""What the CLI prints about a write is printed after the write committed.

A reader that goes away early (`pqcplan plan generate ... | head -1`) must not undo the
work, and a summary on screen must mean the rows are stored: the command commits first,
then prints. Stdout here is a pipe whose reading end is already closed, so the first
write fails (EPIPE); before the fix that failure rolled the plan back.
"""

from __future__ import annotations

import os
import subprocess
import sys
from types import SimpleNamespace

from sqlalchemy import func, select

from core.choices import Sector, Tier
from core.db import session_factory
from core.models import Organization
from inventory.models import ScanScope
from migration.models import PlanVersion
from tests.conftest import ROOT
from tests.migration.test_plan_api import seed


def _run_with_closed_stdout(url: str, *args: str) -> subprocess.CompletedProcess[bytes]:
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return subprocess.run(
            [sys.executable, "-m", "app.cli.main", *args],
            cwd=ROOT,
            env={**os.environ, "DATABASE_URL": url},
            stdout=write_end,
            stderr=subprocess.PIPE,
            timeout=300,
        )
    finally:
        os.close(write_end)


def test_a_reader_that_left_does_not_undo_the_plan_or_the_scope(sqlite_url: str) -> None:
    sessions = session_factory(sqlite_url)
    with sessions.begin() as s:
        org = Organization(
            slug="ministry", name="Ministry", sector=Sector.GOVERNMENT, tier=Tier.CENTRAL_GOVERNMENT
        )
        s.add(org)
    seed(SimpleNamespace(sessions=sessions), org)

    plan = _run_with_closed_stdout(
        sqlite_url, "plan", "generate", "--profile", "kr-2035", "--org", "ministry"
    )
    scope = _run_with_closed_stdout(
        sqlite_url, "scan", "scope", "add", "--org", "ministry", "10.0.0.0/24"
    )
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(PlanVersion)) == 1, plan.stderr
        assert s.scalar(select(func.count()).select_from(ScanScope)) == 1, scope.stderr
