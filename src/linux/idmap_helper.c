/* SPDX-License-Identifier: Apache-2.0 */
#include "linux/idmap_helper.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "linux/namespaces.h"
#include "util/cleanup.h"

extern char **environ;

/* pid plus three numbers per mapping, the program name and NULL */
#define HELPER_MAX_MAPPINGS 340

bool roci_idmap_needs_helper(const struct roci_id_mapping *m, size_t n, unsigned own)
{
	if (geteuid() == 0 || n == 0)
		return false;
	return !(n == 1 && m[0].host_id == own && m[0].size == 1);
}

int roci_idmap_helper(pid_t pid, bool uid, const struct roci_id_mapping *m, size_t n,
		      struct roci_err *err)
{
	const char *prog = uid ? "newuidmap" : "newgidmap";
	if (n > HELPER_MAX_MAPPINGS)
		return roci_failx(err, E2BIG, "%s: too many mappings (%zu)", prog, n);
	/* the numbers, each in its own slot of one buffer */
	char nums[(3 * HELPER_MAX_MAPPINGS + 1) * 12];
	char *argv[3 * HELPER_MAX_MAPPINGS + 3];
	size_t a = 0, off = 0;
	argv[a++] = (char *)prog;
	argv[a++] = nums;
	off += (size_t)snprintf(nums, sizeof(nums), "%d", (int)pid) + 1;
	for (size_t i = 0; i < n; i++) {
		const uint32_t v[3] = { m[i].container_id, m[i].host_id, m[i].size };
		for (int k = 0; k < 3; k++) {
			argv[a++] = nums + off;
			off += (size_t)snprintf(nums + off, sizeof(nums) - off, "%" PRIu32, v[k]) + 1;
		}
	}
	argv[a] = NULL;

	/* its stderr is read back: it becomes the error, not a stray line */
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return roci_fail(err, errno, "pipe for %s", prog);
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], STDERR_FILENO);
	posix_spawn_file_actions_adddup2(&fa, p[1], STDOUT_FILENO);
	pid_t child;
	int r = posix_spawnp(&child, prog, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	_cleanup_close_ int rd = p[0];
	if (r != 0) {
		if (r == ENOENT)
			return roci_failx(err, ENOENT,
					  "%s not found: a rootless container with more than the user's own id "
					  "needs newuidmap and newgidmap (Debian's uidmap)",
					  prog);
		return roci_fail(err, r, "run %s", prog);
	}
	char msg[512];
	size_t got = 0;
	ssize_t k;
	while (got < sizeof(msg) - 1 && ((k = read(rd, msg + got, sizeof(msg) - 1 - got)) > 0 || (k < 0 && errno == EINTR)))
		if (k > 0)
			got += (size_t)k;
	msg[got] = '\0';
	while (got && (msg[got - 1] == '\n' || msg[got - 1] == ' '))
		msg[--got] = '\0';
	int st;
	while (waitpid(child, &st, 0) < 0)
		if (errno != EINTR)
			return roci_fail(err, errno, "wait for %s", prog);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	return roci_failx(err, EPERM, "%s %d: %s", prog, (int)pid,
			  got ? msg : WIFEXITED(st) ? "failed" : "killed");
}

int roci_idmap_write(int procfs_fd, pid_t pid, const struct roci_config *cfg, struct roci_err *err)
{
	if (geteuid() == 0)
		return roci_ns_write_maps(procfs_fd, pid, cfg, err);
	int r;
	if (roci_idmap_needs_helper(cfg->uid_mappings, cfg->n_uid_mappings, geteuid()))
		r = roci_idmap_helper(pid, true, cfg->uid_mappings, cfg->n_uid_mappings, err);
	else
		r = roci_ns_write_id_maps(procfs_fd, pid, "linux", cfg->uid_mappings, cfg->n_uid_mappings,
					  NULL, 0, err);
	if (r < 0)
		return r;
	if (roci_idmap_needs_helper(cfg->gid_mappings, cfg->n_gid_mappings, getegid()))
		return roci_idmap_helper(pid, false, cfg->gid_mappings, cfg->n_gid_mappings, err);
	if (cfg->n_gid_mappings && (r = roci_ns_deny_setgroups(procfs_fd, pid, err)) < 0)
		return r;
	return roci_ns_write_id_maps(procfs_fd, pid, "linux", NULL, 0, cfg->gid_mappings,
				     cfg->n_gid_mappings, err);
}
