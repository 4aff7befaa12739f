/* SPDX-License-Identifier: Apache-2.0 */
/* linux.intelRdt: Intel RDT (and AMD's equivalent) through resctrl. */
#pragma once
#include "util/error.h"

/* A config with linux.intelRdt needs resctrl mounted at /sys/fs/resctrl;
 * without it, the error runc gives. With it, roci does not make resctrl
 * groups yet: a clear error too, never a silent skip. */
int roci_resctrl_check(struct roci_err *err);
