/* SPDX-License-Identifier: Apache-2.0 */
#include "runtime/criu.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/statfs.h>
#include <linux/magic.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "linux/cgroup/cgroup.h"
#include "linux/inroot.h"
#include "linux/mountinfo.h"
#include "linux/mountopts.h"
#include "oci/jsonget.h"
#include "util/cleanup.h"

#define DESCRIPTORS "descriptors.json"
#define NET_KEY "extRootNetNS"
#define CONSOLE "/dev/console"
#define PTY_SLAVE_MAJOR 136 /* UNIX98_PTY_SLAVE_MAJOR, 8 majors */

/* ---- an argument vector ------------------------------------------------- */

struct args {
	char **v;
	size_t n, cap;
	bool oom;
};

static void args_free(struct args *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
}
#define _cleanup_args_ __attribute__((cleanup(args_free)))

__attribute__((format(printf, 2, 3))) static void add(struct args *a, const char *fmt, ...)
{
	if (a->oom)
		return;
	if (a->n + 2 > a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 32;
		char **v = realloc(a->v, cap * sizeof(char *));
		if (!v) {
			a->oom = true;
			return;
		}
		a->v = v;
		a->cap = cap;
	}
	va_list ap;
	va_start(ap, fmt);
	int r = vasprintf(&a->v[a->n], fmt, ap);
	va_end(ap);
	if (r < 0) {
		a->oom = true;
		return;
	}
	a->v[++a->n] = NULL;
}

/* ---- options ------------------------------------------------------------ */

int roci_criu_check_opts(const struct roci_criu_opts *o, struct roci_err *err)
{
	static const char *const modes[] = { "soft", "full", "strict", "ignore" };
	if (o->manage_cgroups_mode) {
		bool ok = false;
		for (size_t i = 0; i < ARRAY_SIZE(modes); i++)
			ok |= !strcmp(o->manage_cgroups_mode, modes[i]);
		if (!ok)
			return roci_failx(err, EINVAL,
					  "invalid --manage-cgroups-mode \"%s\" (want soft, full, strict or ignore)",
					  o->manage_cgroups_mode);
	}
	/* in the foreground, roci waits for the restored init, which only
	 * its subreaper can */
	if (o->no_subreaper && !o->detach)
		return roci_failx(err, EINVAL, "--no-subreaper needs -d: a restore in the foreground waits for the "
				  "restored process, which roci can only do as its subreaper");
	if (o->page_server && !strchr(o->page_server, ':'))
		return roci_failx(err, EINVAL, "invalid --page-server \"%s\" (want ADDRESS:PORT)",
				  o->page_server);
	return 0;
}

/* The image and work directories, made (0700) and absolute. */
static int dirs(const struct roci_criu_opts *o, bool make, char img[PATH_MAX], char work[PATH_MAX],
		struct roci_err *err)
{
	const char *paths[2] = { o->image_path ? o->image_path : "checkpoint",
				 o->work_path ? o->work_path : NULL };
	char *out[2] = { img, work };
	for (int i = 0; i < 2; i++) {
		if (!paths[i]) {
			snprintf(work, PATH_MAX, "%s", img);
			break;
		}
		/* restore makes no image directory: it must hold the images */
		if ((make || i == 1) && mkdir(paths[i], 0700) < 0 && errno != EEXIST)
			return roci_fail(err, errno, "mkdir %s", paths[i]);
		if (!realpath(paths[i], out[i]))
			return roci_fail(err, errno, "%s path %s", i ? "work" : "image", paths[i]);
	}
	return 0;
}

/* ---- mounts -------------------------------------------------------------- */

static bool is_bind(const struct roci_mount *m)
{
	if (m->type && !strcmp(m->type, "bind"))
		return true;
	_cleanup_opts_ struct roci_mount_opts o = { 0 };
	return roci_mount_opts_parse(m->options, m->n_options, &o, NULL) == 0 &&
	       roci_mount_opts_is_bind(&o);
}

/* Host device nodes a user-namespaced container binds (devices.c). */
static const char *const userns_devices[] = { "/dev/null", "/dev/zero", "/dev/full",
					      "/dev/random", "/dev/urandom", "/dev/tty" };

