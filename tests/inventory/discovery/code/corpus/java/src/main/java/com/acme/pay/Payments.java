package com.acme.pay;

/** A class of the same package calls the wrappers without an import. */
public class Payments {
    Object seal() throws Exception {
        return CryptoUtil.cipherFor("AES/GCM/NoPadding"); // expect: AES mode=GCM padding=NoPadding
    }

    Object legacy() throws Exception {
        return CryptoUtil.cipherFor(CryptoConfig.LEGACY_CIPHER); // expect: 3DES mode=CBC padding=PKCS5Padding
    }
}
