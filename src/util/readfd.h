/* SPDX-License-Identifier: Apache-2.0 */
/* Read a whole file descriptor into memory, bounded. */
#pragma once
#include <stddef.h>

/* Read fd to its end into a NUL-terminated buffer (*out, freed by the
 * caller; *lenp its length when lenp is not NULL). Returns 0, -EFBIG past
 * max bytes, -ENOMEM, or the read's -errno. */
int roci_read_fd(int fd, size_t max, char **out, size_t *lenp);
