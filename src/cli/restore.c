/* SPDX-License-Identifier: Apache-2.0 */
/* roci restore [-b DIR] [--image-path DIR] [--work-path DIR] [-d|--detach]
 *              [--pid-file F] [--console-socket S] [--no-subreaper]
 *              [--no-pivot] [--tcp-established] [--ext-unix-sk]
 *              [--shell-job] [--file-locks] [--lazy-pages]
 *              [--manage-cgroups-mode MODE] [--empty-ns network]
 *              [--auto-dedup] [--lsm-profile TYPE:NAME]
 *              [--lsm-mount-context CTX] ID
 * create, with CRIU bringing the init back from its images. In the
 * foreground, as run: signals go to the container, roci exits with its
 * status and deletes it. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>

#include "cli/cli.h"
#include "cli/criu_flags.h"
#include "runtime/container.h"
#include "runtime/spawn.h"

enum { R_PIDFILE = 400, R_CONSOLE, R_NOSUBREAPER, R_NOPIVOT, R_LSMPROFILE, R_LSMMOUNT };

int roci_cmd_restore(struct roci_globals *g, int argc, char **argv, struct roci_err *err)
{
	static const struct option opts[] = {
		CRIU_SHARED_OPTIONS,
		{ "bundle", required_argument, NULL, 'b' },
		{ "detach", no_argument, NULL, 'd' },
		{ "pid-file", required_argument, NULL, R_PIDFILE },
		{ "console-socket", required_argument, NULL, R_CONSOLE },
		{ "no-subreaper", no_argument, NULL, R_NOSUBREAPER },
		{ "no-pivot", no_argument, NULL, R_NOPIVOT },
		{ "lsm-profile", required_argument, NULL, R_LSMPROFILE },
		{ "lsm-mount-context", required_argument, NULL, R_LSMMOUNT },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *usage =
		"restore [-b DIR] [--image-path DIR] [--work-path DIR] [-d] [--pid-file F] "
		"[--console-socket S] [--no-subreaper] [--no-pivot] [--tcp-established] [--ext-unix-sk] "
		"[--shell-job] [--file-locks] [--lazy-pages] [--manage-cgroups-mode soft|full|strict|ignore] "
		"[--empty-ns network] [--auto-dedup] [--lsm-profile TYPE:NAME] [--lsm-mount-context CTX] ID";
	struct roci_criu_opts criu = { .criu = g->criu, .status_fd = -1 };
	struct roci_create_opts o = { .root = g->root, .log = &g->log, .systemd_cgroup = g->systemd_cgroup,
				      .no_cgroup = g->no_cgroup, .rootless = g->is_rootless, .restore = &criu };
	int c, r;
	opterr = 0;
	while ((c = getopt_long_only(argc, argv, ":b:dh", opts, NULL)) != -1) {
		if ((r = roci_cli_criu_flag(c, optarg, &criu, err)) < 0)
			return r;
		if (r == 0)
			continue;
		switch (c) {
		case 'b': o.bundle = optarg; break;
		case 'd': criu.detach = true; break;
		case R_PIDFILE: o.pid_file = optarg; break;
		case R_CONSOLE: o.console_socket = optarg; break;
		case R_NOSUBREAPER: criu.no_subreaper = true; break;
		case R_NOPIVOT: o.no_pivot = true; break;
		case R_LSMPROFILE: criu.lsm_profile = optarg; break;
		case R_LSMMOUNT: criu.lsm_mount_context = optarg; break;
		default:
			return roci_cli_other_option(c, argv, usage, err);
		}
	}
	if ((r = roci_cli_one_id(argc, argv, optind, usage, &o.id, err)) < 0 ||
	    (r = roci_criu_check_opts(&criu, err)) < 0)
		return r;
	o.foreground = !criu.detach;
	o.starts_at_once = true;

	sigset_t set, old;
	int sfd = -1;
	if (o.foreground) {
		roci_spawn_forwardable_signals(&set);
		sigprocmask(SIG_BLOCK, &set, &old);
		sfd = signalfd(-1, &set, SFD_CLOEXEC);
	}
	struct roci_created cr = { .pidfd = -1, .pty_master = -1 };
	r = roci_container_create(&o, &cr, err);
	if (r < 0 || !o.foreground)
		return r;
	g->exit_status = roci_spawn_wait_foreground(cr.pid, cr.pidfd, cr.pty_master, sfd);
	return roci_container_delete(g->root, o.id, true, &g->log, err);
}
