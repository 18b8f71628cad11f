#ifndef POLICYFLOW_LIBGIT2_STARTUP_H
#define POLICYFLOW_LIBGIT2_STARTUP_H

/*
 * git_libgit2_init for a process that opens no network connection.
 *
 * Debian's libgit2 1.5 is built with mbedTLS and, inside git_libgit2_init, parses every certificate of the
 * system's CA bundle (mbedtls_x509_crt_parse_file on /etc/ssl/certs/ca-certificates.crt): about 52 million
 * instructions, 12-15 ms, 40 % of a whole `policyflow status` on a small policy. Most commands never fetch or
 * push, so they never use them. libgit2 is linked statically, with the linker's --wrap=mbedtls_x509_crt_parse_file
 * (Package.swift), so its call reaches this target's __wrap_mbedtls_x509_crt_parse_file. While this function runs,
 * that wrapper loads nothing and reports success, which leaves libgit2 with an empty trust store: an HTTPS
 * connection would fail certificate verification (closed, not open). At every other time it forwards to mbedTLS,
 * so git_libgit2_opts(GIT_OPT_SET_SSL_CERT_LOCATIONS, ...) still loads certificates for a caller that wants them
 * (PolicyGit loads them before its first network operation).
 *
 * Returns git_libgit2_init's result.
 */
int pf_git_init_without_default_certificates(void);

/* How many certificate files this process skipped loading during init: 1 where the wrapper is linked in
 * and the platform's libgit2 loads a bundle at init, 0 otherwise. For tests and diagnostics. */
int pf_git_skipped_certificate_loads(void);

/* git_libgit2_opts(GIT_OPT_SET_SSL_CERT_LOCATIONS, file, NULL): loads a CA bundle after start-up, for a caller
 * that opens a connection; the tests use it to show that loading still works. */
int pf_git_load_certificates(const char *file);

#endif
