"""Vendor testbed: products prove interoperability and conformance, and get signed results.

Modules: ``models`` (rows), ``codec`` (size- and format-checked inputs), ``kem_receiver``,
``kem_sender`` and ``sig_checks`` (interoperability against every engine), ``rejection`` (how
each KEM answers a tampered ciphertext), ``acvp_mlkem`` and ``acvp_mldsa`` (conformance
vectors in NIST ACVP's JSON shape), ``reports`` (signed results, canonical JSON), ``quotas``
(per-organization token buckets), ``service`` (sessions: create, answer, grade).
"""
