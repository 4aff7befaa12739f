/* SPDX-License-Identifier: Apache-2.0 */
/* What the files of src/linux/cgroup/ share among themselves (and the unit
 * tests with them); the rest of roci includes cgroup.h only. The layers,
 * each calling only its own and the ones below:
 *   cgroup.c            plan, create, apply, destroy (the roci_cgroup_* verbs)
 *   cgroup_v1.c, cgroup_v2.c, cgroup_systemd.c, cgroup_systemd_bus.c
 *                       drivers: resource writers, the systemd unit
 *   cgroup_devices.c, cgroup_procs.c, cgroup_stats.c, cgroup_state.c
 *                       features: device rules, processes, statistics, state
 *   cgroupfs.c          cgroup files, hierarchies, the directory per controller */
#pragma once
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "linux/cgroup/cgroup.h"
#include "oci/resources.h"
#include "util/error.h"
#include "util/log.h"

/* ---- cgroupfs.c ---------------------------------------------------------- */

#define ROCI_CG_MAX_HIERARCHIES 32

/* Is word in the comma-separated list? */
bool roci_cg_in_list(const char *list, const char *word);

/* Write value to dir/file; the error names the file. */
int roci_cg_write(const char *dir, const char *file, const char *value, struct roci_err *err);
/* Read dir/file into buf (trailing newline stripped); -errno. */
int roci_cg_read(const char *dir, const char *file, char *buf, size_t len);
/* Before a v1 cpu directory is removed: its realtime runtime back to its
 * parent (best effort; nothing when it has none). */
void roci_cg_release_rt(const char *dir);
bool roci_cg_has_file(const char *dir, const char *file);
/* The value of KEY in a "key value" per line file (cpu.stat,
 * memory.events), 0 when absent. */
uint64_t roci_cg_keyed(const char *dir, const char *file, const char *key);
/* The next pid of a cgroup.procs (or tasks) stream into *pid; false at
 * its end. Not fscanf: a build without stats then links no scanf. */
bool roci_cg_next_pid(FILE *f, long *pid);
/* rmdir path; while it is busy (tasks still exiting), try again every
 * millisecond for up to timeout_ms. Gone already is fine; -errno. */
int roci_cg_rmdir_wait(const char *path, int timeout_ms);

/* A cgroup hierarchy mounted on the host. */
struct roci_cg_hier {
	char *mnt;
	char *root;           /* the mount's root inside the hierarchy */
	char ctrls[256];      /* v1 controllers; "" for v2 */
	bool v2;
};

/* Every cgroup hierarchy mounted in our mount namespace, one mount each
 * (the one under /sys/fs/cgroup when there are several), into h (room for
 * ROCI_CG_MAX_HIERARCHIES); -errno. */
int roci_cg_hierarchies(struct roci_cg_hier *h, size_t *n);
void roci_cg_hierarchies_free(struct roci_cg_hier *h, size_t n);
/* Our own cgroup in hierarchy h, from the text of /proc/self/cgroup;
 * -ENOENT when we are not in it. */
int roci_cg_own_cgroup(const char *proc_cgroup, const struct roci_cg_hier *h, char *out, size_t len);

/* The directory in cg that holds controller `ctrl` ("memory"), or NULL;
 * *v2 tells which interface it speaks. */
const struct roci_cg_dir *roci_cg_find(const struct roci_cgroup *cg, const char *ctrl, bool *v2);
/* The cgroup v2 directory, or NULL. */
const struct roci_cg_dir *roci_cg_v2_dir(const struct roci_cgroup *cg);

/* ---- cgroup_v1.c, cgroup_v2.c: the resource writers ---------------------- */

/* One writer per controller group; dir is where that controller lives. */
typedef int (*roci_cg_writer)(const char *dir, const struct roci_resources *res, bool update,
			      const struct roci_log *log, struct roci_err *err);
struct roci_cg_writers {
	roci_cg_writer memory, cpu, cpuset, pids, blkio, hugetlb, net_cls, net_prio, rdma;
};
extern const struct roci_cg_writers roci_cg_v1_writers, roci_cg_v2_writers;
int roci_cg_v2_unified(const char *dir, const struct roci_resources *res, struct roci_err *err);
/* pids.max text for a limit (runc: >0 number, <0 "max"); 0: leave alone */
int roci_cg_pids_value(int64_t limit, char *buf, size_t len);
/* cpuset.cpus and cpuset.mems, the same files in v1 and v2 */
int roci_cg_cpuset_write(const char *dir, const struct roci_resources *res, bool update,
			 const struct roci_log *log, struct roci_err *err);
/* pids.max from linux.resources.pids (the same file in v1 and v2) */
int roci_cg_pids_write(const char *dir, const struct roci_resources *res, bool update,
		       const struct roci_log *log, struct roci_err *err);
/* "hugetlb.<size>.<suffix>" into buf, an error if the host lacks that size */
int roci_cg_hugetlb_file(const char *dir, const char *page_size, const char *suffix, char *buf,
			 size_t len, struct roci_err *err);
int roci_cg_rdma_write(const char *dir, const struct roci_resources *res, struct roci_err *err);
/* Conversions to v2 (also used by unit tests). */
uint64_t roci_cg_shares_to_weight(uint64_t shares);
uint64_t roci_cg_blkio_to_io_weight(uint64_t weight);
int roci_cg_swap_to_v2(const struct roci_opt_i64 *limit, const struct roci_opt_i64 *swap,
		       int64_t *out, struct roci_err *err);

