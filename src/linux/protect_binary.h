/* SPDX-License-Identifier: Apache-2.0 */
/* Keep the runtime binary out of the container's reach (security.md #1,
 * CVE-2019-5736). Commands that put a process into a container (create,
 * run, exec) first move roci onto a protected view of itself: a detached
 * read-only bind mount of the binary (open_tree + mount_setattr), taken
 * over without an exec where the kernel allows (exe_remap.h), else
 * exec'd; where no bind can be made, a sealed memfd copy, exec'd. So
 * /proc/<pid>/exe of any roci process a container can see, and the target
 * of `#!/proc/self/exe`, is a file nobody can write. A binary on a
 * read-only mount is used as it is, at no cost. */
#pragma once
#include <stdbool.h>

#include "util/error.h"

/* The file open as fd cannot be written by anyone: a memfd sealed against
 * writes, or a file on a read-only mount. */
bool roci_binary_is_protected(int fd);

/* Return 0 when roci runs from a protected file (already, or once moved
 * onto the read-only bind); otherwise exec a protected copy with the same
 * argv and environment (no return on success). */
int roci_protect_binary(char **argv, struct roci_err *err);
