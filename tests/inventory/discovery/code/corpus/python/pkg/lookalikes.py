# ruff: noqa
# fmt: off
"""Code that names cryptography without using it: nothing here is a finding."""

import logging

log = logging.getLogger(__name__)


def md5(text):  # the project's own function, not hashlib's
    return text[::-1]


class Cipher:  # the project's own class
    def __init__(self, algorithm, mode):
        self.algorithm, self.mode = algorithm, mode


def run(user):
    rsa = user.get("rsa")  # a variable named rsa
    rsa.generate_private_key(65537, 512)  # a method of that variable, not pyca's
    # rsa.generate_private_key(public_exponent=65537, key_size=512) in a comment
    log.info("falling back to RSA-1024 and hashlib.md5 for %s", user)
    md5("abc")
    Cipher("AES", "ECB")
    note = "Cipher.getInstance('DES') is forbidden"
    return note
