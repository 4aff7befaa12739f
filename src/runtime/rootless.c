/* SPDX-License-Identifier: Apache-2.0 */
#include "runtime/rootless.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "linux/namespaces.h"

int roci_rootless_resolve(const char *flag, bool *rootless, struct roci_err *err)
{
	if (flag && !strcmp(flag, "true")) {
		*rootless = true;
		return 0;
	}
	if (flag && !strcmp(flag, "false")) {
		*rootless = false;
		return 0;
	}
	if (flag && strcmp(flag, "auto"))
		return roci_failx(err, EINVAL, "invalid --rootless %s (want true, false or auto)", flag);
	*rootless = geteuid() != 0 || roci_ns_in_user_namespace();
	return 0;
}

/* Whether the state belongs under $XDG_RUNTIME_DIR: for a user; for root
 * in a user namespace unless $USER says root; never for the host's root,
 * whose XDG_RUNTIME_DIR (/run/user/0) would move its containers. */
static bool use_xdg(void)
{
	if (geteuid() != 0)
		return true;
	if (!roci_ns_in_user_namespace())
		return false;
	const char *user = getenv("USER");
	return !user || strcmp(user, "root");
}

int roci_rootless_state_root(const char *default_root, char **root, struct roci_err *err)
{
	*root = (char *)default_root;
	if (!use_xdg())
		return 0;
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	if (!xdg || !*xdg) {
		if (geteuid() == 0)
			return 0;
		return roci_failx(err, EINVAL,
				  "XDG_RUNTIME_DIR is not set: a rootless roci keeps its state in "
				  "$XDG_RUNTIME_DIR/roci (or give --root DIR)");
	}
	char *dir;
	if (asprintf(&dir, "%s/roci", xdg) < 0)
		return roci_fail(err, ENOMEM, "state root");
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		int e = errno;
		roci_fail(err, e, "mkdir %s (the path in XDG_RUNTIME_DIR must be writable by the user)", dir);
		free(dir);
		return -e;
	}
	/* the sticky bit keeps it from being pruned; chmod also fails on a
	 * directory someone else owns */
	struct stat st;
	if (chmod(dir, 01700) < 0 || stat(dir, &st) < 0) {
		int e = errno;
		roci_fail(err, e, "state root %s (check the permissions of XDG_RUNTIME_DIR)", dir);
		free(dir);
		return -e;
	}
	if (st.st_uid != geteuid()) {
		roci_failx(err, EPERM, "state root %s belongs to uid %u, not to this user (%u)", dir,
			   (unsigned)st.st_uid, (unsigned)geteuid());
		free(dir);
		return -EPERM;
	}
	*root = dir;
	return 0;
}
