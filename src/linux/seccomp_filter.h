/* SPDX-License-Identifier: Apache-2.0 */
/* Seccomp filters. libseccomp turns linux.seccomp into BPF in `create`,
 * before anything is made; the container init loads that program with
 * seccomp(2) itself, so loading needs no library and no allocation. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "oci/config.h"
#include "util/error.h"
#include "util/log.h"

struct sock_filter;

struct roci_seccomp_prog {
	struct sock_filter *insns;
	unsigned short len;
	unsigned flags;  /* SECCOMP_FILTER_FLAG_* for seccomp(2) */
	bool notify;     /* the filter has a SCMP_ACT_NOTIFY rule */
};

/* true when this build can compile filters (libseccomp). */
bool roci_seccomp_supported(void);

/* Build the filter. Syscall names unknown to libseccomp are skipped with a
 * warning; everything else that cannot be expressed is an error. */
int roci_seccomp_compile(const struct roci_seccomp *s, const struct roci_log *log,
			 struct roci_seccomp_prog *out, struct roci_err *err);
void roci_seccomp_prog_free(struct roci_seccomp_prog *p);

/* true when, whatever its arguments, the syscall named gets ALLOW, LOG or
 * ERRNO from the filter (or there is none): roci may then make that call
 * itself after loading the filter, at worst seeing it fail. */
bool roci_seccomp_quiet_for(const struct roci_seccomp *s, const char *syscall_name);

/* Load the program into the calling process (the container init). Sets
 * *listener_fd to the notification fd when the filter notifies, else -1. */
int roci_seccomp_load(const struct roci_seccomp_prog *p, int *listener_fd, struct roci_err *err);

/* Hand the notification fd to the agent at listener_path, with the container
 * process state document as in-band data (SCM_RIGHTS). An agent that is not
 * listening yet, or accepts late, is waited for; one that has not accepted
 * and read the message within ROCI_SECCOMP_AGENT_WAIT_MS is an error. */
#define ROCI_SECCOMP_AGENT_WAIT_MS 5000
int roci_seccomp_send_listener(const char *listener_path, const char *process_state, int fd,
			       struct roci_err *err);

/* Names this build and the running libseccomp know, for `features`: fills
 * at most max entries, returns the count. */
size_t roci_seccomp_known_archs(const char **out, size_t max);
