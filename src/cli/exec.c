/* SPDX-License-Identifier: Apache-2.0 */
/* roci exec [options] ID [COMMAND [ARG...]]
 * Options stop at the id: what follows is the command. In the foreground,
 * forward signals to the process and exit with its status (128+N when
 * signal N killed it). */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "cli/cli.h"
#include "runtime/exec.h"
#include "runtime/spawn.h"

enum {
	O_CONSOLE = 256, O_PIDFD, O_CWD, O_PIDFILE, O_LABEL, O_APPARMOR, O_NNP, O_PRESERVE,
	O_CGROUP, O_IGNORE_PAUSED, O_NOSUBREAPER,
};

static const char usage[] =
	"exec [-p FILE] [-t] [-d] [--console-socket S] [--pidfd-socket S] [--cwd DIR] [-e K=V]... "
	"[-u UID[:GID]] [-g GID]... [-c CAP]... [--no-new-privs] [--apparmor P] [--process-label L] "
	"[--pid-file F] [--preserve-fds N] [--cgroup [CTRL:]SUB]... [--ignore-paused] ID [COMMAND [ARG...]]";

/* A repeatable option: its values point into argv. */
static void push(char **list, size_t *n, char *v)
{
	list[(*n)++] = v;
}

static int parse_opts(struct roci_globals *g, int argc, char **argv, struct roci_exec_opts *o,
		      struct roci_err *err)
{
	static const struct option opts[] = {
		{ "console-socket", required_argument, NULL, O_CONSOLE },
		{ "pidfd-socket", required_argument, NULL, O_PIDFD },
		{ "cwd", required_argument, NULL, O_CWD },
		{ "env", required_argument, NULL, 'e' },
		{ "tty", no_argument, NULL, 't' },
		{ "user", required_argument, NULL, 'u' },
		{ "additional-gids", required_argument, NULL, 'g' },
		{ "process", required_argument, NULL, 'p' },
		{ "detach", no_argument, NULL, 'd' },
		{ "pid-file", required_argument, NULL, O_PIDFILE },
		{ "process-label", required_argument, NULL, O_LABEL },
		{ "apparmor", required_argument, NULL, O_APPARMOR },
		{ "no-new-privs", no_argument, NULL, O_NNP },
		{ "cap", required_argument, NULL, 'c' },
		{ "preserve-fds", required_argument, NULL, O_PRESERVE },
		{ "cgroup", required_argument, NULL, O_CGROUP },
		{ "ignore-paused", no_argument, NULL, O_IGNORE_PAUSED },
		{ "no-subreaper", no_argument, NULL, O_NOSUBREAPER },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	/* every repeatable option fits in argc entries */
	o->env = calloc((size_t)argc, sizeof(char *));
	o->gids = calloc((size_t)argc, sizeof(char *));
	o->caps = calloc((size_t)argc, sizeof(char *));
	o->cgroups = calloc((size_t)argc, sizeof(char *));
	if (!o->env || !o->gids || !o->caps || !o->cgroups)
		return roci_fail(err, ENOMEM, "exec options");
	int c, r = 0;
	opterr = 0;
	while (r == 0 && (c = getopt_long(argc, argv, "+:e:tu:g:p:dc:h", opts, NULL)) != -1) {
		switch (c) {
		case O_CONSOLE: o->console_socket = optarg; break;
		case O_PIDFD: o->pidfd_socket = optarg; break;
		case O_CWD: o->cwd = optarg; break;
		case 'e': push(o->env, &o->n_env, optarg); break;
		case 't': o->tty = true; break;
		case 'u': o->user = optarg; break;
		case 'g': push(o->gids, &o->n_gids, optarg); break;
		case 'p': o->process_file = optarg; break;
		case 'd': o->detach = true; break;
		case O_PIDFILE: o->pid_file = optarg; break;
		case O_LABEL: o->process_label = optarg; break;
		case O_APPARMOR: o->apparmor = optarg; break;
		case O_NNP: o->no_new_privs = true; break;
		case 'c': push(o->caps, &o->n_caps, optarg); break;
		case O_PRESERVE: r = roci_cli_parse_preserve_fds(optarg, &o->preserve_fds, err); break;
		case O_CGROUP: push(o->cgroups, &o->n_cgroups, optarg); break;
		case O_IGNORE_PAUSED: o->ignore_paused = true; break;
		case O_NOSUBREAPER: o->no_subreaper = true; break;
		default:
			return roci_cli_other_option(c, argv, usage, err);
		}
	}
	if (r < 0)
		return r;
	if (optind >= argc)
		return roci_failx(err, EINVAL, "exec: the container id is missing\nusage: roci %s", usage);
	o->root = g->root;
	o->log = &g->log;
	o->id = argv[optind];
	o->args = argv + optind + 1;
	o->n_args = (size_t)(argc - optind - 1);
	return 0;
}

static void free_opts(struct roci_exec_opts *o)
{
	free(o->env);
	free(o->gids);
	free(o->caps);
	free(o->cgroups);
}

int roci_cmd_exec(struct roci_globals *g, int argc, char **argv, struct roci_err *err)
{
	struct roci_exec_opts o = { .rootless = g->is_rootless };
	int r = parse_opts(g, argc, argv, &o, err);
	if (r < 0) {
		free_opts(&o);
		return r;
	}
	sigset_t set;
	int sfd = -1;
	if (!o.detach) {
		/* Blocked before the process exists, forwarded once it runs;
		 * the child unblocks them. Orphans of the process are reaped
		 * here when it has no pid namespace of its own to go to. */
		roci_spawn_forwardable_signals(&set);
		sigprocmask(SIG_BLOCK, &set, NULL);
		sfd = signalfd(-1, &set, SFD_CLOEXEC);
		if (!o.no_subreaper)
			prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	}
	struct roci_exec_result res = { .pidfd = -1, .pty_master = -1 };
	r = roci_container_exec(&o, &res, err);
	free_opts(&o);
	if (r < 0 || o.detach)
		return r;
	g->exit_status = roci_spawn_wait_foreground(res.pid, res.pidfd, res.pty_master, sfd);
	return 0;
}
