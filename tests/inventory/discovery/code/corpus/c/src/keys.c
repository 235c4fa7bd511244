#include <openssl/evp.h>
#include "keys.h"

EVP_PKEY *make_rsa_key(unsigned int bits) {
    return EVP_RSA_gen(bits);
}

const EVP_MD *digest_named(const char *name) {
    return EVP_get_digestbyname(name);
}

int scaled(int bits) { return bits * 2; }
