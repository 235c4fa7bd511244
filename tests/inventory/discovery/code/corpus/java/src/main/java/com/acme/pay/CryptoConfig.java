package com.acme.pay;

/** Constants the scanned code imports: the scanner must follow them across files. */
public final class CryptoConfig {
    public static final int RSA_BITS = 1024;
    public static final String LEGACY_CIPHER = "DESede/CBC/PKCS5Padding";
    public static final String CURVE = "secp384r1";
    private CryptoConfig() {}
}
