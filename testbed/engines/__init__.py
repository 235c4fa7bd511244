"""Crypto engines (liboqs, OpenSSL, PQClean) behind one interface.

    >>> from testbed.engines import get_engine
    >>> eng = get_engine("openssl")
    >>> pk, sk = eng.kem_keypair("ML-KEM-768")
    >>> ct, ss = eng.encapsulate("ML-KEM-768", pk)
    >>> eng.decapsulate("ML-KEM-768", sk, ct) == ss
    True

See :mod:`testbed.engines.interface` for the contract (encodings) and
:mod:`testbed.engines.errors` for the exceptions.
"""

from testbed.engines.errors import (
    EngineError,
    EngineUnavailable,
    InvalidCiphertext,
    InvalidKey,
    UnsupportedAlgorithm,
)
from testbed.engines.fips203_checks import mlkem_decapsulation_key_ok, mlkem_encapsulation_key_ok
from testbed.engines.interface import Encapsulation, Engine, KeyPair, Kind, Sizes
from testbed.engines.registry import (
    ENGINE_FACTORIES,
    EngineStatus,
    engine_statuses,
    engines_for,
    get_engine,
    get_engines,
)

__all__ = [
    "ENGINE_FACTORIES",
    "Encapsulation",
    "Engine",
    "EngineError",
    "EngineStatus",
    "EngineUnavailable",
    "InvalidCiphertext",
    "InvalidKey",
    "KeyPair",
    "Kind",
    "Sizes",
    "UnsupportedAlgorithm",
    "engine_statuses",
    "engines_for",
    "get_engine",
    "get_engines",
    "mlkem_decapsulation_key_ok",
    "mlkem_encapsulation_key_ok",
]
