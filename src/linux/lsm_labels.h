/* SPDX-License-Identifier: Apache-2.0 */
/* LSM labels without libselinux or libapparmor: process labels are written
 * to /proc/thread-self/attr just before exec, linux.mountLabel becomes the
 * context= option of new mounts. */
#pragma once
#include <stdbool.h>

#include "oci/config.h"
#include "util/error.h"
#include "util/log.h"

bool roci_lsm_apparmor_enabled(void);
bool roci_lsm_selinux_enabled(void);

/* In create, before anything is made: the labels asked for can be applied
 * on this host (the rules runc follows when an LSM is off). */
int roci_lsm_check(const struct roci_config *cfg, const struct roci_log *log, struct roci_err *err);

/* linux.mountLabel when SELinux is on, else NULL (the label is ignored). */
const char *roci_lsm_mount_label(const struct roci_config *cfg);

/* In the init: the AppArmor profile and SELinux label of the next exec. */
int roci_lsm_set_exec_labels(const struct roci_process *p, int procfs_fd, struct roci_err *err);