/* On a v1 or hybrid host a "cgroup" mount is a tmpfs holding one bind of
 * the container's cgroup per hierarchy (rootfs_cgroup.c): each is an
 * external mount for CRIU, found in the init's mount table on dump. */
static void add_cgroup_dumps(struct args *a, const struct roci_config *cfg, pid_t pid)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/mountinfo", (int)pid);
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	char line[PATH_MAX * 3];
	while (f && fgets(line, sizeof(line), f)) {
		struct roci_mountinfo e;
		if (!roci_mountinfo_parse(line, &e) ||
		    (strcmp(e.fstype, "cgroup") && strcmp(e.fstype, "cgroup2")))
			continue;
		char *slash = strrchr(e.mountpoint, '/');
		if (!slash || slash == e.mountpoint)
			continue;
		*slash = '\0';
		for (size_t i = 0; i < cfg->n_mounts; i++) {
			const struct roci_mount *m = &cfg->mounts[i];
			char dst[PATH_MAX];
			if (m->type && !strcmp(m->type, "cgroup") && m->destination &&
			    roci_path_clean(m->destination, dst, sizeof(dst)) == 0 &&
			    !strcmp(dst, e.mountpoint)) {
				add(a, "--external=mnt[%s/%s]:%s/%s", dst, slash + 1, dst, slash + 1);
				break;
			}
		}
	}
}

/* --external mnt[DEST]:VALUE for every bind mount; VALUE is DEST on dump,
 * the source on restore (bundle: where relative sources resolve). */
static void add_mounts(struct args *a, const struct roci_config *cfg, const char *bundle)
{
	for (size_t i = 0; i < cfg->n_mounts; i++) {
		const struct roci_mount *m = &cfg->mounts[i];
		char dst[PATH_MAX];
		if (!m->destination || !m->source || !is_bind(m) ||
		    roci_path_clean(m->destination, dst, sizeof(dst)) < 0)
			continue;
		if (!bundle)
			add(a, "--external=mnt[%s]:%s", dst, dst);
		else if (m->source[0] == '/')
			add(a, "--external=mnt[%s]:%s", dst, m->source);
		else
			add(a, "--external=mnt[%s]:%s/%s", dst, bundle, m->source);
	}
	if (!cfg->ns[ROCI_NS_USER].present)
		return;
	for (size_t i = 0; i < ARRAY_SIZE(userns_devices); i++)
		add(a, "--external=mnt[%s]:%s", userns_devices[i], userns_devices[i]);
}

/* ---- stdio ---------------------------------------------------------------- */

/* Is mount mnt_id in pid's mount namespace? */
static bool mount_visible(pid_t pid, int mnt_id)
{
	char path[64], line[4096];
	snprintf(path, sizeof(path), "/proc/%d/mountinfo", (int)pid);
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f))
		if (atoi(line) == mnt_id)
			return true;
	return false;
}

/* The key CRIU gives the init's fd n: "pipe:[N]", "socket:[N]", or for a
 * file outside the container "file[MNT:INODE]", which the dump must be
 * told is external (*external). Anything else is kept as its path. */
static int stdio_key(pid_t pid, int n, char *key, size_t len, bool *external)
{
	char path[64], target[PATH_MAX];
	*external = false;
	snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)pid, n);
	ssize_t l = readlink(path, target, sizeof(target) - 1);
	if (l < 0)
		return -errno;
	target[l] = '\0';
	if (target[0] != '/') {
		snprintf(key, len, "%s", target);
		return 0;
	}
	struct stat st;
	/* a pty slave (the container's terminal): its master is outside,
	 * so the terminal is external, keyed by its device numbers; the
	 * restore hands CRIU a new one */
	if (stat(path, &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) >= PTY_SLAVE_MAJOR &&
	    major(st.st_rdev) < PTY_SLAVE_MAJOR + 8) {
		*external = true;
		snprintf(key, len, "tty[%llx:%llx]", (unsigned long long)st.st_rdev,
			 (unsigned long long)st.st_dev);
		return 0;
	}
	char info[64], line[256];
	int mnt_id = -1;
	snprintf(info, sizeof(info), "/proc/%d/fdinfo/%d", (int)pid, n);
	_cleanup_fclose_ FILE *f = fopen(info, "re");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "mnt_id:", 7))
			mnt_id = atoi(line + 7);
	if (stat(path, &st) < 0 || mnt_id < 0)
		return -errno;
	if (mount_visible(pid, mnt_id)) {
		snprintf(key, len, "%s", target);
		return 0;
	}
	*external = true;
	snprintf(key, len, "file[%x:%llx]", (unsigned)mnt_id, (unsigned long long)st.st_ino);
	return 0;
}

