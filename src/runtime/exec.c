/* SPDX-License-Identifier: Apache-2.0 */
/* exec: find the running container, build the process from its frozen
 * config and the options, plan to join every namespace of its init, clone
 * into its cgroup, serve the child until it has exec'd. */
#include "runtime/exec.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "linux/capabilities.h"
#include "linux/lsm_labels.h"
#include "linux/cgroup/cgroup.h"
#include "linux/namespaces.h"
#include "linux/procfs.h"
#include "linux/scheduling.h"
#include "linux/seccomp_filter.h"
#include "linux/terminal.h"
#include "oci/capnames.h"
#include "oci/jsonget.h"
#include "runtime/container.h"
#include "runtime/init.h"
#include "runtime/spawn.h"
#include "runtime/sync.h"
#include "util/cleanup.h"
#include "util/fault.h"
#include "util/readfd.h"

/* Everything exec holds while it works; released by exec_ctx_free. */
struct exec_ctx {
	struct roci_container c;
	bool loaded;
	struct roci_config *cfg;
	struct roci_ns_plan plan;
	struct roci_seccomp_prog seccomp;
	struct roci_cgroup cg;
	int init_pidfd, procfs_fd, console_fd, sync[2], pidfd, pty_master;
	pid_t pid;
	int listen_fds, keep_fds, cap_last;
};

static void exec_ctx_free(struct exec_ctx *x)
{
	if (x->loaded)
		roci_container_close(&x->c);
	roci_config_free(x->cfg);
	roci_ns_plan_close(&x->plan);
	roci_seccomp_prog_free(&x->seccomp);
	roci_cgroup_free(&x->cg);
	int *fds[] = { &x->init_pidfd, &x->procfs_fd, &x->console_fd, &x->sync[0], &x->sync[1],
		       &x->pidfd, &x->pty_master };
	for (size_t i = 0; i < ARRAY_SIZE(fds); i++)
		if (*fds[i] >= 0)
			close(*fds[i]);
}

/* The container, its state and its frozen config; it must be running
 * (or created), or paused with --ignore-paused. */
static int load_target(struct exec_ctx *x, const struct roci_exec_opts *o, struct roci_err *err)
{
	int r = roci_container_load(o->root, o->id, false, &x->c, err);
	if (r < 0)
		return r;
	x->loaded = true;
	switch (x->c.status) {
	case ROCI_STATUS_CREATED:
	case ROCI_STATUS_RUNNING:
		break;
	case ROCI_STATUS_PAUSED:
		if (o->ignore_paused)
			break;
		return roci_failx(err, EBUSY, "cannot exec in a paused container (use --ignore-paused to override)");
	default:
		return roci_failx(err, ESRCH, "container not running");
	}
	x->init_pidfd = roci_pidfd_open_checked(x->c.st->pid, x->c.st->pid_starttime);
	if (x->init_pidfd == -ESRCH)
		return roci_failx(err, ESRCH, "container not running");
	if (!x->c.config_text)
		return roci_failx(err, ENOENT, "container \"%s\": config missing from state", o->id);
	return roci_config_parse_string(x->c.config_text, &x->cfg, err);
}

/* -p FILE or -p - : the whole process document, bounded. */
static int read_process_file(const char *path, char **text, struct roci_err *err)
{
	_cleanup_close_ int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : dup(STDIN_FILENO);
	if (fd < 0)
		return roci_fail(err, errno, "open %s", path);
	int r = roci_read_fd(fd, 16u << 20, text, NULL);
	if (r == -EFBIG)
		return roci_failx(err, EFBIG, "%s: too large", path);
	return r < 0 ? roci_fail(err, -r, "read %s", path) : 0;
}

static char **strv_dup(char *const *v, size_t n)
{
	char **out = calloc(n + 1, sizeof(*out));
	for (size_t i = 0; out && i < n; i++) {
		if (!(out[i] = strdup(v[i]))) {
			roci_strv_free(out);
			return NULL;
		}
	}
	return out;
}

