#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <openssl/rand.h>
#include <openssl/crypto.h>

/* SHA-256 over one buffer with the context on the stack: no allocation and no provider fetch, unlike
   OpenSSL 3's SHA256()/EVP_Digest one-shots (which fetch the algorithm and allocate a context per call).
   The low-level functions are deprecated in OpenSSL 3 but remain the fastest allocation-free path;
   the Tokens cache hashes every credential with it (Benchmarks: TokenLookup). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
static inline int sluice_sha256(const void *data, size_t length, unsigned char out[32]) {
    SHA256_CTX context;
    if (SHA256_Init(&context) != 1) return 0;
    if (SHA256_Update(&context, data, length) != 1) return 0;
    return SHA256_Final(out, &context);
}
#pragma GCC diagnostic pop
