#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <string>

namespace net {
constexpr int kDhBits = 2048;

class Hasher {
 public:
  std::string SHA256(const std::string& s) { return s; }  // the project's own method
};

void Setup(SSL_CTX* ctx) {
  SSL_CTX_set1_groups_list(ctx, "P-256:X25519");  // expect: ECDH-P256 curve=P-256; X25519
  const EVP_MD* md = EVP_sha1();  // expect: SHA-1
  EVP_PKEY_CTX* kctx = EVP_PKEY_CTX_new_id(EVP_PKEY_DH, nullptr);  // expect: DH-2048 key_size=2048
  EVP_PKEY_CTX_set_dh_paramgen_prime_len(kctx, kDhBits);
  EVP_PKEY* k = EVP_RSA_gen(3072);  // expect: RSA-3072 key_size=3072
  Hasher h;
  h.SHA256("not openssl");
  // EVP_md5() in a comment
  (void)md;
  (void)k;
}
}  // namespace net
