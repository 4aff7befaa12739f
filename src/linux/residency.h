/* SPDX-License-Identifier: Apache-2.0 */
/* What a long-waiting roci process keeps resident. */
#pragma once
#include <stddef.h>
#include <stdint.h>

/* roci's own read-only segments (code and constants), page-aligned. */
struct roci_program_pages {
	uintptr_t page; /* the page size; 0: nothing is released */
	size_t n;
	struct {
		uintptr_t start, len;
	} seg[8];
};

void roci_program_pages(struct roci_program_pages *out);

/* openat(dirfd, path, flags), which may block for long, with the page-table
 * entries of those segments, and of the dead stack below the caller,
 * dropped first. They are clean file pages:
 * nothing is lost, the page cache keeps them, and the code that runs next
 * faults back in only what it touches. Between the two calls only this
 * function and libc's syscall() run, so little comes back before the open
 * blocks. The parked init opens exec.fifo this way: while it waits for
 * `start`, its memory is little more than its own data. */
int roci_open_released(int dirfd, const char *path, int flags, const struct roci_program_pages *pages);
