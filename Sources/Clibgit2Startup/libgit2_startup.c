#define _GNU_SOURCE
#include "libgit2_startup.h"

#include <dlfcn.h>
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

/* The chain is an mbedtls_x509_crt *; only passed on, so it needs no mbedTLS header. */
int mbedtls_x509_crt_parse_file(void *chain, const char *path) {
  if (loading_defaults_at_init) {
    skipped_loads += 1;
    return 0;
  }
  typedef int (*parse_file_function)(void *, const char *);
  static parse_file_function next = 0;
  parse_file_function found = __atomic_load_n(&next, __ATOMIC_ACQUIRE);
  if (found == 0) {
    found = (parse_file_function)dlsym(RTLD_NEXT, "mbedtls_x509_crt_parse_file");
    __atomic_store_n(&next, found, __ATOMIC_RELEASE);
  }
  return found ? found(chain, path) : -1;
}
