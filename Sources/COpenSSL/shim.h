/*
 * SHA256_Init/Update/Final are deprecated in OpenSSL 3 in favour of EVP; pf_sha256 below uses them on purpose.
 */
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

/*
 * EVP_PKEY_ED25519 is a macro defined through another macro (NID_ED25519), which Swift may not import; this
 * constant gives it a name Swift always sees.
 */
static const int pf_evp_pkey_ed25519 = EVP_PKEY_ED25519;

/*
 * SHA-256 through libcrypto's own low-level implementation. The EVP route's first fetch of any algorithm builds the
 * provider's name map of every legacy OpenSSL name (4.4 M instructions, measured with callgrind): a command that
 * signs and verifies nothing paid that for hashing a few hundred bytes. Same implementation, same results (the
 * tests compare with FIPS 180-4's examples and with sha256sum).
 */
static inline int pf_sha256(const void *data, size_t count, unsigned char *digest) {
  SHA256_CTX context;
  return SHA256_Init(&context) == 1 && SHA256_Update(&context, data, count) == 1 && SHA256_Final(digest, &context) == 1;
}
