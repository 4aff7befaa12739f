/* SPDX-License-Identifier: Apache-2.0 */
#include "runtime/sync.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

/* The header goes from the stack and the text straight from the caller:
 * no 64 KiB message is built (each one would fault in 16 pages of stack). */
int roci_sync_send(int sock, enum roci_sync_type type, int32_t value, const char *text,
		   int pass_fd)
{
	struct roci_sync_msg_head h = { .type = (uint32_t)type, .value = value };
	struct iovec iov[2] = { { .iov_base = &h, .iov_len = sizeof(h) } };
	int niov = 1;
	if (text) {
		/* the text and its NUL, or its first ROCI_SYNC_TEXT_MAX - 1 bytes
		 * (the receiver terminates it) */
		size_t tl = strnlen(text, ROCI_SYNC_TEXT_MAX - 1);
		iov[1].iov_base = (void *)(uintptr_t)text;
		iov[1].iov_len = tl + (tl < ROCI_SYNC_TEXT_MAX - 1);
		niov = 2;
	}
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = (size_t)niov };
	if (pass_fd >= 0) {
		memset(&u, 0, sizeof(u));
		mh.msg_control = u.buf;
		mh.msg_controllen = sizeof(u.buf);
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &pass_fd, sizeof(int));
	}
	for (;;) {
		ssize_t n = sendmsg(sock, &mh, MSG_NOSIGNAL);
		if (n >= 0)
			return 0;
		if (errno != EINTR)
			return -errno;
	}
}

int roci_sync_send_error(int sock, const struct roci_err *err)
{
	return roci_sync_send(sock, ROCI_SYNC_ERROR, err->code ? err->code : EIO,
			      err->msg[0] ? err->msg : "container init failed", -1);
}

int roci_sync_recv(int sock, struct roci_sync_msg *msg, int *recv_fd)
{
	/* no memset of the 64 KiB: only what arrives is touched */
	struct iovec iov = { .iov_base = msg, .iov_len = sizeof(*msg) };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	if (recv_fd)
		*recv_fd = -1;
	ssize_t n;
	do
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	/* a peer that died with our last message unread resets the socket */
	if (n == 0 || (n < 0 && errno == ECONNRESET))
		return -EPIPE;
	if (n < 0)
		return -errno;
	size_t head = offsetof(struct roci_sync_msg, text);
	if ((size_t)n < head)
		return -EBADMSG;
	size_t tl = (size_t)n - head;
	msg->text[tl < sizeof(msg->text) ? tl : sizeof(msg->text) - 1] = '\0';
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			int fd;
			memcpy(&fd, CMSG_DATA(c), sizeof(int));
			if (recv_fd)
				*recv_fd = fd;
			else
				close(fd);
		}
	}
	return 0;
}

int roci_sync_expect(int sock, enum roci_sync_type want, struct roci_sync_msg *msg,
		     struct roci_err *err)
{
	int r = roci_sync_recv(sock, msg, NULL);
	if (r == -EPIPE)
		return roci_failx(err, EPIPE, "container init exited unexpectedly");
	if (r < 0)
		return roci_fail(err, -r, "read from container init");
	if (msg->type == ROCI_SYNC_ERROR)
		return roci_failx(err, msg->value > 0 ? msg->value : EIO, "%s", msg->text);
	if (msg->type != (uint32_t)want)
		return roci_failx(err, EPROTO, "unexpected sync message %u (wanted %d)", msg->type, (int)want);
	return 0;
}

const char *roci_sync_name(uint32_t type)
{
	switch (type) {
	case ROCI_SYNC_GO: return "go";
	case ROCI_SYNC_MAPS_REQUEST: return "write my id maps";
	case ROCI_SYNC_CHILD_PID: return "init pid (after the pid namespace fork)";
	case ROCI_SYNC_HOOKS_REQUEST: return "rootfs ready, run the runtime hooks";
	case ROCI_SYNC_READY: return "ready, waiting for start";
	case ROCI_SYNC_ERROR: return "error";
	case ROCI_SYNC_PTY_MASTER: return "here is the pty master";
	case ROCI_SYNC_SECCOMP_FD: return "here is the seccomp listener";
	default: return "unknown message";
	}
}
