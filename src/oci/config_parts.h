/* SPDX-License-Identifier: Apache-2.0 */
/* Parsers for parts of config.json that live in their own files. Each
 * fills its part of struct roci_config and names the field on error. */
#pragma once
#include <jansson.h>

#include "oci/config.h"

/* linux.seccomp, linux.sysctl, linux.personality */
int roci_config_parse_seccomp(const json_t *linux_obj, struct roci_config *c, struct roci_err *err);
int roci_config_parse_sysctl(const json_t *linux_obj, struct roci_config *c, struct roci_err *err);
int roci_config_parse_personality(const json_t *linux_obj, struct roci_config *c,
				  struct roci_err *err);
/* process.scheduler, process.ioPriority, process.execCPUAffinity */
int roci_config_parse_sched(const json_t *process_obj, struct roci_process *p, struct roci_err *err);

void roci_config_free_security(struct roci_config *c);
