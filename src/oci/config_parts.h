/* SPDX-License-Identifier: Apache-2.0 */
/* Parsers for parts of config.json that live in their own files. Each
 * fills its part of struct roci_config and names the field on error. */
#pragma once
#include <jansson.h>

#include "oci/config.h"

/* process (config_process.c); ends with roci_config_parse_sched() */
int roci_config_parse_process(const json_t *process_obj, struct roci_process *p,
			      struct roci_err *err);
/* mounts (config_mounts.c) */
int roci_config_parse_mounts(const json_t *root, struct roci_config *c, struct roci_err *err);
/* hooks (config_hooks.c) */
int roci_config_parse_hooks(const json_t *root, struct roci_config *c, struct roci_err *err);
/* linux (config_linux.c); calls the linux.* parsers of config_security.c
 * and roci_resources_parse() */
int roci_config_parse_linux(const json_t *linux_obj, struct roci_config *c, struct roci_err *err);
/* obj[key], a uidMappings or gidMappings array (of linux or of a mount),
 * named path in errors (config_linux.c) */
int roci_config_parse_id_mappings(const json_t *obj, const char *key, const char *path,
				  struct roci_id_mapping **out, size_t *n_out, struct roci_err *err);

/* linux.seccomp, linux.sysctl, linux.personality */
int roci_config_parse_seccomp(const json_t *linux_obj, struct roci_config *c, struct roci_err *err);
int roci_config_parse_sysctl(const json_t *linux_obj, struct roci_config *c, struct roci_err *err);
int roci_config_parse_net_devices(const json_t *linux_obj, struct roci_config *c, struct roci_err *err);
int roci_config_parse_memory_policy(const json_t *linux_obj, struct roci_config *c,
				    struct roci_err *err);
int roci_config_parse_personality(const json_t *linux_obj, struct roci_config *c,
				  struct roci_err *err);
/* process.scheduler, process.ioPriority, process.execCPUAffinity */
int roci_config_parse_sched(const json_t *process_obj, struct roci_process *p, struct roci_err *err);

void roci_config_free_security(struct roci_config *c);
