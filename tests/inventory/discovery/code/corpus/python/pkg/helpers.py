# ruff: noqa
# fmt: off
"""A static method that wraps an API call, called from another module."""
import hashlib


class Digests:
    @staticmethod
    def named(name):
        return hashlib.new(name)


class Plain:
    def named(self, name):  # an instance method of another class, same name
        return name
