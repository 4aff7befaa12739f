/* SPDX-License-Identifier: Apache-2.0 */
/* OCI runtime config (config.json) as C structs. Parsing validates types,
 * sizes and values; nothing downstream needs to re-check shapes. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "oci/resources.h"
#include <sys/types.h>

#include "util/error.h"

struct json_t;

enum roci_ns_type {
	ROCI_NS_PID,
	ROCI_NS_NETWORK,
	ROCI_NS_MOUNT,
	ROCI_NS_IPC,
	ROCI_NS_UTS,
	ROCI_NS_USER,
	ROCI_NS_CGROUP,
	ROCI_NS_TIME,
	ROCI_NS_COUNT
};

struct roci_namespace {
	bool present;     /* listed in linux.namespaces */
	char *path;       /* NULL: create a new one; else join this one */
};

/* linux.netDevices: a host interface moved into the container */
struct roci_net_device {
	char *host;  /* its name on the host (the entry's key) */
	char *name;  /* its name inside ("%d" lets the kernel number it); never NULL */
};

/* linux.memoryPolicy, in the kernel's terms (set_mempolicy(2)) */
struct roci_memory_policy {
	int mode;        /* MPOL_DEFAULT (0) ... MPOL_WEIGHTED_INTERLEAVE (6) */
	unsigned flags;  /* MPOL_F_NUMA_BALANCING, _RELATIVE_NODES, _STATIC_NODES */
	char *nodes;     /* the node list as written; NULL when there is none */
};

struct roci_id_mapping {
	uint32_t container_id;
	uint32_t host_id;
	uint32_t size;
};

struct roci_mount {
	char *destination;
	char *type;       /* may be NULL */
	char *source;     /* may be NULL */
	char **options;   /* NULL-terminated, may be empty */
	size_t n_options;
	/* uidMappings/gidMappings (idmapped mounts) */
	struct roci_id_mapping *uid_mappings;
	size_t n_uid_mappings;
	struct roci_id_mapping *gid_mappings;
	size_t n_gid_mappings;
};

struct roci_device {
	char *path;
	char type;        /* 'c', 'b', 'u' or 'p' */
	int64_t major, minor;
	bool has_mode;
	mode_t file_mode;
	bool has_uid, has_gid;
	uid_t uid;
	gid_t gid;
};

struct roci_rlimit {
	int resource;     /* RLIMIT_* */
	uint64_t hard, soft;
};

struct roci_hook {
	char *path;
	char **args;      /* NULL-terminated (may be NULL) */
	char **env;       /* NULL-terminated (may be NULL) */
	bool has_timeout;
	int timeout;      /* seconds, > 0 */
};

struct roci_hook_list {
	struct roci_hook *hooks;
	size_t n;
};

enum roci_hook_kind {
	ROCI_HOOK_PRESTART,
	ROCI_HOOK_CREATE_RUNTIME,
	ROCI_HOOK_CREATE_CONTAINER,
	ROCI_HOOK_START_CONTAINER,
	ROCI_HOOK_POSTSTART,
	ROCI_HOOK_POSTSTOP,
	ROCI_HOOK_KIND_COUNT
};

struct roci_timens_offset {
	bool present;
	int64_t secs;
	uint32_t nanosecs;
};

/* linux.seccomp */
enum roci_seccomp_action {
	ROCI_SCMP_ACT_KILL,
	ROCI_SCMP_ACT_KILL_PROCESS,
	ROCI_SCMP_ACT_KILL_THREAD,
	ROCI_SCMP_ACT_TRAP,
	ROCI_SCMP_ACT_ERRNO,
	ROCI_SCMP_ACT_TRACE,
	ROCI_SCMP_ACT_ALLOW,
	ROCI_SCMP_ACT_LOG,
	ROCI_SCMP_ACT_NOTIFY,
	ROCI_SCMP_ACT_COUNT
};

enum roci_seccomp_op {
	ROCI_SCMP_CMP_NE,
	ROCI_SCMP_CMP_LT,
	ROCI_SCMP_CMP_LE,
	ROCI_SCMP_CMP_EQ,
	ROCI_SCMP_CMP_GE,
	ROCI_SCMP_CMP_GT,
	ROCI_SCMP_CMP_MASKED_EQ,
	ROCI_SCMP_CMP_COUNT
};

/* linux.seccomp.flags, as the kernel's SECCOMP_FILTER_FLAG_* bits */
#define ROCI_SECCOMP_FLAG_TSYNC 1u
#define ROCI_SECCOMP_FLAG_LOG 2u
#define ROCI_SECCOMP_FLAG_SPEC_ALLOW 4u
#define ROCI_SECCOMP_FLAG_WAIT_KILLABLE_RECV 32u

struct roci_seccomp_arg {
	unsigned index;   /* 0..5 */
	enum roci_seccomp_op op;
	uint64_t value, value_two;
};

struct roci_seccomp_rule {
	char **names;     /* NULL-terminated, n_names >= 1 */
	size_t n_names;
	enum roci_seccomp_action action;
	bool has_errno;
	uint32_t errno_ret;
	struct roci_seccomp_arg *args;
	size_t n_args;
};

