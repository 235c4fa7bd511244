# ruff: noqa
# fmt: off
"""Wrapper functions that other files call: each finding is located at the caller's line
(the wrappers' own lines carry no label: every wrapper here is called somewhere)."""
import hashlib

from cryptography.hazmat.primitives.asymmetric import ec, rsa


def make_key(bits=2048):
    return rsa.generate_private_key(65537, bits)


def digest_of(name, data):
    return hashlib.new(name, data)


def curve_key(curve):
    return ec.generate_private_key(curve)


def scaled(bits):  # not cryptography: calls of it are no finding
    return bits * 2
