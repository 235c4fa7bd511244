# ruff: noqa
# fmt: off
"""Calls of another module's wrapper functions, through each form of Python import."""
import pkg.keyutil
from cryptography.hazmat.primitives.asymmetric import ec

from . import keyutil as ku
from .keyutil import curve_key, digest_of, make_key, scaled
from .settings import HASH_NAME, RSA_BITS
from vendored_helpers import make_key as vendor_make_key  # not a module of this tree


def run(user_bits, other):
    a = make_key(1024)  # expect: RSA-1024 key_size=1024
    b = ku.make_key(RSA_BITS)  # expect: RSA-1024 key_size=1024
    c = pkg.keyutil.make_key()  # expect: RSA-2048 key_size=2048
    d = make_key(bits=4096)  # expect: RSA-4096 key_size=4096
    e = make_key(user_bits)  # expect: RSA unknown=key_size
    f = digest_of("md5", b"x")  # expect: MD5
    g = ku.digest_of(HASH_NAME, b"x")  # expect: SHA-1
    h = curve_key(ec.SECP256R1())  # expect: ECDSA-P256 curve=P-256
    i = scaled(1024)  # a project function that wraps no cryptography
    j = vendor_make_key(512)  # a library outside the tree: nothing is known of it
    k = other.make_key(512)  # a method of some object, named like the wrapper
    return a, b, c, d, e, f, g, h, i, j, k
