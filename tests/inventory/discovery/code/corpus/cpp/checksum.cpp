#include <string>
#include "hash_util.hpp"

namespace app {
struct Registry {
    const EVP_MD *digest_for(const std::string &name) const;
};

const EVP_MD *legacy() { return digest_for("md5"); } // expect: MD5
const EVP_MD *modern() { return ::digest_for("sha256"); } // expect: SHA-256
const EVP_MD *looked_up(const Registry &r) { return r.digest_for("sha1"); } // a member named like the wrapper
}  // namespace app
