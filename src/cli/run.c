/* SPDX-License-Identifier: Apache-2.0 */
/* roci run [create options] [-d|--detach] [--keep] ID
 * In the foreground: forward signals to the container, exit with its status
 * (128+N when signal N killed it), then delete it unless --keep. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli.h"
#include "runtime/container.h"
#include "runtime/spawn.h"
#include "util/fault.h"

int roci_cmd_run(struct roci_globals *g, int argc, char **argv, struct roci_err *err)
{
	struct roci_create_opts o;
	bool detach = false, keep = false;
	int r = roci_cli_parse_create(g, argc, argv, true, &o, &detach, &keep, err);
	if (r < 0)
		return r;
	o.foreground = !detach;
	o.starts_at_once = true;

	sigset_t set, old;
	int sfd = -1;
	if (!detach) {
		/* Block the signals now; they are forwarded once the container runs. */
		roci_spawn_forwardable_signals(&set);
		sigprocmask(SIG_BLOCK, &set, &old);
		sfd = signalfd(-1, &set, SFD_CLOEXEC);
		prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	}
	struct roci_created cr = { .pidfd = -1, .pty_master = -1 };
	r = roci_container_create(&o, &cr, err);
	if (!detach)
		sigprocmask(SIG_SETMASK, &old, NULL);
	if (r < 0)
		return r;
	if (!detach)
		sigprocmask(SIG_BLOCK, &set, NULL);
	r = roci_container_start(g->root, o.id, &g->log, err);
	if (r < 0) {
		struct roci_err derr = { 0 };
		roci_container_delete(g->root, o.id, true, &g->log, &derr);
		return r;
	}
	if (detach)
		return 0;
	g->exit_status = roci_spawn_wait_foreground(cr.pid, cr.pidfd, cr.pty_master, sfd);
	ROCI_STEP("run: the process exited");
	if (!keep) {
		r = roci_container_delete(g->root, o.id, true, &g->log, err);
		if (r < 0)
			return r;
	}
	return 0;
}
