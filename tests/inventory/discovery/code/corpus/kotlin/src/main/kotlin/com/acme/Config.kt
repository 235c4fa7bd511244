package com.acme

object Config {
    const val RSA_BITS = 1024
    const val DIGEST = "SHA-1"
}
