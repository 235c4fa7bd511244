"""Scheduler answers on hand-built inventories: chains, diamonds, cycles, deadlines."""

from __future__ import annotations

from datetime import date

import migration.scheduler
from inventory.choices import Criticality, QuantumStatus
from migration.inputs import PlanInput
from migration.profiles import get_profile, parse_profile, profile_to_dict
from migration.scheduler import plan
from migration.waves import deadline_wave, wave_bounds, wave_label
from tests.migration.planning_helpers import START, asset, inventory, params, usage


def waves_by_asset(result: migration.scheduler.PlanResult) -> dict[int, int]:
    return {t.asset_id: t.wave for t in result.tasks}  # type: ignore[misc]


def test_waves_are_quarters_from_the_start_date() -> None:
    assert wave_label(START, 0) == "2026-Q4"
    assert wave_label(START, 5) == "2028-Q1"
    assert wave_bounds(START, 5) == (date(2028, 1, 1), date(2028, 3, 31))
    assert deadline_wave(START, date(2030, 12, 31)) == 16


def test_chain_takes_one_wave_per_link() -> None:
    result = plan(get_profile("kr-2035"), inventory(4, [(1, 2), (2, 3), (3, 4)]), params())
    assert waves_by_asset(result) == {1: 0, 2: 1, 3: 2, 4: 3}
    portal = next(t for t in result.tasks if t.asset_id == 4)
    assert "waits for provider a3 (2027-Q2)" in portal.reasons[1]


def test_diamond_runs_the_two_middles_in_parallel() -> None:
    result = plan(get_profile("kr-2035"), inventory(4, [(1, 2), (1, 3), (2, 4), (3, 4)]), params())
    assert waves_by_asset(result) == {1: 0, 2: 1, 3: 1, 4: 2}


def test_capacity_pushes_work_to_later_waves() -> None:
    # Four independent assets of 2 points each, capacity 4: two per wave.
    result = plan(get_profile("kr-2035"), inventory(4, []), params(capacity=4))
    counts: dict[int, int] = {}
    for task in result.tasks:
        counts[task.wave] = counts.get(task.wave, 0) + 1  # type: ignore[index]
    assert counts == {0: 2, 1: 2}
    assert any("were full" in r for t in result.tasks for r in t.reasons)


def test_cycle_is_one_unit_in_one_wave_after_its_providers() -> None:
    inv = inventory(4, [(1, 2), (2, 3), (3, 2), (3, 4)])
    result = plan(get_profile("kr-2035"), inv, params())
    waves = waves_by_asset(result)
    assert waves[2] == waves[3] == 1
    assert waves[1] == 0 and waves[4] == 2
    assert result.cycles == [["a2", "a3"]]
    cyc = [t for t in result.tasks if t.asset_id in (2, 3)]
    assert all("cycle" in t.flags for t in cyc)
    assert any("{a2, a3}" in r for r in cyc[0].reasons)


def test_an_asset_named_with_braces_is_not_a_cycle() -> None:
    # Cycles were once told apart by a "{" in the unit's name: an asset called "{legacy}"
    # was flagged as a cycle and said to be "migrated as one unit".
    inv = PlanInput(
        [asset(1, "{legacy}"), asset(2, "portal")], [(1, 2)], [usage(1, 1), usage(2, 2)]
    )
    result = plan(get_profile("kr-2035"), inv, params())
    assert result.cycles == []
    for task in result.tasks:
        assert "cycle" not in task.flags
        assert not any(r.startswith("dependency cycle") for r in task.reasons)
    portal = next(t for t in result.tasks if t.asset_id == 2)
    assert portal.reasons[1].endswith("waits for provider {legacy} (2026-Q4)")


def test_impossible_deadline_flagged_with_the_blocking_chain() -> None:
    # AU: everything by 2030-12-31 = wave 16. A chain of 20 assets needs 20 waves.
    n = 20
    inv = inventory(n, [(i, i + 1) for i in range(1, n)])
    result = plan(get_profile("au-asd-2030"), inv, params())
    last = next(t for t in result.tasks if t.asset_id == n)
    assert last.wave == n - 1
    assert "impossible_deadline" in last.flags
    assert last.blocking_chain[0] == "a1 (2026-Q4)"
    assert last.blocking_chain[-1] == f"a{n} ({wave_label(START, n - 1)})"
    assert len(last.blocking_chain) == n
    # Assets early in the chain make it in time and are not flagged.
    first = next(t for t in result.tasks if t.asset_id == 1)
    assert first.flags == []
    flagged = {t.asset_id for t in result.tasks if "impossible_deadline" in t.flags}
    assert flagged == set(range(18, n + 1))


def test_deadline_before_start_is_impossible() -> None:
    result = plan(get_profile("au-asd-2030"), inventory(1, []), params(start=date(2031, 2, 1)))
    (task,) = result.tasks
    assert "impossible_deadline" in task.flags
    assert "before the plan starts" in task.reasons[-1]


def test_capacity_miss_is_flagged_as_missed_not_impossible() -> None:
    # 40 independent assets of 2 points, capacity 2: one per wave; deadline wave 16.
    result = plan(get_profile("au-asd-2030"), inventory(40, []), params(capacity=2))
    missed = [t for t in result.tasks if "deadline_missed" in t.flags]
    assert len(missed) == 40 - 17
    assert not any("impossible_deadline" in t.flags for t in result.tasks)


