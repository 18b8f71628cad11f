#include "libgit2_startup.h"

#include <git2.h>

/* Set only around git_libgit2_init, which PolicyGit calls once, under swift_once, before any other libgit2
 * call: no other thread can be inside libgit2 while it is set. */
static int loading_defaults_at_init = 0;
static int skipped_loads = 0;

int pf_git_init_without_default_certificates(void) {
  loading_defaults_at_init = 1;
  int result = git_libgit2_init();
  loading_defaults_at_init = 0;
  return result;
}

int pf_git_skipped_certificate_loads(void) { return skipped_loads; }

int pf_git_load_certificates(const char *file) {
  return git_libgit2_opts(GIT_OPT_SET_SSL_CERT_LOCATIONS, file, (const char *)0);
}

/* mbedTLS's own function, which the linker's --wrap makes this file's __real_ name reach; the chain is an
 * mbedtls_x509_crt *, only passed on, so no mbedTLS header is needed. */
int __real_mbedtls_x509_crt_parse_file(void *chain, const char *path);

/* What libgit2's call to mbedtls_x509_crt_parse_file reaches (the binaries link with
 * --wrap=mbedtls_x509_crt_parse_file; see Package.swift). */
int __wrap_mbedtls_x509_crt_parse_file(void *chain, const char *path) {
  if (loading_defaults_at_init) {
    skipped_loads += 1;
    return 0;
  }
  return __real_mbedtls_x509_crt_parse_file(chain, path);
}
