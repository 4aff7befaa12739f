/* SPDX-License-Identifier: Apache-2.0 */
#include "linux/scheduling.h"

#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/cpulist.h"

/* struct sched_attr of sched_setattr(2), version 1 (with util clamps). */
struct sched_attr_v1 {
	uint32_t size;
	uint32_t sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime;
	uint64_t sched_deadline;
	uint64_t sched_period;
	uint32_t sched_util_min;
	uint32_t sched_util_max;
};

#define IOPRIO_CLASS_SHIFT 13
#define IOPRIO_WHO_PROCESS 1

static const char *const policy_names[] = {
	"SCHED_OTHER", "SCHED_FIFO", "SCHED_RR", "SCHED_BATCH", "SCHED_ISO", "SCHED_IDLE", "SCHED_DEADLINE",
};

int roci_sched_apply(const struct roci_process *p, struct roci_err *err)
{
	const struct roci_scheduler *s = &p->scheduler;
	if (s->present) {
		struct sched_attr_v1 attr = {
			.size = sizeof(attr),
			.sched_policy = s->policy,
			.sched_flags = s->flags,
			.sched_nice = s->nice,
			.sched_priority = s->priority,
			.sched_runtime = s->runtime,
			.sched_deadline = s->deadline,
			.sched_period = s->period,
		};
		if (syscall(SYS_sched_setattr, 0, &attr, 0) < 0)
			return roci_fail(err, errno, "set scheduler %s",
					 s->policy < 7 ? policy_names[s->policy] : "?");
	}
	const struct roci_io_priority *io = &p->io_priority;
	if (io->present) {
		int v = (io->class << IOPRIO_CLASS_SHIFT) | io->priority;
		if (syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, v) < 0)
			return roci_fail(err, errno, "set I/O priority class %d level %d", io->class, io->priority);
	}
	return 0;
}

int roci_sched_set_affinity(pid_t pid, const char *cpus, struct roci_err *err)
{
	size_t size = CPU_ALLOC_SIZE(ROCI_CPULIST_MAX);
	cpu_set_t *set = CPU_ALLOC(ROCI_CPULIST_MAX);
	if (!set)
		return roci_fail(err, ENOMEM, "CPU affinity");
	int r = roci_cpulist_parse(cpus, set, size);
	if (r < 0) {
		CPU_FREE(set);
		return roci_failx(err, -r, "invalid CPU list \"%s\"", cpus);
	}
	r = sched_setaffinity(pid, size, set);
	int e = errno;
	CPU_FREE(set);
	if (r < 0)
		return roci_fail(err, e, "set CPU affinity to %s", cpus);
	return 0;
}

int roci_sched_reset_affinity(struct roci_err *err)
{
	size_t size = CPU_ALLOC_SIZE(ROCI_CPULIST_MAX);
	cpu_set_t *set = CPU_ALLOC(ROCI_CPULIST_MAX);
	if (!set)
		return roci_fail(err, ENOMEM, "CPU affinity");
	memset(set, 0xff, size);
	/* the kernel keeps only the CPUs of the caller's cpuset */
	int r = sched_setaffinity(0, size, set);
	int e = errno;
	CPU_FREE(set);
	if (r < 0)
		return roci_fail(err, e, "reset CPU affinity to the cgroup's CPUs");
	return 0;
}

int roci_personality_apply(const struct roci_config *cfg, struct roci_err *err)
{
	if (!cfg->has_personality)
		return 0;
	if (personality(cfg->personality) < 0)
		return roci_fail(err, errno, "set personality %s",
				 cfg->personality == PER_LINUX32 ? "LINUX32" : "LINUX");
	return 0;
}
