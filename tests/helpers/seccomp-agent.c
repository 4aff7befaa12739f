/* SPDX-License-Identifier: Apache-2.0 */
/* A minimal seccomp notification agent for the integration tests.
 *
 *   seccomp-agent [-s MS] [-a MS] [-n] SOCKET STATE_FILE
 *
 * -s MS waits before it makes SOCKET (an agent that starts late), -a MS
 * waits between listen and accept (an agent that accepts late), -n listens
 * and never accepts (until killed).
 *
 * Listens on SOCKET, accepts one runtime connection, saves the container
 * process state it receives to STATE_FILE and takes the listener fd. Then it
 * answers every notified syscall with "success, return 0" without running
 * it, so a notified mkdir reports success but creates nothing. It exits when
 * the last process using the filter is gone. */
#include <errno.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int die(const char *what)
{
	fprintf(stderr, "seccomp-agent: %s: %s\n", what, strerror(errno));
	return 1;
}

int main(int argc, char **argv)
{
	int start_ms = 0, accept_ms = 0, opt;
	bool never = false;
	while ((opt = getopt(argc, argv, "s:a:n")) != -1) {
		if (opt == 's')
			start_ms = atoi(optarg);
		else if (opt == 'a')
			accept_ms = atoi(optarg);
		else if (opt == 'n')
			never = true;
		else
			return 2;
	}
	if (argc - optind != 2) {
		fprintf(stderr, "usage: seccomp-agent [-s MS] [-a MS] [-n] SOCKET STATE_FILE\n");
		return 2;
	}
	argv += optind - 1;
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", argv[1]);
	poll(NULL, 0, start_ms);
	int ls = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (ls < 0 || bind(ls, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(ls, 1) < 0)
		return die("listen");
	fprintf(stderr, "seccomp-agent: listening\n");
	while (never)
		pause();
	poll(NULL, 0, accept_ms);
	int c = accept4(ls, NULL, NULL, SOCK_CLOEXEC);
	if (c < 0)
		return die("accept");
	static char buf[1 << 16];
	union {
		char b[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { buf, sizeof(buf) - 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b,
			      .msg_controllen = sizeof(u.b) };
	ssize_t n = recvmsg(c, &msg, MSG_CMSG_CLOEXEC);
	if (n <= 0)
		return die("recvmsg");
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_type != SCM_RIGHTS) {
		fprintf(stderr, "seccomp-agent: no fd received\n");
		return 1;
	}
	int nfd;
	memcpy(&nfd, CMSG_DATA(cm), sizeof(int));
	FILE *f = fopen(argv[2], "w");
	if (!f || fwrite(buf, 1, (size_t)n, f) != (size_t)n || fclose(f) != 0)
		return die("write state");
	close(c);
	close(ls);

	struct seccomp_notif req;
	struct seccomp_notif_resp resp;
	unsigned answered = 0;
	for (;;) {
		struct pollfd p = { .fd = nfd, .events = POLLIN };
		if (poll(&p, 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			return die("poll");
		}
		if (p.revents & (POLLHUP | POLLERR | POLLNVAL))
			break;
		memset(&req, 0, sizeof(req));
		if (ioctl(nfd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0) {
			if (errno == EINTR || errno == ENOENT)
				continue;
			return die("NOTIF_RECV");
		}
		memset(&resp, 0, sizeof(resp));
		resp.id = req.id;
		resp.val = 0;
		resp.error = 0;
		if (ioctl(nfd, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0 && errno != ENOENT)
			return die("NOTIF_SEND");
		answered++;
	}
	fprintf(stderr, "seccomp-agent: answered %u\n", answered);
	return 0;
}
