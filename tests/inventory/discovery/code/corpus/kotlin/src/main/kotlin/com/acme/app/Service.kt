package com.acme.app

import com.acme.util.Ciphers
import com.acme.util.digestOf
import com.acme.util.digestOf as hashWith
import com.acme.util.scaled

class Service(private val helper: Helper) {
    interface Helper {
        fun digestOf(name: String): Any
    }

    fun run(user: String) {
        val a = digestOf("MD5") // expect: MD5
        val b = hashWith("SHA-1") // expect: SHA-1
        val c = Ciphers.named("DES/CBC/PKCS5Padding") // expect: DES mode=CBC padding=PKCS5Padding
        val d = helper.digestOf("MD5") // a method of another object, named like the wrapper
        val e = scaled(1024) // wraps no cryptography
    }
}
