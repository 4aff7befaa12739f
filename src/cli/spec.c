/* SPDX-License-Identifier: Apache-2.0 */
/* roci spec [-b|--bundle DIR] [--rootless]: write a starting config.json
 * (a shell on a tty in a read-only "rootfs"), refusing to overwrite one.
 * The template grants only bounding/effective/permitted capabilities, never
 * inheritable or ambient ones (security.md #7). --rootless gives a config
 * that an unprivileged user can run: a user namespace mapping the caller's
 * uid and gid to root, no network namespace, the host /sys bound in and no
 * cgroup mount or device cgroup rules. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "roci-config.h"
#include "util/cleanup.h"

#define SPEC_USAGE "spec [-b|--bundle DIR] [--rootless]"

static json_t *str_array(const char *const *v)
{
	json_t *a = json_array();
	for (; a && *v; v++) {
		if (json_array_append_new(a, json_string(*v)) < 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

/* Append item to array; NULL items (allocation failures) poison the array. */
static void append(json_t *array, json_t *item, bool *failed)
{
	if (!item || json_array_append_new(array, item) < 0)
		*failed = true;
}

static json_t *mount_entry(const char *dest, const char *type, const char *source,
			   const char *const *options)
{
	json_t *m = json_pack("{s:s, s:s, s:s}", "destination", dest, "type", type, "source", source);
	if (m && options && json_object_set_new(m, "options", str_array(options)) < 0) {
		json_decref(m);
		return NULL;
	}
	return m;
}

static json_t *spec_mounts(bool rootless)
{
	static const char *const dev[] = { "nosuid", "strictatime", "mode=755", "size=65536k", NULL };
	/* gid=5 (tty) is only mappable when the host group is ours */
	static const char *const devpts[] = { "nosuid", "noexec", "newinstance", "ptmxmode=0666",
					      "mode=0620", "gid=5", NULL };
	static const char *const devpts_rootless[] = { "nosuid", "noexec", "newinstance",
						       "ptmxmode=0666", "mode=0620", NULL };
	static const char *const shm[] = { "nosuid", "noexec", "nodev", "mode=1777", "size=65536k", NULL };
	static const char *const mqueue[] = { "nosuid", "noexec", "nodev", NULL };
	static const char *const sysfs[] = { "nosuid", "noexec", "nodev", "ro", NULL };
	/* a user namespace without its own network namespace may not mount
	 * sysfs: bind the host's, read-only */
	static const char *const sys_bind[] = { "rbind", "nosuid", "noexec", "nodev", "ro", NULL };
	static const char *const cgroup[] = { "nosuid", "noexec", "nodev", "relatime", "ro", NULL };

	json_t *a = json_array();
	if (!a)
		return NULL;
	bool failed = false;
	append(a, mount_entry("/proc", "proc", "proc", NULL), &failed);
	append(a, mount_entry("/dev", "tmpfs", "tmpfs", dev), &failed);
	append(a, mount_entry("/dev/pts", "devpts", "devpts", rootless ? devpts_rootless : devpts), &failed);
	append(a, mount_entry("/dev/shm", "tmpfs", "shm", shm), &failed);
	append(a, mount_entry("/dev/mqueue", "mqueue", "mqueue", mqueue), &failed);
	if (rootless) {
		append(a, mount_entry("/sys", "none", "/sys", sys_bind), &failed);
	} else {
		append(a, mount_entry("/sys", "sysfs", "sysfs", sysfs), &failed);
		append(a, mount_entry("/sys/fs/cgroup", "cgroup", "cgroup", cgroup), &failed);
	}
	if (failed) {
		json_decref(a);
		return NULL;
	}
	return a;
}

static json_t *spec_process(void)
{
	static const char *const args[] = { "sh", NULL };
	static const char *const env[] = {
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"TERM=xterm",
		NULL,
	};
	static const char *const caps[] = { "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE", NULL };
	/* No "inheritable" and no "ambient" key: those sets stay empty. */
	return json_pack("{s:b, s:{s:i, s:i}, s:o, s:o, s:s, s:{s:o, s:o, s:o},"
			 " s:[{s:s, s:i, s:i}], s:b}",
			 "terminal", 1,
			 "user", "uid", 0, "gid", 0,
			 "args", str_array(args),
			 "env", str_array(env),
			 "cwd", "/",
			 "capabilities",
			 "bounding", str_array(caps),
			 "effective", str_array(caps),
			 "permitted", str_array(caps),
			 "rlimits", "type", "RLIMIT_NOFILE", "hard", 1024, "soft", 1024,
			 "noNewPrivileges", 1);
}

