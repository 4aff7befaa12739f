/* SPDX-License-Identifier: Apache-2.0 */
/* create: read and check the bundle, make the state directory, clone the
 * init, serve its requests (id maps, runtime hooks) until it is ready. */
#include "runtime/container.h"

#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "linux/premount.h"
#include "linux/lsm_labels.h"
#include "linux/mempolicy.h"
#include "linux/netdev.h"
#include "linux/resctrl.h"
#include "linux/capabilities.h"
#include "linux/cgroup/cgroup.h"
#include "linux/idmap_helper.h"
#include "linux/namespaces.h"
#include "linux/procfs.h"
#include "linux/scheduling.h"
#include "linux/seccomp_filter.h"
#include "linux/sysctls.h"
#include "linux/umount.h"
#include "linux/terminal.h"
#include "util/fault.h"
#include "oci/jsonget.h"
#include "runtime/criu.h"
#include "runtime/hooks.h"
#include "runtime/init.h"
#include "runtime/spawn.h"
#include "runtime/sync.h"
#include "util/cleanup.h"
#include "util/ids.h"
#include "util/timefmt.h"

static char *now_rfc3339(void)
{
	char buf[ROCI_RFC3339_MAX];
	roci_rfc3339_now(buf, sizeof(buf));
	return strdup(buf);
}

static int resolve_paths(const struct roci_create_opts *o, const struct roci_config *cfg,
			 char **bundle, char **rootfs, struct roci_err *err)
{
	/* The bundle is recorded as given, made absolute (hooks and callers
	 * compare it), but not symlink-resolved. */
	char buf[PATH_MAX];
	const char *b = o->bundle ? o->bundle : ".";
	struct stat bst;
	if (stat(b, &bst) < 0)
		return roci_fail(err, errno, "bundle %s", b);
	if (b[0] == '/') {
		*bundle = strdup(b);
	} else {
		if (!getcwd(buf, sizeof(buf)))
			return roci_fail(err, errno, "getcwd");
		if (!strcmp(b, "."))
			*bundle = strdup(buf);
		else if (asprintf(bundle, "%s/%s", buf, b) < 0)
			*bundle = NULL;
	}
	_cleanup_free_ char *joined = NULL;
	if (cfg->root_path[0] == '/')
		joined = strdup(cfg->root_path);
	else if (asprintf(&joined, "%s/%s", *bundle, cfg->root_path) < 0)
		joined = NULL;
	if (!*bundle || !joined)
		return roci_fail(err, ENOMEM, "resolve rootfs");
	if (!realpath(joined, buf))
		return roci_fail(err, errno, "rootfs %s", joined);
	struct stat st;
	if (stat(buf, &st) < 0 || !S_ISDIR(st.st_mode))
		return roci_failx(err, ENOTDIR, "rootfs %s is not a directory", buf);
	*rootfs = strdup(buf);
	return *rootfs ? 0 : roci_fail(err, ENOMEM, "resolve rootfs");
}

static int check_create_options(const struct roci_create_opts *o, const struct roci_config *cfg,
				struct roci_err *err)
{
	bool terminal = cfg->process && cfg->process->terminal;
	int r = roci_spawn_check_terminal(terminal, o->console_socket, !o->foreground, err);
	if (r < 0)
		return r;
	if ((cfg->hostname || cfg->domainname) && !cfg->ns[ROCI_NS_UTS].present)
		return roci_failx(err, EINVAL, "unable to set hostname without a private UTS namespace");
	if (cfg->ns[ROCI_NS_USER].present && !cfg->ns[ROCI_NS_USER].path &&
	    (!cfg->n_uid_mappings || !cfg->n_gid_mappings))
		return roci_failx(err, EINVAL, "user namespace requires linux.uidMappings and linux.gidMappings");
	if ((cfg->time_offsets[0].present || cfg->time_offsets[1].present) &&
	    !(cfg->ns[ROCI_NS_TIME].present && !cfg->ns[ROCI_NS_TIME].path))
		return roci_failx(err, EINVAL, "linux.timeOffsets requires a new time namespace");
	if (o->preserve_fds < 0 || o->preserve_fds > 4096)
		return roci_failx(err, EINVAL, "--preserve-fds %d out of range", o->preserve_fds);
	if (cfg->seccomp && cfg->seccomp->uses_notify && !cfg->process)
		return roci_failx(err, EINVAL, "linux.seccomp: SCMP_ACT_NOTIFY needs a process");
	r = roci_sysctl_check(cfg, err);
	if (r < 0)
		return r;
	if (cfg->has_intel_rdt && (r = roci_resctrl_check(err)) < 0)
		return r;
	if ((r = roci_mempolicy_check(cfg, err)) < 0)
		return r;
	if ((r = roci_netdev_check(cfg, err)) < 0)
		return r;
	return roci_lsm_check(cfg, o->log, err);
}

