/* SPDX-License-Identifier: Apache-2.0 */
/* The per-container state directory under --root: created atomically
 * (mkdir), serialised by a lock (flock on the directory), written
 * atomically (temporary file + rename). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "util/error.h"

#define ROCI_STATE_FILE "state.json"
#define ROCI_CONFIG_FILE "config.json"
#define ROCI_EXEC_FIFO "exec.fifo"

struct roci_statedir {
	int dir_fd;      /* locked state directory, -1 when closed */
	char *path;      /* ROOT/ID */
	char *id;
	char *root;
};

/* Create ROOT/ID and lock it. Fails with `container with id "x" already
 * exists` when it is there. */
int roci_statedir_create(const char *root, const char *id, struct roci_statedir *sd,
			 struct roci_err *err);
/* Open and lock an existing ROOT/ID. Fails with `container "x" does not
 * exist`. */
int roci_statedir_open(const char *root, const char *id, struct roci_statedir *sd,
		       struct roci_err *err);
int roci_statedir_write(struct roci_statedir *sd, const char *name, const char *data,
			size_t len, struct roci_err *err);
/* Read a whole file; -ENOENT when it is missing. */
int roci_statedir_read(struct roci_statedir *sd, const char *name, char **out, size_t *len,
		       struct roci_err *err);
bool roci_statedir_exists(struct roci_statedir *sd, const char *name);
/* Remove the directory and everything in it, then close. */
int roci_statedir_remove(struct roci_statedir *sd, struct roci_err *err);
void roci_statedir_close(struct roci_statedir *sd);

/* A "#creating.PID" directory that a create killed between its mkdir and
 * its rename left behind (no lock on it, its process gone) is removed:
 * true. Anything else under root is left alone: false. */
bool roci_statedir_drop_stale(const char *root, const char *name);
/* Drop every such leftover under root (`delete` and `list` do). */
void roci_statedir_sweep(const char *root);

/* Write path atomically (temp file in the same directory, fsync-free rename). */
int roci_write_file_atomic(const char *path, const char *data, size_t len, mode_t mode,
			   struct roci_err *err);
