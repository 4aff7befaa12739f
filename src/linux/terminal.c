/* SPDX-License-Identifier: Apache-2.0 */
#include "linux/terminal.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include "util/libc_compat.h"
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/unixsock.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

int roci_console_socket_connect(const char *path, struct roci_err *err)
{
	return roci_unix_connect(path, "console socket", err);
}

/* Bind the file behind fd onto the file behind target_fd (an O_PATH fd):
 * open_tree(2) + move_mount(2) where the kernel has them, else mount(2)
 * between the two fds' /proc/thread-self/fd links. No path is resolved. */
static int bind_fd_onto(int fd, int target_fd, int procfs_fd)
{
	int tree = open_tree(fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
	if (tree >= 0) {
		int r = move_mount(tree, "", target_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
		int e = errno;
		close(tree);
		if (r == 0)
			return 0;
		if (e != ENOSYS)
			return -e;
	}
	char src[64], dst[64];
	snprintf(src, sizeof(src), "thread-self/fd/%d", fd);
	_cleanup_close_ int via = openat(procfs_fd, src, O_PATH | O_CLOEXEC);
	if (via < 0)
		return -errno;
	snprintf(src, sizeof(src), "/proc/self/fd/%d", via);
	snprintf(dst, sizeof(dst), "/proc/self/fd/%d", target_fd);
	return mount(src, dst, NULL, MS_BIND, NULL) < 0 ? -errno : 0;
}

/* /dev/console as a plain file we created or checked: a symlink or any
 * other kind of file left there by the image is replaced. */
static int open_console_target(struct roci_err *err)
{
	int fd = open("/dev/console", O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0) {
		struct stat st;
		if (fstat(fd, &st) == 0 && (S_ISREG(st.st_mode) || S_ISCHR(st.st_mode)))
			return fd;
		close(fd);
		if (unlink("/dev/console") < 0)
			return roci_fail(err, errno, "remove /dev/console");
	}
	int cfd = open("/dev/console", O_CREAT | O_EXCL | O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
	if (cfd < 0)
		return roci_fail(err, errno, "create /dev/console");
	close(cfd);
	fd = open("/dev/console", O_PATH | O_NOFOLLOW | O_CLOEXEC);
	return fd >= 0 ? fd : roci_fail(err, errno, "open /dev/console");
}

/* A new pty on /dev/ptmx, unlocked: returns the master (O_CLOEXEC), and
 * the slave in *slave (slave_flags: O_CLOEXEC or 0). */
static int open_pty(int slave_flags, int *slave, struct roci_err *err)
{
	_cleanup_close_ int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		return roci_fail(err, errno, "open /dev/ptmx");
	int unlock = 0;
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
		return roci_fail(err, errno, "unlock pty");
	*slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | slave_flags);
	if (*slave < 0)
		return roci_fail(err, errno, "open pty peer");
	return TAKE_FD(master);
}

/* process.consoleSize, where it is given */
static void set_size(int slave, const struct roci_process *p)
{
	if (p->console_width || p->console_height) {
		struct winsize ws = { .ws_row = (unsigned short)p->console_height,
				      .ws_col = (unsigned short)p->console_width };
		ioctl(slave, TIOCSWINSZ, &ws);
	}
}

/* The process's side of the pty: its user owns it; ONLCR off on request. */
static int prepare_slave(int slave, const struct roci_process *p, bool no_onlcr,
			 struct roci_err *err)
{
	if (fchown(slave, p->uid, (gid_t)-1) < 0)
		return roci_fail(err, errno, "chown pty to uid %u", (unsigned)p->uid);
	if (no_onlcr) {
		struct termios t;
		if (tcgetattr(slave, &t) < 0)
			return roci_fail(err, errno, "read pty attributes");
		t.c_oflag &= ~(tcflag_t)ONLCR;
		if (tcsetattr(slave, TCSANOW, &t) < 0)
			return roci_fail(err, errno, "set pty attributes");
	}
	set_size(slave, p);
	return 0;
}

int roci_terminal_setup(const struct roci_process *p, int procfs_fd, unsigned flags,
			struct roci_err *err)
{
	_cleanup_close_ int slave = -1;
	_cleanup_close_ int master = open_pty(O_CLOEXEC, &slave, err);
	if (master < 0)
		return master;
	int r = prepare_slave(slave, p, flags & ROCI_TTY_NO_ONLCR, err);
	if (r < 0)
		return r;
	if (flags & ROCI_TTY_BIND_CONSOLE) {
		/* /dev/console gets the pty we hold, bound by fd, never by
		 * path (security.md #6). */
		_cleanup_close_ int console = open_console_target(err);
		if (console < 0)
			return console;
		r = bind_fd_onto(slave, console, procfs_fd);
		if (r < 0)
			return roci_fail(err, -r, "bind pty onto /dev/console");
	}
	if (ioctl(slave, TIOCSCTTY, 0) < 0)
		return roci_fail(err, errno, "set controlling terminal");
	for (int fd = 0; fd < 3; fd++)
		if (dup2(slave, fd) < 0)
			return roci_fail(err, errno, "dup pty onto fd %d", fd);
	return TAKE_FD(master);
}

int roci_terminal_open_pair(const struct roci_process *p, uid_t owner, int *slave_out, char *path,
			    size_t len, struct roci_err *err)
{
	_cleanup_close_ int slave = -1;
	_cleanup_close_ int master = open_pty(0, &slave, err);
	if (master < 0)
		return master;
	char link[64];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", slave);
	ssize_t n = readlink(link, path, len - 1);
	if (n < 0)
		return roci_fail(err, errno, "name of the new pty");
	path[n] = '\0';
	if (fchown(slave, owner, (gid_t)-1) < 0)
		return roci_fail(err, errno, "chown %s to uid %u", path, (unsigned)owner);
	set_size(slave, p);
	*slave_out = TAKE_FD(slave);
	return TAKE_FD(master);
}

int roci_terminal_send_master(int sock, int master, struct roci_err *err)
{
	return roci_unix_send_fd(sock, master, "/dev/ptmx", "pty master to console socket", err);
}

static int copy_once(int from, int to)
{
	char buf[8192];
	ssize_t n = read(from, buf, sizeof(buf));
	if (n <= 0)
		return -1;
	for (ssize_t off = 0; off < n;) {
		ssize_t w = write(to, buf + off, (size_t)(n - off));
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		off += w;
	}
	return 0;
}

void roci_terminal_proxy(int master, int stop_fd)
{
	struct termios saved;
	int have_tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0;
	if (have_tty) {
		struct termios raw = saved;
		cfmakeraw(&raw);
		/* output processing stays: the pty sends "\n" (ONLCR off) and
		 * the caller's terminal turns it into a line break */
		raw.c_oflag |= OPOST;
		tcsetattr(STDIN_FILENO, TCSANOW, &raw);
		struct winsize ws;
		if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0)
			ioctl(master, TIOCSWINSZ, &ws);
	}
	struct pollfd pfd[3] = {
		{ .fd = master, .events = POLLIN },
		{ .fd = STDIN_FILENO, .events = POLLIN },
		{ .fd = stop_fd, .events = POLLIN },
	};
	bool stop = false;
	while (!stop) {
		int r = poll(pfd, 3, -1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[0].revents & POLLIN) {
			if (copy_once(master, STDOUT_FILENO) < 0)
				break;
		} else if (pfd[0].revents & (POLLHUP | POLLERR)) {
			break;
		}
		if (pfd[1].revents & (POLLIN | POLLHUP)) {
			if (copy_once(STDIN_FILENO, master) < 0)
				pfd[1].fd = -1;
		}
		if (pfd[2].revents & POLLIN) {
			/* drain what is left, then stop */
			while (poll(pfd, 1, 0) > 0 && (pfd[0].revents & POLLIN) && copy_once(master, STDOUT_FILENO) == 0)
				;
			stop = true;
		}
	}
	if (have_tty)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
}
