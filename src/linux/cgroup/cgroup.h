/* SPDX-License-Identifier: Apache-2.0 */
/* The container's cgroup on any host layout: pure cgroup v2, pure v1,
 * hybrid (v1 controllers plus a cgroup2 mount; the process joins both), or
 * none, with the cgroupfs or the systemd driver. This is the subsystem's
 * interface for the rest of roci: plan, create, enter, apply resources,
 * freeze, signal, read statistics and remove the container's directories.
 * cgroup_internal.h is what the files of src/linux/cgroup/ share. */
#pragma once
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "oci/resources.h"
#include "util/error.h"
#include "util/log.h"

enum roci_cg_mode {
	ROCI_CG_NONE,   /* no cgroup filesystem */
	ROCI_CG_V1,
	ROCI_CG_V2,
	ROCI_CG_HYBRID, /* v1 controllers plus a cgroup2 mount */
};

/* "none", "v1", "v2", "hybrid" (for logs) */
const char *roci_cgroup_mode_name(enum roci_cg_mode mode);

/* The container's directory in one hierarchy. */
struct roci_cg_dir {
	char *path;        /* "/sys/fs/cgroup/memory/ctr" */
	char *made_from;   /* the topmost directory roci created for it, or NULL */
	char *controllers; /* v1: "cpu,cpuacct" or "name=systemd"; v2: NULL */
	bool v2;
};

struct roci_systemd;
struct roci_sd_props;

struct roci_cgroup {
	enum roci_cg_mode mode;
	char *rel;         /* the cgroup path as configured (or derived from the id) */
	struct roci_cg_dir *dirs;
	size_t n;
	/* systemd driver: the transient unit that holds the cgroup */
	char *unit;        /* "roci-x.scope"; NULL with the cgroupfs driver */
	char *slice;       /* its parent slice (while creating) */
	struct roci_sd_props *extra;  /* from annotations (while creating) */
	struct roci_systemd *sd;      /* the bus, while connected */
	bool rootless;     /* a hierarchy the user may not write is normal: debug, not warn */
	bool sd_user;      /* the unit is the user's systemd's (rootless), on the user's bus */
};

/* The systemd unit, else the cgroup path, else "-" (for logs) */
const char *roci_cgroup_name(const struct roci_cgroup *cg);

/* Make cg's directories (and the parents they need) without applying
 * anything; destroy removes what was made. For a systemd unit that is
 * made later around a process already placed there (restore). */
int roci_cgroup_make_dirs(struct roci_cgroup *cg, struct roci_err *err);

/* What a "cgroup" mount shows on a v1 or hybrid host (rootfs_cgroup.c):
 * fn(arg, NAME, PATH) for each hierarchy mounted at /sys/fs/cgroup/NAME,
 * PATH the host directory bound there: cg's directory in it, else our
 * own cgroup. */
int roci_cgroup_each_bind_source(const struct roci_cgroup *cg,
				 void (*fn)(void *arg, const char *name, const char *path), void *arg);

/* Thaw every cgroup below cg's own (not cg itself): a task a workload
 * froze there dies only once thawed, and its pid namespace's init waits
 * for it. destroy does this too; delete does it before its kill. */
void roci_cgroup_thaw_below(const struct roci_cgroup *cg);

/* The path of cg's directory i inside its hierarchy ("/system.slice/x"),
 * as /proc/PID/cgroup shows it; -errno. */
int roci_cgroup_dir_in_hierarchy(const struct roci_cgroup *cg, size_t i, char *out, size_t len);

/* Detect the host layout and work out the container's directories from
 * cgroupsPath (absolute: from each hierarchy's root; relative: from
 * roci's own cgroup in v1, its parent in v2; absent: the container id,
 * relative). Nothing is created. ".." is refused. */
int roci_cgroup_plan(const char *cgroups_path, const char *id, struct roci_cgroup *cg,
		     struct roci_err *err);

/* The same for the systemd driver: cgroupsPath is "slice:prefix:name"
 * (absent: ":roci:<id>"), the directories are the unit's in every
 * hierarchy, and systemd must answer on the system bus. Annotations
 * "org.systemd.property.*" become unit properties. user (rootless): the
 * user's own systemd, on the user's bus, makes the unit below its own
 * cgroup (the subtree systemd delegates to user@UID.service). */
int roci_cgroup_plan_systemd(const char *cgroups_path, const char *id, char *const *annotation_keys,
			     char *const *annotation_values, size_t n_annotations, bool user,
			     struct roci_cgroup *cg, struct roci_err *err);

/* Create the directories (recording which roci made), inherit cpuset
 * values on v1, enable the v2 controllers down the path, and apply
 * resources and device rules. On error, removes what it made. A host
 * without a usable cgroup filesystem gives mode NONE: fine unless
 * `res` asks for something, which is then an error.
 * cgroupfs: pid is 0, as this comes before the clone (the init is born
 * in its v2 cgroup). systemd: a scope needs its first process, so this
 * comes after the clone with the init's pid, which it also moves into
 * every hierarchy. */
int roci_cgroup_create(struct roci_cgroup *cg, pid_t pid, const struct roci_resources *res,
		       const struct roci_log *log, struct roci_err *err);

/* An O_DIRECTORY fd of the v2 directory for clone3(CLONE_INTO_CGROUP), or
 * -1 when there is none. */
int roci_cgroup_v2_fd(const struct roci_cgroup *cg);

