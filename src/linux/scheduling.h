/* SPDX-License-Identifier: Apache-2.0 */
/* Scheduling of the container process: process.scheduler (sched_setattr),
 * process.ioPriority (ioprio_set), process.execCPUAffinity and
 * linux.personality. */
#pragma once
#include <sys/types.h>

#include "oci/config.h"
#include "util/error.h"

/* scheduler + ioPriority for the calling process, while it still has its
 * capabilities (CAP_SYS_NICE for real-time policies and classes). */
int roci_sched_apply(const struct roci_process *p, struct roci_err *err);

/* Pin pid (0: the caller) to a CPU list already checked by the parser. */
int roci_sched_set_affinity(pid_t pid, const char *cpus, struct roci_err *err);

/* Let the caller run on every CPU of its cpuset, whatever affinity roci
 * itself was started with (`taskset -c 0 roci run` must not pin the
 * container). */
int roci_sched_reset_affinity(struct roci_err *err);

/* linux.personality for the calling process. */
int roci_personality_apply(const struct roci_config *cfg, struct roci_err *err);
