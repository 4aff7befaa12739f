/* SPDX-License-Identifier: Apache-2.0 */
/* roci spec [-b DIR] [--rootless]: a default config.json that runs sh.
 * It grants no inheritable or ambient capabilities (security.md #7). */
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

static json_t *strv(const char *const *v)
{
	json_t *a = json_array();
	for (; *v; v++)
		json_array_append_new(a, json_string(*v));
	return a;
}

static json_t *mount(const char *dest, const char *type, const char *src, const char *const *opts)
{
	json_t *m = json_pack("{s:s, s:s, s:s}", "destination", dest, "type", type, "source", src);
	if (opts)
		json_object_set_new(m, "options", strv(opts));
	return m;
}

static json_t *default_mounts(bool rootless)
{
	static const char *const proc[] = { NULL };
	static const char *const dev[] = { "nosuid", "strictatime", "mode=755", "size=65536k", NULL };
	static const char *const pts[] = { "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5", NULL };
	static const char *const pts_rootless[] = { "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", NULL };
	static const char *const shm[] = { "nosuid", "noexec", "nodev", "mode=1777", "size=65536k", NULL };
	static const char *const mq[] = { "nosuid", "noexec", "nodev", NULL };
	static const char *const sys[] = { "nosuid", "noexec", "nodev", "ro", NULL };
	static const char *const sys_rootless[] = { "rbind", "nosuid", "noexec", "nodev", "ro", NULL };
	static const char *const cg[] = { "nosuid", "noexec", "nodev", "relatime", "ro", NULL };
	json_t *a = json_array();
	json_array_append_new(a, mount("/proc", "proc", "proc", proc[0] ? proc : NULL));
	json_array_append_new(a, mount("/dev", "tmpfs", "tmpfs", dev));
	json_array_append_new(a, mount("/dev/pts", "devpts", "devpts", rootless ? pts_rootless : pts));
	json_array_append_new(a, mount("/dev/shm", "tmpfs", "shm", shm));
	json_array_append_new(a, mount("/dev/mqueue", "mqueue", "mqueue", mq));
	if (rootless) {
		json_array_append_new(a, mount("/sys", "none", "/sys", sys_rootless));
	} else {
		json_array_append_new(a, mount("/sys", "sysfs", "sysfs", sys));
		json_array_append_new(a, mount("/sys/fs/cgroup", "cgroup", "cgroup", cg));
	}
	return a;
}

static json_t *default_spec(bool rootless)
{
	static const char *const args[] = { "sh", NULL };
	static const char *const env[] = { "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
					   "TERM=xterm", NULL };
	static const char *const caps[] = { "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE", NULL };
	static const char *const masked[] = { "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys",
					      "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
					      "/proc/sched_debug", "/proc/scsi", "/sys/firmware",
					      "/sys/devices/virtual/powercap", NULL };
	static const char *const ro[] = { "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
					  "/proc/sysrq-trigger", NULL };
	json_t *process = json_pack("{s:b, s:{s:i, s:i}, s:o, s:o, s:s, s:{s:o, s:o, s:o}, s:[{s:s, s:i, s:i}], s:b}",
				    "terminal", 1,
				    "user", "uid", 0, "gid", 0,
				    "args", strv(args),
				    "env", strv(env),
				    "cwd", "/",
				    "capabilities", "bounding", strv(caps), "effective", strv(caps), "permitted", strv(caps),
				    "rlimits", "type", "RLIMIT_NOFILE", "hard", 1024, "soft", 1024,
				    "noNewPrivileges", 1);
	json_t *ns = json_array();
	const char *types[] = { "pid", "network", "ipc", "uts", "mount", "cgroup" };
	for (size_t i = 0; i < ARRAY_SIZE(types); i++) {
		if (rootless && !strcmp(types[i], "network"))
			continue;
		json_array_append_new(ns, json_pack("{s:s}", "type", types[i]));
	}
	json_t *linux_ = json_pack("{s:o, s:o, s:o}", "namespaces", ns, "maskedPaths", strv(masked),
				   "readonlyPaths", strv(ro));
	if (rootless) {
		json_array_append_new(ns, json_pack("{s:s}", "type", "user"));
		json_object_set_new(linux_, "uidMappings",
				    json_pack("[{s:i, s:i, s:i}]", "containerID", 0, "hostID", (int)getuid(), "size", 1));
		json_object_set_new(linux_, "gidMappings",
				    json_pack("[{s:i, s:i, s:i}]", "containerID", 0, "hostID", (int)getgid(), "size", 1));
	} else {
		json_object_set_new(linux_, "resources",
				    json_pack("{s:[{s:b, s:s}]}", "devices", "allow", 0, "access", "rwm"));
	}
	return json_pack("{s:s, s:o, s:{s:s, s:b}, s:s, s:o, s:o}",
			 "ociVersion", ROCI_SPEC_VERSION,
			 "process", process,
			 "root", "path", "rootfs", "readonly", 1,
			 "hostname", "roci",
			 "mounts", default_mounts(rootless),
			 "linux", linux_);
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
	opterr = 0;
	while ((c = getopt_long_only(argc, argv, ":b:h", opts, NULL)) != -1) {
		if (c == 'b')
			bundle = optarg;
		else if (c == 'r')
			rootless = true;
		else if (c == 'h') {
			printf("usage: roci spec [-b|--bundle DIR] [--rootless]\n");
			exit(0);
		} else
			return roci_failx(err, EINVAL, "invalid option %s\nusage: roci spec [-b DIR] [--rootless]", argv[optind - 1]);
	}
	if (optind != argc)
		return roci_failx(err, EINVAL, "spec takes no arguments");
	_cleanup_free_ char *path = NULL;
	if (asprintf(&path, "%s/config.json", bundle) < 0)
		return roci_fail(err, ENOMEM, "spec");
	json_t *spec = default_spec(rootless);
	if (!spec)
		return roci_fail(err, ENOMEM, "spec");
	_cleanup_free_ char *text = json_dumps(spec, JSON_INDENT(2));
	json_decref(spec);
	if (!text)
		return roci_fail(err, ENOMEM, "spec");
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		if (errno == EEXIST)
			return roci_failx(err, EEXIST, "File %s exists. Remove it first", path);
		return roci_fail(err, errno, "create %s", path);
	}
	size_t len = strlen(text);
	if (write(fd, text, len) != (ssize_t)len || write(fd, "\n", 1) != 1)
		return roci_fail(err, errno ? errno : EIO, "write %s", path);
	(void)g;
	return 0;
}