/* Everything create holds while it works; released by create_ctx_free. */
struct create_ctx {
	struct roci_config *cfg;
	char *config_text;
	size_t config_len;
	char *bundle, *rootfs;
	struct roci_statedir sd;
	bool sd_made;
	struct roci_ns_plan plan;
	struct roci_seccomp_prog seccomp;
	struct roci_cgroup cg;
	bool cg_made;
	struct roci_cg_self_join cg_self; /* fds for the init (cgroup.h) */
	bool cg_recorded;         /* st.cgroup is what was made, not the plan */
	unsigned long long oom_kills; /* the cgroup's count before the init ran */
	int procfs_fd, fifo_fd, console_fd, sync[2];
	pid_t stage1, init_pid;
	int stage1_pidfd, init_pidfd;
	int pty_master;
	int listen_fds, keep_fds; /* LISTEN_FDS, and those plus --preserve-fds */
	int cap_last;             /* highest capability of the running kernel */
	struct roci_premounts pre; /* mounts made for the init (premount.h) */
	struct roci_state st;
};

static void create_ctx_close_fds(struct create_ctx *c)
{
	roci_ns_plan_close(&c->plan);
	int *fds[] = { &c->procfs_fd, &c->fifo_fd, &c->console_fd, &c->sync[0], &c->sync[1],
		       &c->stage1_pidfd, &c->init_pidfd, &c->pty_master, &c->sd.dir_fd };
	for (size_t i = 0; i < ARRAY_SIZE(fds); i++)
		if (*fds[i] >= 0) {
			close(*fds[i]);
			*fds[i] = -1;
		}
	roci_premount_close(&c->pre);
}

static void create_ctx_free(struct create_ctx *c)
{
	create_ctx_close_fds(c);
	roci_config_free(c->cfg);
	free(c->config_text);
	free(c->bundle);
	free(c->rootfs);
	roci_seccomp_prog_free(&c->seccomp);
	free(c->st.created);
	json_decref(c->st.cgroup);
	roci_cgroup_free(&c->cg);
	roci_statedir_close(&c->sd);
}

/* Undo a failed create: no process, no state directory is left behind. */
static void create_abort(struct create_ctx *c)
{
	pid_t pids[2] = { c->init_pid, c->stage1 };
	int pidfds[2] = { c->init_pidfd, c->stage1_pidfd };
	for (int i = 0; i < 2; i++) {
		if (pids[i] <= 0)
			continue;
		roci_pidfd_kill(pidfds[i], pids[i], SIGKILL);
		if (waitpid(pids[i], NULL, 0) < 0 && pidfds[i] >= 0)
			roci_pidfd_wait_exit(pidfds[i], 5000);
	}
	if (c->cfg && !c->cfg->ns[ROCI_NS_MOUNT].present && c->rootfs)
		roci_unmount_under(c->rootfs);
	if (c->cg_made) {
		/* children the init may have forked before it died */
		roci_cgroup_kill(&c->cg, SIGKILL, &(struct roci_err){ 0 });
		roci_cgroup_destroy(&c->cg, 2000, NULL);
	}
	if (c->sd_made)
		roci_statedir_remove(&c->sd, NULL);
}

static int fill_state(struct create_ctx *c, const struct roci_create_opts *o)
{
	struct roci_state *st = &c->st;
	st->id = (char *)o->id;
	st->pid = c->init_pid;
	st->bundle = c->bundle;
	st->rootfs = c->rootfs;
	if (!st->created)
		st->created = now_rfc3339();
	st->owner = getuid();
	st->annotation_keys = c->cfg->annotation_keys;
	st->annotation_values = c->cfg->annotation_values;
	st->n_annotations = c->cfg->n_annotations;
	if (c->init_pid > 0)
		roci_pid_stat(c->init_pid, &st->pid_starttime, NULL);
	/* the plan until the cgroup is made (delete then removes what a killed
	 * create made), then what was made */
	bool planned = !c->cg_made;
	if ((planned ? c->cg.n && !st->cgroup : c->cg_recorded != c->cg_made)) {
		json_decref(st->cgroup);
		if (!(st->cgroup = roci_cgroup_to_json(&c->cg, planned)))
			return -ENOMEM;
		c->cg_recorded = !planned;
	}
	return st->created ? 0 : -ENOMEM;
}

