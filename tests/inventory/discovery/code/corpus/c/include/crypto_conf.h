#ifndef CRYPTO_CONF_H
#define CRYPTO_CONF_H
/* Constants the scanned code includes: the scanner must follow them across files. */
#define RSA_KEY_BITS 1024
#define ECDH_GROUPS "X25519MLKEM768:X25519"
static const int AES_KEY_BITS = 128;
#endif
