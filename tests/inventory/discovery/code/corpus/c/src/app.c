#include <stdio.h>
#include "keys.h"
#include "crypto_conf.h"

struct helper { EVP_PKEY *(*make_rsa_key)(unsigned int); };

void run(unsigned int user_bits, struct helper *h) {
    EVP_PKEY *a = make_rsa_key(1024); /* expect: RSA-1024 key_size=1024 */
    EVP_PKEY *b = make_rsa_key(SIGNING_BITS); /* expect: RSA-3072 key_size=3072 */
    EVP_PKEY *c = make_rsa_key(user_bits); /* expect: RSA unknown=key_size */
    const EVP_MD *d = digest_named("md5"); /* expect: MD5 */
    int e = scaled(RSA_KEY_BITS); /* wraps no cryptography */
    EVP_PKEY *f = h->make_rsa_key(512); /* a field named like the wrapper */
    printf("%p %p %p %p %d %p\n", (void *)a, (void *)b, (void *)c, (const void *)d, e, (void *)f);
}
