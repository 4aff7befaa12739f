/* SPDX-License-Identifier: Apache-2.0 */
#include "util/passwd.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"

int roci_passwd_lookup(const char *path, uid_t uid, char *name, size_t name_len, char *home,
		       size_t home_len)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	if (!f)
		return -errno;
	char line[1024];
	while (fgets(line, sizeof(line), f)) {
		/* name:password:uid:gid:gecos:home:shell */
		char *fields[7] = { 0 };
		int n = 0;
		for (char *s = line; s && n < 7; n++) {
			fields[n] = s;
			s = strchr(s, ':');
			if (s)
				*s++ = '\0';
		}
		if (n < 6)
			continue;
		char *end;
		unsigned long u = strtoul(fields[2], &end, 10);
		if (*end || fields[2] == end || u != uid)
			continue;
		if (name)
			snprintf(name, name_len, "%s", fields[0]);
		if (home)
			snprintf(home, home_len, "%s", fields[5]);
		return 0;
	}
	return -ENOENT;
}
