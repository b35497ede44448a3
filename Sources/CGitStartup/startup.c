/*
 * Debian's libgit2 1.5 is built with mbedTLS and parses the whole system CA bundle
 * (/etc/ssl/certs/ca-certificates.crt) inside git_libgit2_init(): about 50 million instructions,
 * 10-15 ms, on every start of every hook, for TLS that Refuge never uses (it makes no network
 * connections through libgit2). There is no option to skip it: the path is compiled in.
 *
 * This file defines mbedtls_x509_crt_parse_file in the executable, which the dynamic linker
 * prefers over libmbedx509's. While refuge_libgit2_init() runs, it loads nothing; at any other
 * time (an explicit GIT_OPT_SET_SSL_CERT_LOCATIONS, say) it forwards to the real function, so
 * TLS through libgit2 would still verify certificates if Refuge ever used it.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <git2.h>

static int skipping_default_bundle = 0;

typedef int (*parse_file_fn)(void *chain, const char *path);

int mbedtls_x509_crt_parse_file(void *chain, const char *path) {
    if (skipping_default_bundle) {
        return 0;
    }
    parse_file_fn real = (parse_file_fn)dlsym(RTLD_NEXT, "mbedtls_x509_crt_parse_file");
    return real ? real(chain, path) : -1;
}

int refuge_libgit2_init(void) {
    skipping_default_bundle = 1;
    int result = git_libgit2_init();
    skipping_default_bundle = 0;
    /* libgit2 re-hashes every object it reads to check its id (strict hash verification, on by default);
     * git does not on ordinary reads, and a walk of 100,000 commits spends 10-15% of its time there.
     * Corruption is git fsck's (and `git refuge doctor`'s) business, as it is git's. */
    if (result >= 0) {
        git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
        /* Peak memory (Docs/Performance.md): libgit2 maps a pack in 1 GiB windows and caches up to 256 MiB of
         * objects. Refuge reads each object about once (a walk, a peel), so neither pays off, and every
         * page a walk touches in a mapped window counts in the process's peak RSS: the drain of a
         * 10,000-commit forced update went from 58 to 48 MiB with 1 MiB windows, 4 MiB mapped at most and a
         * 1 MiB object cache, and lost --all-objects from 120 to 90 MiB, neither slower. */
        git_libgit2_opts(GIT_OPT_SET_MWINDOW_SIZE, (size_t)(1024 * 1024));
        git_libgit2_opts(GIT_OPT_SET_MWINDOW_MAPPED_LIMIT, (size_t)(4 * 1024 * 1024));
        git_libgit2_opts(GIT_OPT_SET_CACHE_MAX_SIZE, (ssize_t)(1024 * 1024));
    }
    return result;
}
