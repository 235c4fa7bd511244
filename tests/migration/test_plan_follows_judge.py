"""Plans agree with judge: a usage the plan's profile does not accept gets a task, to what
the profile accepts, by the verdict's date, even when it resists a quantum computer.

CNSA 2.0 lists only ML-KEM-1024 ("Use Category 5 parameter, ML-KEM-1024, for all
classification levels"), so ML-KEM-768 moves to ML-KEM-1024; kr-2035 accepts NIST's
algorithms as well (kr-nist-algorithms), so ML-KEM-768 stays; the ISM disallows ML-DSA-44.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from pathlib import Path

import pytest

from app.cli.judge import load_file
from inventory.choices import QuantumStatus
from migration.choices import TaskFlag
from migration.compare import judge
from migration.inputs import AssetFacts, PlanInput, PlanParams, UsageFacts
from migration.profiles import builtin_profiles, get_profile
from migration.scheduler import plan

START = date(2027, 1, 1)
CRAFTED = Path(__file__).resolve().parent / "data" / "crafted-33.cdx.json"


def _one(algorithm: str, primitive: str, function: str, status: QuantumStatus) -> PlanInput:
    asset = AssetFacts(id=1, name="portal", org_id=1, sector="other", tier="private")
    return PlanInput([asset], [], [UsageFacts(1, 1, algorithm, primitive, function, status, "u1")])


ML_KEM_768 = ("ML-KEM-768", "key_exchange", "tls_key_exchange", QuantumStatus.RESISTANT)


def test_a_cnsa_plan_moves_ml_kem_768_to_1024() -> None:
    inventory = _one(*ML_KEM_768)
    result = plan(get_profile("us-cnsa2"), inventory, PlanParams(start=START))
    [task] = result.tasks
    [verdict] = judge(inventory, [get_profile("us-cnsa2")], START)[0].verdicts
    assert (task.target, task.deadline) == ("ML-KEM-1024", date(2033, 12, 31))
    assert (verdict.verdict, verdict.deadline, verdict.target) == (
        "migrate",
        task.deadline,
        task.target,
    )
    assert task.deadline_rule == "web-cloud-exclusive" and not task.deadline_confirmed
    assert any("us-cnsa2 does not list ML-KEM-768" in r for r in task.reasons)
    assert result.skipped_safe == 0


def test_a_kr_2035_plan_leaves_ml_kem_768_alone() -> None:
    result = plan(get_profile("kr-2035"), _one(*ML_KEM_768), PlanParams(start=START))
    assert result.tasks == [] and result.skipped_safe == 1


def test_an_ism_plan_moves_ml_dsa_44_now() -> None:
    inventory = _one("ML-DSA-44", "signature", "certificate_signature", QuantumStatus.RESISTANT)
    [task] = plan(get_profile("au-asd-2030"), inventory, PlanParams(start=START)).tasks
    assert task.target == "ML-DSA-87" and task.deadline == date(2024, 12, 12)
    # disallowed before the plan starts: the scheduler says the date cannot be met
    assert TaskFlag.IMPOSSIBLE_DEADLINE in task.flags
    assert any("does not allow ML-DSA-44 for signature since 2024-12-12" in r for r in task.reasons)


@cache
def _crafted() -> PlanInput:
    return load_file(CRAFTED.read_bytes(), name=CRAFTED.name).inventory


@pytest.mark.parametrize("profile_id", sorted(builtin_profiles()))
def test_every_usage_a_profile_does_not_accept_has_a_task(profile_id: str) -> None:
    """On the 33-algorithm CBOM: whatever the verdict is not `acceptable` for has a task, and
    a quantum-safe usage has one only then, to the verdict's target by its date."""
    profile = get_profile(profile_id)
    inventory = _crafted()
    tasks = {t.usage_id: t for t in plan(profile, inventory, PlanParams(start=START)).tasks}
    status = {u.id: u.quantum_status for u in inventory.usages}
    for j in judge(inventory, [profile], START):
        [v] = j.verdicts
        if v.verdict != "acceptable":
            assert j.usage_id in tasks, (j.algorithm, v.reason)
        if status[j.usage_id] in (QuantumStatus.RESISTANT, QuantumStatus.HYBRID):
            task = tasks.get(j.usage_id)
            assert (task is not None) == (v.verdict != "acceptable"), (j.algorithm, v.reason)
            if task is not None:
                assert (task.deadline, task.target) == (v.deadline, v.target), j.algorithm


def test_a_table_row_dates_a_vulnerable_usage_its_schedule_does_not_name() -> None:
    # NIST IR 8547 ipd: "Key establishment, 112 bits of security strength: Deprecated after
    # 2030". Its schedule lists DH-2048 by name; SSH's diffie-hellman-group14-sha1 is the
    # same 2048-bit group under another name (DH-2048-SHA1), and gets the same date.
    profile = get_profile("us-nist-ir8547")
    for name in ("DH-2048", "DH-2048-SHA1"):
        inventory = _one(name, "key_exchange", "ssh_key_exchange", QuantumStatus.BROKEN)
        [task] = plan(profile, inventory, PlanParams(start=START)).tasks
        [j] = judge(inventory, [profile], START)
        assert task.deadline == j.verdicts[0].deadline == date(2030, 12, 31), name
