package com.acme

import java.security.KeyPairGenerator
import java.security.MessageDigest
import java.security.spec.ECGenParameterSpec
import javax.crypto.Cipher
import javax.crypto.KeyGenerator
import javax.crypto.Mac
import javax.crypto.spec.SecretKeySpec

const val TRANSFORMATION = "AES/CBC/PKCS5Padding"
const val LOCAL_BITS = 3072

class Crypto {
    fun keys(size: Int) {
        val rsa = KeyPairGenerator.getInstance("RSA") // expect: RSA-1024 key_size=1024
        rsa.initialize(Config.RSA_BITS)
        val big = KeyPairGenerator.getInstance("RSA") // expect: RSA-3072 key_size=3072
        big.initialize(LOCAL_BITS)
        val ec = KeyPairGenerator.getInstance("EC") // expect: ECDSA-P256 curve=P-256
        ec.initialize(ECGenParameterSpec("secp256r1"))
        val aes = KeyGenerator.getInstance("AES") // expect: AES-128 key_size=128
        aes.init(128)
        val other = KeyPairGenerator.getInstance("DSA") // expect: DSA unknown=key_size
        other.initialize(size)
    }

    fun ops() {
        val c = Cipher.getInstance(TRANSFORMATION) // expect: AES mode=CBC padding=PKCS5Padding
        val d = MessageDigest.getInstance(Config.DIGEST) // expect: SHA-1
        val m = Mac.getInstance("HmacSHA512") // expect: HMAC-SHA512 digest=SHA-512
        val k = SecretKeySpec(ByteArray(32), "AES") // expect: AES
        val e = Cipher.getInstance("DES/ECB/NoPadding") // expect: DES mode=ECB padding=NoPadding
    }

    fun lookAlikes(rsa: String) {
        val note = "Cipher.getInstance(\"RC4\")" // a string
        // MessageDigest.getInstance("MD5") in a comment
        println("RSA 1024 is weak: $rsa")
    }
}
