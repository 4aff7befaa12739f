/* SPDX-License-Identifier: Apache-2.0 */
/* linux.resources (also the document `update -r` reads) <-> C struct.
 * Every member records whether it was given: absent means "leave the
 * cgroup's value alone", never zero. */
#pragma once
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

struct roci_opt_i64 {
	bool set;
	int64_t v;
};
struct roci_opt_u64 {
	bool set;
	uint64_t v;
};

#define ROCI_DEV_WILDCARD (-1)

struct roci_dev_rule {
	bool allow;
	char type;        /* 'a', 'b' or 'c' */
	int64_t major;    /* ROCI_DEV_WILDCARD for "*" */
	int64_t minor;
	char access[4];   /* a subset of "rwm", in that order */
};

struct roci_blkio_weight_dev {
	int64_t major, minor;
	struct roci_opt_u64 weight, leaf_weight;
};

struct roci_blkio_rate_dev {
	int64_t major, minor;
	uint64_t rate;
};

enum roci_blkio_throttle {
	ROCI_THROTTLE_READ_BPS,
	ROCI_THROTTLE_WRITE_BPS,
	ROCI_THROTTLE_READ_IOPS,
	ROCI_THROTTLE_WRITE_IOPS,
	ROCI_THROTTLE_COUNT,
};

struct roci_hugepage_limit {
	char *page_size; /* "2MB", "1GB", ... */
	uint64_t limit;
};

struct roci_net_prio {
	char *name;
	uint32_t priority;
};

struct roci_rdma_limit {
	char *device;
	struct roci_opt_u64 hca_handles, hca_objects;
};

struct roci_resources {
	bool has_devices;
	struct roci_dev_rule *devices;
	size_t n_devices;

	struct {
		struct roci_opt_i64 limit, reservation, swap, kernel, kernel_tcp;
		struct roci_opt_u64 swappiness;
		bool disable_oom_killer_set, disable_oom_killer;
		bool use_hierarchy_set, check_before_update;
	} memory;

	struct {
		struct roci_opt_u64 shares, period, burst, realtime_period;
		struct roci_opt_i64 quota, realtime_runtime, idle;
		char *cpus, *mems;
	} cpu;

	struct roci_opt_i64 pids_limit;

	struct {
		struct roci_opt_u64 weight, leaf_weight;
		struct roci_blkio_weight_dev *weight_devices;
		size_t n_weight_devices;
		struct roci_blkio_rate_dev *throttle[ROCI_THROTTLE_COUNT];
		size_t n_throttle[ROCI_THROTTLE_COUNT];
	} blkio;

	struct roci_hugepage_limit *hugepages;
	size_t n_hugepages;

	struct {
		struct roci_opt_u64 class_id;
		struct roci_net_prio *priorities;
		size_t n_priorities;
	} network;

	struct roci_rdma_limit *rdma;
	size_t n_rdma;

	/* unified: cgroup v2 file name -> value, written as given */
	char **unified_keys, **unified_values;
	size_t n_unified;
};

/* Parse a LinuxResources object; `path` names it in errors
 * ("linux.resources"). A NULL obj gives an empty struct. */
int roci_resources_parse(const json_t *obj, const char *path, struct roci_resources *out,
			 struct roci_err *err);
void roci_resources_free(struct roci_resources *r);
/* Does r ask for anything a cgroup must hold? (devices alone do not: the
 * default rules are applied where a cgroup exists.) */
bool roci_resources_any(const struct roci_resources *r);

/* "2MB" -> 2097152; -EINVAL for anything that is not a power of two
 * with a B/KB/MB/GB/TB suffix. */
int roci_hugepage_size_parse(const char *s, uint64_t *bytes);
/* Throttle field name as in the spec ("throttleReadBpsDevice"). */
const char *roci_blkio_throttle_name(enum roci_blkio_throttle t);
