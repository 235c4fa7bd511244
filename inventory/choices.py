"""Every enumerated choice of the inventory in one module (NetBox style).

Values are stable strings: they are stored in the database, written to CBOM properties and
CSV files, and accepted by the API, so renaming a value needs a migration.
"""

from __future__ import annotations

from enum import StrEnum


class AssetType(StrEnum):
    APPLICATION = "application"
    SERVICE = "service"
    HOST = "host"
    NETWORK_APPLIANCE = "network_appliance"
    HSM = "hsm"
    CA_PKI = "ca_pki"
    DATABASE = "database"
    DEVICE_IOT = "device_iot"
    LIBRARY_FIRMWARE = "library_firmware"
    VENDOR_PRODUCT = "vendor_product"


class Environment(StrEnum):
    PRODUCTION = "production"
    STAGING = "staging"
    DEVELOPMENT = "development"
    TEST = "test"
    DISASTER_RECOVERY = "disaster_recovery"


class Criticality(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class Exposure(StrEnum):
    INTERNET_FACING = "internet_facing"
    INTERNAL = "internal"
    ISOLATED = "isolated"


class DataSensitivity(StrEnum):
    PUBLIC = "public"
    INTERNAL = "internal"
    CONFIDENTIAL = "confidential"
    SECRET = "secret"
    TOP_SECRET = "top_secret"


class Primitive(StrEnum):
    KEY_EXCHANGE = "key_exchange"  # key agreement and KEMs
    SIGNATURE = "signature"
    ENCRYPTION = "encryption"  # public-key encryption
    SYMMETRIC = "symmetric"  # block/stream ciphers and AEAD
    HASH = "hash"
    MAC = "mac"
    KDF = "kdf"
    OTHER = "other"


class CryptoFunction(StrEnum):
    TLS_KEY_EXCHANGE = "tls_key_exchange"
    TLS_AUTHENTICATION = "tls_authentication"
    CERTIFICATE_SIGNATURE = "certificate_signature"
    CODE_SIGNING = "code_signing"
    FIRMWARE_SIGNING = "firmware_signing"
    DOCUMENT_SIGNING = "document_signing"
    TOKEN_SIGNING = "token_signing"
    DATA_AT_REST = "data_at_rest"
    DATA_IN_TRANSIT = "data_in_transit"
    VPN = "vpn"
    SSH_HOST_KEY = "ssh_host_key"
    SSH_KEY_EXCHANGE = "ssh_key_exchange"
    SSH_USER_AUTH = "ssh_user_auth"
    KEY_WRAPPING = "key_wrapping"
    EMAIL_PROTECTION = "email_protection"
    PASSWORD_HASHING = "password_hashing"
    INTEGRITY = "integrity"
    OTHER = "other"


class QuantumStatus(StrEnum):
    BROKEN = "broken"  # broken by Shor's algorithm
    WEAKENED = "weakened"  # weakened by Grover's algorithm below its classical strength
    RESISTANT = "resistant"  # quantum-resistant at its stated strength
    HYBRID = "hybrid"  # classical + post-quantum combination: safe while either part holds
    UNKNOWN = "unknown"  # not in the catalog: kept and flagged, never guessed


class Source(StrEnum):
    MANUAL = "manual"
    API = "api"
    CBOM = "cbom"
    CSV = "csv"
    SCAN = "scan"
    DEMO = "demo"


class DependencyKind(StrEnum):
    """How the dependent asset relies on the provider asset."""

    CERTIFICATES_FROM = "certificates_from"  # relies on a CA/PKI for its certificates
    KEYS_IN = "keys_in"  # keeps keys in an HSM / KMS
    USES_LIBRARY = "uses_library"  # links a crypto library or firmware
    CALLS_SERVICE = "calls_service"
    RUNS_ON = "runs_on"
    STORES_DATA_IN = "stores_data_in"
    AUTHENTICATES_WITH = "authenticates_with"
    CONNECTS_THROUGH = "connects_through"  # VPN, gateway, load balancer
    OTHER = "other"
