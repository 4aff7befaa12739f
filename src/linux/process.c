/* SPDX-License-Identifier: Apache-2.0 */
#include "linux/process.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/libc_compat.h"
#include "util/passwd.h"

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static const char *env_get(char *const *env, const char *name)
{
	size_t nl = strlen(name);
	for (; env && *env; env++)
		if (!strncmp(*env, name, nl) && (*env)[nl] == '=')
			return *env + nl + 1;
	return NULL;
}

static bool is_executable_file(const char *path, int *why)
{
	struct stat st;
	if (stat(path, &st) < 0) {
		*why = errno;
		return false;
	}
	if (S_ISDIR(st.st_mode)) {
		*why = EISDIR;
		return false;
	}
	if (access(path, X_OK) < 0) {
		*why = errno;
		return false;
	}
	return true;
}

int roci_process_lookup(const struct roci_process *p, char **out, struct roci_err *err)
{
	const char *arg0 = p->args[0];
	int why = 0;
	if (strchr(arg0, '/')) {
		if (!is_executable_file(arg0, &why)) {
			if (why == ENOENT)
				return roci_failx(err, ENOENT, "exec: \"%s\": stat %s: no such file or directory", arg0, arg0);
			char text[128];
			return roci_failx(err, why, "exec: \"%s\": %s", arg0,
					  roci_errno_text(why, text, sizeof(text)));
		}
		*out = strdup(arg0);
		return *out ? 0 : -ENOMEM;
	}
	const char *path = env_get(p->env, "PATH");
	if (!path)
		path = DEFAULT_PATH;
	const char *s = path;
	for (;;) {
		const char *e = strchrnul(s, ':');
		size_t dl = (size_t)(e - s);
		char cand[PATH_MAX];
		if (dl == 0)
			snprintf(cand, sizeof(cand), "./%s", arg0);
		else
			snprintf(cand, sizeof(cand), "%.*s/%s", (int)dl, s, arg0);
		if (is_executable_file(cand, &why)) {
			*out = strdup(cand);
			return *out ? 0 : -ENOMEM;
		}
		if (!*e)
			break;
		s = e + 1;
	}
	return roci_failx(err, ENOENT, "exec: \"%s\": executable file not found in $PATH", arg0);
}

int roci_process_rlimits(const struct roci_process *p, struct roci_err *err)
{
	for (size_t i = 0; i < p->n_rlimits; i++) {
		struct rlimit rl = { .rlim_cur = p->rlimits[i].soft, .rlim_max = p->rlimits[i].hard };
		if (setrlimit(p->rlimits[i].resource, &rl) < 0)
			return roci_fail(err, errno, "setrlimit %d (soft %llu, hard %llu)", p->rlimits[i].resource,
					 (unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max);
	}
	return 0;
}

int roci_process_make_cwd(const struct roci_process *p, struct roci_err *err)
{
	/* After pivot_root the host is out of reach, so plain paths resolve
	 * inside the container. */
	char buf[PATH_MAX];
	if (snprintf(buf, sizeof(buf), "%s", p->cwd) >= (int)sizeof(buf))
		return roci_failx(err, ENAMETOOLONG, "process.cwd too long");
	for (char *s = buf + 1;; s++) {
		char c = *s;
		if (c == '/' || c == '\0') {
			*s = '\0';
			if (mkdir(buf, 0755) < 0 && errno != EEXIST)
				return roci_fail(err, errno, "create cwd %s", buf);
			*s = c;
			if (!c)
				break;
		}
	}
	return 0;
}

int roci_process_chown_stdio(const struct roci_process *p, struct roci_err *err)
{
	for (int fd = STDIN_FILENO; fd <= STDERR_FILENO; fd++) {
		struct stat st;
		if (fstat(fd, &st) < 0) {
			if (errno == EBADF)
				continue;
			return roci_fail(err, errno, "stat of stdio fd %d", fd);
		}
		/* the user's already, or /dev/null (never chowned) */
		if (st.st_uid == p->uid || (S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3)))
			continue;
		/* only the owner: the group stays whatever it was */
		if (fchown(fd, p->uid, (gid_t)-1) < 0 && errno != EINVAL && errno != EPERM &&
		    errno != EROFS)
			return roci_fail(err, errno, "chown stdio fd %d to uid %u", fd, (unsigned)p->uid);
	}
	return 0;
}

int roci_process_set_user(const struct roci_process *p, bool userns, struct roci_err *err)
{
	if (setgroups(p->n_additional_gids, p->additional_gids) < 0) {
		/* setgroups may be denied in a user namespace */
		if (!(userns && errno == EPERM && p->n_additional_gids == 0))
			return roci_fail(err, errno, "setgroups");
	}
	if (setresgid(p->gid, p->gid, p->gid) < 0)
		return roci_fail(err, errno, "setgid %u", (unsigned)p->gid);
	if (setresuid(p->uid, p->uid, p->uid) < 0)
		return roci_fail(err, errno, "setuid %u", (unsigned)p->uid);
	if (p->has_umask)
		umask(p->umask);
	else
		umask(0022);
	return 0;
}

int roci_process_chdir(const struct roci_process *p, bool verify, struct roci_err *err)
{
	if (chdir(p->cwd) < 0) {
		if (!verify && errno == EACCES)
			return 0;  /* still in the cwd entered with verify */
		return roci_fail(err, errno, "chdir to cwd (\"%s\") set in config.json", p->cwd);
	}
	if (!verify)
		return 0;
	/* getcwd() reports "(unreachable)" for a directory outside the root. */
	char buf[PATH_MAX];
	if (!getcwd(buf, sizeof(buf)) || buf[0] != '/')
		return roci_failx(err, EPERM, "cwd %s is outside the container root", p->cwd);
	return 0;
}

char **roci_process_env(const struct roci_process *p, int listen_fds)
{
	size_t n = p->n_env;
	char **env = calloc(n + 3, sizeof(char *));
	if (!env)
		return NULL;
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		env[k++] = p->env[i];
	if (!env_get(p->env, "HOME")) {
		char home[PATH_MAX];
		if (roci_passwd_lookup("/etc/passwd", p->uid, NULL, 0, home, sizeof(home)) < 0 || !*home)
			strcpy(home, "/");
		char *h = NULL;
		if (asprintf(&h, "HOME=%s", home) >= 0)
			env[k++] = h;
	}
	if (listen_fds > 0) {
		char *l = NULL;
		if (asprintf(&l, "LISTEN_FDS=%d", listen_fds) >= 0)
			env[k++] = l;
	}
	env[k] = NULL;
	return env;
}

void roci_process_keep_fds(int n)
{
	for (int fd = 3; fd < 3 + n; fd++) {
		int fl = fcntl(fd, F_GETFD);
		if (fl >= 0)
			fcntl(fd, F_SETFD, fl & ~FD_CLOEXEC);
	}
}

void roci_process_close_fds(int from, const int *except, size_t n)
{
	/* close [from, ∞) but the fds in except, lowest first */
	unsigned lo = (unsigned)from;
	for (;;) {
		unsigned next = ~0U;
		for (size_t i = 0; i < n; i++)
			if (except[i] >= 0 && (unsigned)except[i] >= lo && (unsigned)except[i] < next)
				next = (unsigned)except[i];
		if (next > lo)
			close_range(lo, next == ~0U ? ~0U : next - 1, 0);
		if (next == ~0U)
			break;
		lo = next + 1;
	}
}
