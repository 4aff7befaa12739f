/* SPDX-License-Identifier: Apache-2.0 */
#include "linux/umount.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util/libc_compat.h"

#include "util/cleanup.h"

/* mountinfo escapes space, tab, newline and backslash as \\ooo */
static void unescape(char *s)
{
	char *o = s;
	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] && s[3]) {
			*o++ = (char)(((s[1] - '0') << 6) | ((s[2] - '0') << 3) | (s[3] - '0'));
			s += 4;
		} else {
			*o++ = *s++;
		}
	}
	*o = '\0';
}

int roci_unmount_under(const char *path)
{
	size_t pl = strlen(path);
	char **found = NULL;
	size_t n = 0;
	_cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return 0;
	char line[8192];
	while (fgets(line, sizeof(line), f)) {
		/* fields: id parent major:minor root mountpoint ... */
		char *save = NULL, *tok = strtok_r(line, " ", &save);
		for (int i = 0; tok && i < 4; i++)
			tok = strtok_r(NULL, " ", &save);
		if (!tok)
			continue;
		unescape(tok);
		if (strncmp(tok, path, pl) || (tok[pl] != '/' && tok[pl] != '\0'))
			continue;
		char **nf = realloc(found, (n + 1) * sizeof(*found));
		if (!nf)
			break;
		found = nf;
		found[n++] = strdup(tok);
	}
	int count = 0;
	/* mountinfo lists parents before children: unmount in reverse */
	for (size_t i = n; i-- > 0;) {
		if (found[i] && umount2(found[i], MNT_DETACH) == 0)
			count++;
		free(found[i]);
	}
	free(found);
	return count;
}