/* Record the init's stdio in descriptors.json, and mark the files outside
 * the container external. */
static int dump_stdio(struct args *a, pid_t pid, const char *img, struct roci_err *err)
{
	json_t *arr = json_array();
	if (!arr)
		return roci_fail(err, ENOMEM, "checkpoint");
	char prev[PATH_MAX + 32] = "";
	for (int n = 0; n < 3; n++) {
		char key[PATH_MAX + 32] = "";
		bool external;
		if (stdio_key(pid, n, key, sizeof(key), &external) < 0)
			key[0] = '\0'; /* closed */
		else if (external && strcmp(key, prev) != 0)
			add(a, "--external=%s", key); /* once for a terminal on all three */
		snprintf(prev, sizeof(prev), "%s", key);
		json_array_append_new(arr, json_string(key));
	}
	char path[PATH_MAX + 32];
	snprintf(path, sizeof(path), "%s/%s", img, DESCRIPTORS);
	int r = json_dump_file(arr, path, JSON_COMPACT);
	json_decref(arr);
	return r < 0 ? roci_failx(err, EIO, "write %s", path) : 0;
}

/* --inherit-fd for each recorded pipe and outside file: our own fd n
 * takes its place; a terminal's place is taken by tty_fd (the new pty). */
static int restore_stdio(struct args *a, const char *img, int tty_fd, struct roci_err *err)
{
	char path[PATH_MAX + 32];
	snprintf(path, sizeof(path), "%s/%s", img, DESCRIPTORS);
	json_error_t je;
	json_t *arr = json_load_file(path, 0, &je);
	if (!arr)
		return roci_failx(err, ENOENT, "%s: %s (is this a checkpoint image directory?)", path,
				  je.text);
	bool tty = false;
	for (size_t n = 0; n < 3 && n < json_array_size(arr); n++) {
		const char *key = json_string_value(json_array_get(arr, n));
		if (key && (!strncmp(key, "pipe:", 5) || !strncmp(key, "file[", 5)))
			add(a, "--inherit-fd=fd[%zu]:%s", n, key);
		if (key && !strncmp(key, "tty[", 4) && !tty) {
			tty = true;
			if (tty_fd < 0) {
				json_decref(arr);
				return roci_failx(err, EINVAL, "the checkpoint in %s has a terminal, but "
						  "process.terminal is false", img);
			}
			add(a, "--inherit-fd=fd[%d]:%s", tty_fd, key);
		}
	}
	json_decref(arr);
	return 0;
}

/* ---- running criu ----------------------------------------------------------- */

/* The first "Error" line of a CRIU log, for the message. */
static void first_error(const char *log, char *out, size_t len)
{
	char line[1024];
	out[0] = '\0';
	_cleanup_fclose_ FILE *f = fopen(log, "re");
	while (f && fgets(line, sizeof(line), f)) {
		char *e = strstr(line, "Error");
		if (!e)
			continue;
		line[strcspn(line, "\n")] = '\0';
		snprintf(out, len, ": %s", e);
		return;
	}
}

struct restore_setup {
	const char *rootfs, *bind_point;
};

/* In the child, before the exec: a private mount namespace where the
 * container's root is a mount point of its own, as CRIU wants it. */
static int restore_child_setup(const struct restore_setup *s)
{
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_SLAVE | MS_REC, NULL) < 0 ||
	    mount(s->rootfs, s->bind_point, NULL, MS_BIND | MS_REC, NULL) < 0)
		return -errno;
	return 0;
}

