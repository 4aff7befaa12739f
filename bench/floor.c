/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The floor for bench/bench.sh: the kernel work of `run` for the stock
 * `roci spec` bundle, done by one small static process with nothing else:
 * no config parsing, no state, no sync with a parent, no hooks. Its time is
 * what a runtime would take if it did only the system calls.
 *
 *   floor ROOTFS [PROGRAM ARGS...]      (default program: /bin/true)
 *
 * Cgroups: a directory in every hierarchy under /sys/fs/cgroup (the child
 * is born in the v2 one with CLONE_INTO_CGROUP and joins the v1 ones by
 * writing "0" to their `tasks`, the cheapest move the kernel has),
 * the v1 device rules (deny all, allow the default devices), and the
 * directories removed after the wait.
 * Namespaces: mount, pid, network, ipc, uts, cgroup. Mounts: the root made
 * a slave, the rootfs bound, /proc, /dev (tmpfs), /dev/pts, /dev/shm,
 * /dev/mqueue, /sys (ro), /sys/fs/cgroup (ro), six device nodes bound from
 * the host, the masked and read-only paths, pivot_root. Then the hostname,
 * the loopback interface up, RLIMIT_NOFILE, the bounding set and capabilities of the stock spec,
 * no_new_privs, and exec.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/sched.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

#define MAX_HIER 24

struct hier {
	char dir[64]; /* /sys/fs/cgroup or /sys/fs/cgroup/NAME */
	char own[128]; /* the caller's cgroup in it, from /proc/self/cgroup */
	int v2;
};

static void die(const char *what)
{
	fprintf(stderr, "floor: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void write_file(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, val, strlen(val)) < 0)
		die(path);
	close(fd);
}

/* cpuset on v1 starts empty: give the new group its parent's value. */
static void copy_parent(const char *parent, const char *dir, const char *file)
{
	char from[300], to[300], val[256];
	snprintf(from, sizeof(from), "%.200s/%.40s", parent, file);
	snprintf(to, sizeof(to), "%.250s/%.40s", dir, file);
	int fd = open(from, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, val, sizeof(val) - 1);
	if (n < 0)
		die(from);
	close(fd);
	val[n] = 0;
	write_file(to, val);
}

/* Every cgroup hierarchy: /sys/fs/cgroup itself on v2, else each mount
 * below it (hybrid's unified one is v2). */
static int hierarchies(struct hier *h)
{
	struct statfs sf;
	if (statfs("/sys/fs/cgroup", &sf) < 0)
		return 0;
	if ((unsigned long)sf.f_type == 0x63677270UL) { /* CGROUP2_SUPER_MAGIC */
		snprintf(h[0].dir, sizeof(h[0].dir), "/sys/fs/cgroup");
		h[0].v2 = 1;
		return 1;
	}
	DIR *d = opendir("/sys/fs/cgroup");
	if (!d)
		return 0;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)) && n < MAX_HIER) {
		if (e->d_name[0] == '.')
			continue;
		char p[64];
		if (strlen(e->d_name) > 40)
			continue;
		snprintf(p, sizeof(p), "/sys/fs/cgroup/%.40s", e->d_name);
		struct stat st;
		if (lstat(p, &st) < 0 || !S_ISDIR(st.st_mode) || statfs(p, &sf) < 0)
			continue;
		if ((unsigned long)sf.f_type == 0x63677270UL)
			h[n].v2 = 1;
		else if ((unsigned long)sf.f_type == 0x27e0ebUL) /* CGROUP_SUPER_MAGIC */
			h[n].v2 = 0;
		else
			continue;
		snprintf(h[n].dir, sizeof(h[n].dir), "%.63s", p);
		n++;
	}
	closedir(d);
	/* new groups go below the caller's own, as a runtime's relative path */
	FILE *f = fopen("/proc/self/cgroup", "re");
	char line[512];
	while (f && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		char *ctl = strchr(line, ':');
		char *path = ctl ? strchr(ctl + 1, ':') : NULL;
		if (!path)
			continue;
		*path++ = 0;
		ctl++;
		if (!strncmp(ctl, "name=", 5))
			ctl += 5;
		for (int i = 0; i < n; i++) {
			const char *leaf = h[i].dir + strlen("/sys/fs/cgroup");
			leaf += *leaf == '/';
			if ((*ctl && !strcmp(leaf, ctl)) || (!*ctl && h[i].v2))
				snprintf(h[i].own, sizeof(h[i].own), "%.127s", strcmp(path, "/") ? path : "");
		}
	}
	if (f)
		fclose(f);
	return n;
}