static int save_state(struct create_ctx *c, const struct roci_create_opts *o, struct roci_err *err)
{
	if (fill_state(c, o) < 0)
		return roci_fail(err, ENOMEM, "state");
	_cleanup_free_ char *json = NULL;
	int r = roci_state_to_json(&c->st, &json, err);
	if (r < 0)
		return r;
	return roci_statedir_write(&c->sd, ROCI_STATE_FILE, json, strlen(json), err);
}

static int run_runtime_hooks(struct create_ctx *c, const struct roci_create_opts *o,
			     struct roci_err *err)
{
	/* `state` meanwhile says "creating"; the last save_state clears it */
	c->st.creating = true;
	int r = save_state(c, o, err);
	c->st.creating = false;
	if (r < 0)
		return r;
	struct roci_container view = { .sd = c->sd, .st = &c->st };
	_cleanup_free_ char *json = NULL;
	/* runtime-tools and crun hand these hooks status "created". */
	r = roci_container_state_json(&view, ROCI_STATUS_CREATED, false, &json, err);
	if (r < 0)
		return r;
	roci_debug(o->log, "create %s: prestart and createRuntime hooks", o->id);
	r = roci_hooks_run(c->cfg, ROCI_HOOK_PRESTART, json, NULL, o->log, err);
	if (r == 0)
		r = roci_hooks_run(c->cfg, ROCI_HOOK_CREATE_RUNTIME, json, NULL, o->log, err);
	if (r < 0)
		return r;
	if (strlen(json) >= ROCI_SYNC_TEXT_MAX)
		return roci_failx(err, E2BIG, "container state too large for hooks");
	r = roci_sync_send(c->sync[0], ROCI_SYNC_GO, 0, json, -1);
	return r < 0 ? roci_fail(err, -r, "sync with container init") : 0;
}

/* The init loaded a notifying seccomp filter: give its listener fd and the
 * container process state to the agent at listenerPath. */
static int forward_seccomp_listener(struct create_ctx *c, const struct roci_create_opts *o, int fd,
				    struct roci_err *err)
{
	if (fd < 0)
		return roci_failx(err, EPROTO, "seccomp listener fd missing");
	if (fill_state(c, o) < 0)
		return roci_fail(err, ENOMEM, "state");
	_cleanup_free_ char *json = NULL;
	const struct roci_seccomp *s = c->cfg->seccomp;
	int r = roci_process_state_json(&c->st, ROCI_STATUS_CREATING, c->st.pid, s->listener_metadata,
					&json, err);
	if (r < 0)
		return r;
	r = roci_seccomp_send_listener(s->listener_path, json, fd, err);
	if (r < 0)
		return r;
	r = roci_sync_send(c->sync[0], ROCI_SYNC_GO, 0, NULL, -1);
	return r < 0 ? roci_fail(err, -r, "sync with container init") : 0;
}

/* Unless the init reported a child of its own (a pid-namespace fork),
 * the init is stage 1 itself. */
static void adopt_stage1(struct create_ctx *c)
{
	if (c->init_pid > 0)
		return;
	c->init_pid = c->stage1;
	c->init_pidfd = c->stage1_pidfd;
	c->stage1 = 0;
	c->stage1_pidfd = -1;
}

/* The init closed its end without a word: it died. The usual cause is a
 * memory limit too small for its setup, which the OOM killer enforces. */
static int init_died(struct create_ctx *c, struct roci_err *err)
{
	if (c->cg_made && roci_cgroup_oom_kills(&c->cg) > c->oom_kills)
		return roci_failx(err, ENOMEM, "container init was OOM-killed during setup "
				  "(memory limit too low?)");
	return roci_failx(err, EPIPE, "container init exited unexpectedly");
}

