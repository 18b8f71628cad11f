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
