package com.acme.util

import java.security.MessageDigest
import javax.crypto.Cipher

// Wrappers other files call: each finding is located at the caller's line.
fun digestOf(name: String): MessageDigest = MessageDigest.getInstance(name)

object Ciphers {
    fun named(transformation: String): Cipher = Cipher.getInstance(transformation)
}

fun scaled(bits: Int): Int = bits * 2
