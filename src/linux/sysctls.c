/* SPDX-License-Identifier: Apache-2.0 */
#include "linux/sysctls.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "linux/procfs.h"
#include "util/cleanup.h"

/* IPC namespace sysctls under kernel.* (fs.mqueue.* is all IPC). */
static const char *const ipc_kernel[] = {
	"msgmax", "msgmnb", "msgmni", "sem", "shmall", "shmmax", "shmmni",
	"shm_rmid_forced", "msg_next_id", "sem_next_id", "shm_next_id",
};

/* Compare the first components of a sysctl name, whichever separator it
 * uses: prefix "fs.mqueue" matches "fs.mqueue.x" and "fs/mqueue/x". */
static bool has_prefix(const char *key, const char *prefix, bool whole)
{
	for (; *prefix; key++, prefix++) {
		char k = *key == '/' ? '.' : *key;
		if (k != *prefix)
			return false;
	}
	return whole ? *key == '\0' : (*key == '.' || *key == '/');
}

int roci_sysctl_namespace(const char *key)
{
	if (has_prefix(key, "net", false))
		return ROCI_NS_NETWORK;
	if (has_prefix(key, "fs.mqueue", false))
		return ROCI_NS_IPC;
	if (has_prefix(key, "kernel.hostname", true) || has_prefix(key, "kernel.domainname", true))
		return ROCI_NS_UTS;
	for (size_t i = 0; i < ARRAY_SIZE(ipc_kernel); i++) {
		char full[64];
		snprintf(full, sizeof(full), "kernel.%s", ipc_kernel[i]);
		if (has_prefix(key, full, true))
			return ROCI_NS_IPC;
	}
	return -1;
}

int roci_sysctl_proc_path(const char *key, char *buf, size_t size)
{
	/* A name that uses '/' keeps its dots (interface names like eth0.100). */
	bool slashes = strchr(key, '/') != NULL;
	int n = snprintf(buf, size, "sys/%s", key);
	if (n < 0 || (size_t)n >= size)
		return -ENAMETOOLONG;
	if (!slashes)
		for (char *p = buf + 4; *p; p++)
			if (*p == '.')
				*p = '/';
	return 0;
}

/* A joined namespace that is the caller's own (the host's) is not owned by
 * the container. */
static bool joins_host_ns(const struct roci_config *cfg, enum roci_ns_type t)
{
	if (!cfg->ns[t].path)
		return false;
	char self[64];
	snprintf(self, sizeof(self), "/proc/self/ns/%s", roci_ns_proc_name(t));
	struct stat a, b;
	return stat(cfg->ns[t].path, &a) == 0 && stat(self, &b) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

int roci_sysctl_check(const struct roci_config *cfg, struct roci_err *err)
{
	for (size_t i = 0; i < cfg->n_sysctls; i++) {
		const char *key = cfg->sysctls[i].key;
		int t = roci_sysctl_namespace(key);
		if (t < 0)
			return roci_failx(err, EINVAL, "sysctl \"%s\" is not in a separate kernel namespace", key);
		if (!cfg->ns[t].present)
			return roci_failx(err, EINVAL, "sysctl \"%s\" is not allowed without a private %s namespace",
					  key, roci_ns_name((enum roci_ns_type)t));
		if (joins_host_ns(cfg, (enum roci_ns_type)t))
			return roci_failx(err, EINVAL, "sysctl \"%s\" is not allowed in the host's %s namespace",
					  key, roci_ns_name((enum roci_ns_type)t));
		/* the same setting twice, with two values: refused */
		char path[320];
		if (roci_sysctl_proc_path(key, path, sizeof(path)) < 0)
			return roci_failx(err, ENAMETOOLONG, "sysctl %s: name too long", key);
		const char *field = !strcmp(path, "sys/kernel/hostname")     ? cfg->hostname
				    : !strcmp(path, "sys/kernel/domainname") ? cfg->domainname
									 : NULL;
		if (field && strcmp(field, cfg->sysctls[i].value))
			return roci_failx(err, EINVAL, "sysctl \"%s\" (\"%s\") conflicts with %s \"%s\"", key,
					  cfg->sysctls[i].value, path + 11, field);
	}
	return 0;
}

int roci_sysctl_apply(const struct roci_config *cfg, int procfs_fd, struct roci_err *err)
{
	for (size_t i = 0; i < cfg->n_sysctls; i++) {
		const struct roci_sysctl *s = &cfg->sysctls[i];
		char path[320];
		if (roci_sysctl_proc_path(s->key, path, sizeof(path)) < 0)
			return roci_failx(err, ENAMETOOLONG, "sysctl %s: name too long", s->key);
		int r = roci_procfs_write(procfs_fd, path, s->value, strlen(s->value), err);
		if (r < 0)
			return roci_err_wrap(err, "sysctl %s=%s", s->key, s->value);
	}
	return 0;
}
