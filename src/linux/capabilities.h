/* SPDX-License-Identifier: Apache-2.0 */
/* Linux capabilities: applying the five sets around the uid change so that
 * the process ends with exactly what config.json lists. The names are in
 * oci/capnames.h. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

#include "oci/config.h"
#include "util/error.h"
#include "util/log.h"

struct roci_caps {
	uint64_t bounding, effective, inheritable, permitted, ambient;
	int kernel_last; /* roci_caps_kernel_last(), read on the host */
};

/* The highest capability the running kernel knows (/proc/sys/kernel/
 * cap_last_cap, read in the runtime's own mount namespace). */
int roci_caps_kernel_last(void);
/* Warn once for each requested capability above c->kernel_last: it is
 * skipped, as runc does. */
void roci_caps_warn_unsupported(const struct roci_caps *c, const struct roci_log *log);
/* The ambient capabilities p lists that the kernel can raise: those that
 * are also inheritable and permitted. */
static inline uint64_t roci_caps_ambient_ok(const struct roci_process *p)
{
	return p->cap_ambient & p->cap_inheritable & p->cap_permitted;
}
/* The sets process p asks for. An ambient capability that is not also
 * inheritable and permitted is left out (roci_caps_host_check warns). */
static inline struct roci_caps roci_caps_of(const struct roci_process *p, int kernel_last)
{
	return (struct roci_caps){ p->cap_bounding, p->cap_effective, p->cap_inheritable,
				   p->cap_permitted, roci_caps_ambient_ok(p), kernel_last };
}
/* On the host, before the clone: the kernel's highest capability, with a
 * warning for each one p (may be NULL) asks for beyond it, and for each
 * ambient one that is left out. */
int roci_caps_host_check(const struct roci_process *p, const struct roci_log *log);
/* Before the uid change: keep permitted capabilities across setuid and
 * drop everything outside the bounding set. */
int roci_caps_prepare(const struct roci_caps *c, struct roci_err *err);
/* After the uid change: set effective/permitted/inheritable and ambient. */
int roci_caps_apply(const struct roci_caps *c, struct roci_err *err);