/* exec --cgroup: narrow every directory (SUB) or those of one v1
 * controller (CTRL:SUB) to a sub-cgroup that must already exist. */
int roci_cgroup_sub(struct roci_cgroup *cg, const char *spec, struct roci_err *err);

/* Move pid into every directory but those skip names. */
enum { ROCI_CG_SKIP_V2 = 1, /* born there by clone3(CLONE_INTO_CGROUP) */
       ROCI_CG_SKIP_V1 = 2  /* it joins them itself (roci_cgroup_join_self) */ };
int roci_cgroup_enter(const struct roci_cgroup *cg, pid_t pid, unsigned skip, struct roci_err *err);

/* A new, single-threaded process joins the v1 hierarchies itself: it
 * writes "0" to each `tasks` file the parent opened for it. A thread that
 * moves itself that way is the one move the kernel makes without taking
 * its global threadgroup lock for writing, which waits out an RCU grace
 * period (about 8 ms here) whenever no other move came just before: the
 * parent's write of the pid to cgroup.procs does. The fds are opened by
 * root before the clone (the kernel checks the opener's credentials), so
 * this works from a new user namespace too. */
#define ROCI_CG_SELF_MAX 24
struct roci_cg_self_join {
	int fd[ROCI_CG_SELF_MAX];
	const char *dir[ROCI_CG_SELF_MAX];
	size_t n;
};
/* Open the v1 `tasks` files of cg. Returns 1 when sj is ready, 0 when the
 * parent must move the process (no v1 directory, too many, a user's
 * cgroups), or -errno. */
int roci_cgroup_self_join_open(const struct roci_cgroup *cg, struct roci_cg_self_join *sj,
			       struct roci_err *err);
/* In the new process: write "0" to each and close them. */
int roci_cgroup_join_self(struct roci_cg_self_join *sj, struct roci_err *err);
void roci_cgroup_self_join_close(struct roci_cg_self_join *sj);

/* Apply resources to an existing cgroup (create and update). */
int roci_cgroup_apply(const struct roci_cgroup *cg, const struct roci_resources *res,
		      bool update, const struct roci_log *log, struct roci_err *err);

/* Remove what roci created, deepest first, once empty (waits up to
 * timeout_ms for exiting tasks). Directories it did not make stay. A
 * systemd unit is stopped first. */
int roci_cgroup_destroy(const struct roci_cgroup *cg, int timeout_ms, struct roci_err *err);

/* Pids in the container's cgroup (the v2 directory, else the first v1
 * hierarchy with a controller). */
int roci_cgroup_pids(const struct roci_cgroup *cg, pid_t **pids, size_t *n, struct roci_err *err);

/* Signal every process in the cgroup; SIGKILL uses cgroup.kill on v2
 * where the kernel has it. */
int roci_cgroup_kill(const struct roci_cgroup *cg, int sig, struct roci_err *err);

/* Freeze or thaw (v2 cgroup.freeze, v1 freezer), waiting until done. */
int roci_cgroup_freeze(const struct roci_cgroup *cg, bool freeze, struct roci_err *err);
/* Is the cgroup frozen? false when there is no freezer. */
bool roci_cgroup_is_frozen(const struct roci_cgroup *cg);
/* A realtime scheduling policy in a v1 cpu cgroup without realtime
 * runtime (a new one has none): give it, and each new directory above it,
 * what its parent has left, or a clear error naming cpu.rt_runtime_us. A
 * no-op elsewhere (v2, no realtime group scheduling, runtime already set). */
int roci_cgroup_grant_rt(const struct roci_cgroup *cg, struct roci_err *err);
/* Before a new container goes into a cgroup: it must hold no process and
 * must not be frozen (the init would stop there, and create with it). */
int roci_cgroup_check_unused(const struct roci_cgroup *cg, struct roci_err *err);

/* Statistics in runc's `events --stats` shape ({"cpu":..,"memory":..}). */
int roci_cgroup_stats(const struct roci_cgroup *cg, json_t **out, struct roci_err *err);

/* An fd that becomes readable on an OOM event, for `events`: v1 eventfd
 * through memory.oom_control, v2 inotify on memory.events. *counter
 * holds the v2 oom_kill count, to see new kills. -1 without a memory
 * controller. */
int roci_cgroup_oom_fd(const struct roci_cgroup *cg, unsigned long long *counter);
/* After oom_fd woke up: was it an OOM? (consumes the event) */
bool roci_cgroup_oom_check(const struct roci_cgroup *cg, int fd, unsigned long long *counter);

/* How many processes the kernel's OOM killer has killed in the cgroup
 * (v2 memory.events, v1 memory.oom_control: oom_kill); 0 without a
 * memory controller. */
unsigned long long roci_cgroup_oom_kills(const struct roci_cgroup *cg);
/* Whether roci made the memory cgroup itself (so it has no OOM kills yet). */
bool roci_cgroup_memory_is_new(const struct roci_cgroup *cg);

/* State document round trip: {"mode":..,"path":..,"dirs":[..]}.
 * planned: cg is not made yet; each directory is recorded as made by the
 * container (its own leaf only), so that what a killed create managed to
 * make is removed by delete. */
json_t *roci_cgroup_to_json(const struct roci_cgroup *cg, bool planned);
int roci_cgroup_from_json(const json_t *j, struct roci_cgroup *cg, struct roci_err *err);

void roci_cgroup_free(struct roci_cgroup *cg);
