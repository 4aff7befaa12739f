/* SPDX-License-Identifier: Apache-2.0 */
/* /etc/passwd lookups without NSS (so static builds stay self-contained). */
#pragma once
#include <stddef.h>
#include <sys/types.h>

/* Find uid in the passwd file at path; fill name and/or home (either may be
 * NULL). Returns 0, or -ENOENT when there is no such entry. */
int roci_passwd_lookup(const char *path, uid_t uid, char *name, size_t name_len, char *home,
		       size_t home_len);
