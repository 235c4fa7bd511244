"""Inventory models: assets, their crypto usages and dependencies, discovery scopes and scans.

Import this package to register every inventory table on `Base` (the shared tables in
`core.models` come with it).
"""

from inventory.models.asset import Asset, CryptoUsage, Dependency
from inventory.models.counters import AssetCount, UsageCount
from inventory.models.discovery import ScanRun, ScanScope

__all__ = [
    "Asset",
    "AssetCount",
    "CryptoUsage",
    "Dependency",
    "ScanRun",
    "ScanScope",
    "UsageCount",
]
