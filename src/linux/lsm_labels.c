/* SPDX-License-Identifier: Apache-2.0 */
#include "linux/lsm_labels.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "linux/procfs.h"
#include "roci-config.h"
#include "util/cleanup.h"

#define SELINUX_MAGIC 0xf97cff8c

bool roci_lsm_apparmor_enabled(void)
{
#if HAVE_APPARMOR
	char c = 0;
	_cleanup_close_ int fd = open("/sys/module/apparmor/parameters/enabled", O_RDONLY | O_CLOEXEC);
	return fd >= 0 && read(fd, &c, 1) == 1 && c == 'Y';
#else
	return false;
#endif
}

bool roci_lsm_selinux_enabled(void)
{
#if HAVE_SELINUX
	struct statfs sfs;
	return statfs("/sys/fs/selinux", &sfs) == 0 && (unsigned long)sfs.f_type == SELINUX_MAGIC;
#else
	return false;
#endif
}

int roci_lsm_check(const struct roci_config *cfg, const struct roci_log *log, struct roci_err *err)
{
	const struct roci_process *p = cfg->process;
	if (!HAVE_SELINUX && p && p->selinux_label && *p->selinux_label)
		return roci_failx(err, ENOTSUP, "process.selinuxLabel: %s",
				  ROCI_BUILT_WITHOUT("SELinux support", "selinux"));
	if (!HAVE_APPARMOR && p && p->apparmor_profile && *p->apparmor_profile)
		return roci_failx(err, ENOTSUP, "process.apparmorProfile: %s",
				  ROCI_BUILT_WITHOUT("AppArmor support", "apparmor"));
	if (p && p->selinux_label && *p->selinux_label && !roci_lsm_selinux_enabled())
		return roci_failx(err, EINVAL, "selinux label is specified in config, but selinux is disabled or not supported");
	if (p && p->apparmor_profile && *p->apparmor_profile && !roci_lsm_apparmor_enabled())
		return roci_failx(err, EINVAL, "apparmor profile \"%s\" is specified in config, but apparmor is disabled or not supported",
				  p->apparmor_profile);
	if (cfg->mount_label && *cfg->mount_label && !roci_lsm_selinux_enabled())
		roci_debug(log, "linux.mountLabel ignored: SELinux is not enabled");
	return 0;
}

const char *roci_lsm_mount_label(const struct roci_config *cfg)
{
	if (!cfg->mount_label || !*cfg->mount_label)
		return NULL;
	return roci_lsm_selinux_enabled() ? cfg->mount_label : NULL;
}

int roci_lsm_set_exec_labels(const struct roci_process *p, int procfs_fd, struct roci_err *err)
{
	int r;
	if (p->apparmor_profile && *p->apparmor_profile) {
		char buf[4096 + 8];
		int n = snprintf(buf, sizeof(buf), "exec %s", p->apparmor_profile);
		if (n < 0 || (size_t)n >= sizeof(buf))
			return roci_failx(err, ENAMETOOLONG, "apparmor profile name too long");
		/* The per-LSM file first (kernels with LSM stacking). */
		struct roci_err tmp = { 0 };
		r = roci_procfs_write(procfs_fd, "thread-self/attr/apparmor/exec", buf, (size_t)n, &tmp);
		if (r == -ENOENT)
			r = roci_procfs_write(procfs_fd, "thread-self/attr/exec", buf, (size_t)n, &tmp);
		if (r < 0)
			return roci_failx(err, -r, "apparmor failed to apply profile %s: %s", p->apparmor_profile, tmp.msg);
	}
	if (p->selinux_label && *p->selinux_label) {
		r = roci_procfs_write(procfs_fd, "thread-self/attr/exec", p->selinux_label,
				      strlen(p->selinux_label), err);
		if (r < 0)
			return roci_err_wrap(err, "set selinux exec label %s", p->selinux_label);
	}
	return 0;
}