static json_t *id_mapping(json_int_t host_id)
{
	return json_pack("[{s:i, s:I, s:i}]", "containerID", 0, "hostID", host_id, "size", 1);
}

static json_t *spec_linux(bool rootless)
{
	static const char *const masked[] = {
		"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
		"/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
		"/sys/firmware", "/sys/devices/virtual/powercap", NULL,
	};
	static const char *const readonly[] = {
		"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL,
	};
	static const char *const ns_root[] = { "pid", "network", "ipc", "uts", "mount", "cgroup", NULL };
	static const char *const ns_rootless[] = { "pid", "ipc", "uts", "mount", "cgroup", "user", NULL };

	json_t *l = json_object();
	json_t *ns = json_array();
	if (!l || !ns) {
		json_decref(l);
		json_decref(ns);
		return NULL;
	}
	bool failed = json_object_set_new(l, "namespaces", ns) < 0;
	for (const char *const *t = rootless ? ns_rootless : ns_root; *t; t++)
		append(ns, json_pack("{s:s}", "type", *t), &failed);
	if (rootless) {
		failed |= json_object_set_new(l, "uidMappings", id_mapping(geteuid())) < 0;
		failed |= json_object_set_new(l, "gidMappings", id_mapping(getegid())) < 0;
	} else {
		/* deny all devices; the runtime adds the default ones */
		failed |= json_object_set_new(l, "resources",
					      json_pack("{s:[{s:b, s:s}]}", "devices", "allow", 0,
							"access", "rwm")) < 0;
	}
	failed |= json_object_set_new(l, "maskedPaths", str_array(masked)) < 0;
	failed |= json_object_set_new(l, "readonlyPaths", str_array(readonly)) < 0;
	if (failed) {
		json_decref(l);
		return NULL;
	}
	return l;
}

static json_t *spec_document(bool rootless)
{
	return json_pack("{s:s, s:o, s:{s:s, s:b}, s:s, s:o, s:o}",
			 "ociVersion", ROCI_SPEC_VERSION,
			 "process", spec_process(),
			 "root", "path", "rootfs", "readonly", 1,
			 "hostname", "roci",
			 "mounts", spec_mounts(rootless),
			 "linux", spec_linux(rootless));
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		if (w == 0)
			return -EIO;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

int roci_cmd_spec(struct roci_globals *g, int argc, char **argv, struct roci_err *err)
{
	static const struct option opts[] = {
		{ "bundle", required_argument, NULL, 'b' },
		{ "rootless", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *bundle = ".";
	bool rootless = false;
	int c;
	(void)g;
	opterr = 0;
	while ((c = getopt_long_only(argc, argv, ":b:h", opts, NULL)) != -1) {
		switch (c) {
		case 'b':
			bundle = optarg;
			break;
		case 'r':
			rootless = true;
			break;
		case 'h':
			printf("usage: roci %s\n", SPEC_USAGE);
			exit(0);
		case ':':
			return roci_failx(err, EINVAL, "option %s needs an argument\nusage: roci %s",
					  argv[optind - 1], SPEC_USAGE);
		default:
			return roci_failx(err, EINVAL, "unknown option %s\nusage: roci %s",
					  argv[optind - 1], SPEC_USAGE);
		}
	}
	if (optind != argc)
		return roci_failx(err, EINVAL, "spec: takes no arguments\nusage: roci %s", SPEC_USAGE);
	if (!*bundle)
		return roci_failx(err, EINVAL, "spec: --bundle must not be empty");

	json_t *doc = spec_document(rootless);
	if (!doc)
		return roci_fail(err, ENOMEM, "spec");
	_cleanup_free_ char *text = json_dumps(doc, JSON_INDENT(2));
	json_decref(doc);
	if (!text)
		return roci_fail(err, ENOMEM, "spec");

	_cleanup_close_ int dirfd = open(bundle, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0)
		return roci_fail(err, errno, "bundle %s", bundle);
	/* O_EXCL: an existing config.json (or a symlink by that name) stays */
	_cleanup_close_ int fd = openat(dirfd, "config.json",
					O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		if (errno == EEXIST)
			return roci_failx(err, EEXIST, "File config.json exists. Remove it first");
		return roci_fail(err, errno, "create %s/config.json", bundle);
	}
	int r = write_all(fd, text, strlen(text));
	if (r == 0)
		r = write_all(fd, "\n", 1);
	if (r == 0 && close(TAKE_FD(fd)) < 0)
		r = -errno;
	if (r < 0) {
		unlinkat(dirfd, "config.json", 0);
		return roci_fail(err, -r, "write %s/config.json", bundle);
	}
	return 0;
}