/* Talk to the init until it is ready (or fails). */
static int parent_loop(struct create_ctx *c, const struct roci_create_opts *o, struct roci_err *err)
{
	struct roci_sync_msg *m = malloc(sizeof(*m));
	if (!m)
		return roci_fail(err, ENOMEM, "sync");
	int r = 0;
	for (;;) {
		int fd = -1;
		r = roci_sync_recv(c->sync[0], m, &fd);
		if (r == -EPIPE) {
			r = init_died(c, err);
			break;
		}
		if (r < 0) {
			r = roci_fail(err, -r, "read from container init");
			break;
		}
		roci_debug(o->log, "create %s: init says %s", o->id, roci_sync_name(m->type));
		ROCI_STEP("create: init says %s", roci_sync_name(m->type));
		if (m->type == ROCI_SYNC_ERROR) {
			r = roci_failx(err, m->value > 0 ? m->value : EIO, "%s", m->text);
			break;
		} else if (m->type == ROCI_SYNC_MAPS_REQUEST) {
			r = roci_ns_write_maps(c->procfs_fd, (pid_t)m->value, c->cfg, err);
			if (r < 0)
				break;
			roci_sync_send(c->sync[0], ROCI_SYNC_GO, 0, NULL, -1);
		} else if (m->type == ROCI_SYNC_CHILD_PID) {
			c->init_pid = (pid_t)m->value;
			c->init_pidfd = (int)syscall(SYS_pidfd_open, c->init_pid, 0);
			waitpid(c->stage1, NULL, 0);
			c->stage1 = 0;
		} else if (m->type == ROCI_SYNC_HOOKS_REQUEST) {
			adopt_stage1(c);
			r = run_runtime_hooks(c, o, err);
			if (r < 0)
				break;
		} else if (m->type == ROCI_SYNC_PTY_MASTER) {
			if (c->pty_master >= 0)
				close(c->pty_master);
			c->pty_master = fd;
			fd = -1;
		} else if (m->type == ROCI_SYNC_SECCOMP_FD) {
			adopt_stage1(c);
			r = forward_seccomp_listener(c, o, fd, err);
			if (r < 0)
				break;
		} else if (m->type == ROCI_SYNC_READY) {
			break;
		}
		if (fd >= 0)
			close(fd);
	}
	free(m);
	return r;
}

/* The host's id for the container's id (itself without mappings). */
static unsigned host_id_of(const struct roci_id_mapping *m, size_t n, unsigned id)
{
	for (size_t i = 0; i < n; i++)
		if (id >= m[i].container_id && id - m[i].container_id < m[i].size)
			return m[i].host_id + (id - m[i].container_id);
	return n ? 0 : id;
}

/* Read config.json (bounded) and parse it; the text is kept as the frozen
 * copy in the state directory. */
static int load_config(struct create_ctx *c, const struct roci_create_opts *o, struct roci_err *err)
{
	const char *b = o->bundle ? o->bundle : ".";
	_cleanup_free_ char *cpath = NULL;
	if (asprintf(&cpath, "%s/config.json", b) < 0)
		return roci_fail(err, ENOMEM, "config");
	_cleanup_close_ int cfd = open(cpath, O_RDONLY | O_CLOEXEC);
	if (cfd < 0)
		return roci_fail(err, errno, "open %s", cpath);
	struct stat st;
	if (fstat(cfd, &st) < 0 || st.st_size > (64 << 20))
		return roci_failx(err, EFBIG, "%s: too large", cpath);
	c->config_text = malloc((size_t)st.st_size + 1);
	ssize_t n = c->config_text ? read(cfd, c->config_text, (size_t)st.st_size) : -1;
	if (n < 0)
		return roci_fail(err, errno ? errno : ENOMEM, "read %s", cpath);
	c->config_text[n] = '\0';
	c->config_len = (size_t)n;
	roci_debug(o->log, "create %s: read %s (%zd bytes)", o->id, cpath, n);
	return roci_config_parse_string(c->config_text, &c->cfg, err);
}

/* Check the options against the config, find the bundle and rootfs, and
 * compile what can be compiled before anything exists. */
static int check_config(struct create_ctx *c, const struct roci_create_opts *o, struct roci_err *err)
{
	int r = check_create_options(o, c->cfg, err);
	if (r < 0)
		return r;
	r = resolve_paths(o, c->cfg, &c->bundle, &c->rootfs, err);
	if (r < 0)
		return r;
	roci_debug(o->log, "create %s: bundle %s, rootfs %s", o->id, c->bundle, c->rootfs);
	c->cap_last = roci_caps_host_check(c->cfg->process, o->log);
	if (c->cfg->seccomp) {
		r = roci_seccomp_compile(c->cfg->seccomp, o->log, &c->seccomp, err);
		if (r == 0)
			roci_debug(o->log, "create %s: seccomp filter compiled", o->id);
	}
	return r;
}