/* Run criu with a's arguments; its log is log. */
static int run_criu(const struct roci_criu_opts *o, struct args *a, const char *action,
		    const char *log, const struct restore_setup *setup, const struct roci_log *rlog,
		    struct roci_err *err)
{
	if (a->oom)
		return roci_fail(err, ENOMEM, "criu %s", action);
	const char *prog = o->criu ? o->criu : "criu";
	free(a->v[0]);
	if (!(a->v[0] = strdup(prog)))
		return roci_fail(err, ENOMEM, "criu %s", action);
	if (rlog->min_level <= ROCI_LOG_DEBUG) {
		char line[4096];
		size_t n = 0;
		for (size_t i = 0; i < a->n && n < sizeof(line); i++)
			n += (size_t)snprintf(line + n, sizeof(line) - n, " %s", a->v[i]);
		roci_debug(rlog, "running%s", line);
	}
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return roci_fail(err, errno, "pipe");
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return roci_fail(err, errno, "fork for criu");
	}
	if (pid == 0) {
		close(p[0]);
		int e = setup ? restore_child_setup(setup) : 0;
		if (e == 0) {
			execvp(prog, a->v);
			e = -errno;
		}
		char tag = setup && e != -ENOENT ? 's' : 'x';
		struct iovec iov[2] = { { &tag, 1 }, { &e, sizeof(e) } };
		if (writev(p[1], iov, 2) < 0)
			_exit(126);
		_exit(127);
	}
	close(p[1]);
	char buf[1 + sizeof(int)];
	ssize_t got = read(p[0], buf, sizeof(buf));
	close(p[0]);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (got == (ssize_t)sizeof(buf)) {
		int e;
		memcpy(&e, buf + 1, sizeof(e));
		if (e == -ENOENT && buf[0] == 'x')
			return roci_failx(err, ENOENT,
					  "criu %s: %s not found (install criu, or give --criu PATH)",
					  action, prog);
		return roci_fail(err, -e, "criu %s: %s %s", action,
				 buf[0] == 's' ? "prepare the root for" : "run", prog);
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	char first[512];
	first_error(log, first, sizeof(first));
	if (WIFSIGNALED(status))
		return roci_failx(err, EIO, "criu %s killed by signal %d%s (log: %s)", action,
				  WTERMSIG(status), first, log);
	return roci_failx(err, EIO, "criu %s failed (exit status %d)%s (log: %s)", action,
			  WEXITSTATUS(status), first, log);
}

/* The flags dump and restore share. */
static void common_flags(struct args *a, const struct roci_criu_opts *o)
{
	add(a, "--manage-cgroups=%s", o->manage_cgroups_mode ? o->manage_cgroups_mode : "soft");
	if (o->tcp_established)
		add(a, "--tcp-established");
	if (o->ext_unix_sk)
		add(a, "--ext-unix-sk");
	if (o->shell_job)
		add(a, "--shell-job");
	if (o->file_locks)
		add(a, "--file-locks");
	if (o->lazy_pages)
		add(a, "--lazy-pages");
	if (o->auto_dedup)
		add(a, "--auto-dedup");
	if (o->status_fd >= 0)
		add(a, "--status-fd=%d", o->status_fd);
}

/* The namespace joined by path, or NULL. */
static const char *joined_net(const struct roci_config *cfg)
{
	const struct roci_namespace *ns = &cfg->ns[ROCI_NS_NETWORK];
	return ns->present && ns->path && *ns->path ? ns->path : NULL;
}

