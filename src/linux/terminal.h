/* SPDX-License-Identifier: Apache-2.0 */
/* Terminals: the container's pty (opened inside the container after pivot),
 * /dev/console bound by fd (security.md #6), the console socket, and the
 * foreground proxy used by `run`. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "oci/config.h"
#include "util/error.h"

/* Connect to the --console-socket path (in the caller's mount namespace). */
int roci_console_socket_connect(const char *path, struct roci_err *err);

/* In the container, after pivot_root and setsid: open /dev/ptmx, take the
 * peer (owned by the process's user, consoleSize applied), make it the
 * controlling terminal and stdio. Returns the master fd. Flags:
 * BIND_CONSOLE binds it over /dev/console by fd (the init, not exec);
 * NO_ONLCR clears ONLCR, for roci's own relay: its caller captures "\n"
 * line ends, while a console-socket peer keeps the terminal default. */
enum { ROCI_TTY_BIND_CONSOLE = 1, ROCI_TTY_NO_ONLCR = 2 };
int roci_terminal_setup(const struct roci_process *p, int procfs_fd, unsigned flags,
			struct roci_err *err);

/* A new pty on the host's /dev/ptmx, for a restored container: returns the
 * master (O_CLOEXEC); *slave is inheritable (CRIU takes it over), owned by
 * owner, with the process's consoleSize; path gets its name (/dev/pts/N). */
int roci_terminal_open_pair(const struct roci_process *p, uid_t owner, int *slave, char *path,
			    size_t len, struct roci_err *err);

/* Send the pty master over a unix socket (SCM_RIGHTS). */
int roci_terminal_send_master(int sock, int master, struct roci_err *err);

/* Copy stdin -> master and master -> stdout until the master hangs up or
 * stop_fd (a pidfd) becomes readable. Puts a tty stdin in raw mode meanwhile. */
void roci_terminal_proxy(int master, int stop_fd);
