#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/ssl.h>
#include <sodium.h>
#include <mbedtls/rsa.h>
#include <mbedtls/aes.h>
#include <stdio.h>
#include "crypto_conf.h"

#define CURVE NID_secp384r1

static int key_bits(void) { return RSA_KEY_BITS * 2; }

void keys(int n) {
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_RSA, NULL); /* expect: RSA-1024 key_size=1024 */
    EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, RSA_KEY_BITS);
    RSA *r = RSA_new();
    RSA_generate_key_ex(r, key_bits(), NULL, NULL); /* expect: RSA-2048 key_size=2048 */
    RSA_generate_key_ex(r, n, NULL, NULL); /* expect: RSA unknown=key_size */
    EC_KEY *ec = EC_KEY_new_by_curve_name(CURVE); /* expect: ECDSA-P384 curve=P-384 */
    EVP_PKEY *pq = EVP_PKEY_Q_keygen(NULL, NULL, "ML-KEM-768"); /* expect: ML-KEM-768 */
    unsigned char pk[32], sk[64];
    crypto_sign_keypair(pk, sk); /* expect: Ed25519 */
    mbedtls_rsa_context rsa;
    mbedtls_rsa_gen_key(&rsa, NULL, NULL, 4096, 65537); /* expect: RSA-4096 key_size=4096 */
}

void ciphers(EVP_CIPHER_CTX *c, const unsigned char *k, const unsigned char *iv) {
    EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, k, iv); /* expect: AES-256 key_size=256 mode=GCM */
    EVP_EncryptInit_ex(c, EVP_des_ede3_cbc(), NULL, k, iv); /* expect: 3DES mode=CBC */
    mbedtls_aes_context aes;
    mbedtls_aes_setkey_enc(&aes, k, AES_KEY_BITS); /* expect: AES-128 key_size=128 */
    unsigned char out[32];
    MD5(k, 16, out); /* expect: MD5 */
    SHA1(k, 16, out); /* expect: SHA-1 */
    HMAC(EVP_sha256(), k, 16, iv, 16, out, NULL); /* expect: HMAC-SHA256 digest=SHA-256; SHA-256 */
    crypto_secretbox_easy(out, k, 16, iv, k); /* expect: XSalsa20-Poly1305 */
}

void tls(SSL_CTX *ctx) {
    SSL_CTX_set1_groups_list(ctx, ECDH_GROUPS); /* expect: X25519MLKEM768; X25519 */
    SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION); /* expect: TLS 1.0 */
}

static void md4_like(const char *s) { (void)s; }

void look_alikes(const char *rsa) {
    int rsa_bits = 1024; /* a variable named like a key size */
    printf("RSA_generate_key_ex(r, 512) is refused for %s\n", rsa);
    /* EVP_des_ecb() was used here */
    md4_like("MD5(data)");
    (void)rsa_bits;
}