/* -e KEY=VALUE replaces KEY, or is added. */
static int set_env(struct roci_process *p, const char *kv, struct roci_err *err)
{
	const char *eq = strchr(kv, '=');
	if (!eq || eq == kv)
		return roci_failx(err, EINVAL, "--env %s: want KEY=VALUE", kv);
	size_t klen = (size_t)(eq - kv) + 1;
	char *dup = strdup(kv);
	if (!dup)
		return roci_fail(err, ENOMEM, "--env");
	for (size_t i = 0; i < p->n_env; i++) {
		if (!strncmp(p->env[i], kv, klen)) {
			free(p->env[i]);
			p->env[i] = dup;
			return 0;
		}
	}
	char **nv = realloc(p->env, (p->n_env + 2) * sizeof(*nv));
	if (!nv) {
		free(dup);
		return roci_fail(err, ENOMEM, "--env");
	}
	nv[p->n_env++] = dup;
	nv[p->n_env] = NULL;
	p->env = nv;
	return 0;
}

static int parse_id(const char *s, const char *what, unsigned *out, struct roci_err *err)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (!*s || *s == '-' || *end || errno || v >= 0xffffffffUL)
		return roci_failx(err, EINVAL, "%s %s: not a number", what, s);
	*out = (unsigned)v;
	return 0;
}

/* -u UID[:GID] and -g GID... */
static int set_ids(struct roci_process *p, const struct roci_exec_opts *o, struct roci_err *err)
{
	int r;
	if (o->user) {
		_cleanup_free_ char *u = strdup(o->user);
		if (!u)
			return roci_fail(err, ENOMEM, "--user");
		char *colon = strchr(u, ':');
		if (colon)
			*colon++ = '\0';
		unsigned id;
		if ((r = parse_id(u, "--user", &id, err)) < 0)
			return r;
		p->uid = id;
		if (colon) {
			if ((r = parse_id(colon, "--user", &id, err)) < 0)
				return r;
			p->gid = id;
		}
	}
	if (o->n_gids) {
		gid_t *g = calloc(o->n_gids, sizeof(*g));
		if (!g)
			return roci_fail(err, ENOMEM, "--additional-gids");
		for (size_t i = 0; i < o->n_gids; i++) {
			unsigned id;
			if ((r = parse_id(o->gids[i], "--additional-gids", &id, err)) < 0) {
				free(g);
				return r;
			}
			g[i] = id;
		}
		free(p->additional_gids);
		p->additional_gids = g;
		p->n_additional_gids = o->n_gids;
	}
	return 0;
}

/* -c CAP: added to the bounding, effective and permitted sets. */
static int add_caps(struct roci_process *p, const struct roci_exec_opts *o, struct roci_err *err)
{
	for (size_t i = 0; i < o->n_caps; i++) {
		int cap = roci_cap_from_name(o->caps[i]);
		if (cap < 0)
			return roci_failx(err, EINVAL, "--cap: unknown capability \"%s\"", o->caps[i]);
		uint64_t bit = 1ULL << cap;
		p->cap_bounding |= bit;
		p->cap_effective |= bit;
		p->cap_permitted |= bit;
		p->has_capabilities = true;
	}
	return 0;
}

static int replace_string(char **field, const char *value, struct roci_err *err)
{
	if (!value)
		return 0;
	char *d = strdup(value);
	if (!d)
		return roci_fail(err, ENOMEM, "exec options");
	free(*field);
	*field = d;
	return 0;
}

/* The config's process with the options applied on top. */
static int apply_options(struct roci_process *p, const struct roci_exec_opts *o, struct roci_err *err)
{
	if (!o->n_args)
		return roci_failx(err, EINVAL, "exec: no command given (want ID COMMAND [ARG...] or --process FILE)");
	char **args = strv_dup(o->args, o->n_args);
	if (!args)
		return roci_fail(err, ENOMEM, "exec args");
	roci_strv_free(p->args);
	p->args = args;
	p->n_args = o->n_args;
	p->terminal = o->tty;
	if (o->cwd && o->cwd[0] != '/')
		return roci_failx(err, EINVAL, "--cwd %s: not an absolute path", o->cwd);
	int r = replace_string(&p->cwd, o->cwd, err);
	for (size_t i = 0; r == 0 && i < o->n_env; i++)
		r = set_env(p, o->env[i], err);
	if (r == 0)
		r = set_ids(p, o, err);
	if (r == 0)
		r = add_caps(p, o, err);
	if (o->no_new_privs)
		p->no_new_privileges = true;
	if (r == 0)
		r = replace_string(&p->apparmor_profile, o->apparmor, err);
	if (r == 0)
		r = replace_string(&p->selinux_label, o->process_label, err);
	return r;
}