/* ---- cgroup_devices.c ---------------------------------------------------- */

struct bpf_insn;
/* The device program for rules (last match wins, default deny). */
int roci_cg_devices_bpf(const struct roci_dev_rule *rules, size_t n, struct bpf_insn **out,
			size_t *n_out);
int roci_cg_devices_apply(const struct roci_cgroup *cg, const struct roci_resources *res,
			  bool update, struct roci_err *err);

/* ---- the systemd driver -------------------------------------------------- */

/* The systemd cgroup driver (--systemd-cgroup): the container's cgroup is
 * a transient unit that systemd makes over D-Bus. cgroup_systemd.c turns
 * cgroupsPath and linux.resources into a unit name, a cgroup path and unit
 * properties (pure logic); cgroup_systemd_bus.c talks to systemd. The
 * cgroupfs writers still apply every resource afterwards, as runc does:
 * systemd knows only part of linux.resources. */

/* Names from cgroupsPath "slice:prefix:name" (empty or NULL: ":roci:<id>").
 * slice "" is system.slice, "-" the root slice; the unit is
 * "prefix-name.scope", or name itself when it ends in ".slice".
 * *cg_path is where the unit's cgroup lives below a hierarchy's root
 * ("/system.slice/roci-x.scope"). All three are malloc'd. */
int roci_systemd_names(const char *cgroups_path, const char *id, char **unit, char **slice,
		       char **cg_path, struct roci_err *err);

/* A unit roci may make or, read back from a state file, stop: systemd's
 * characters, no leading "-", ending in ".scope" or ".slice". */
bool roci_systemd_unit_name_ok(const char *unit);

/* "a-b.slice" -> "/a.slice/a-b.slice"; "-.slice" -> "". */
int roci_systemd_slice_path(const char *slice, char *out, size_t len, struct roci_err *err);

/* A unit property for StartTransientUnit / SetUnitProperties. */
struct roci_sd_prop {
	char name[64];
	char sig[4];          /* D-Bus signature: b y q n u i t x s ay au as */
	uint64_t u;           /* every numeric type and b; au: the one pid */
	char *s;              /* s; as: the one string */
	unsigned char *bytes; /* ay */
	size_t n_bytes;
};

#define ROCI_SD_MAX_PROPS 64

struct roci_sd_props {
	struct roci_sd_prop v[ROCI_SD_MAX_PROPS];
	size_t n;
};

void roci_sd_props_free(struct roci_sd_props *p);
/* Copy src into dst; a property dst already has takes src's value. */
int roci_sd_props_merge(struct roci_sd_props *dst, const struct roci_sd_props *src, struct roci_err *err);

/* What every unit gets: Description; a scope: Slice, Delegate, PIDs; a
 * slice: Wants its parent; DefaultDependencies=no and accounting on. */
int roci_systemd_unit_props(const char *unit, const char *slice, const char *description, pid_t pid,
			    bool v2, struct roci_sd_props *p, struct roci_err *err);

/* The resource properties runc sets for these resources: v2 names on a
 * pure v2 host, v1 names otherwise; features newer than the running
 * systemd (version) are left to cgroupfs. */
int roci_systemd_resource_props(const struct roci_resources *res, bool v2, unsigned version,
				struct roci_sd_props *p, struct roci_err *err);

/* Annotations "org.systemd.property.NAME": value in GVariant text form
 * ("uint64 123", "true", "'text'", "@t 5", a plain integer is int32). */
int roci_systemd_annotation_props(char *const *keys, char *const *values, size_t n,
				  struct roci_sd_props *p, struct roci_err *err);

/* ---- D-Bus (cgroup_systemd_bus.c) ---------------------------------------- */

/* Without libsystemd in the build, cgroup_systemd.c has these as stubs
 * that refuse the driver. */
struct roci_systemd;

/* Connect to the system bus (user: the user's bus, where the user's own
 * systemd answers) and read systemd's version. A clear error when there
 * is no bus or no systemd on it. */
int roci_systemd_connect(struct roci_systemd **out, bool user, struct roci_err *err);
/* The manager's own cgroup ("/user.slice/user-1000.slice/user@1000.service"
 * for a user's; "/" for the system's): its units' cgroups are below it. */
int roci_systemd_control_group(struct roci_systemd *sd, char *out, size_t len, struct roci_err *err);
void roci_systemd_close(struct roci_systemd *sd);
unsigned roci_systemd_version(const struct roci_systemd *sd);

/* Start the transient unit with props and wait until systemd has made
 * it. A failed unit of that name left from before is reset first. */
int roci_systemd_start(struct roci_systemd *sd, const char *unit, const struct roci_sd_props *props,
		       struct roci_err *err);
int roci_systemd_set(struct roci_systemd *sd, const char *unit, const struct roci_sd_props *props,
		     struct roci_err *err);
/* Stop the unit and wait; a unit that is already gone is fine. */
int roci_systemd_stop(struct roci_systemd *sd, const char *unit, struct roci_err *err);
/* Move pid into the running unit (AttachProcessesToUnit): the manager may
 * move what its caller may not, a user's systemd by asking PID 1. */
int roci_systemd_attach(struct roci_systemd *sd, const char *unit, pid_t pid, struct roci_err *err);
