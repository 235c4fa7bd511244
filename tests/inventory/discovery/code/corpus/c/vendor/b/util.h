#include <openssl/evp.h>
const EVP_MD *hash_named(const char *name);