/* Decide how the init comes to life: its namespaces and its cgroup. */
static int plan_container(struct create_ctx *c, const struct roci_create_opts *o, struct roci_err *err)
{
	const struct roci_config *cfg = c->cfg;
	int r = roci_ns_plan(cfg, &c->plan, err);
	if (r < 0)
		return r;
	if (o->no_cgroup) {
		/* mode NONE, no directories: nothing is made, joined or applied */
		if (roci_resources_any(&cfg->resources))
			roci_debug(o->log, "--cgroup-manager disabled: linux.resources not applied");
		return 0;
	}
	if (o->systemd_cgroup)
		r = roci_cgroup_plan_systemd(cfg->cgroups_path, o->id, cfg->annotation_keys,
					     cfg->annotation_values, cfg->n_annotations, o->rootless, &c->cg, err);
	else
		r = roci_cgroup_plan(cfg->cgroups_path, o->id, &c->cg, err);
	c->cg.rootless = o->rootless;
	if (r == 0)
		roci_debug(o->log, "create %s: namespaces cloned 0x%x, unshared 0x%x, joined by path %d; "
			   "cgroup %s (%s)", o->id, (unsigned)c->plan.clone_flags,
			   (unsigned)c->plan.unshare_flags, roci_ns_plan_joined(&c->plan),
			   roci_cgroup_name(&c->cg), roci_cgroup_mode_name(c->cg.mode));
	return r;
}

/* The state directory with the frozen config and exec.fifo. */
static int make_state(struct create_ctx *c, const struct roci_create_opts *o, struct roci_err *err)
{
	int r = roci_statedir_create(o->root, o->id, &c->sd, err);
	if (r < 0)
		return r;
	c->sd_made = true;
	roci_debug(o->log, "create %s: state directory %s", o->id, c->sd.path);
	ROCI_STEP("create: state directory made");
	r = roci_statedir_write(&c->sd, ROCI_CONFIG_FILE, c->config_text, c->config_len, err);
	if (r < 0)
		return r;
	ROCI_STEP("create: config.json written");
	/* Recorded before anything else is made: a create killed at any
	 * point leaves a state that delete can clean up (the cgroup plan;
	 * `state` says creating while this create holds the lock). */
	c->st.creating = true;
	r = save_state(c, o, err);
	c->st.creating = false;
	if (r < 0)
		return r;
	ROCI_STEP("create: state.json written");
	if (o->restore)
		return 0; /* a restored container runs at once: no exec.fifo */
	if (mkfifoat(c->sd.dir_fd, ROCI_EXEC_FIFO, 0600) < 0)
		return roci_fail(err, errno, "mkfifo %s/%s", c->sd.path, ROCI_EXEC_FIFO);
	/* The init opens it for writing after its uid change: writable by
	 * anyone, owned by the container's root. */
	const struct roci_config *cfg = c->cfg;
	if (fchmodat(c->sd.dir_fd, ROCI_EXEC_FIFO, 0622, 0) < 0 ||
	    fchownat(c->sd.dir_fd, ROCI_EXEC_FIFO, host_id_of(cfg->uid_mappings, cfg->n_uid_mappings, 0),
		     host_id_of(cfg->gid_mappings, cfg->n_gid_mappings, 0), AT_SYMLINK_NOFOLLOW) < 0)
		return roci_fail(err, errno, "chown %s/%s", c->sd.path, ROCI_EXEC_FIFO);
	c->fifo_fd = openat(c->sd.dir_fd, ROCI_EXEC_FIFO, O_PATH | O_CLOEXEC);
	if (c->fifo_fd < 0)
		return roci_fail(err, errno, "open %s/%s", c->sd.path, ROCI_EXEC_FIFO);
	return 0;
}

/* What the init is handed: procfs, the console socket, the sync socket. */
static int open_channels(struct create_ctx *c, const struct roci_create_opts *o, struct roci_err *err)
{
	c->procfs_fd = roci_procfs_open(err);
	if (c->procfs_fd < 0)
		return c->procfs_fd;
	if (o->console_socket) {
		c->console_fd = roci_console_socket_connect(o->console_socket, err);
		if (c->console_fd < 0)
			return c->console_fd;
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, c->sync) < 0)
		return roci_fail(err, errno, "socketpair");
	int sndbuf = 1 << 20;
	setsockopt(c->sync[0], SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	return 0;
}

/* cgroupfs: made before the clone, so that on v2 the init is born in its
 * cgroup (*cg_fd, or -1). A systemd scope needs the init's pid, so it
 * comes after the clone (join_cgroup). */