static int build_process(struct exec_ctx *x, const struct roci_exec_opts *o, struct roci_err *err)
{
	struct roci_config *cfg = x->cfg;
	if (o->process_file) {
		_cleanup_free_ char *text = NULL;
		struct roci_process *p = NULL;
		int r = read_process_file(o->process_file, &text, err);
		if (r == 0)
			r = roci_process_parse_string(text, &p, err);
		if (r < 0)
			return r;
		roci_process_free(cfg->process);
		cfg->process = p;
		return 0;
	}
	if (!cfg->process) {
		cfg->process = calloc(1, sizeof(*cfg->process));
		if (!cfg->process || !(cfg->process->cwd = strdup("/")) ||
		    !(cfg->process->env = calloc(1, sizeof(char *))))
			return roci_fail(err, ENOMEM, "exec process");
	}
	return apply_options(cfg->process, o, err);
}

static int check_options(const struct exec_ctx *x, const struct roci_exec_opts *o,
			 struct roci_err *err)
{
	int r = roci_spawn_check_terminal(x->cfg->process->terminal, o->console_socket, o->detach, err);
	if (r < 0)
		return r;
	if (o->preserve_fds < 0 || o->preserve_fds > 4096)
		return roci_failx(err, EINVAL, "--preserve-fds %d out of range", o->preserve_fds);
	/* an LSM label the host cannot apply is refused before any process */
	return roci_lsm_check(x->cfg, o->log, err);
}

/* Every namespace the container has is joined from its init's
 * /proc/PID/ns files; the init is checked again after they are open, so
 * a reused pid cannot hand us a stranger's namespaces. */
static int plan_join(struct exec_ctx *x, bool rootless, struct roci_err *err)
{
	struct roci_config *cfg = x->cfg;
	const struct roci_state *st = x->c.st;
	for (int t = 0; t < ROCI_NS_COUNT; t++) {
		struct roci_namespace *ns = &cfg->ns[t];
		if (!ns->present)
			continue;
		free(ns->path);
		if (asprintf(&ns->path, "/proc/%d/ns/%s", (int)st->pid, roci_ns_proc_name((enum roci_ns_type)t)) < 0) {
			ns->path = NULL;
			return roci_fail(err, ENOMEM, "namespace path");
		}
	}
	memset(cfg->time_offsets, 0, sizeof(cfg->time_offsets));
	int r = roci_ns_plan(cfg, &x->plan, err);
	if (r < 0)
		return r;
	x->plan.parent_joins_user = rootless;
	if (!roci_pid_alive(st->pid, st->pid_starttime))
		return roci_failx(err, ESRCH, "container not running");
	return 0;
}

/* Capabilities the kernel lacks, the seccomp program, the fds the child
 * may inherit, and its channels: procfs, console socket, sync socket. */
static int prepare_spawn(struct exec_ctx *x, const struct roci_exec_opts *o, struct roci_err *err)
{
	x->cap_last = roci_caps_host_check(x->cfg->process, o->log);
	int r = 0;
	if (x->cfg->seccomp && (r = roci_seccomp_compile(x->cfg->seccomp, o->log, &x->seccomp, err)) < 0)
		return r;
	x->listen_fds = roci_spawn_listen_fds();
	x->keep_fds = x->listen_fds + o->preserve_fds;
	if ((r = roci_spawn_fd_hygiene(x->keep_fds, err)) < 0)
		return r;
	x->procfs_fd = roci_procfs_open(err);
	if (x->procfs_fd < 0)
		return x->procfs_fd;
	if (o->console_socket) {
		x->console_fd = roci_console_socket_connect(o->console_socket, err);
		if (x->console_fd < 0)
			return x->console_fd;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, x->sync) < 0)
		return roci_fail(err, errno, "socketpair");
	int sndbuf = 1 << 20;
	setsockopt(x->sync[0], SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	r = roci_container_cgroup(&x->c, &x->cg, err);
	x->cg.rootless = o->rootless;
	for (size_t i = 0; r == 0 && i < o->n_cgroups; i++)
		r = roci_cgroup_sub(&x->cg, o->cgroups[i], err);
	return r;
}

