/* SPDX-License-Identifier: Apache-2.0 */
/* roci: global options, command dispatch, and the one place errors are
 * reported. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "linux/protect_binary.h"
#include "oci/jsonget.h"
#include "runtime/rootless.h"
#include "util/cleanup.h"
#include "roci-config.h"

struct command {
	const char *name;
	roci_cmd_fn fn;
	const char *usage;
	bool enters_container; /* runs from a protected copy of roci */
};

static const struct command commands[] = {
	{ "create", roci_cmd_create, "create a container", true },
	{ "start", roci_cmd_start, "execute the user process of a created container" },
	{ "run", roci_cmd_run, "create and start a container", true },
	{ "exec", roci_cmd_exec, "run a new process inside a running container", true },
	{ "state", roci_cmd_state, "print the state of a container" },
	{ "kill", roci_cmd_kill, "send a signal to the container's init process" },
	{ "delete", roci_cmd_delete, "delete a container and everything create made" },
	{ "list", roci_cmd_list, "list the containers under --root" },
	{ "pause", roci_cmd_pause, "freeze every process of a container" },
	{ "resume", roci_cmd_resume, "thaw a paused container" },
	{ "ps", roci_cmd_ps, "list the processes in a container" },
	{ "update", roci_cmd_update, "change a running container's resource limits" },
	{ "events", roci_cmd_events, "print a container's statistics and OOM events" },
	{ "checkpoint", roci_cmd_checkpoint, "checkpoint a running container with CRIU" },
	{ "restore", roci_cmd_restore, "restore a container from a checkpoint" },
	{ "spec", roci_cmd_spec, "write a default config.json" },
	{ "features", roci_cmd_features, "show what this build of roci supports" },
};

