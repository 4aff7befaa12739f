/* SPDX-License-Identifier: Apache-2.0 */
/* The message protocol between `roci create` (the parent) and the container
 * init (the child) over a SOCK_SEQPACKET socketpair. */
#pragma once
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

enum roci_sync_type {
	ROCI_SYNC_GO = 1,        /* parent -> child: continue */
	ROCI_SYNC_MAPS_REQUEST,  /* child -> parent: write my uid/gid maps */
	ROCI_SYNC_CHILD_PID,     /* stage 1 -> parent: the init's pid (value) */
	ROCI_SYNC_HOOKS_REQUEST, /* child -> parent: run prestart/createRuntime */
	ROCI_SYNC_READY,         /* child -> parent: waiting for start */
	ROCI_SYNC_ERROR,         /* either way: value = errno, text = message */
	ROCI_SYNC_PTY_MASTER,    /* child -> parent (run): carries the pty master fd */
	ROCI_SYNC_SECCOMP_FD,    /* child -> parent: the seccomp listener fd, for listenerPath */
};

#define ROCI_SYNC_TEXT_MAX 65536

struct roci_sync_msg_head {
	uint32_t type;
	int32_t value;
};

struct roci_sync_msg {
	uint32_t type;
	int32_t value;
	char text[ROCI_SYNC_TEXT_MAX];
};

/* roci_sync_send sends a roci_sync_msg_head then the text: the same bytes */
_Static_assert(offsetof(struct roci_sync_msg, text) == sizeof(struct roci_sync_msg_head),
	       "roci_sync_msg starts with a roci_sync_msg_head");

/* What a message type means, for --debug logs ("ready", "error"...). */
const char *roci_sync_name(uint32_t type);
/* Send a message; pass_fd >= 0 is attached with SCM_RIGHTS. */
int roci_sync_send(int sock, enum roci_sync_type type, int32_t value, const char *text,
		   int pass_fd);
/* Send an error message built from err. */
int roci_sync_send_error(int sock, const struct roci_err *err);
/* Receive one message. A closed peer gives -EPIPE. When recv_fd is not NULL
 * it receives an attached fd (or -1). */
int roci_sync_recv(int sock, struct roci_sync_msg *msg, int *recv_fd);
/* Receive and require `want`; an ERROR message is copied into err. */
int roci_sync_expect(int sock, enum roci_sync_type want, struct roci_sync_msg *msg,
		     struct roci_err *err);
