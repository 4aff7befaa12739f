/* SPDX-License-Identifier: Apache-2.0 */
/* Command-line entry points: one file per command under src/cli/. Each
 * command parses its own options (getopt_long, so options may follow
 * positional arguments), does its work, and returns 0 or -errno with err
 * set. main() reports the error once and picks the exit status. */
#pragma once
#include <stdbool.h>

#include "util/error.h"
#include "util/log.h"

struct roci_globals {
	const char *root;        /* --root, default ROCI_DEFAULT_ROOT */
	struct roci_log log;     /* --log, --log-format, --debug */
	bool systemd_cgroup;     /* --systemd-cgroup, --cgroup-manager systemd */
	bool no_cgroup;          /* --cgroup-manager disabled */
	const char *rootless;    /* --rootless VAL (true|false|auto) */
	bool is_rootless;        /* what --rootless and the detection decided (runtime/rootless.h) */
	const char *criu;        /* --criu PATH: the criu program (default: criu from PATH) */
	int exit_status;         /* set by commands that exit with a specific status (run) */
};

typedef int (*roci_cmd_fn)(struct roci_globals *g, int argc, char **argv, struct roci_err *err);

/* argv[0] is the command name; options and positionals follow. */
int roci_cmd_create(struct roci_globals *g, int argc, char **argv, struct roci_err *err);
int roci_cmd_exec(struct roci_globals *g, int argc, char **argv, struct roci_err *err);
int roci_cmd_start(struct roci_globals *g, int argc, char **argv, struct roci_err *err);
int roci_cmd_run(struct roci_globals *g, int argc, char **argv, struct roci_err *err);
int roci_cmd_state(struct roci_globals *g, int argc, char **argv, struct roci_err *err);
int roci_cmd_kill(struct roci_globals *g, int argc, char **argv, struct roci_err *err);
int roci_cmd_delete(struct roci_globals *g, int argc, char **argv, struct roci_err *err);
int roci_cmd_list(struct roci_globals *g, int argc, char **argv, struct roci_err *err);
int roci_cmd_spec(struct roci_globals *g, int argc, char **argv, struct roci_err *err);
int roci_cmd_features(struct roci_globals *g, int argc, char **argv, struct roci_err *err);
int roci_cmd_pause(struct roci_globals *g, int argc, char **argv, struct roci_err *err);
int roci_cmd_resume(struct roci_globals *g, int argc, char **argv, struct roci_err *err);
int roci_cmd_ps(struct roci_globals *g, int argc, char **argv, struct roci_err *err);
int roci_cmd_update(struct roci_globals *g, int argc, char **argv, struct roci_err *err);
int roci_cmd_events(struct roci_globals *g, int argc, char **argv, struct roci_err *err);
int roci_cmd_checkpoint(struct roci_globals *g, int argc, char **argv, struct roci_err *err);
int roci_cmd_restore(struct roci_globals *g, int argc, char **argv, struct roci_err *err);

struct roci_create_opts;

/* Shared by create and run: parse create's options (and run's -d/--keep
 * when run is true) and the single ID argument. */
int roci_cli_parse_create(struct roci_globals *g, int argc, char **argv, bool run,
			  struct roci_create_opts *o, bool *detach, bool *keep,
			  struct roci_err *err);

/* --preserve-fds N: 0 to 4096. */
int roci_cli_parse_preserve_fds(const char *v, int *out, struct roci_err *err);

/* The last cases of a command's getopt_long switch (with ":" first in its
 * short options): 'h' prints the usage and exits 0; a missing value or an
 * unknown option is an error naming it. */
int roci_cli_other_option(int c, char **argv, const char *usage, struct roci_err *err);

/* Exactly one positional argument after options: the container id. */
int roci_cli_one_id(int argc, char **argv, int first, const char *usage, const char **id,
		    struct roci_err *err);
