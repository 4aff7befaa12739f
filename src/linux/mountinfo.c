/* SPDX-License-Identifier: Apache-2.0 */
#include "linux/mountinfo.h"

#include <string.h>

/* Undo mountinfo's octal escapes (\040 for a space) in place. */
static void unescape(char *s)
{
	char *w = s;
	for (char *r = s; *r; r++) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
		    r[3] >= '0' && r[3] <= '7') {
			*w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
			r += 3;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
}

bool roci_mountinfo_parse(char *line, struct roci_mountinfo *e)
{
	char *f[6], *save = NULL, *tok;
	int i = 0;
	for (tok = strtok_r(line, " \n", &save); tok && i < 6; tok = strtok_r(NULL, " \n", &save))
		f[i++] = tok;
	if (i < 6)
		return false;
	while (tok && strcmp(tok, "-") != 0)
		tok = strtok_r(NULL, " \n", &save);
	if (!tok)
		return false;
	e->root = f[3];
	e->mountpoint = f[4];
	e->fstype = strtok_r(NULL, " \n", &save);
	e->source = strtok_r(NULL, " \n", &save);
	e->super = strtok_r(NULL, " \n", &save);
	if (!e->fstype || !e->source || !e->super)
		return false;
	unescape(e->root);
	unescape(e->mountpoint);
	return true;
}
