"""Every error an engine raises on purpose, in the style of pyca/cryptography's ``exceptions``.

Bad input never reaches a C library unchecked and never crashes the process; it raises
one of these:

- :class:`UnsupportedAlgorithm`: the engine does not implement the algorithm (or not for
  that use: ``sign`` on a KEM).
- :class:`InvalidKey`: a key of the wrong length, or an ML-KEM encapsulation key that fails
  the FIPS 203 modulus check (a coefficient >= 3329), or an ML-KEM decapsulation key whose
  embedded hash H(ek) does not match.
- :class:`InvalidCiphertext`: a ciphertext of the wrong length. A *corrupted* ML-KEM
  ciphertext of the right length is NOT an error: FIPS 203 decapsulation uses implicit
  rejection and returns a pseudo-random secret (derived from the key's z and the
  ciphertext) that differs from the sender's; the protocol then fails later, at key
  confirmation. Callers that need to detect it must compare secrets.
- :class:`EngineUnavailable`: the engine's library could not be loaded, with the reason.
"""

from __future__ import annotations


class EngineError(Exception):
    """Base class of every error an engine raises on purpose."""


class UnsupportedAlgorithm(EngineError):
    """The engine does not implement this algorithm for this operation."""


class InvalidKey(EngineError, ValueError):
    """A key is malformed: wrong length, or it fails a FIPS 203 check."""


class InvalidCiphertext(EngineError, ValueError):
    """A ciphertext is malformed (wrong length, or not decodable)."""


class EngineUnavailable(EngineError):
    """The engine cannot run here; the message says why."""
