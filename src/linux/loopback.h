/* SPDX-License-Identifier: Apache-2.0 */
/* The loopback interface of a network namespace the container made: up,
 * as runc and crun leave it (the kernel creates it down). */
#pragma once
#include "util/error.h"

/* Bring "lo" of the current network namespace up (a no-op when it is). */
int roci_loopback_up(struct roci_err *err);
