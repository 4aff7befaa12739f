/* SPDX-License-Identifier: Apache-2.0 */
/* Who runs roci: root on the host, or a user (rootless), as runc decides
 * it: not euid 0, or euid 0 in a user namespace. --rootless true|false
 * overrides the detection; auto (the default) keeps it. A rootless roci
 * keeps its state in $XDG_RUNTIME_DIR/roci unless --root says otherwise,
 * and runs without the cgroups it may not make. */
#pragma once
#include <stdbool.h>

#include "util/error.h"

/* flag: --rootless's value, or NULL for auto */
int roci_rootless_resolve(const char *flag, bool *rootless, struct roci_err *err);

/* The state root when --root is not given: $XDG_RUNTIME_DIR/roci for a
 * user (made 0700 with the sticky bit, as the XDG specification asks for
 * files that must not be pruned), else default_root. *root is
 * default_root or a string to free. */
int roci_rootless_state_root(const char *default_root, char **root, struct roci_err *err);