static void mnt(const char *src, const char *dst, const char *type, unsigned long flags,
		const char *data)
{
	mkdir(dst, 0755);
	if (mount(src, dst, type, flags, data) < 0)
		die(dst);
}

static void bind_file(const char *src, const char *dst, unsigned long extra)
{
	int fd = open(dst, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
	if (fd >= 0)
		close(fd);
	if (mount(src, dst, NULL, MS_BIND, NULL) < 0)
		die(dst);
	if (extra && mount(NULL, dst, NULL, MS_BIND | MS_REMOUNT | extra, NULL) < 0)
		die(dst);
}

static void cgroup_mounts(const struct hier *h, int n)
{
	if (n == 1 && h[0].v2) {
		mnt("cgroup", "sys/fs/cgroup", "cgroup2", MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY,
		    NULL);
		return;
	}
	mnt("tmpfs", "sys/fs/cgroup", "tmpfs", MS_NOSUID | MS_NOEXEC | MS_NODEV, "mode=755");
	for (int i = 0; i < n; i++) {
		const char *name = strrchr(h[i].dir, '/') + 1;
		char dst[128];
		snprintf(dst, sizeof(dst), "sys/fs/cgroup/%.40s", name);
		mnt(h[i].dir, dst, NULL, MS_BIND, NULL);
		if (mount(NULL, dst, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NOEXEC | MS_NODEV,
			  NULL) < 0)
			die(dst);
	}
	if (mount(NULL, "sys/fs/cgroup", NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NOEXEC | MS_NODEV,
		  "mode=755") < 0)
		die("sys/fs/cgroup");
}

static void child(const char *rootfs, const struct hier *h, int n, const int *tasks, int go, char **argv)
{
	char c;
	for (int i = 0; i < n; i++)
		if (tasks[i] >= 0 && (write(tasks[i], "0", 1) != 1 || close(tasks[i]) < 0))
			die("join a v1 cgroup");
	if (read(go, &c, 1) != 1)
		die("wait for the parent");
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		die("make / a slave");
	if (mount(rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL) < 0 || chdir(rootfs) < 0)
		die(rootfs);
	mnt("proc", "proc", "proc", MS_NOSUID | MS_NOEXEC | MS_NODEV, NULL);
	mnt("tmpfs", "dev", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k");
	mnt("devpts", "dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
	    "newinstance,ptmxmode=0666,mode=0620,gid=5");
	mnt("shm", "dev/shm", "tmpfs", MS_NOSUID | MS_NOEXEC | MS_NODEV, "mode=1777,size=65536k");
	mnt("mqueue", "dev/mqueue", "mqueue", MS_NOSUID | MS_NOEXEC | MS_NODEV, NULL);
	mnt("sysfs", "sys", "sysfs", MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY, NULL);
	cgroup_mounts(h, n);
	static const char *const devs[] = { "null", "zero", "full", "random", "urandom", "tty" };
	for (size_t i = 0; i < sizeof(devs) / sizeof(devs[0]); i++) {
		char src[64], dst[64];
		snprintf(src, sizeof(src), "/dev/%s", devs[i]);
		snprintf(dst, sizeof(dst), "dev/%s", devs[i]);
		bind_file(src, dst, 0);
	}
	static const char *const links[][2] = { { "/proc/self/fd", "dev/fd" },
						{ "/proc/self/fd/0", "dev/stdin" },
						{ "/proc/self/fd/1", "dev/stdout" },
						{ "/proc/self/fd/2", "dev/stderr" },
						{ "pts/ptmx", "dev/ptmx" } };
	for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++)
		if (symlink(links[i][0], links[i][1]) < 0)
			die(links[i][1]);
	static const char *const masked[] = { "proc/acpi", "proc/asound", "proc/kcore", "proc/keys",
					      "proc/latency_stats", "proc/timer_list", "proc/timer_stats",
					      "proc/sched_debug", "proc/scsi", "sys/firmware",
					      "sys/devices/virtual/powercap" };
	for (size_t i = 0; i < sizeof(masked) / sizeof(masked[0]); i++) {
		struct stat st;
		if (stat(masked[i], &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode))
			mnt("tmpfs", masked[i], "tmpfs", MS_RDONLY, "size=0");
		else if (mount("/dev/null", masked[i], NULL, MS_BIND, NULL) < 0)
			die(masked[i]);
	}
	static const char *const ro[] = { "proc/bus", "proc/fs", "proc/irq", "proc/sys",
					  "proc/sysrq-trigger" };
	for (size_t i = 0; i < sizeof(ro) / sizeof(ro[0]); i++) {
		if (access(ro[i], F_OK) < 0)
			continue;
		if (mount(ro[i], ro[i], NULL, MS_BIND | MS_REC, NULL) < 0 ||
		    mount(NULL, ro[i], NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
			  NULL) < 0)
			die(ro[i]);
	}
	if (syscall(SYS_pivot_root, ".", ".") < 0 || umount2(".", MNT_DETACH) < 0 || chdir("/") < 0)
		die("pivot_root");
	if (sethostname("floor", 5) < 0)
		die("sethostname");
	struct ifreq ifr = { .ifr_name = "lo" };
	int sfd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sfd < 0 || ioctl(sfd, SIOCGIFFLAGS, &ifr) < 0)
		die("lo flags");
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(sfd, SIOCSIFFLAGS, &ifr) < 0)
		die("lo up");
	close(sfd);
	struct rlimit rl = { 1024, 1024 };
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		die("setrlimit");
	const unsigned long keep = (1UL << CAP_AUDIT_WRITE) | (1UL << CAP_KILL) | (1UL << CAP_NET_BIND_SERVICE);
	for (int cap = 0; cap <= 40; cap++)
		if (!(keep & (1UL << cap)) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
			die("drop the bounding set");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		die("no_new_privs");
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2] = { { (uint32_t)keep, (uint32_t)keep, 0 }, { 0, 0, 0 } };
	if (syscall(SYS_capset, &hdr, data) < 0)
		die("capset");
	execv(argv[0], argv);
	die(argv[0]);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: floor ROOTFS [PROGRAM ARGS...]\n");
		return 2;
	}
	static char *def[] = { "/bin/true", NULL };
	char **prog = argc > 2 ? argv + 2 : def;
	struct hier h[MAX_HIER];
	int n = hierarchies(h);
	char name[32];
	snprintf(name, sizeof(name), "floor-%d", (int)getpid());
	int v2fd = -1, tasks[MAX_HIER];
	for (int i = 0; i < n; i++) {
		char p[256];
		snprintf(p, sizeof(p), "%.63s%.127s/%.32s", h[i].dir, h[i].own, name);
		if (mkdir(p, 0755) < 0)
			die(p);
		tasks[i] = -1;
		if (!h[i].v2) {
			char f[300];
			snprintf(f, sizeof(f), "%.250s/tasks", p);
			if ((tasks[i] = open(f, O_WRONLY | O_CLOEXEC)) < 0)
				die(f);
		}
		if (h[i].v2)
			v2fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		else if (strstr(h[i].dir, "/cpuset")) {
			char parent[200];
			snprintf(parent, sizeof(parent), "%.63s%.127s", h[i].dir, h[i].own);
			copy_parent(parent, p, "cpuset.cpus");
			copy_parent(parent, p, "cpuset.mems");
		} else if (strstr(h[i].dir, "/devices")) {
			/* deny all, then the stock spec's default devices */
			static const char *const allow[] = { "c *:* m", "b *:* m", "c 1:3 rwm", "c 1:8 rwm",
							     "c 1:7 rwm", "c 5:0 rwm", "c 1:5 rwm", "c 1:9 rwm",
							     "c 5:1 rwm", "c 136:* rwm", "c 5:2 rwm" };
			char f[300];
			snprintf(f, sizeof(f), "%.250s/devices.deny", p);
			write_file(f, "a");
			snprintf(f, sizeof(f), "%.250s/devices.allow", p);
			for (size_t k = 0; k < sizeof(allow) / sizeof(allow[0]); k++)
				write_file(f, allow[k]);
		}
	}
	int go[2];
	if (pipe2(go, O_CLOEXEC) < 0)
		die("pipe");
	struct clone_args ca;
	memset(&ca, 0, sizeof(ca));
	ca.flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWCGROUP;
	ca.exit_signal = SIGCHLD;
	if (v2fd >= 0) {
		ca.flags |= CLONE_INTO_CGROUP;
		ca.cgroup = (uint64_t)v2fd;
	}
	pid_t pid = (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
	if (pid < 0)
		die("clone3");
	if (pid == 0) {
		close(go[1]);
		child(argv[1], h, n, tasks, go[0], prog);
	}
	close(go[0]);
	for (int i = 0; i < n; i++)
		if (tasks[i] >= 0)
			close(tasks[i]);
	if (write(go[1], "g", 1) != 1)
		die("start the child");
	int status;
	if (waitpid(pid, &status, 0) < 0)
		die("wait");
	for (int i = 0; i < n; i++) {
		char p[256];
		snprintf(p, sizeof(p), "%.63s%.127s/%.32s", h[i].dir, h[i].own, name);
		rmdir(p);
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
