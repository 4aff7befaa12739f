/* SPDX-License-Identifier: Apache-2.0 */
/* linux.sysctl: only sysctls that belong to a namespace the container owns
 * (ipc, net, uts), written through the runtime's own procfs handle. */
#pragma once
#include "oci/config.h"
#include "util/error.h"

/* The namespace a sysctl belongs to (ROCI_NS_IPC, ROCI_NS_NETWORK or
 * ROCI_NS_UTS), or -1 when it is global to the host. */
int roci_sysctl_namespace(const char *key);

/* "net.ipv4.ip_forward" or "net/ipv4/ip_forward" -> "sys/net/ipv4/ip_forward"
 * (relative to /proc). Returns -ENAMETOOLONG if it does not fit. */
int roci_sysctl_proc_path(const char *key, char *buf, size_t size);

/* Before anything is created: every sysctl must belong to a namespace that
 * the container has and that is not the host's. */
int roci_sysctl_check(const struct roci_config *cfg, struct roci_err *err);

/* In the container init, once it is in its namespaces. */
int roci_sysctl_apply(const struct roci_config *cfg, int procfs_fd, struct roci_err *err);
