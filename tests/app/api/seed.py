"""A small inventory the API tests start from, written through the API itself."""

from __future__ import annotations

from typing import Any

import httpx

ASSET = {"name": "Portal", "asset_type": "application", "exposure": "internet_facing"}
RSA_SIGNATURE = {
    "algorithm": "RSA-2048",
    "primitive": "signature",
    "function": "certificate_signature",
}


def post_asset_with_rsa(client: httpx.Client, headers: dict[str, str]) -> dict[str, Any]:
    """``ASSET`` with one RSA-2048 certificate signature, enough to plan; the asset's JSON."""
    asset = client.post("/api/v1/assets", headers=headers, json=ASSET).json()
    body = {"asset_id": asset["id"], **RSA_SIGNATURE}
    usage = client.post("/api/v1/usages", headers=headers, json=body)
    assert usage.status_code == 201, usage.text
    return asset
