/* SPDX-License-Identifier: Apache-2.0 */
/* One line of /proc/self/mountinfo, for the rootfs steps and the cgroup
 * hierarchy lookup. */
#pragma once
#include <stdbool.h>

struct roci_mountinfo {
	char *root, *mountpoint, *fstype, *source, *super;
};

/* Parse one mountinfo line in place (unescaping root and mountpoint);
 * false for a line that is not one. */
bool roci_mountinfo_parse(char *line, struct roci_mountinfo *e);
