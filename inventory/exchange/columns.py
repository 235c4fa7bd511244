"""Groups of inventory columns that more than one exchange format writes in the same order
(the CSV header, the CBOM's `pqcplan:*` properties, the certificate part of a usage)."""

from __future__ import annotations

# Who owns an asset and how much it matters: none has a CycloneDX field.
ASSET_PROFILE_COLUMNS = (
    "owner",
    "environment",
    "criticality",
    "exposure",
    "data_sensitivity",
    "secrecy_years",
)
# A usage's certificate, when the usage is a certificate's signature.
CERT_COLUMNS = (
    "cert_subject",
    "cert_issuer",
    "cert_serial",
    "cert_not_before",
    "cert_not_after",
    "cert_fingerprint_sha256",
    "cert_public_key_algorithm",
)