static int make_cgroup(struct create_ctx *c, const struct roci_create_opts *o, int *cg_fd,
		       struct roci_err *err)
{
	*cg_fd = -1;
	if (c->cg.unit || o->no_cgroup)
		return 0;
	int r = roci_cgroup_create(&c->cg, 0, &c->cfg->resources, o->log, err);
	if (r < 0)
		return r;
	if (c->cg.mode != ROCI_CG_NONE && (r = roci_cgroup_check_unused(&c->cg, err)) < 0) {
		roci_cgroup_destroy(&c->cg, 0, NULL);
		return r;
	}
	/* SCHED_FIFO and SCHED_RR need realtime runtime in v1 */
	const struct roci_process *p = c->cfg->process;
	if (c->cg.mode != ROCI_CG_NONE && p && p->scheduler.present && (p->scheduler.policy == SCHED_FIFO || p->scheduler.policy == SCHED_RR) &&
	    !c->cfg->resources.cpu.realtime_runtime.set && (r = roci_cgroup_grant_rt(&c->cg, err)) < 0) {
		roci_cgroup_destroy(&c->cg, 0, NULL);
		return r;
	}
	c->cg_made = c->cg.mode != ROCI_CG_NONE;
	/* none could be made (a user's, say): the state says so from now on,
	 * so that pause, update and ps know */
	if (!c->cg_made && c->st.cgroup) {
		json_decref(c->st.cgroup);
		if (!(c->st.cgroup = roci_cgroup_to_json(&c->cg, false)))
			return roci_fail(err, ENOMEM, "state");
	}
	/* a memory cgroup made just now has killed nothing yet */
	c->oom_kills = roci_cgroup_memory_is_new(&c->cg) ? 0 : roci_cgroup_oom_kills(&c->cg);
	/* v2, and the unified hierarchy of a hybrid host */
	if (c->cg_made)
		*cg_fd = roci_cgroup_v2_fd(&c->cg);
	return 0;
}

static void init_child(void *arg)
{
	struct roci_init_args *a = arg;
	close(a->parent_sync_fd);
	roci_init_main(a);
}

/* Clone the init (stage 1) into its namespaces and, where the kernel can,
 * straight into its v2 cgroup. Returns in the parent only. */
static int clone_init(struct create_ctx *c, const struct roci_create_opts *o, int *cg_fd,
		      struct roci_err *err)
{
	struct roci_init_args a = {
		.cfg = c->cfg, .log = o->log, .plan = &c->plan,
		.rootfs = c->rootfs, .bundle = c->bundle,
		.sync_fd = c->sync[1], .parent_sync_fd = c->sync[0],
		.fifo_fd = c->fifo_fd, .procfs_fd = c->procfs_fd,
		.console_fd = c->console_fd, .lock_fd = c->sd.dir_fd,
		.tty_to_parent = o->foreground && !o->console_socket,
		.no_pivot = o->no_pivot, .no_new_keyring = o->no_new_keyring,
		.release_parked = !o->starts_at_once,
		.rootless = o->rootless,
		.keep_fds = c->keep_fds, .listen_fds = c->listen_fds, .cap_last = c->cap_last,
		.seccomp = c->cfg->seccomp ? &c->seccomp : NULL,
		.premounts = &c->pre,
		.cg_self = c->cg_self.n ? &c->cg_self : NULL,
	};
	pid_t pid = roci_spawn_clone(c->cfg, &c->plan, c->procfs_fd, &c->stage1_pidfd, cg_fd,
				     init_child, &a, err);
	if (pid < 0)
		return pid;
	c->stage1 = pid;
	roci_debug(o->log, "create %s: init cloned, pid %d", o->id, (int)pid);
	close(c->sync[1]);
	c->sync[1] = -1;
	return 0;
}

/* Put the new process in its cgroup (born_in_v2: clone3 already did for
 * v2; self_joins_v1: it joins the v1 hierarchies itself) and on its
 * initial CPUs. */
static int join_cgroup(struct create_ctx *c, const struct roci_create_opts *o, bool born_in_v2,
		       bool self_joins_v1, struct roci_err *err)
{
	pid_t pid = c->stage1;
	int r = 0;
	if (c->cg.unit) {
		r = roci_cgroup_create(&c->cg, pid, &c->cfg->resources, o->log, err);
		if (r < 0)
			return r;
		c->cg_made = true;
		c->oom_kills = roci_cgroup_oom_kills(&c->cg);
	} else if (c->cg_made) {
		r = roci_cgroup_enter(&c->cg, pid, (born_in_v2 ? ROCI_CG_SKIP_V2 : 0) |
				      (self_joins_v1 ? ROCI_CG_SKIP_V1 : 0), err);
		if (r < 0)
			return r;
	}
	if (c->cfg->process && c->cfg->process->cpu_affinity_initial)
		r = roci_sched_set_affinity(pid, c->cfg->process->cpu_affinity_initial, err);
	return r;
}

