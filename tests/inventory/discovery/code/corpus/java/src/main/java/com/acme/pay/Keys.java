package com.acme.pay;

import static com.acme.pay.CryptoConfig.LEGACY_CIPHER;

import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import javax.crypto.*;
import javax.crypto.spec.SecretKeySpec;
import javax.net.ssl.SSLContext;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.engines.AESEngine;
import org.bouncycastle.crypto.generators.RSAKeyPairGenerator;
import org.bouncycastle.crypto.macs.HMac;
import org.bouncycastle.crypto.modes.GCMBlockCipher;
import org.bouncycastle.crypto.params.RSAKeyGenerationParameters;

public class Keys {
    private static final String ALG = "AES";
    private static final String MODE = "GCM";
    private static final int AES_BITS = 256;

    static int doubled() {
        return CryptoConfig.RSA_BITS * 2;
    }

    void generate(int size) throws Exception {
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA"); // expect: RSA-1024 key_size=1024
        rsa.initialize(CryptoConfig.RSA_BITS);
        KeyPairGenerator big = KeyPairGenerator.getInstance("RSA"); // expect: RSA-2048 key_size=2048
        big.initialize(doubled());
        KeyPairGenerator ec = KeyPairGenerator.getInstance("EC"); // expect: ECDSA-P384 curve=P-384
        ec.initialize(new ECGenParameterSpec(CryptoConfig.CURVE));
        KeyPairGenerator any = KeyPairGenerator.getInstance("RSA"); // expect: RSA unknown=key_size
        any.initialize(size);
        KeyGenerator kg = KeyGenerator.getInstance(ALG); // expect: AES-256 key_size=256
        kg.init(AES_BITS);
        KeyPairGenerator ml = KeyPairGenerator.getInstance("ML-DSA-65"); // expect: ML-DSA-65
    }

    byte[] encrypt(byte[] key, byte[] data) throws Exception {
        Cipher gcm = Cipher.getInstance(ALG + "/" + MODE + "/NoPadding"); // expect: AES mode=GCM padding=NoPadding
        Cipher legacy = Cipher.getInstance(LEGACY_CIPHER); // expect: 3DES mode=CBC padding=PKCS5Padding
        Cipher oaep = Cipher.getInstance("RSA/ECB/OAEPWithSHA-256AndMGF1Padding"); // expect: RSA padding=OAEP digest=SHA-256
        SecretKeySpec spec = new SecretKeySpec(new byte[16], "AES"); // expect: AES-128 key_size=128
        return gcm.doFinal(data);
    }

    void digests() throws Exception {
        MessageDigest sha1 = MessageDigest.getInstance("SHA-1"); // expect: SHA-1
        MessageDigest md5 = java.security.MessageDigest.getInstance("MD5"); // expect: MD5
        Mac mac = Mac.getInstance("HmacSHA256"); // expect: HMAC-SHA256 digest=SHA-256
        Signature sig = Signature.getInstance("SHA1withRSA"); // expect: RSA-SHA1 digest=SHA-1
        Signature ecdsa = Signature.getInstance("SHA256withECDSA"); // expect: ECDSA digest=SHA-256
        SecretKeyFactory pbkdf2 = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA1"); // expect: PBKDF2-SHA1 digest=SHA-1
        KeyAgreement ka = KeyAgreement.getInstance("X25519"); // expect: X25519
        SSLContext tls = SSLContext.getInstance("TLSv1.1"); // expect: TLS 1.1
    }

    void bouncyCastle() {
        RSAKeyPairGenerator gen = new RSAKeyPairGenerator(); // expect: RSA-2048 key_size=2048
        gen.init(new RSAKeyGenerationParameters(java.math.BigInteger.valueOf(65537), null, 2048, 80));
        GCMBlockCipher aead = new GCMBlockCipher(new AESEngine()); // expect: AES mode=GCM; AES unknown=key_size
        HMac hmac = new HMac(new SHA256Digest()); // expect: HMAC-SHA256 digest=SHA-256; SHA-256
        SHA256Digest digest = new SHA256Digest(); // expect: SHA-256
    }
}
