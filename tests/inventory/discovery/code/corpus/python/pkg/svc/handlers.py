# ruff: noqa
# fmt: off
"""An absolute import of the tree's package from a sub-package."""
from pkg.keyutil import make_key
from pkg.crypto_ops import make_key as legacy_key


def make_token_key():
    return make_key(3072)  # expect: RSA-3072 key_size=3072


def old_key():
    return legacy_key(768)  # expect: RSA-768 key_size=768


def digest_of(data):  # this module's own function of a wrapper's name: not the wrapper
    return data[::-1]


def local():
    return digest_of("md5")


def service_key(size):  # a wrapper of keyutil's wrapper: stated where it is called
    return make_key(size)