/* linux.netDevices: into the init's network namespace, before it goes on */
static int move_net_devices(struct create_ctx *c, struct roci_err *err)
{
	char path[64];
	snprintf(path, sizeof(path), "%d/ns/net", (int)c->stage1);
	_cleanup_close_ int ns = openat(c->procfs_fd, path, O_RDONLY | O_CLOEXEC);
	if (ns < 0)
		return roci_fail(err, errno, "open the container's network namespace");
	return roci_netdev_move(c->cfg, ns, err);
}

/* Cgroup, clone, cgroup membership, id maps, network devices; then let
 * the init go on. */
static int spawn_init(struct create_ctx *c, const struct roci_create_opts *o, struct roci_err *err)
{
	_cleanup_close_ int cg_fd = -1;
	int r = make_cgroup(c, o, &cg_fd, err);
	if (r < 0)
		return r;
	ROCI_STEP("create: cgroup made");
	/* what the init cannot mount itself is made here, by host root, for
	 * the init to attach */
	r = roci_premount_prepare(c->cfg, c->bundle, c->procfs_fd, &c->pre, err);
	if (r < 0)
		return r;
	/* the init joins its v1 cgroups itself (cgroup.h) */
	bool self_joins = false;
	if (c->cg_made) {
		if ((r = roci_cgroup_self_join_open(&c->cg, &c->cg_self, err)) < 0)
			return r;
		self_joins = r > 0;
	}
	r = clone_init(c, o, &cg_fd, err);
	roci_premount_close(&c->pre);
	roci_cgroup_self_join_close(&c->cg_self);
	if (r < 0)
		return r;
	ROCI_STEP("create: init cloned");
	r = join_cgroup(c, o, cg_fd >= 0, self_joins, err);
	if (r < 0)
		return r;
	ROCI_STEP("create: init in its cgroup");
	if (c->plan.parent_writes_maps && (r = roci_idmap_write(c->procfs_fd, c->stage1, c->cfg, err)) < 0)
		return r;
	if (o->rootless)
		prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	if (c->cfg->n_net_devices && (r = move_net_devices(c, err)) < 0)
		return r;
	roci_sync_send(c->sync[0], ROCI_SYNC_GO, 0, NULL, -1);
	ROCI_STEP("create: init told to go on");
	return 0;
}

/* restore: the cgroup, then CRIU brings the init back from its images, in
 * place of the clone (criu.h). */
static int restore_init(struct create_ctx *c, const struct roci_create_opts *o,
			struct roci_err *err)
{
	_cleanup_close_ int cg_fd = -1;
	int r = make_cgroup(c, o, &cg_fd, err);
	if (r < 0)
		return r;
	/* a systemd unit comes around the restored init; its directories are
	 * made now, because CRIU places the tasks (and binds) there first */
	if (c->cg.unit && !o->no_cgroup) {
		c->cg_made = true;
		if ((r = roci_cgroup_make_dirs(&c->cg, err)) < 0)
			return r;
	}
	_cleanup_strv_ char **roots = NULL, **ext = NULL;
	if (c->cg_made && (r = roci_criu_cgroup_args(c->cfg, &c->cg, &roots, &ext, err)) < 0)
		return r;
	struct roci_criu_restore rs = { .cfg = c->cfg, .bundle = c->bundle, .rootfs = c->rootfs,
					.state_dir = c->sd.path, .cgroup_roots = (const char *const *)roots,
					.externals = (const char *const *)ext, .tty_slave = -1 };
	/* a terminal: a new pty takes the dumped one's place; its master
	 * goes to the console socket, or to `restore`'s own relay */
	_cleanup_close_ int tty_slave = -1;
	char tty_path[64];
	const struct roci_process *p = c->cfg->process;
	if (p && p->terminal) {
		c->pty_master = roci_terminal_open_pair(p, host_id_of(c->cfg->uid_mappings,
							c->cfg->n_uid_mappings, p->uid),
							&tty_slave, tty_path, sizeof(tty_path), err);
		if (c->pty_master < 0)
			return c->pty_master;
		rs.tty_slave = tty_slave;
		rs.tty_path = tty_path;
	}
	roci_debug(o->log, "restore %s: criu restore into cgroup %s", o->id, roci_cgroup_name(&c->cg));
	pid_t pid;
	r = roci_criu_restore(o->restore, &rs, &pid, o->log, err);
	if (r < 0)
		return r;
	if (c->pty_master >= 0 && c->console_fd >= 0) {
		r = roci_terminal_send_master(c->console_fd, c->pty_master, err);
		close(TAKE_FD(c->pty_master));
		if (r < 0)
			return r;
	}
	c->init_pid = pid;
	c->init_pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	/* the systemd driver makes its scope around the restored init; with
	 * cgroupfs, the init goes where it belongs whatever CRIU's cgroup
	 * mode did */
	if (c->cg.unit && !o->no_cgroup) {
		if ((r = roci_cgroup_create(&c->cg, pid, &c->cfg->resources, o->log, err)) < 0)
			return r;
	} else if (c->cg_made && (r = roci_cgroup_enter(&c->cg, pid, 0, err)) < 0) {
		return r;
	}
	return 0;
}