static void exec_child(void *arg)
{
	const struct roci_init_args *a = arg;
	close(a->parent_sync_fd);
	roci_exec_init_main(a);
}

/* Clone the child into the container's pid (and time) namespace and its
 * cgroup, then let it join the rest. */
static int spawn(struct exec_ctx *x, const struct roci_exec_opts *o, struct roci_err *err)
{
	struct roci_init_args a = {
		.cfg = x->cfg, .log = o->log, .plan = &x->plan,
		.sync_fd = x->sync[1], .parent_sync_fd = x->sync[0],
		.fifo_fd = -1, .procfs_fd = x->procfs_fd, .console_fd = x->console_fd, .lock_fd = -1,
		.tty_to_parent = !o->detach && !o->console_socket,
		.keep_fds = x->keep_fds, .listen_fds = x->listen_fds, .cap_last = x->cap_last,
		.seccomp = x->cfg->seccomp ? &x->seccomp : NULL,
	};
	/* born in the v2 cgroup (pure v2, or the unified hierarchy of a
	 * hybrid host a user may not write) */
	_cleanup_close_ int cg_fd = x->cg.mode == ROCI_CG_V2 || (x->cg.n && !x->cg.rootless)
					    ? roci_cgroup_v2_fd(&x->cg) : -1;
	/* it joins its v1 cgroups itself (cgroup.h) */
	struct roci_cg_self_join sj = { .n = 0 };
	int r = x->cg.n ? roci_cgroup_self_join_open(&x->cg, &sj, err) : 0;
	if (r < 0)
		return r;
	bool self_joins = r > 0;
	a.cg_self = self_joins ? &sj : NULL;
	/* Nothing in the container may ptrace us or open our exe. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	pid_t pid = roci_spawn_clone(x->cfg, &x->plan, x->procfs_fd, &x->pidfd, &cg_fd, exec_child, &a, err);
	roci_cgroup_self_join_close(&sj);
	if (pid < 0)
		return pid;
	x->pid = pid;
	close(x->sync[1]);
	x->sync[1] = -1;
	r = x->cg.n ? roci_cgroup_enter(&x->cg, pid, (cg_fd >= 0 ? ROCI_CG_SKIP_V2 : 0) |
					(self_joins ? ROCI_CG_SKIP_V1 : 0), err) : 0;
	const struct roci_process *p = x->cfg->process;
	if (r == 0 && p->cpu_affinity_initial)
		r = roci_sched_set_affinity(pid, p->cpu_affinity_initial, err);
	if (r == 0)
		r = roci_spawn_oom_score_adj(x->procfs_fd, pid, p, err);
	if (r == 0 && roci_sync_send(x->sync[0], ROCI_SYNC_GO, 0, NULL, -1) < 0)
		r = roci_failx(err, EPIPE, "exec process exited unexpectedly");
	return r;
}

/* A notifying seccomp filter: its listener goes to the agent with the
 * state of this process. */
static int forward_seccomp_listener(struct exec_ctx *x, int fd, struct roci_err *err)
{
	if (fd < 0)
		return roci_failx(err, EPROTO, "seccomp listener fd missing");
	_cleanup_free_ char *json = NULL;
	const struct roci_seccomp *s = x->cfg->seccomp;
	int r = roci_process_state_json(x->c.st, x->c.status, x->pid, s->listener_metadata, &json, err);
	if (r == 0)
		r = roci_seccomp_send_listener(s->listener_path, json, fd, err);
	if (r == 0 && roci_sync_send(x->sync[0], ROCI_SYNC_GO, 0, NULL, -1) < 0)
		r = roci_failx(err, EPIPE, "exec process exited unexpectedly");
	return r;
}

/* Serve the child until its exec closes the sync socket (success) or it
 * reports an error (a missing program, a failed step). */
static int serve(struct exec_ctx *x, struct roci_err *err)
{
	_cleanup_free_ struct roci_sync_msg *m = malloc(sizeof(*m));
	if (!m)
		return roci_fail(err, ENOMEM, "sync");
	for (;;) {
		int fd = -1;
		int r = roci_sync_recv(x->sync[0], m, &fd);
		if (r == -EPIPE)
			return 0;
		if (r < 0)
			return roci_fail(err, -r, "read from exec process");
		if (m->type == ROCI_SYNC_ERROR) {
			if (fd >= 0)
				close(fd);
			return roci_failx(err, m->value > 0 ? m->value : EIO, "%s", m->text);
		}
		if (m->type == ROCI_SYNC_PTY_MASTER) {
			if (x->pty_master >= 0)
				close(x->pty_master);
			x->pty_master = TAKE_FD(fd);
		} else if (m->type == ROCI_SYNC_SECCOMP_FD) {
			r = forward_seccomp_listener(x, fd, err);
			if (r < 0) {
				close(fd);
				return r;
			}
		}
		if (fd >= 0)
			close(fd);
	}
}

/* --pid-file and --pidfd-socket. */
static int record(struct exec_ctx *x, const struct roci_exec_opts *o, struct roci_err *err)
{
	int r = 0;
	if (o->pid_file)
		r = roci_spawn_write_pid_file(o->pid_file, x->pid, err);
	if (r == 0 && o->pidfd_socket)
		r = roci_spawn_send_pidfd(o->pidfd_socket, x->pidfd, err);
	return r;
}

int roci_container_exec(const struct roci_exec_opts *o, struct roci_exec_result *out,
			struct roci_err *err)
{
	struct exec_ctx x = { .init_pidfd = -1, .procfs_fd = -1, .console_fd = -1,
			      .sync = { -1, -1 }, .pidfd = -1, .pty_master = -1 };
	for (int t = 0; t < ROCI_NS_COUNT; t++)
		x.plan.path_fds[t] = -1;
	int r = load_target(&x, o, err);
	if (r == 0) {
		roci_debug(o->log, "exec %s: container %s, init pid %d", o->id,
			   roci_status_name(x.c.status), (int)x.c.st->pid);
		ROCI_STEP("exec: container loaded");
		r = build_process(&x, o, err);
	}
	if (r == 0) {
		const struct roci_process *p = x.cfg->process;
		roci_debug(o->log, "exec %s: process %s, cwd %s, uid %u gid %u%s", o->id,
			   p->n_args ? p->args[0] : "-", p->cwd ? p->cwd : "/", p->uid, p->gid,
			   p->terminal ? ", terminal" : "");
		r = check_options(&x, o, err);
	}
	if (r == 0)
		r = plan_join(&x, o->rootless, err);
	if (r == 0) {
		roci_debug(o->log, "exec %s: joining %d namespaces of pid %d", o->id,
			   roci_ns_plan_joined(&x.plan), (int)x.c.st->pid);
		r = prepare_spawn(&x, o, err);
	}
	if (r == 0)
		r = spawn(&x, o, err);
	if (r == 0) {
		roci_debug(o->log, "exec %s: process cloned, pid %d", o->id, (int)x.pid);
		ROCI_STEP("exec: process cloned");
		r = serve(&x, err);
	}
	if (r == 0) {
		ROCI_STEP("exec: process running");
		r = record(&x, o, err);
	}
	if (r == 0) {
		roci_debug(o->log, "exec %s: process pid %d is running", o->id, (int)x.pid);
		ROCI_STEP("exec: recorded");
	}
	if (r < 0 && x.pid > 0) {
		roci_pidfd_kill(x.pidfd, x.pid, SIGKILL);
		waitpid(x.pid, NULL, 0);
	}
	if (r == 0 && out) {
		out->pid = x.pid;
		out->pidfd = TAKE_FD(x.pidfd);
		out->pty_master = TAKE_FD(x.pty_master);
	}
	exec_ctx_free(&x);
	return r;
}
