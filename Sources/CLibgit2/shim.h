#ifndef REFUGE_CLIBGIT2_SHIM_H
#define REFUGE_CLIBGIT2_SHIM_H

#include <git2.h>
#include <git2/sys/commit_graph.h>

/* git_libgit2_opts is variadic, which Swift cannot call: one fixed-signature wrapper per option used. */

/* Turns libgit2's repository ownership check (git's safe.directory) on or off. */
static inline int refuge_git_set_owner_validation(int enabled) {
    return git_libgit2_opts(GIT_OPT_SET_OWNER_VALIDATION, enabled);
}

#endif
