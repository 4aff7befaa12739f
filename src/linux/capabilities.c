/* SPDX-License-Identifier: Apache-2.0 */
#include "linux/capabilities.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "oci/capnames.h"
#include "util/cleanup.h"

int roci_caps_kernel_last(void)
{
	_cleanup_close_ int fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
	char buf[16] = { 0 };
	if (fd < 0 || read(fd, buf, sizeof(buf) - 1) <= 0)
		return CAP_LAST_CAP;
	int last = atoi(buf);
	return last > 0 && last <= 63 ? last : CAP_LAST_CAP;
}

void roci_caps_warn_unsupported(const struct roci_caps *c, const struct roci_log *log)
{
	uint64_t all = (uint64_t)c->bounding | c->effective | c->inheritable | c->permitted | c->ambient;
	for (int cap = c->kernel_last + 1; cap <= roci_cap_last(); cap++)
		if (all & (1ULL << cap))
			roci_warn(log, "capability %s is not known to the running kernel; skipped",
				  roci_cap_name(cap));
}

int roci_caps_host_check(const struct roci_process *p, const struct roci_log *log)
{
	int last = roci_caps_kernel_last();
	if (p && p->has_capabilities) {
		struct roci_caps caps = roci_caps_of(p, last);
		roci_caps_warn_unsupported(&caps, log);
		uint64_t dropped = p->cap_ambient & ~roci_caps_ambient_ok(p);
		for (int cap = 0; cap <= roci_cap_last(); cap++)
			if (dropped & (1ULL << cap))
				roci_warn(log,
					  "ambient capability %s is not also inheritable and permitted; "
					  "it is left out of the ambient set",
					  roci_cap_name(cap));
	}
	return last;
}

int roci_caps_prepare(const struct roci_caps *c, struct roci_err *err)
{
	int last = c->kernel_last;
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
		return roci_fail(err, errno, "prctl(PR_SET_KEEPCAPS)");
	for (int cap = 0; cap <= last; cap++) {
		if (c->bounding & (1ULL << cap))
			continue;
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
			return roci_fail(err, errno, "drop %s from the bounding set",
					 roci_cap_name(cap) ? roci_cap_name(cap) : "capability");
	}
	return 0;
}

/* Why capset refused: the capabilities asked for that this process does
 * not hold (permitted, or for the inheritable set neither inheritable nor
 * permitted), as "CAP_A, CAP_B"; empty when there are none. */
static void caps_not_held(uint64_t want_p, uint64_t want_i, char *buf, size_t size)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct cur[2];
	buf[0] = '\0';
	if (syscall(SYS_capget, &hdr, cur) < 0)
		return;
	uint64_t perm = cur[0].permitted | (uint64_t)cur[1].permitted << 32;
	uint64_t inh = cur[0].inheritable | (uint64_t)cur[1].inheritable << 32;
	uint64_t missing = (want_p & ~perm) | (want_i & ~(perm | inh));
	size_t len = 0;
	for (int cap = 0; cap <= 63 && len < size; cap++) {
		if (!(missing & (1ULL << cap)))
			continue;
		const char *name = roci_cap_name(cap);
		int n = name ? snprintf(buf + len, size - len, "%s%s", len ? ", " : "", name)
			     : snprintf(buf + len, size - len, "%scapability %d", len ? ", " : "", cap);
		if (n < 0)
			break;
		len += (size_t)n;
	}
}

int roci_caps_apply(const struct roci_caps *c, struct roci_err *err)
{
	int last = c->kernel_last;
	uint64_t mask = last >= 63 ? ~0ULL : ((1ULL << (last + 1)) - 1);
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct data[2];
	uint64_t e = c->effective & mask, p = c->permitted & mask, i = c->inheritable & mask;
	data[0].effective = (uint32_t)e;
	data[1].effective = (uint32_t)(e >> 32);
	data[0].permitted = (uint32_t)p;
	data[1].permitted = (uint32_t)(p >> 32);
	data[0].inheritable = (uint32_t)i;
	data[1].inheritable = (uint32_t)(i >> 32);
	if (syscall(SYS_capset, &hdr, data) < 0) {
		int errnum = errno;
		char missing[512] = "";
		if (errnum == EPERM)
			caps_not_held(p | e, i, missing, sizeof(missing));
		if (missing[0])
			return roci_fail(err, errnum,
					 "capset: the process asks for %s, which roci itself does not hold "
					 "(not in the bounding set it was started with)",
					 missing);
		return roci_fail(err, errnum, "capset");
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return roci_fail(err, errno, "clear ambient capabilities");
	for (int cap = 0; cap <= last; cap++) {
		if (!(c->ambient & (1ULL << cap)))
			continue;
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
			return roci_fail(err, errno, "raise ambient capability %s", roci_cap_name(cap));
	}
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		return roci_fail(err, errno, "prctl(PR_SET_KEEPCAPS)");
	return 0;
}
