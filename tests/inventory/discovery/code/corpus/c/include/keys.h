#ifndef KEYS_H
#define KEYS_H
/* Wrappers declared here, defined in src/keys.c: each finding is located at the caller's line. */
#include <openssl/evp.h>
#define SIGNING_BITS 3072
EVP_PKEY *make_rsa_key(unsigned int bits);
const EVP_MD *digest_named(const char *name);
int scaled(int bits);
#endif
