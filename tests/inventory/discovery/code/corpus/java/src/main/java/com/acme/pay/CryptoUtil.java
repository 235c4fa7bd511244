package com.acme.pay;

import java.security.MessageDigest;
import javax.crypto.Cipher;

/** Wrappers other classes call: each finding is located at the caller's line. */
public final class CryptoUtil {
    public static Cipher cipherFor(String transformation) throws Exception {
        return Cipher.getInstance(transformation);
    }

    public static MessageDigest digest(String name) throws Exception {
        return MessageDigest.getInstance(name);
    }

    public static int scaled(int bits) {
        return bits * 2;
    }

    private CryptoUtil() {}
}
