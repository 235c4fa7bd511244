"""Apply the algorithm catalog to crypto usages: canonical name, quantum status, reason."""

from __future__ import annotations

from inventory.catalog import get_catalog
from inventory.models import CryptoUsage


def classify_usage(usage: CryptoUsage, *, curve: str | None = None) -> CryptoUsage:
    """Set `algorithm`, `quantum_status`, `status_reason` and `catalog_version` from the
    spelling in `algorithm_raw` (plus key size / parameter set). Unknown names are kept."""
    catalog = get_catalog()
    result = catalog.classify(
        usage.algorithm_raw,
        key_size=usage.key_size,
        parameter_set=usage.parameter_set,
        curve=curve,
        primitive=usage.primitive,
    )
    usage.algorithm = result.canonical
    usage.quantum_status = result.status
    usage.status_reason = result.reason
    usage.catalog_version = catalog.version
    return usage


def reason_in(usage: CryptoUsage, lang: str | None) -> str:
    """The usage's reason in `lang`: the words stored with it for English, else the
    catalog's reason for its algorithm in that language (the same sentence, translated)."""
    if lang in (None, "en"):
        return usage.status_reason
    catalog = get_catalog()
    info = catalog.get(usage.algorithm)
    if info is None:
        return catalog.explain_unknown(usage.algorithm, lang)
    return catalog.explain(info, lang)
