package com.acme.web;

import static com.acme.pay.CryptoUtil.digest;

import com.acme.pay.CryptoUtil;

/** Another package: the wrappers through a class import and a static import. */
public class Handler {
    interface Helper {
        Object digest(String name);
    }

    void run(String userAlg, Helper helper) throws Exception {
        CryptoUtil.cipherFor("DES/ECB/PKCS5Padding"); // expect: DES mode=ECB padding=PKCS5Padding
        digest("MD5"); // expect: MD5
        CryptoUtil.digest(userAlg); // expect: unknown unknown=algorithm
        helper.digest("MD5"); // a method of another object, named like the wrapper
        CryptoUtil.scaled(1024); // wraps no cryptography
        Local.digest("SHA-1"); // a class of this package with a method of the same name
        com.acme.pay.KeyPairs.rsa(1024); // expect: RSA-1024 key_size=1024
    }
}

class Local {
    static Object digest(String name) {
        return name;
    }
}
