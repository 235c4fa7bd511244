"""An inventory the CLI writes moves what a supervisor sees: `pqcplan import csv` in its
own process (which loads no API) rewrites the reporting organization's shared coverage in
the import's commit."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from core.choices import Role, Sector, Tier
from core.db import session_factory
from core.models import Organization
from core.tenancy import Principal
from migration.sectors import supervision
from migration.sectors.models import SharedFigures
from tests.conftest import ROOT


def _states(sessions, org_id: int) -> dict[str, str]:
    with sessions() as s:
        figures = s.get(SharedFigures, org_id).figures
        return {t["key"]: t["state"] for t in figures["coverage"]["targets"]}


def test_a_cli_import_rewrites_the_shared_coverage(sqlite_url: str, tmp_path: Path) -> None:
    sessions = session_factory(sqlite_url)
    with sessions.begin() as s:
        ministry = Organization(
            slug="ministry", name="M", sector=Sector.GOVERNMENT, tier=Tier.CENTRAL_GOVERNMENT
        )
        telco = Organization(
            slug="telco", name="T", sector=Sector.TELECOM, tier=Tier.CRITICAL_PRIVATE_INFRASTRUCTURE
        )
        s.add_all([ministry, telco])
        s.flush()
        officer = Principal(organization_id=telco.id, role=Role.OFFICER, name="officer")
        supervision.start_reporting(s, officer, telco.id, "ministry")
        telco_id = telco.id
    assert _states(sessions, telco_id)["telecom/roaming-n32"] == "not_found"

    sheet = tmp_path / "inventory.csv"
    sheet.write_text(
        "asset_ref,asset_name,asset_type,usage_ref,algorithm,primitive\n"
        "sepp,SEPP roaming gateway,service,u1,ECDSA-P256,signature\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "app.cli.main", "import", "csv", str(sheet), "--org", "telco"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": sqlite_url},
        capture_output=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr.decode()
    assert _states(sessions, telco_id)["telecom/roaming-n32"] == "found"
