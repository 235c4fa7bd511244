"""Builders for hand-made inventories used by the planner tests."""

from __future__ import annotations

from datetime import date

from inventory.choices import QuantumStatus
from inventory.models import CryptoUsage
from migration.inputs import AssetFacts, PlanInput, PlanParams, UsageFacts

START = date(2026, 11, 24)


def asset(asset_id: int, name: str | None = None, **kw: object) -> AssetFacts:
    defaults: dict[str, object] = {
        "org_id": 1,
        "sector": "government",
        "tier": "central_government",
        "asset_type": "application",
    }
    defaults.update(kw)
    return AssetFacts(asset_id, name or f"a{asset_id}", **defaults)  # type: ignore[arg-type]


def usage(
    usage_id: int,
    asset_id: int,
    algorithm: str = "ECDH-P256",
    primitive: str = "key_exchange",
    function: str = "tls_key_exchange",
    status: QuantumStatus = QuantumStatus.BROKEN,
) -> UsageFacts:
    return UsageFacts(usage_id, asset_id, algorithm, primitive, function, status, f"u{usage_id}")


def inventory(n_assets: int, edges: list[tuple[int, int]], usages_per_asset: int = 1) -> PlanInput:
    assets = [asset(i) for i in range(1, n_assets + 1)]
    usages = [
        usage(100 * i + k, i) for i in range(1, n_assets + 1) for k in range(usages_per_asset)
    ]
    return PlanInput(assets, edges, usages)


def params(**kw: object) -> PlanParams:
    kw.setdefault("start", START)
    return PlanParams(**kw)  # type: ignore[arg-type]


def stored_usage(
    org_id: int,
    asset_id: int,
    ref: str,
    algorithm: str,
    primitive: str,
    function: str,
    status: QuantumStatus,
) -> CryptoUsage:
    """A usage row as an import would store it (the raw name equal to the canonical one)."""
    return CryptoUsage(
        organization_id=org_id,
        ref=ref,
        asset_id=asset_id,
        algorithm=algorithm,
        algorithm_raw=algorithm,
        primitive=primitive,
        function=function,
        quantum_status=status,
        status_reason="test",
        catalog_version="test",
    )