int roci_criu_dump(const struct roci_criu_opts *o, const struct roci_config *cfg, pid_t pid,
		   const struct roci_log *log, struct roci_err *err)
{
	char img[PATH_MAX], work[PATH_MAX];
	int r = dirs(o, true, img, work, err);
	if (r < 0)
		return r;
	const char *action = o->pre_dump ? "pre-dump" : "dump";
	_cleanup_args_ struct args a = { 0 };
	add(&a, "criu");
	add(&a, "%s", action);
	add(&a, "--tree=%d", (int)pid);
	add(&a, "--images-dir=%s", img);
	add(&a, "--work-dir=%s", work);
	add(&a, "--log-file=%s.log", action);
	add(&a, "-v4");
	if (o->parent_path)
		add(&a, "--prev-images-dir=%s", o->parent_path);
	if (o->pre_dump || o->parent_path)
		add(&a, "--track-mem");
	if (o->leave_running && !o->pre_dump)
		add(&a, "--leave-running");
	if (o->page_server) {
		const char *colon = strrchr(o->page_server, ':');
		add(&a, "--page-server");
		add(&a, "--address=%.*s", (int)(colon - o->page_server), o->page_server);
		add(&a, "--port=%s", colon + 1);
	}
	common_flags(&a, o);
	if (!o->pre_dump) {
		/* --empty-ns network: the caller sets the network up again, so
		 * its devices, addresses and routes are not saved */
		if (o->empty_net)
			add(&a, "--empty-ns=net");
		add_mounts(&a, cfg, NULL);
		add_cgroup_dumps(&a, cfg, pid);
		const char *net = joined_net(cfg);
		struct stat st;
		if (net && stat(net, &st) == 0)
			add(&a, "--external=net[%llu]:%s", (unsigned long long)st.st_ino, NET_KEY);
		if ((r = dump_stdio(&a, pid, img, err)) < 0)
			return r;
		/* the terminal bound there is the outside pty's too */
		if (cfg->process && cfg->process->terminal)
			add(&a, "--external=mnt[" CONSOLE "]:" CONSOLE);
	}
	char logpath[PATH_MAX + 32];
	snprintf(logpath, sizeof(logpath), "%s/%s.log", work, action);
	return run_criu(o, &a, action, logpath, NULL, log, err);
}

int roci_criu_restore(const struct roci_criu_opts *o, const struct roci_criu_restore *rs,
		      pid_t *pid, const struct roci_log *log, struct roci_err *err)
{
	char img[PATH_MAX], work[PATH_MAX];
	int r = dirs(o, false, img, work, err);
	if (r < 0)
		return r;
	_cleanup_free_ char *bind_point = NULL, *pidfile = NULL;
	if (asprintf(&bind_point, "%s/criu-root", rs->state_dir) < 0 ||
	    asprintf(&pidfile, "%s/criu-restore.pid", rs->state_dir) < 0)
		return roci_fail(err, ENOMEM, "restore");
	_cleanup_args_ struct args a = { 0 };
	add(&a, "criu");
	add(&a, "restore");
	add(&a, "--images-dir=%s", img);
	add(&a, "--work-dir=%s", work);
	add(&a, "--log-file=restore.log");
	add(&a, "-v4");
	add(&a, "--root=%s", bind_point);
	add(&a, "--restore-detached");
	add(&a, "--pidfile=%s", pidfile);
	common_flags(&a, o);
	if (o->empty_net)
		add(&a, "--empty-ns=net");
	if (o->lsm_profile)
		add(&a, "--lsm-profile=%s", o->lsm_profile);
	if (o->lsm_mount_context)
		add(&a, "--lsm-mount-context=%s", o->lsm_mount_context);
	for (const char *const *c = rs->cgroup_roots; c && *c; c++)
		add(&a, "--cgroup-root=%s", *c);
	add_mounts(&a, rs->cfg, rs->bundle);
	for (const char *const *e = rs->externals; e && *e; e++)
		add(&a, "--external=%s", *e);
	if ((r = restore_stdio(&a, img, rs->tty_slave, err)) < 0)
		return r;
	if (rs->tty_path)
		add(&a, "--external=mnt[" CONSOLE "]:%s", rs->tty_path);
	/* the joined network namespace, handed over as an inherited fd (no
	 * O_CLOEXEC: criu gets it) */
	_cleanup_close_ int net_fd = -1;
	const char *net = joined_net(rs->cfg);
	if (net) {
		if ((net_fd = open(net, O_RDONLY)) < 0)
			return roci_fail(err, errno, "open network namespace %s", net);
		add(&a, "--inherit-fd=fd[%d]:%s", net_fd, NET_KEY);
	}

	if (mkdir(bind_point, 0700) < 0 && errno != EEXIST)
		return roci_fail(err, errno, "mkdir %s", bind_point);
	if (!o->no_subreaper)
		prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	struct restore_setup setup = { .rootfs = rs->rootfs, .bind_point = bind_point };
	char logpath[PATH_MAX + 32];
	snprintf(logpath, sizeof(logpath), "%s/restore.log", work);
	r = run_criu(o, &a, "restore", logpath, &setup, log, err);
	rmdir(bind_point);
	if (r < 0)
		return r;
	char buf[32] = "";
	_cleanup_close_ int pf = open(pidfile, O_RDONLY | O_CLOEXEC);
	ssize_t n = pf >= 0 ? read(pf, buf, sizeof(buf) - 1) : -1;
	unlink(pidfile);
	if (n <= 0 || (*pid = (pid_t)atoi(buf)) <= 0)
		return roci_failx(err, EIO, "criu restore: no pid in %s", pidfile);
	return 0;
}

