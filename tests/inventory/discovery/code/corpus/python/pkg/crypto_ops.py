# ruff: noqa
# fmt: off
# A labelled corpus file: each "expect:" comment names the findings its line must give.
import hashlib
import hmac
import os
import ssl

import jwt
from Crypto.Cipher import AES, DES3
from Crypto.PublicKey import ECC
from Crypto.PublicKey import RSA as PyRSA
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed25519, padding, rsa, x25519
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

from . import settings
from .settings import HASH_NAME, RSA_BITS

KEY_BYTES = 16


def doubled():
    return RSA_BITS * 2


def keys(size):
    a = rsa.generate_private_key(public_exponent=65537, key_size=RSA_BITS)  # expect: RSA-1024 key_size=1024
    b = rsa.generate_private_key(65537, doubled())  # expect: RSA-2048 key_size=2048
    c = ec.generate_private_key(ec.SECP384R1())  # expect: ECDSA-P384 curve=P-384
    d = x25519.X25519PrivateKey.generate()  # expect: X25519
    e = PyRSA.generate(3072)  # expect: RSA-3072 key_size=3072
    f = ECC.generate(curve=settings.EC_CURVE)  # expect: ECDSA-P256 curve=P-256
    g = dsa.generate_private_key(key_size=1024)  # expect: DSA-1024 key_size=1024
    h = ed25519.Ed25519PrivateKey.generate()  # expect: Ed25519
    i = rsa.generate_private_key(65537, size)  # expect: RSA unknown=key_size
    return a, b, c, d, e, f, g, h, i


def sign(key, data):
    k = rsa.generate_private_key(65537, 4096)  # expect: RSA-4096 key_size=4096 padding=PSS digest=SHA-256
    return k.sign(data, padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32), hashes.SHA256())


def make_key(bits):
    return rsa.generate_private_key(65537, bits)


def wrapped():
    return make_key(512)  # expect: RSA-512 key_size=512


def ciphers():
    c1 = Cipher(algorithms.AES(os.urandom(32)), modes.CBC(os.urandom(16)))  # expect: AES-256 key_size=256 mode=CBC
    c2 = AESGCM(AESGCM.generate_key(bit_length=128))  # expect: AES-128 key_size=128 mode=GCM; AES-128 key_size=128
    c3 = AES.new(os.urandom(KEY_BYTES), AES.MODE_ECB)  # expect: AES-128 key_size=128 mode=ECB
    c4 = DES3.new(b"0123456789abcdef01234567", DES3.MODE_CBC)  # expect: 3DES mode=CBC
    c5 = ChaCha20Poly1305(os.urandom(32))  # expect: ChaCha20-Poly1305
    return c1, c2, c3, c4, c5


def digests(data, key):
    h1 = hashlib.md5(data)  # expect: MD5
    h2 = hashlib.new(HASH_NAME)  # expect: SHA-1
    h3 = hashlib.sha256(data).hexdigest()  # expect: SHA-256
    m1 = hmac.new(key, data, hashlib.sha1)  # expect: HMAC-SHA1 digest=SHA-1
    m2 = hmac.new(key, data, "sha256")  # expect: HMAC-SHA256 digest=SHA-256
    d = hashes.Hash(hashes.SHA512())  # expect: SHA-512
    kdf = PBKDF2HMAC(algorithm=hashes.SHA1(), length=32, salt=key, iterations=1000)  # expect: PBKDF2-SHA1 digest=SHA-1
    return h1, h2, h3, m1, m2, d, kdf


def tokens(payload, secret):
    t1 = jwt.encode(payload, secret, algorithm=settings.TOKEN_ALG)  # expect: RSA
    t2 = jwt.encode(payload, secret)  # expect: HMAC-SHA256
    return t1, t2


def tls():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLSv1)  # expect: TLS 1.0
    ctx.set_ecdh_curve("prime256v1")  # expect: ECDH-P256 curve=P-256
    return ctx