struct roci_seccomp {
	enum roci_seccomp_action default_action;
	bool has_default_errno;
	uint32_t default_errno;
	char **architectures;  /* "SCMP_ARCH_X86_64", ...; NULL-terminated */
	size_t n_architectures;
	unsigned flags;        /* ROCI_SECCOMP_FLAG_* */
	char *listener_path;
	char *listener_metadata;
	struct roci_seccomp_rule *rules;
	size_t n_rules;
	bool uses_notify;      /* some rule has SCMP_ACT_NOTIFY */
};

const char *roci_seccomp_action_name(enum roci_seccomp_action a);
const char *roci_seccomp_op_name(enum roci_seccomp_op op);
/* The spec's flag names, in bit order; *bit receives the flag's value. */
const char *roci_seccomp_flag_name(size_t i, unsigned *bit);
/* The spec's architecture names ("SCMP_ARCH_X86_64"), NULL past the end. */
const char *roci_seccomp_arch_name(size_t i);

struct roci_sysctl {
	char *key;
	char *value;
};

/* process.scheduler, for sched_setattr(2) */
struct roci_scheduler {
	bool present;
	unsigned policy;  /* SCHED_* */
	int nice;
	unsigned priority;
	uint64_t flags;   /* SCHED_FLAG_* */
	uint64_t runtime, deadline, period;
};

/* process.ioPriority, for ioprio_set(2) */
struct roci_io_priority {
	bool present;
	int class;        /* IOPRIO_CLASS_RT/BE/IDLE */
	int priority;     /* 0..7 */
};

struct roci_process {
	bool terminal;
	unsigned console_height, console_width;
	char *cwd;
	char **args;      /* NULL-terminated, n_args >= 1 */
	size_t n_args;
	char *command_line; /* Windows only, rejected */
	char **env;       /* NULL-terminated (may be empty) */
	size_t n_env;
	uid_t uid;
	gid_t gid;
	bool has_umask;
	mode_t umask;
	gid_t *additional_gids;
	size_t n_additional_gids;
	struct roci_rlimit *rlimits;
	size_t n_rlimits;
	bool no_new_privileges;
	bool has_oom_score_adj;
	int oom_score_adj;
	char *apparmor_profile;
	char *selinux_label;
	bool has_capabilities;   /* process.capabilities present */
	uint64_t cap_bounding, cap_effective, cap_inheritable, cap_permitted, cap_ambient;
	struct roci_scheduler scheduler;
	struct roci_io_priority io_priority;
	/* execCPUAffinity: CPU lists ("0-3,7"), already checked; NULL if unset */
	char *cpu_affinity_initial;
	char *cpu_affinity_final;
};

struct roci_config {
	char *oci_version;
	char *root_path;      /* as written in config.json */
	bool root_readonly;
	char *hostname;
	char *domainname;
	struct roci_process *process; /* NULL when config has no process */
	struct roci_mount *mounts;
	size_t n_mounts;
	struct roci_hook_list hooks[ROCI_HOOK_KIND_COUNT];
	/* annotations: parallel key/value arrays */
	char **annotation_keys;
	char **annotation_values;
	size_t n_annotations;

	/* linux */
	struct roci_namespace ns[ROCI_NS_COUNT];
	struct roci_id_mapping *uid_mappings;
	size_t n_uid_mappings;
	struct roci_id_mapping *gid_mappings;
	size_t n_gid_mappings;
	struct roci_timens_offset time_offsets[2]; /* [0]=monotonic [1]=boottime */
	struct roci_device *devices;
	size_t n_devices;
	char *cgroups_path;
	char *rootfs_propagation; /* NULL = runc default */
	char **masked_paths;
	size_t n_masked_paths;
	char **readonly_paths;
	size_t n_readonly_paths;
	char *mount_label;
	struct roci_seccomp *seccomp;  /* NULL when absent */
	struct roci_sysctl *sysctls;
	size_t n_sysctls;
	bool has_personality;
	unsigned long personality;     /* PER_LINUX or PER_LINUX32 */
	struct roci_resources resources; /* all unset when absent */
	bool has_intel_rdt;
	bool has_memory_policy;
	struct roci_memory_policy memory_policy;
	struct roci_net_device *net_devices;  /* linux.netDevices */
	size_t n_net_devices;

	struct json_t *json;  /* the parsed document (owned) */
};

/* Parse a config document. On error sets err (message names the field, e.g.
 * "process.args: expected an array of strings") and returns -errno. */
int roci_config_parse_string(const char *text, struct roci_config **out, struct roci_err *err);
/* Read and parse a config.json file. */
int roci_config_load(const char *path, struct roci_config **out, struct roci_err *err);
void roci_config_free(struct roci_config *c);
/* Parse a process document alone (`exec --process`): the config's
 * "process" object; args and an absolute cwd are required. */
int roci_process_parse_string(const char *text, struct roci_process **out, struct roci_err *err);
void roci_process_free(struct roci_process *p);

static inline void roci_config_freep(struct roci_config **c)
{
	if (*c)
		roci_config_free(*c);
}
#define _cleanup_config_ __attribute__((cleanup(roci_config_freep)))

const char *roci_ns_name(enum roci_ns_type t);       /* "pid", "network", ... */
int roci_ns_clone_flag(enum roci_ns_type t);          /* CLONE_NEWPID, ... */
const char *roci_ns_proc_name(enum roci_ns_type t);  /* "pid", "net", ... (for /proc/PID/ns) */
const char *roci_hook_kind_name(enum roci_hook_kind k); /* "prestart", "createRuntime", ... */
