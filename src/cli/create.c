/* SPDX-License-Identifier: Apache-2.0 */
/* roci create [-b DIR] [--pid-file F] [--console-socket S] [--pidfd-socket S] [--no-pivot]
 *             [--no-new-keyring] [--preserve-fds N] ID */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "runtime/container.h"

enum { O_PIDFILE = 256, O_CONSOLE, O_PIDFD, O_NOPIVOT, O_NOKEYRING, O_PRESERVE, O_KEEP, O_NOSUBREAPER };

int roci_cli_parse_create(struct roci_globals *g, int argc, char **argv, bool run,
			  struct roci_create_opts *o, bool *detach, bool *keep,
			  struct roci_err *err)
{
	static const struct option opts[] = {
		{ "bundle", required_argument, NULL, 'b' },
		{ "pid-file", required_argument, NULL, O_PIDFILE },
		{ "console-socket", required_argument, NULL, O_CONSOLE },
		{ "pidfd-socket", required_argument, NULL, O_PIDFD },
		{ "no-pivot", no_argument, NULL, O_NOPIVOT },
		{ "no-new-keyring", no_argument, NULL, O_NOKEYRING },
		{ "preserve-fds", required_argument, NULL, O_PRESERVE },
		{ "detach", no_argument, NULL, 'd' },
		{ "keep", no_argument, NULL, O_KEEP },
		{ "no-subreaper", no_argument, NULL, O_NOSUBREAPER },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *usage = run ? "run [-b DIR] [--pid-file F] [--console-socket S] [--pidfd-socket S] [--no-pivot] "
				  "[--no-new-keyring] [--preserve-fds N] [-d] [--keep] ID"
				: "create [-b DIR] [--pid-file F] [--console-socket S] [--pidfd-socket S] [--no-pivot] "
				  "[--no-new-keyring] [--preserve-fds N] ID";
	memset(o, 0, sizeof(*o));
	o->root = g->root;
	o->log = &g->log;
	o->systemd_cgroup = g->systemd_cgroup;
	o->no_cgroup = g->no_cgroup;
	o->rootless = g->is_rootless;
	int c;
	opterr = 0;
	while ((c = getopt_long_only(argc, argv, ":b:dh", opts, NULL)) != -1) {
		switch (c) {
		case 'b': o->bundle = optarg; break;
		case O_PIDFILE: o->pid_file = optarg; break;
		case O_CONSOLE: o->console_socket = optarg; break;
		case O_PIDFD: o->pidfd_socket = optarg; break;
		case O_NOPIVOT: o->no_pivot = true; break;
		case O_NOKEYRING: o->no_new_keyring = true; break;
		case O_NOSUBREAPER: break;
		case O_PRESERVE: {
			int r = roci_cli_parse_preserve_fds(optarg, &o->preserve_fds, err);
			if (r < 0)
				return r;
			break;
		}
		case 'd':
		case O_KEEP:
			if (!run)
				return roci_failx(err, EINVAL, "unknown option %s\nusage: roci %s", argv[optind - 1], usage);
			if (c == 'd')
				*detach = true;
			else
				*keep = true;
			break;
		default:
			return roci_cli_other_option(c, argv, usage, err);
		}
	}
	return roci_cli_one_id(argc, argv, optind, usage, &o->id, err);
}

int roci_cmd_create(struct roci_globals *g, int argc, char **argv, struct roci_err *err)
{
	struct roci_create_opts o;
	bool detach = false, keep = false;
	int r = roci_cli_parse_create(g, argc, argv, false, &o, &detach, &keep, err);
	if (r < 0)
		return r;
	return roci_container_create(&o, NULL, err);
}
