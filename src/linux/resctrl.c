/* SPDX-License-Identifier: Apache-2.0 */
#include "linux/resctrl.h"

#include <errno.h>
#include <sys/vfs.h>

/* resctrl's f_type (the kernel's RDTGROUP_SUPER_MAGIC) */
#define RESCTRL_MAGIC 0x7655821

int roci_resctrl_check(struct roci_err *err)
{
	struct statfs sf;
	if (statfs("/sys/fs/resctrl", &sf) < 0 || sf.f_type != RESCTRL_MAGIC)
		return roci_failx(err, ENOTSUP,
				  "intelRdt is specified in config, but Intel RDT is not supported or enabled (no resctrl at /sys/fs/resctrl)");
	return roci_failx(err, ENOTSUP, "linux.intelRdt: resctrl groups are not supported by this version of roci");
}
