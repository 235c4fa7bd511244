"""The algorithm catalog: canonical names, aliases and OIDs, and quantum classification.

Knowledge lives in ``data/algorithms.yaml`` (versioned, a source for every size); this
package loads it once, checks it, and answers three questions::

    >>> from inventory.catalog import get_catalog, split_mode
    >>> cat = get_catalog()
    >>> cat.normalize("ecdsa-with-SHA256", curve="secp384r1")
    'ECDSA-P384'
    >>> cat.classify("X25519MLKEM768").status
    <QuantumStatus.HYBRID: 'hybrid'>
    >>> split_mode("AES-256-GCM")
    ('AES-256', 'GCM')

Every other part of the project names algorithms by the catalog's canonical names and
classifies through ``Catalog.classify``; no string tests elsewhere.
"""

from inventory.catalog.catalog import (
    DATA_FILE,
    Catalog,
    Classification,
    canonical_name,
    get_catalog,
    load_catalog,
)
from inventory.catalog.models import USES, AlgorithmInfo, CatalogError, Sizes, Source
from inventory.catalog.normalize import lookup_key, split_mode

__all__ = [
    "DATA_FILE",
    "USES",
    "AlgorithmInfo",
    "Catalog",
    "CatalogError",
    "Classification",
    "Sizes",
    "Source",
    "canonical_name",
    "get_catalog",
    "load_catalog",
    "lookup_key",
    "split_mode",
]
