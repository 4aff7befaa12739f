/* SPDX-License-Identifier: Apache-2.0 */
#include "runtime/container.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "linux/cgroup/cgroup.h"
#include "linux/namespaces.h"
#include "linux/procfs.h"
#include "linux/umount.h"
#include "linux/terminal.h"
#include "runtime/hooks.h"
#include "runtime/init.h"
#include "runtime/sync.h"
#include "util/cleanup.h"
#include "util/fault.h"
#include "util/ids.h"

static enum roci_status live_status(struct roci_container *c)
{
	if (!c->st || c->st->creating) {
		/* create never finished: still running if its creator holds
		 * the lock (the state written for its hooks says so too),
		 * otherwise a leftover that delete removes. */
		if (c->sd.dir_fd >= 0 && flock(c->sd.dir_fd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK)
			return ROCI_STATUS_CREATING;
		return ROCI_STATUS_STOPPED;
	}
	if (!roci_pid_alive(c->st->pid, c->st->pid_starttime))
		return ROCI_STATUS_STOPPED;
	if (roci_statedir_exists(&c->sd, ROCI_EXEC_FIFO))
		return ROCI_STATUS_CREATED;
	struct roci_cgroup cg;
	if (c->st->cgroup && roci_container_cgroup(c, &cg, NULL) == 0) {
		bool frozen = roci_cgroup_is_frozen(&cg);
		roci_cgroup_free(&cg);
		if (frozen)
			return ROCI_STATUS_PAUSED;
	}
	return ROCI_STATUS_RUNNING;
}

int roci_container_cgroup(const struct roci_container *c, struct roci_cgroup *cg, struct roci_err *err)
{
	struct roci_err local = { 0 };
	return roci_cgroup_from_json(c->st ? c->st->cgroup : NULL, cg, err ? err : &local);
}

int roci_container_load(const char *root, const char *id, bool lock, struct roci_container *c,
			struct roci_err *err)
{
	memset(c, 0, sizeof(*c));
	c->sd.dir_fd = -1;
	int r = roci_id_validate(id, err);
	if (r < 0)
		return r;
	if (lock) {
		r = roci_statedir_open(root, id, &c->sd, err);
	} else {
		/* readers: open without locking */
		c->sd.root = strdup(root);
		c->sd.id = strdup(id);
		if (asprintf(&c->sd.path, "%s/%s", root, id) < 0)
			c->sd.path = NULL;
		c->sd.dir_fd = c->sd.path ? open(c->sd.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
		if (c->sd.dir_fd < 0)
			r = errno == ENOENT || errno == ENOTDIR
				? roci_failx(err, ENOENT, "container \"%s\" does not exist", id)
				: roci_fail(err, errno, "open %s", c->sd.path ? c->sd.path : id);
	}
	if (r < 0) {
		roci_statedir_close(&c->sd);
		return r;
	}
	_cleanup_free_ char *text = NULL;
	r = roci_statedir_read(&c->sd, ROCI_STATE_FILE, &text, NULL, err);
	if (r == 0) {
		r = roci_state_from_json(text, &c->st, err);
		if (r < 0) {
			roci_container_close(c);
			return r;
		}
	} else if (r != -ENOENT) {
		roci_container_close(c);
		return r;
	}
	r = roci_statedir_read(&c->sd, ROCI_CONFIG_FILE, &c->config_text, NULL, err);
	if (r < 0 && r != -ENOENT) {
		roci_container_close(c);
		return r;
	}
	c->status = live_status(c);
	if (!lock && c->status == ROCI_STATUS_STOPPED && (!c->st || c->st->creating)) {
		/* Read while a create was running, and that create has finished
		 * since (its lock is free now): the state it left is the one. */
		_cleanup_free_ char *again = NULL;
		struct roci_state *st = NULL;
		if (roci_statedir_read(&c->sd, ROCI_STATE_FILE, &again, NULL, NULL) == 0 &&
		    roci_state_from_json(again, &st, NULL) == 0) {
			roci_state_free(c->st);
			c->st = st;
			c->status = live_status(c);
		}
	}
	return 0;
}

void roci_container_close(struct roci_container *c)
{
	roci_state_free(c->st);
	c->st = NULL;
	free(c->config_text);
	c->config_text = NULL;
	roci_statedir_close(&c->sd);
}

int roci_container_state_json(const struct roci_container *c, enum roci_status status,
			      bool pretty, char **out, struct roci_err *err)
{
	if (!c->st) {
		struct roci_state empty = { .id = c->sd.id, .bundle = (char *)"", .rootfs = (char *)"",
					    .created = (char *)"" };
		return roci_state_oci_json(&empty, status, pretty, out, err);
	}
	return roci_state_oci_json(c->st, status, pretty, out, err);
}

static int load_config(struct roci_container *c, struct roci_config **cfg, struct roci_err *err)
{
	if (!c->config_text)
		return roci_failx(err, ENOENT, "container \"%s\": config missing from state", c->sd.id);
	return roci_config_parse_string(c->config_text, cfg, err);
}

/* Open exec.fifo and wait until the init writes to it (or dies); with
 * wait_exec, also until its exec closes the fifo. */
static int trigger_start(struct roci_container *c, bool wait_exec, struct roci_err *err)
{
	_cleanup_close_ int pidfd = roci_pidfd_open_checked(c->st->pid, c->st->pid_starttime);
	if (pidfd == -ESRCH)
		return roci_failx(err, ESRCH, "container not running");
	_cleanup_close_ int fifo = openat(c->sd.dir_fd, ROCI_EXEC_FIFO, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fifo < 0)
		return roci_fail(err, errno, "open %s/%s", c->sd.path, ROCI_EXEC_FIFO);
	struct pollfd pfd[2] = { { .fd = fifo, .events = POLLIN }, { .fd = pidfd, .events = POLLIN } };
	for (;;) {
		int n = poll(pfd, pidfd >= 0 ? 2 : 1, pidfd >= 0 ? -1 : 10000);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return roci_fail(err, errno, "wait for container init");
		if (n == 0)
			return roci_failx(err, ETIMEDOUT, "container init did not start");
		if (pfd[0].revents & POLLIN) {
			char b;
			if (read(fifo, &b, 1) == 1)
				break;
		}
		if (pfd[1].revents & POLLIN)
			return roci_failx(err, ESRCH, "container init exited before start");
		if (pfd[0].revents & POLLHUP)
			return roci_failx(err, ESRCH, "container init exited before start");
	}
	unlinkat(c->sd.dir_fd, ROCI_EXEC_FIFO, 0);
	if (!wait_exec)
		return 0;
	/* The init holds the write end until its exec closes it: wait for
	 * that end-of-file, so that startContainer hooks have run and
	 * poststart hooks follow the real exec. */
	int fl = fcntl(fifo, F_GETFL);
	fcntl(fifo, F_SETFL, fl & ~O_NONBLOCK);
	char b;
	while (read(fifo, &b, 1) > 0 || errno == EINTR)
		errno = 0;
	return 0;
}

int roci_container_start(const char *root, const char *id, const struct roci_log *log,
			 struct roci_err *err)
{
	struct roci_container c;
	_cleanup_config_ struct roci_config *cfg = NULL;
	_cleanup_free_ char *json = NULL;
	int r = roci_container_load(root, id, true, &c, err);
	if (r < 0)
		return r;
	switch (c.status) {
	case ROCI_STATUS_CREATED:
		break;
	case ROCI_STATUS_STOPPED:
		r = roci_failx(err, EINVAL, "cannot start a container that has stopped");
		goto out;
	case ROCI_STATUS_RUNNING:
		r = roci_failx(err, EINVAL, "cannot start an already running container");
		goto out;
	default:
		r = roci_failx(err, EINVAL, "cannot start a container in the %s state", roci_status_name(c.status));
		goto out;
	}
	r = load_config(&c, &cfg, err);
	if (r < 0)
		goto out;
	ROCI_STEP("start: container loaded");
	roci_debug(log, "start %s: opening exec.fifo, init pid %d", id, (int)c.st->pid);
	/* As runc: start returns once the init has been told to go, unless
	 * hooks must run first (startContainer) or after the exec (poststart). */
	bool wait_exec = cfg->hooks[ROCI_HOOK_START_CONTAINER].n || cfg->hooks[ROCI_HOOK_POSTSTART].n;
	r = trigger_start(&c, wait_exec, err);
	if (r < 0)
		goto out;
	ROCI_STEP("start: init started");
	roci_debug(log, wait_exec ? "start %s: the init has exec'd its process" : "start %s: the init goes on", id);
	if (!cfg->hooks[ROCI_HOOK_POSTSTART].n)
		goto out;
	if (roci_container_state_json(&c, ROCI_STATUS_RUNNING, false, &json, NULL) == 0) {
		roci_debug(log, "start %s: poststart hooks", id);
		roci_hooks_run_warn(cfg, ROCI_HOOK_POSTSTART, json, log);
	}
out:
	roci_container_close(&c);
	return r;
}

/* Signal every process in the container's pid namespace. */
static int signal_one(void *arg, pid_t pid)
{
	return kill(pid, *(int *)arg) < 0 ? -errno : 0;
}

static int kill_all_in_pidns(pid_t init, int sig)
{
	return roci_pidns_each(init, signal_one, &sig);
}

/* kill --all of a container whose init is gone: what is left in its cgroup
 * (children of an init without a pid namespace of its own, or one that
 * shares another's) gets the signal. A cgroup already gone or empty leaves
 * nothing to do. The runc shim sends this at the init's exit and the CRI
 * before it deletes the task, as runc takes it. */
static int kill_leftovers(const struct roci_container *c, int sig, struct roci_err *err)
{
	struct roci_cgroup cg;
	pid_t *pids = NULL;
	size_t n = 0;
	int r = 0;
	if (roci_container_cgroup(c, &cg, NULL) == 0 && cg.n &&
	    roci_cgroup_pids(&cg, &pids, &n, NULL) == 0 && n)
		r = roci_cgroup_kill(&cg, sig, err);
	free(pids);
	roci_cgroup_free(&cg);
	return r;
}

int roci_container_kill(const char *root, const char *id, int sig, bool all, struct roci_err *err)
{
	struct roci_container c;
	_cleanup_close_ int pidfd = -1;
	int r = roci_container_load(root, id, true, &c, err);
	if (r < 0)
		return r;
	bool live = c.status == ROCI_STATUS_CREATED || c.status == ROCI_STATUS_RUNNING ||
		    c.status == ROCI_STATUS_PAUSED;
	if (live)
		pidfd = roci_pidfd_open_checked(c.st->pid, c.st->pid_starttime);
	if (!live || pidfd == -ESRCH) {
		/* the init is gone: --all still reaches what it left behind */
		if (all && (live || c.status == ROCI_STATUS_STOPPED))
			r = kill_leftovers(&c, sig, err);
		else
			r = roci_failx(err, ESRCH, "container not running");
		goto out;
	}
	if (all) {
		struct roci_cgroup cg;
		r = roci_container_cgroup(&c, &cg, err);
		if (r == 0 && cg.n) {
			r = roci_cgroup_kill(&cg, sig, err);
			roci_cgroup_free(&cg);
			goto out;
		}
		roci_cgroup_free(&cg);
		r = kill_all_in_pidns(c.st->pid, sig);
	} else
		r = roci_pidfd_kill(pidfd, c.st->pid, sig);
	if (r < 0)
		r = roci_fail(err, -r, "kill container %s", id);
out:
	roci_container_close(&c);
	return r;
}

static int kill_and_wait(struct roci_container *c, struct roci_err *err)
{
	_cleanup_close_ int pidfd = roci_pidfd_open_checked(c->st->pid, c->st->pid_starttime);
	if (pidfd == -ESRCH)
		return 0;
	if (pidfd < 0) {
		/* no pidfds: signal and poll the recorded identity */
		kill(c->st->pid, SIGKILL);
		for (int i = 0; i < 10000 && roci_pid_alive(c->st->pid, c->st->pid_starttime); i++)
			usleep(1000);
		return 0;
	}
	kill_all_in_pidns(c->st->pid, SIGKILL);
	roci_pidfd_kill(pidfd, c->st->pid, SIGKILL);
	if (roci_pidfd_wait_exit(pidfd, 10000) < 0)
		return roci_failx(err, ETIMEDOUT, "container %s did not exit after SIGKILL", c->sd.id);
	return 0;
}

int roci_container_delete(const char *root, const char *id, bool force,
			  const struct roci_log *log, struct roci_err *err)
{
	struct roci_container c;
	_cleanup_config_ struct roci_config *cfg = NULL;
	_cleanup_free_ char *json = NULL;
	int r = roci_container_load(root, id, true, &c, err);
	if (r < 0)
		return r;
	if (c.status == ROCI_STATUS_RUNNING || c.status == ROCI_STATUS_PAUSED) {
		if (!force) {
			r = roci_failx(err, EBUSY, "cannot delete container %s that is not stopped: %s",
				       id, roci_status_name(c.status));
			goto out;
		}
	}
	if (c.status == ROCI_STATUS_PAUSED) {
		/* frozen tasks die only once thawed: kill, then thaw */
		struct roci_cgroup pcg;
		if (roci_container_cgroup(&c, &pcg, NULL) == 0 && pcg.n) {
			roci_cgroup_kill(&pcg, SIGKILL, &(struct roci_err){ 0 });
			roci_cgroup_freeze(&pcg, false, &(struct roci_err){ 0 });
		}
		roci_cgroup_free(&pcg);
	}
	roci_debug(log, "delete %s: status %s", id, roci_status_name(c.status));
	ROCI_STEP("delete: container loaded");
	if (c.st && c.status != ROCI_STATUS_STOPPED) {
		struct roci_cgroup tcg;
		if (roci_container_cgroup(&c, &tcg, NULL) == 0 && tcg.n)
			roci_cgroup_thaw_below(&tcg);
		roci_cgroup_free(&tcg);
		roci_debug(log, "delete %s: killing init pid %d and waiting for it", id, (int)c.st->pid);
		r = kill_and_wait(&c, err);
		if (r < 0)
			goto out;
		ROCI_STEP("delete: init killed");
	}
	struct roci_cgroup cg;
	if (roci_container_cgroup(&c, &cg, NULL) == 0 && cg.n) {
		/* anything left in the cgroup (a container without its own pid
		 * namespace may leave children), then what create made */
		pid_t *pids;
		size_t n;
		if (roci_cgroup_pids(&cg, &pids, &n, NULL) == 0) {
			if (n)
				roci_cgroup_kill(&cg, SIGKILL, &(struct roci_err){ 0 });
			free(pids);
		}
		if (roci_cgroup_is_frozen(&cg))
			roci_cgroup_freeze(&cg, false, &(struct roci_err){ 0 });
		roci_debug(log, "delete %s: removing cgroup %s", id, roci_cgroup_name(&cg));
		r = roci_cgroup_destroy(&cg, 5000, err);
		roci_cgroup_free(&cg);
		if (r < 0)
			goto out;
		ROCI_STEP("delete: cgroup removed");
	}
	/* no poststop hooks for what a killed create left: it never existed */
	if (c.st && c.config_text && roci_config_parse_string(c.config_text, &cfg, NULL) == 0 &&
	    !c.st->creating)
		roci_container_state_json(&c, ROCI_STATUS_STOPPED, false, &json, NULL);
	if (cfg && !cfg->ns[ROCI_NS_MOUNT].present && c.st && c.st->rootfs && *c.st->rootfs)
		roci_unmount_under(c.st->rootfs);
	roci_debug(log, "delete %s: removing state directory %s", id, c.sd.path);
	r = roci_statedir_remove(&c.sd, err);
	if (r < 0)
		goto out;
	ROCI_STEP("delete: state directory removed");
	/* and what creates killed before their directory had a name left */
	roci_statedir_sweep(root);
	if (cfg && json) {
		roci_debug(log, "delete %s: poststop hooks", id);
		roci_hooks_run_warn(cfg, ROCI_HOOK_POSTSTOP, json, log);
	}
out:
	roci_container_close(&c);
	return r;
}