static void usage(FILE *f)
{
	fprintf(f,
		"usage: roci [global options] COMMAND [options] [arguments]\n\n"
		"roci is an OCI container runtime with a runc-compatible command line.\n\n"
		"Commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].usage);
	fprintf(f,
		"\nGlobal options:\n"
		"  --root DIR            state directory (default %s)\n"
		"  --log FILE            write log messages to FILE\n"
		"  --log-format FORMAT   text or json (default text)\n"
		"  --debug               log debug messages\n"
		"  --systemd-cgroup      use systemd for cgroups\n"
		"  --cgroup-manager M    cgroupfs (default), systemd, or disabled: the\n"
		"                        container gets no cgroup of its own\n"
		"  --rootless VALUE      true, false or auto\n"
		"  --criu PATH           the criu program for checkpoint and restore\n"
		"  -v, --version         print the version\n"
		"  -h, --help            print this help\n",
		ROCI_DEFAULT_ROOT);
}

enum { OPT_ROOT = 256, OPT_LOG, OPT_LOG_FORMAT, OPT_DEBUG, OPT_SYSTEMD, OPT_ROOTLESS, OPT_CRIU,
       OPT_CGROUP_MANAGER };

/* The one place an error is reported: stderr, and the --log file too
 * (containerd and Docker read only that). */
static int report(const struct roci_globals *g, const char *msg, int status)
{
	if (g->log.fd != STDERR_FILENO)
		roci_log(&g->log, ROCI_LOG_ERROR, "%s", msg);
	fprintf(stderr, "roci: %s\n", msg);
	return status ? status : 1;
}

/* Global options, up to the command name. A bad option is kept in err and
 * reported once the log is open. Returns 1 when main should exit 0 (help,
 * version), 0 to go on, -1 on error. */
static int parse_globals(int argc, char **argv, struct roci_globals *g, const char **log_path,
			 struct roci_err *err)
{
	static const struct option opts[] = {
		{ "root", required_argument, NULL, OPT_ROOT },
		{ "log", required_argument, NULL, OPT_LOG },
		{ "log-format", required_argument, NULL, OPT_LOG_FORMAT },
		{ "debug", no_argument, NULL, OPT_DEBUG },
		{ "systemd-cgroup", no_argument, NULL, OPT_SYSTEMD },
		{ "cgroup-manager", required_argument, NULL, OPT_CGROUP_MANAGER },
		{ "rootless", required_argument, NULL, OPT_ROOTLESS },
		{ "criu", required_argument, NULL, OPT_CRIU },
		{ "version", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	int c, r = 0;
	opterr = 0;
	while ((c = getopt_long_only(argc, argv, "+vh", opts, NULL)) != -1) {
		switch (c) {
		case OPT_ROOT: g->root = optarg; break;
		case OPT_LOG: *log_path = optarg; break;
		case OPT_LOG_FORMAT:
			if (!strcmp(optarg, "json"))
				g->log.json = true;
			else if (strcmp(optarg, "text") && r == 0)
				r = roci_failx(err, EINVAL, "invalid --log-format %s (want text or json)", optarg);
			break;
		case OPT_DEBUG: g->log.min_level = ROCI_LOG_DEBUG; break;
		case OPT_SYSTEMD: g->systemd_cgroup = true; break;
		case OPT_CGROUP_MANAGER:
			g->systemd_cgroup = !strcmp(optarg, "systemd");
			g->no_cgroup = !strcmp(optarg, "disabled");
			if (!g->systemd_cgroup && !g->no_cgroup && strcmp(optarg, "cgroupfs") && r == 0)
				r = roci_failx(err, EINVAL, "invalid --cgroup-manager %s (want cgroupfs, systemd or disabled)",
					       optarg);
			break;
		case OPT_ROOTLESS: g->rootless = optarg; break;
		case OPT_CRIU: g->criu = optarg; break;
		case 'v':
			printf("roci version %s\nspec: %s\nlibc: %s\nown libc functions: %s\nfunction order: %s\nprofile: %s\nfeatures:%s%s%s%s%s%s\n%s",
			       ROCI_VERSION, ROCI_SPEC_VERSION, ROCI_LIBC, ROCI_OWN_LIBC, ROCI_LINK_ORDER,
			       ROCI_PROFILE,
			       HAVE_SECCOMP ? " seccomp" : "", HAVE_SYSTEMD ? " systemd" : "",
			       HAVE_SELINUX ? " selinux" : "", HAVE_APPARMOR ? " apparmor" : "",
			       HAVE_CRIU ? " criu" : "", HAVE_STATS ? " stats" : "",
			       ROCI_FAULT_INJECTION ? "fault injection: on (a test build)\n" : "");
			return 1;
		case 'h':
			usage(stdout);
			return 1;
		default:
			if (r == 0)
				r = roci_failx(err, EINVAL, "unknown global option %s", argv[optind - 1]);
			break;
		}
	}
	if (r == 0 && g->root[0] == '\0')
		r = roci_failx(err, EINVAL, "--root must not be empty");
	return r < 0 ? -1 : 0;
}

/* --debug: the command line, once (after any re-execution) */
static void log_command(const struct roci_log *log, int argc, char **argv)
{
	char line[1024];
	size_t n = 0;
	line[0] = '\0';
	for (int i = 0; i < argc && n < sizeof(line); i++)
		n += (size_t)snprintf(line + n, sizeof(line) - n, "%s%s", i ? " " : "", argv[i]);
	roci_debug(log, "roci %s (pid %d): %s", ROCI_VERSION, (int)getpid(), line);
}

int main(int argc, char **argv)
{
	static const char default_root[] = ROCI_DEFAULT_ROOT;
	struct roci_globals g = {
		.root = default_root,
		.log = { .fd = STDERR_FILENO, .json = false, .min_level = ROCI_LOG_WARN },
	};
	struct roci_err err = { 0 };
	const char *log_path = NULL;
	roci_json_seed();
	int pr = parse_globals(argc, argv, &g, &log_path, &err);
	if (pr > 0)
		return 0;
	if (log_path) {
		int fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (fd < 0) {
			fprintf(stderr, "roci: open log %s: %s\n", log_path, strerror(errno));
			return 1;
		}
		g.log.fd = fd;
	}
	if (pr < 0)
		return report(&g, err.msg, 1);
	if (roci_rootless_resolve(g.rootless, &g.is_rootless, &err) < 0)
		return report(&g, err.msg, 1);
	if (optind >= argc) {
		usage(stderr);
		return report(&g, "no command given; see roci --help", 1);
	}

	const char *name = argv[optind];
	const struct command *cmd = NULL;
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(commands[i].name, name))
			cmd = &commands[i];
	if (!cmd) {
		roci_failx(&err, EINVAL, "unknown command \"%s\"; see roci --help", name);
		return report(&g, err.msg, 1);
	}
	/* a user's state lives under XDG_RUNTIME_DIR; spec and features
	 * have none */
	_cleanup_free_ char *own_root = NULL;
	if (g.root == default_root && cmd->fn != roci_cmd_spec && cmd->fn != roci_cmd_features) {
		char *root;
		if (roci_rootless_state_root(default_root, &root, &err) < 0)
			return report(&g, err.msg, 1);
		if (root != default_root)
			g.root = own_root = root;
	}
	int r = 0;
	if (cmd->enters_container)
		r = roci_protect_binary(argv, &err);
	int sub_argc = argc - optind;
	char **sub_argv = argv + optind;
	if (r == 0 && g.log.min_level == ROCI_LOG_DEBUG)
		log_command(&g.log, sub_argc, sub_argv);
	optind = 0; /* full getopt reset for the command's own options */
	if (r == 0)
		r = cmd->fn(&g, sub_argc, sub_argv, &err);
	if (r < 0)
		return report(&g, err.msg[0] ? err.msg : strerror(-r), g.exit_status);
	return g.exit_status;
}
