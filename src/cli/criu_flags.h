/* SPDX-License-Identifier: Apache-2.0 */
/* The flags checkpoint and restore share, with runc's names. */
#pragma once
#include "runtime/criu.h"
#include "util/error.h"

enum { C_IMAGE = 300, C_WORK, C_PARENT, C_LEAVE, C_TCP, C_UNIX, C_SHELL, C_LOCKS, C_PRE,
       C_LAZY, C_PAGESERVER, C_STATUSFD, C_CGMODE, C_EMPTYNS, C_DEDUP };

#define CRIU_SHARED_OPTIONS                                                   \
	{ "image-path", required_argument, NULL, C_IMAGE },                   \
	{ "work-path", required_argument, NULL, C_WORK },                     \
	{ "tcp-established", no_argument, NULL, C_TCP },                      \
	{ "ext-unix-sk", no_argument, NULL, C_UNIX },                         \
	{ "shell-job", no_argument, NULL, C_SHELL },                          \
	{ "file-locks", no_argument, NULL, C_LOCKS },                         \
	{ "lazy-pages", no_argument, NULL, C_LAZY },                          \
	{ "manage-cgroups-mode", required_argument, NULL, C_CGMODE },         \
	{ "empty-ns", required_argument, NULL, C_EMPTYNS },                   \
	{ "auto-dedup", no_argument, NULL, C_DEDUP }

/* Take one of the shared flags into o: 0 when c was one, 1 when it is not,
 * -errno for a bad value. */
int roci_cli_criu_flag(int c, const char *arg, struct roci_criu_opts *o, struct roci_err *err);
