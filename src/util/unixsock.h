/* SPDX-License-Identifier: Apache-2.0 */
/* Unix stream sockets that callers hand roci to receive an fd: the console
 * socket (pty master) and the pidfd socket. */
#pragma once
#include "util/error.h"

/* Connect to the socket at path (what names it goes in errors). */
int roci_unix_connect(const char *path, const char *what, struct roci_err *err);

/* Send fd with SCM_RIGHTS, with payload as the message's data. */
int roci_unix_send_fd(int sock, int fd, const char *payload, const char *what,
		      struct roci_err *err);
