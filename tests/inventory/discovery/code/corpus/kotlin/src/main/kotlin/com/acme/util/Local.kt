package com.acme.util

// Same package, another file: the top-level function is called without an import.
fun fingerprint(): Any = digestOf("SHA-256") // expect: SHA-256
