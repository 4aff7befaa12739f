/* SPDX-License-Identifier: Apache-2.0 */
/* Move the running program onto another view of its own file, without an
 * exec: every mapping of the program is replaced by the same pages mapped
 * through fd, and fd becomes /proc/self/exe (prctl PR_SET_MM_MAP, which
 * needs CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE). fd must be the very file
 * the program was exec'd from, seen through another mount (a read-only
 * bind of it): the pages are the same page-cache pages, so the code runs
 * on unchanged while its mapping is swapped under it. */
#pragma once

#include "util/error.h"

/* 0 when /proc/self/exe and every file mapping of the program now come
 * from fd. On error nothing is lost: a mapping already moved holds the
 * same pages, and the caller falls back to exec'ing fd. */
int roci_exe_remap(int fd, struct roci_err *err);
