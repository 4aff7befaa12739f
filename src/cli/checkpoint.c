/* SPDX-License-Identifier: Apache-2.0 */
/* roci checkpoint [--image-path DIR] [--work-path DIR] [--parent-path DIR]
 *                 [--leave-running] [--tcp-established] [--ext-unix-sk]
 *                 [--shell-job] [--file-locks] [--pre-dump] [--lazy-pages]
 *                 [--page-server ADDRESS:PORT] [--status-fd FD]
 *                 [--manage-cgroups-mode MODE] [--empty-ns network]
 *                 [--auto-dedup] ID
 * runc's flags; CRIU does the work (runtime/criu.h). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/criu_flags.h"
#include "runtime/container.h"
#include "runtime/criu.h"

int roci_cli_criu_flag(int c, const char *arg, struct roci_criu_opts *o, struct roci_err *err)
{
	switch (c) {
	case C_IMAGE: o->image_path = arg; break;
	case C_WORK: o->work_path = arg; break;
	case C_TCP: o->tcp_established = true; break;
	case C_UNIX: o->ext_unix_sk = true; break;
	case C_SHELL: o->shell_job = true; break;
	case C_LOCKS: o->file_locks = true; break;
	case C_LAZY: o->lazy_pages = true; break;
	case C_CGMODE: o->manage_cgroups_mode = arg; break;
	case C_DEDUP: o->auto_dedup = true; break;
	case C_EMPTYNS:
		/* runc takes namespace names; CRIU can leave out only the network's */
		if (strcmp(arg, "network") && strcmp(arg, "net"))
			return roci_failx(err, EINVAL, "--empty-ns %s: only \"network\" is supported", arg);
		o->empty_net = true;
		break;
	default: return 1;
	}
	return 0;
}

int roci_cmd_checkpoint(struct roci_globals *g, int argc, char **argv, struct roci_err *err)
{
	static const struct option opts[] = {
		CRIU_SHARED_OPTIONS,
		{ "parent-path", required_argument, NULL, C_PARENT },
		{ "leave-running", no_argument, NULL, C_LEAVE },
		{ "pre-dump", no_argument, NULL, C_PRE },
		{ "page-server", required_argument, NULL, C_PAGESERVER },
		{ "status-fd", required_argument, NULL, C_STATUSFD },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *usage =
		"checkpoint [--image-path DIR] [--work-path DIR] [--parent-path DIR] [--leave-running] "
		"[--tcp-established] [--ext-unix-sk] [--shell-job] [--file-locks] [--pre-dump] "
		"[--lazy-pages] [--page-server ADDRESS:PORT] [--status-fd FD] "
		"[--manage-cgroups-mode soft|full|strict|ignore] [--empty-ns network] [--auto-dedup] ID";
	struct roci_criu_opts o = { .criu = g->criu, .status_fd = -1 };
	int c, r;
	opterr = 0;
	while ((c = getopt_long_only(argc, argv, ":h", opts, NULL)) != -1) {
		if ((r = roci_cli_criu_flag(c, optarg, &o, err)) < 0)
			return r;
		if (r == 0)
			continue;
		switch (c) {
		case C_PARENT: o.parent_path = optarg; break;
		case C_LEAVE: o.leave_running = true; break;
		case C_PRE: o.pre_dump = true; break;
		case C_PAGESERVER: o.page_server = optarg; break;
		case C_STATUSFD: {
			char *end;
			long fd = strtol(optarg, &end, 10);
			if (*end || fd < 0 || fd > 65535)
				return roci_failx(err, EINVAL, "invalid --status-fd %s", optarg);
			o.status_fd = (int)fd;
			break;
		}
		default:
			return roci_cli_other_option(c, argv, usage, err);
		}
	}
	const char *id;
	if ((r = roci_cli_one_id(argc, argv, optind, usage, &id, err)) < 0)
		return r;
	return roci_container_checkpoint(g->root, id, &o, &g->log, err);
}
