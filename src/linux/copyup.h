/* SPDX-License-Identifier: Apache-2.0 */
/* tmpcopyup: a new tmpfs starts with a copy of the directory it covers. */
#pragma once
#include "util/error.h"

/* Copy the tree under src_dir into dst_dir (both directory fds; src_dir
 * may be O_PATH): directories, regular files, symlinks, device nodes and
 * fifos, with owner, mode and times. Nothing is followed: a symlink is
 * copied as a symlink. Sockets are skipped. */
int roci_copyup(int src_dir, int dst_dir, struct roci_err *err);
