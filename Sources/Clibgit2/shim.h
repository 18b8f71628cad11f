#include <git2.h>
#include <git2/sys/repository.h>

/*
 * git_libgit2_opts is variadic, and Swift cannot call C variadic functions. These fixed-arity wrappers expose
 * exactly the options PolicyGit sets, so each one passes the argument type that option expects.
 */
static inline int pf_git_enable_strict_object_creation(int enabled) {
  return git_libgit2_opts(GIT_OPT_ENABLE_STRICT_OBJECT_CREATION, enabled);
}

static inline int pf_git_enable_strict_hash_verification(int enabled) {
  return git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, enabled);
}

static inline int pf_git_set_cache_max_size(long long bytes) {
  return git_libgit2_opts(GIT_OPT_SET_CACHE_MAX_SIZE, (ssize_t)bytes);
}