/* ---- cgroups for a restore ------------------------------------------------ */

/* Append a copy of str to the NULL-terminated v of capacity cap. */
static bool strv_push(char **v, size_t cap, size_t *n, char *str)
{
	if (!str || *n + 1 >= cap) {
		free(str);
		return false;
	}
	v[(*n)++] = str;
	return true;
}

static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *f, ...)
{
	char *out = NULL;
	va_list ap;
	va_start(ap, f);
	int r = vasprintf(&out, f, ap);
	va_end(ap);
	return r < 0 ? NULL : out;
}

/* room for every hierarchy a host can mount */
#define CG_EXT_MAX 33

struct ext_ctx {
	char **v;
	size_t cap, n;
	const char *dst;
	bool oom;
};

static void add_ext(void *arg, const char *name, const char *path)
{
	struct ext_ctx *x = arg;
	if (!strv_push(x->v, x->cap, &x->n, fmt("mnt[%s/%s]:%s", x->dst, name, path)))
		x->oom = true;
}

int roci_criu_cgroup_args(const struct roci_config *cfg, const struct roci_cgroup *cg,
			  char ***roots_out, char ***ext_out, struct roci_err *err)
{
	size_t cap = 2 * cg->n + 2, nr = 0;
	_cleanup_strv_ char **roots = calloc(cap, sizeof(char *));
	_cleanup_strv_ char **ext = calloc(CG_EXT_MAX, sizeof(char *));
	if (!roots || !ext)
		return roci_fail(err, ENOMEM, "restore");
	bool global = false;
	for (size_t i = 0; i < cg->n; i++) {
		const struct roci_cg_dir *d = &cg->dirs[i];
		char rel[PATH_MAX];
		if (roci_cgroup_dir_in_hierarchy(cg, i, rel, sizeof(rel)) < 0)
			continue;
		/* the v2 path, else the first, for controllers not named */
		if ((d->v2 || !global) && !strv_push(roots, cap, &nr, fmt("%s", rel)))
			return roci_fail(err, ENOMEM, "restore");
		global = true;
		if (!d->v2 && d->controllers &&
		    !strv_push(roots, cap, &nr,
			       fmt("%.*s:%s", (int)strcspn(d->controllers, ","), d->controllers, rel)))
			return roci_fail(err, ENOMEM, "restore");
	}
	/* the binds under a "cgroup" mount, as the dump marked them */
	char dst[PATH_MAX] = "";
	struct statfs sfs;
	if (statfs("/sys/fs/cgroup", &sfs) == 0 && sfs.f_type != CGROUP2_SUPER_MAGIC)
		for (size_t i = 0; i < cfg->n_mounts && !dst[0]; i++)
			if (cfg->mounts[i].type && !strcmp(cfg->mounts[i].type, "cgroup") &&
			    cfg->mounts[i].destination &&
			    roci_path_clean(cfg->mounts[i].destination, dst, sizeof(dst)) < 0)
				dst[0] = '\0';
	struct ext_ctx x = { .v = ext, .cap = CG_EXT_MAX, .dst = dst };
	if (dst[0] && (roci_cgroup_each_bind_source(cg, add_ext, &x) < 0 || x.oom))
		return roci_fail(err, ENOMEM, "restore: cgroup mounts");
	*roots_out = TAKE_PTR(roots);
	*ext_out = TAKE_PTR(ext);
	return 0;
}
