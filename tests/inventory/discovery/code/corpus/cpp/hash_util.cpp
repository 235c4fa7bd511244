#include "hash_util.hpp"

const EVP_MD *digest_for(const char *name) {
    return EVP_get_digestbyname(name);
}
