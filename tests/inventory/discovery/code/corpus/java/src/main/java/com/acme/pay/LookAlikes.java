package com.acme.pay;

import java.util.logging.Logger;

/** Names cryptography without using it: nothing here is a finding. */
public class LookAlikes {
    private static final Logger LOG = Logger.getLogger("pay");

    static class Cipher {
        static Cipher getInstance(String name) { return new Cipher(); }
    }

    void run(String user) {
        String rsa = "RSA"; // a variable named rsa
        int keySize = 1024;
        // Cipher.getInstance("DES") used to be here
        LOG.info("legacy RSA-1024 and MessageDigest.getInstance(\"MD5\") are refused for " + user);
        Cipher mine = Cipher.getInstance("DES");
        String doc = "KeyPairGenerator.getInstance(\"RSA\").initialize(512)";
    }
}
