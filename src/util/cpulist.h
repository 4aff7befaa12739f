/* SPDX-License-Identifier: Apache-2.0 */
/* CPU lists as the kernel prints them ("0-3,8,10-11"). */
#pragma once
#include <sched.h>
#include <stddef.h>

/* Highest CPU number (exclusive) that a list may name. */
#define ROCI_CPULIST_MAX 8192

/* Parse a CPU list into set (CPU_ALLOC'd for ROCI_CPULIST_MAX CPUs; set may
 * be NULL to only check the syntax). Returns 0, -EINVAL for bad syntax or an
 * empty list, -ERANGE for a CPU at or beyond ROCI_CPULIST_MAX. */
int roci_cpulist_parse(const char *s, cpu_set_t *set, size_t setsize);
