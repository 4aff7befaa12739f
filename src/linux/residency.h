/* SPDX-License-Identifier: Apache-2.0 */
/* What a long-waiting roci process keeps resident. */
#pragma once

#include "linux/program_image.h"

/* openat(dirfd, path, flags), which may block for long, with the page-table
 * entries of the program's read-only segments (code and constants, from
 * im), and of the dead stack below the caller, dropped first. They are
 * clean pages: nothing is lost, the page cache keeps the file's, and the
 * code that runs next faults back in only what it touches. Between the
 * madvise calls and the open only this function's own code runs (bare
 * system calls), so one page comes back before the open blocks. im with
 * no segment (n 0) releases nothing. The parked init opens exec.fifo this
 * way: while it waits for `start`, its memory is little more than its own
 * data. */
int roci_open_released(int dirfd, const char *path, int flags, const struct roci_program_image *im);
