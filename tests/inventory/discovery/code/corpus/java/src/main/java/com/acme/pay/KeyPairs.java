package com.acme.pay;

import java.security.KeyPair;
import java.security.KeyPairGenerator;

/** A JCA wrapper whose parameter reaches the key size through initialize(). */
public final class KeyPairs {
    public static KeyPair rsa(int bits) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(bits);
        return g.generateKeyPair();
    }

    private KeyPairs() {}
}
