/* SPDX-License-Identifier: Apache-2.0 */
/* roci ps [-f table|json] ID [-- ps options]: the processes in the
 * container's cgroup. json is the list of pids (what containerd reads);
 * table runs ps(1) with the options (default -ef) and keeps its header
 * and the lines of those pids. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/cli.h"
#include "runtime/container.h"
#include "util/cleanup.h"

/* Index of the PID column in ps's header, or -1. */
static int pid_column(const char *header)
{
	char buf[1024];
	snprintf(buf, sizeof(buf), "%s", header);
	int i = 0;
	char *save = NULL;
	for (char *w = strtok_r(buf, " \t\n", &save); w; w = strtok_r(NULL, " \t\n", &save), i++)
		if (!strcmp(w, "PID"))
			return i;
	return -1;
}

static long field(const char *line, int col)
{
	char buf[4096];
	snprintf(buf, sizeof(buf), "%s", line);
	char *save = NULL;
	int i = 0;
	for (char *w = strtok_r(buf, " \t\n", &save); w; w = strtok_r(NULL, " \t\n", &save), i++)
		if (i == col)
			return strtol(w, NULL, 10);
	return -1;
}

static int table(pid_t *pids, size_t n, int argc, char **argv, struct roci_err *err)
{
	int pfd[2];
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return roci_fail(err, errno, "pipe");
	pid_t child = fork();
	if (child < 0)
		return roci_fail(err, errno, "fork");
	if (child == 0) {
		dup2(pfd[1], 1);
		char *def[] = { "ps", "-ef", NULL };
		char **args = def;
		if (argc > 0) {
			args = calloc((size_t)argc + 2, sizeof(char *));
			if (!args)
				_exit(127);
			args[0] = "ps";
			memcpy(args + 1, argv, (size_t)argc * sizeof(char *));
		}
		execvp("ps", args);
		fprintf(stderr, "roci: exec ps: %s\n", strerror(errno));
		_exit(127);
	}
	close(pfd[1]);
	_cleanup_fclose_ FILE *f = fdopen(pfd[0], "r");
	if (!f) {
		close(pfd[0]);
		return roci_fail(err, errno, "read ps output");
	}
	_cleanup_free_ char *line = NULL;
	size_t cap = 0;
	int col = -1;
	bool header = true;
	while (getline(&line, &cap, f) > 0) {
		if (header) {
			header = false;
			col = pid_column(line);
			fputs(line, stdout);
			continue;
		}
		long p = field(line, col);
		for (size_t i = 0; i < n; i++)
			if (p == pids[i]) {
				fputs(line, stdout);
				break;
			}
	}
	int status;
	waitpid(child, &status, 0);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return roci_failx(err, EIO, "ps failed");
	if (col < 0)
		return roci_failx(err, EINVAL, "ps output has no PID column");
	return 0;
}

int roci_cmd_ps(struct roci_globals *g, int argc, char **argv, struct roci_err *err)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *usage = "ps [-f table|json] ID [-- ps options]";
	const char *format = "table";
	int c;
	opterr = 0;
	/* "+": stop at the id, the rest belongs to ps */
	while ((c = getopt_long_only(argc, argv, "+f:h", opts, NULL)) != -1) {
		if (c == 'f') {
			format = optarg;
		} else if (c == 'h') {
			printf("usage: roci %s\n", usage);
			exit(0);
		} else {
			return roci_failx(err, EINVAL, "unknown option %s\nusage: roci %s", argv[optind - 1], usage);
		}
	}
	if (strcmp(format, "table") && strcmp(format, "json"))
		return roci_failx(err, EINVAL, "invalid format option \"%s\": table or json", format);
	if (optind >= argc)
		return roci_failx(err, EINVAL, "missing container id\nusage: roci %s", usage);
	const char *id = argv[optind++];
	if (optind < argc && !strcmp(argv[optind], "--"))
		optind++;
	pid_t *pids;
	size_t n;
	int r = roci_container_pids(g->root, id, &pids, &n, err);
	if (r < 0)
		return r;
	if (!strcmp(format, "json")) {
		if (optind < argc) {
			free(pids);
			return roci_failx(err, EINVAL, "ps options cannot be used with --format json");
		}
		/* none (a stopped container): null, as runc prints it */
		if (!n)
			printf("null\n");
		for (size_t i = 0; i < n; i++)
			printf("%s%d%s", i ? "," : "[", (int)pids[i], i + 1 == n ? "]\n" : "");
	} else {
		fflush(stdout);
		r = table(pids, n, argc - optind, argv + optind, err);
	}
	free(pids);
	return r;
}