/* Serve the init's requests until it is ready; then the init is the
 * process it reported (after a pid-namespace fork) or stage 1 itself. */
static int serve_init(struct create_ctx *c, const struct roci_create_opts *o, struct roci_err *err)
{
	int r = parent_loop(c, o, err);
	if (r < 0)
		return r;
	adopt_stage1(c);
	return 0;
}

/* oom_score_adj, state.json and the pid file: the container is created. */
static int record_created(struct create_ctx *c, const struct roci_create_opts *o,
			  struct roci_created *out, struct roci_err *err)
{
	int r = c->cfg->process ? roci_spawn_oom_score_adj(c->procfs_fd, c->init_pid, c->cfg->process, err) : 0;
	if (r < 0)
		return r;
	r = save_state(c, o, err);
	if (r < 0)
		return r;
	ROCI_STEP("create: state.json says created");
	if (o->pid_file) {
		r = roci_spawn_write_pid_file(o->pid_file, c->init_pid, err);
		if (r < 0)
			return r;
	}
	if (o->pidfd_socket) {
		r = roci_spawn_send_pidfd(o->pidfd_socket, c->init_pidfd, err);
		if (r < 0)
			return r;
	}
	roci_debug(o->log, "create %s: created, init pid %d", o->id, (int)c->init_pid);
	if (out) {
		out->pid = c->init_pid;
		out->pidfd = TAKE_FD(c->init_pidfd);
		out->pty_master = TAKE_FD(c->pty_master);
	}
	return 0;
}

int roci_container_create(const struct roci_create_opts *o, struct roci_created *out,
			  struct roci_err *err)
{
	struct create_ctx c = { .procfs_fd = -1, .fifo_fd = -1, .console_fd = -1,
				.sync = { -1, -1 }, .stage1_pidfd = -1, .init_pidfd = -1,
				.pty_master = -1, .sd = { .dir_fd = -1 } };
	for (int t = 0; t < ROCI_NS_COUNT; t++)
		c.plan.path_fds[t] = -1;
	c.listen_fds = roci_spawn_listen_fds();
	c.keep_fds = c.listen_fds + o->preserve_fds;
	int r = roci_id_validate(o->id, err);
	if (r < 0)
		goto out;
	/* Nothing in a container may ptrace or open /proc/PID/exe of the
	 * runtime; the init inherits this until it execs. Rootless: only
	 * once the id maps are written (a user's roci opens the init's). */
	if (!o->rootless)
		prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);

	/* Read and check everything before touching the system. */
	r = load_config(&c, o, err);
	if (r == 0)
		r = check_config(&c, o, err);
	if (r == 0)
		r = plan_container(&c, o, err);
	if (r == 0)
		r = roci_spawn_fd_hygiene(c.keep_fds, err);
	if (r < 0)
		goto out;
	ROCI_STEP("create: config read and checked");

	/* From here on a failure must undo what was made (create_abort,
	 * once the state directory exists). */
	r = make_state(&c, o, err);
	if (r == 0)
		r = open_channels(&c, o, err);
	if (r == 0 && o->restore)
		r = restore_init(&c, o, err);
	if (r == 0 && !o->restore)
		r = spawn_init(&c, o, err);
	if (r == 0 && !o->restore)
		r = serve_init(&c, o, err);
	if (r == 0) {
		ROCI_STEP("create: init ready");
		r = record_created(&c, o, out, err);
	}
	if (r == 0)
		ROCI_STEP("create: created");
	if (r < 0 && c.sd_made)
		create_abort(&c);
out:
	if (r == 0 && !o->starts_at_once) {
		/* The parked init shares every page of our heap copy-on-write
		 * until start: freeing would write, and so copy, each of them
		 * (about 1.5 ms here). `create` exits now; its memory goes with
		 * it. Only the descriptors are closed. */
		create_ctx_close_fds(&c);
		return 0;
	}
	create_ctx_free(&c);
	return r;
}