def test_earliest_deadline_goes_first_and_pulls_its_providers() -> None:
    # Asset 3 is critical (EO 14412: key establishment by 2030); its provider 2 must
    # come before the unrelated asset 1 even though they tie on risk otherwise.
    inv = PlanInput(
        [asset(1), asset(2), asset(3, criticality=Criticality.CRITICAL)],
        [(2, 3)],
        [usage(1, 1), usage(2, 2), usage(3, 3)],
    )
    result = plan(get_profile("us-eo14412"), inv, params(capacity=2))
    waves = waves_by_asset(result)
    assert waves[2] == 0 and waves[3] == 1 and waves[1] == 2


def test_quantum_safe_usages_make_no_task_and_unknown_is_flagged() -> None:
    inv = PlanInput(
        [asset(1)],
        [],
        [
            usage(1, 1, "ML-KEM-768", status=QuantumStatus.RESISTANT),
            usage(2, 1, "X25519MLKEM768", status=QuantumStatus.HYBRID),
            usage(3, 1, "FOO-42", status=QuantumStatus.UNKNOWN),
            usage(4, 1, "AES-128", "symmetric", "data_at_rest", QuantumStatus.WEAKENED),
        ],
    )
    result = plan(get_profile("kr-2035"), inv, params())
    assert result.skipped_safe == 2
    assert sorted(t.usage_id for t in result.tasks) == [3, 4]
    unknown = next(t for t in result.tasks if t.usage_id == 3)
    assert "unknown_algorithm" in unknown.flags
    aes = next(t for t in result.tasks if t.usage_id == 4)
    assert aes.target == "AES-256" and aes.deadline is None


def test_kpqc_options_under_the_korean_profile() -> None:
    inv = PlanInput(
        [asset(1)],
        [],
        [
            usage(1, 1),
            usage(2, 1, "RSA-2048", "signature", "certificate_signature"),
            usage(3, 1, "ECDH-P256", "key_exchange", "other"),
        ],
    )
    result = plan(get_profile("kr-2035"), inv, params())
    tls = next(t for t in result.tasks if t.use == "tls_key_exchange")
    kex = next(t for t in result.tasks if t.use == "key_exchange")
    sig = next(t for t in result.tasks if t.use == "certificate_signature")
    # kr-2035's sources name the KpqC winners: they are its targets where the protocol
    # allows; TLS has codepoints only for ML-KEM and its hybrids (which kr-2035 accepts)
    assert kex.target == "SMAUG-T-192" and "NTRU+KEM-864" in kex.alternatives
    assert tls.target == "X25519MLKEM768" and "SMAUG-T-192" not in tls.alternatives
    assert sig.target == "HAETAE-3" and "AIMer-192f" in sig.alternatives


def test_firmware_signing_goes_to_stateful_hash_signatures() -> None:
    inv = PlanInput(
        [asset(1, asset_type="library_firmware")],
        [],
        [usage(1, 1, "RSA-2048", "signature", "firmware_signing")],
    )
    (task,) = plan(get_profile("us-cnsa2"), inv, params()).tasks
    assert task.target == "LMS" and task.deadline == date(2030, 12, 31)
    assert task.deadline_rule == "signing-exclusive"


def test_what_if_crqc_year_changes_scores_not_structure() -> None:
    inv = inventory(3, [(1, 2)])
    early = plan(get_profile("kr-2035"), inv, params(crqc_year=2029))
    late = plan(get_profile("kr-2035"), inv, params(crqc_year=2045))
    assert sum(t.risk.total for t in early.tasks) > sum(t.risk.total for t in late.tasks)
    assert waves_by_asset(early)[2] > waves_by_asset(early)[1]


def test_same_input_same_plan() -> None:
    inv = inventory(30, [(i, i + 3) for i in range(1, 27)] + [(5, 4), (4, 5)], 2)
    a = plan(get_profile("eu-2030-2035"), inv, params(capacity=6))
    b = plan(get_profile("eu-2030-2035"), inv, params(capacity=6))
    assert [t.as_dict() for t in a.tasks] == [t.as_dict() for t in b.tasks]


def test_custom_profile_round_trips_and_plans() -> None:
    data = profile_to_dict(get_profile("uk-ncsc-2035"))
    data["id"] = "my-agency"
    data["deadlines"] = [{"id": "all", "date": "2029-06-30", "source": "ncsc-timelines"}]
    profile = parse_profile(data)
    (task,) = plan(profile, inventory(1, []), params()).tasks
    assert task.deadline == date(2029, 6, 30)


def test_hash_mac_and_kdf_usages_get_targets_of_their_own_kind():
    """A SHA-1 integrity check moves to a hash, not to a cipher."""
    from migration.profiles import get_profile
    from migration.targets import choose_target
    from migration.uses import use_of

    assert use_of("hash", "integrity") == "hash"
    assert use_of("mac", "other") == "mac"
    target = choose_target(get_profile("kr-2035"), use_of("hash", "integrity"), "SHA-1")
    assert target.algorithm.startswith("SHA"), target
    mac = choose_target(get_profile("kr-2035"), use_of("mac", "other"), "HMAC-SHA1")
    assert mac.algorithm.startswith("HMAC-SHA"), mac
