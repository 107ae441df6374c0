#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <openssl/rand.h>
#include <openssl/crypto.h>
#include <openssl/x509v3.h>
#include <arpa/inet.h>

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

/* TLS server helpers for the event loop (EventLoop's TLSContext/TLSSession): OpenSSL exposes these
   settings only as macros, and the ALPN selection callback is simplest as a C function. */

/* ALPN: the server speaks http/1.1 only; a client offering ALPN without it gets the fatal
   no_application_protocol alert (RFC 7301 §3.2). */
static int sluice_alpn_select_http11(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                                     const unsigned char *in, unsigned int inlen, void *arg) {
    static const unsigned char http11[] = { 8, 'h', 't', 't', 'p', '/', '1', '.', '1' };
    (void)ssl; (void)arg;
    if (SSL_select_next_proto((unsigned char **)out, outlen, http11, sizeof(http11), in, inlen) == OPENSSL_NPN_NEGOTIATED)
        return SSL_TLSEXT_ERR_OK;
    return SSL_TLSEXT_ERR_ALERT_FATAL;
}

/* TLS 1.2 and 1.3 with AEAD suites only, no renegotiation, no compression, stateless session tickets (no server-side session
   cache shared between threads), partial writes from a buffer that may move between retries, read-ahead
   into OpenSSL's one-record buffer (fewer read syscalls per record; a larger buffer, kept for the
   connection's life, saved read calls but no measurable CPU, see perf/tls.md), kernel TLS where the kernel has
   the `tls` module (OpenSSL falls back to its own record layer where it does not), an unexpected EOF
   reported as a plain close, ALPN http/1.1. Returns 1 on success. */
static inline int sluice_tls_configure_server(SSL_CTX *ctx) {
    static const unsigned char session_context[] = "sluice";
    if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) return 0;
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_COMPRESSION
                             | SSL_OP_IGNORE_UNEXPECTED_EOF);
    SSL_CTX_clear_options(ctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    if (SSL_CTX_set_session_id_context(ctx, session_context, sizeof(session_context) - 1) != 1) return 0;
    SSL_CTX_set_read_ahead(ctx, 1);
#ifdef SSL_OP_ENABLE_KTLS
    SSL_CTX_set_options(ctx, SSL_OP_ENABLE_KTLS);
#endif
    /* AES-128-GCM first (as Go and most CDNs order it): as safe in practice and cheaper than AES-256-GCM;
       ChaCha20 for clients without AES instructions. TLS 1.2 keeps forward-secret AEAD suites only. */
    if (SSL_CTX_set_ciphersuites(ctx, "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256") != 1) return 0;
    if (SSL_CTX_set_cipher_list(ctx, "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
                                     "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
                                     "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305") != 1) return 0;
    SSL_CTX_set_alpn_select_cb(ctx, sluice_alpn_select_http11, NULL);
    return 1;
}

/* Requires a client certificate signed by a CA in `ca_file` (mTLS). Returns 1 on success. */
static inline int sluice_tls_require_client_certificates(SSL_CTX *ctx, const char *ca_file) {
    STACK_OF(X509_NAME) *names;
    if (SSL_CTX_load_verify_locations(ctx, ca_file, NULL) != 1) return 0;
    names = SSL_load_client_CA_file(ca_file);
    if (names == NULL) return 0;
    SSL_CTX_set_client_CA_list(ctx, names);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
    return 1;
}

/* Copies the session-ticket keys from one context to another, so tickets issued before a certificate
   reload still resume after it. Returns 1 on success. */
static inline int sluice_tls_copy_ticket_keys(SSL_CTX *from, SSL_CTX *to) {
    unsigned char keys[80];
    int ok;
    if (SSL_CTX_get_tlsext_ticket_keys(from, keys, sizeof(keys)) != 1) return 0;
    ok = (int)SSL_CTX_set_tlsext_ticket_keys(to, keys, sizeof(keys));
    OPENSSL_cleanse(keys, sizeof(keys));
    return ok == 1;
}

/* TLS client helpers for `sluice bench` (TLSSocket's client TLSContext/TLSSession). */

/* TLS 1.2 and 1.3, no renegotiation or compression, partial writes from a buffer that may move between
   retries, an unexpected EOF reported as a plain close, ALPN http/1.1. Sessions are not cached by
   OpenSSL: the caller keeps each connection's last session (SSL_get1_session) and resumes it on
   reconnect. Returns 1 on success. */
static inline int sluice_tls_configure_client(SSL_CTX *ctx) {
    static const unsigned char http11[] = { 8, 'h', 't', 't', 'p', '/', '1', '.', '1' };
    if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) return 0;
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION | SSL_OP_IGNORE_UNEXPECTED_EOF);
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    return SSL_CTX_set_alpn_protos(ctx, http11, sizeof(http11)) == 0;
}

/* The server's identity for one client connection: SNI and a host-name check for a DNS name, an IP
   address check (no SNI, RFC 6066 §3) for an address literal. Returns 1 on success. */
static inline int sluice_tls_client_identity(SSL *ssl, const char *host, int verify) {
    unsigned char address[16];
    int is_ip = inet_pton(AF_INET, host, address) == 1 || inet_pton(AF_INET6, host, address) == 1;
    if (!is_ip && SSL_set_tlsext_host_name(ssl, host) != 1) return 0;
    if (!verify) return 1;
    if (is_ip) return X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host);
    return SSL_set1_host(ssl, host);
}

/* Whether kernel TLS carries this session's records, per direction (0 where OpenSSL has no KTLS). */
static inline int sluice_tls_ktls_send(SSL *ssl) {
#ifndef OPENSSL_NO_KTLS
    return BIO_get_ktls_send(SSL_get_wbio(ssl)) ? 1 : 0;
#else
    (void)ssl; return 0;
#endif
}
static inline int sluice_tls_ktls_receive(SSL *ssl) {
#ifndef OPENSSL_NO_KTLS
    return BIO_get_ktls_recv(SSL_get_rbio(ssl)) ? 1 : 0;
#else
    (void)ssl; return 0;
#endif
}

static inline int sluice_err_reason(unsigned long code) { return ERR_GET_REASON(code); }
static inline int sluice_err_lib(unsigned long code) { return ERR_GET_LIB(code); }
