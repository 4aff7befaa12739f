/* SPDX-License-Identifier: Apache-2.0 */
/* Named steps, for the fault-injection tests (tests/faults/). In a build
 * with -Dfault_injection=true, each ROCI_STEP appends its name to the file
 * ROCI_FAULT_TRACE names, and the process that reaches the step ROCI_FAULT
 * names dies at once by SIGKILL (an init that is pid 1 of its namespace,
 * which cannot get its own SIGKILL, exits at once instead). Every other
 * build compiles the steps to nothing and reads no environment. */
#pragma once
#include "roci-config.h"

#if ROCI_FAULT_INJECTION
void roci_step(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#define ROCI_STEP(...) roci_step(__VA_ARGS__)
#else
#define ROCI_STEP(...) ((void)0)
#endif
