/* SPDX-License-Identifier: Apache-2.0 */
/* config.json parsing and validation. */
#include <sched.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "oci/config.h"
#include "tap.h"

static const char *good =
	"{\"ociVersion\":\"1.3.0\",\"root\":{\"path\":\"rootfs\",\"readonly\":true},"
	"\"hostname\":\"h\",\"process\":{\"terminal\":false,\"user\":{\"uid\":1,\"gid\":2,\"umask\":18,"
	"\"additionalGids\":[5,6]},\"args\":[\"sh\",\"-c\",\"true\"],\"env\":[\"A=b\"],\"cwd\":\"/w\","
	"\"capabilities\":{\"bounding\":[\"CAP_KILL\"],\"effective\":[\"CAP_KILL\",\"CAP_CHOWN\"]},"
	"\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":1024,\"soft\":512}],"
	"\"noNewPrivileges\":true,\"oomScoreAdj\":100},"
	"\"mounts\":[{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"
	"{\"destination\":\"rel\",\"type\":\"bind\",\"source\":\"/x\",\"options\":[\"rbind\",\"ro\"]}],"
	"\"hooks\":{\"prestart\":[{\"path\":\"/bin/true\",\"args\":[\"true\"],\"timeout\":3}],"
	"\"poststop\":[{\"path\":\"/bin/false\"}]},"
	"\"annotations\":{\"k1\":\"v1\",\"k2\":\"v2\"},"
	"\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"network\",\"path\":\"/run/netns/x\"},"
	"{\"type\":\"mount\"},{\"type\":\"user\"},{\"type\":\"time\"}],"
	"\"uidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":10},{\"containerID\":10,\"hostID\":5000,\"size\":5}],"
	"\"gidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":10}],"
	"\"timeOffsets\":{\"boottime\":{\"secs\":86400,\"nanosecs\":5}},"
	"\"devices\":[{\"path\":\"/dev/fuse\",\"type\":\"c\",\"major\":10,\"minor\":229,\"fileMode\":438,\"uid\":0}],"
	"\"rootfsPropagation\":\"rslave\",\"maskedPaths\":[\"/proc/kcore\"],\"readonlyPaths\":[\"/proc/sys\"],"
	"\"resources\":{\"memory\":{\"limit\":1}},\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\"}}}";

static void check_good(void)
{
	struct roci_config *c = NULL;
	struct roci_err err = { 0 };
	int r = roci_config_parse_string(good, &c, &err);
	ok(r == 0, "full config parses (%s)", err.msg);
	if (r < 0)
		return;
	is_str(c->oci_version, "1.3.0", "ociVersion");
	is_str(c->root_path, "rootfs", "root.path");
	ok(c->root_readonly, "root.readonly");
	is_str(c->hostname, "h", "hostname");
	ok(c->process && c->process->n_args == 3, "three args");
	is_str(c->process->args[2], "true", "args[2]");
	ok(c->process->args[3] == NULL, "args NULL-terminated");
	ok(c->process->uid == 1 && c->process->gid == 2, "uid and gid");
	ok(c->process->has_umask && c->process->umask == 18, "umask");
	ok(c->process->n_additional_gids == 2 && c->process->additional_gids[1] == 6, "additionalGids");
	ok(c->process->n_rlimits == 1 && c->process->rlimits[0].resource == RLIMIT_NOFILE &&
	   c->process->rlimits[0].soft == 512 && c->process->rlimits[0].hard == 1024, "rlimit");
	ok(c->process->no_new_privileges, "noNewPrivileges");
	ok(c->process->has_oom_score_adj && c->process->oom_score_adj == 100, "oomScoreAdj");
	ok(c->process->has_capabilities && c->process->cap_bounding == (1ULL << 5) &&
	   c->process->cap_effective == ((1ULL << 5) | 1ULL) && c->process->cap_inheritable == 0,
	   "capability sets");
	ok(c->n_mounts == 2, "two mounts");
	is_str(c->mounts[1].destination, "/rel", "relative destination made absolute");
	ok(c->mounts[1].n_options == 2, "mount options");
	ok(c->hooks[ROCI_HOOK_PRESTART].n == 1 && c->hooks[ROCI_HOOK_PRESTART].hooks[0].has_timeout &&
	   c->hooks[ROCI_HOOK_PRESTART].hooks[0].timeout == 3, "prestart hook with timeout");
	ok(c->hooks[ROCI_HOOK_POSTSTOP].n == 1 && !c->hooks[ROCI_HOOK_POSTSTOP].hooks[0].args, "poststop hook");
	ok(c->n_annotations == 2, "annotations");
	is_str(c->annotation_keys[0], "k1", "annotation order kept");
	ok(c->ns[ROCI_NS_PID].present && !c->ns[ROCI_NS_PID].path, "new pid namespace");
	is_str(c->ns[ROCI_NS_NETWORK].path, "/run/netns/x", "joined network namespace");
	ok(!c->ns[ROCI_NS_IPC].present, "ipc not requested");
	ok(c->n_uid_mappings == 2 && c->uid_mappings[1].host_id == 5000, "two uid ranges");
	ok(c->time_offsets[1].present && c->time_offsets[1].secs == 86400 && !c->time_offsets[0].present,
	   "time offsets");
	ok(c->n_devices == 1 && c->devices[0].type == 'c' && c->devices[0].major == 10 &&
	   c->devices[0].file_mode == 0666, "device");
	is_str(c->rootfs_propagation, "rslave", "rootfsPropagation");
	ok(c->n_masked_paths == 1 && c->n_readonly_paths == 1, "masked and readonly paths");
	ok(c->resources.memory.limit.set && c->resources.memory.limit.v == 1 && c->seccomp && c->seccomp->default_action == ROCI_SCMP_ACT_ALLOW && !c->n_sysctls,
	   "resources parsed, seccomp parsed");
	ok(roci_ns_clone_flag(ROCI_NS_NETWORK) == CLONE_NEWNET, "clone flag table");
	is_str(roci_ns_proc_name(ROCI_NS_MOUNT), "mnt", "proc name table");
	roci_config_free(c);
}

static void check_bad(const char *json, const char *expect, const char *what)
{
	struct roci_config *c = NULL;
	struct roci_err err = { 0 };
	int r = roci_config_parse_string(json, &c, &err);
	ok(r < 0 && c == NULL, "rejected: %s", what);
	is_contains(err.msg, expect, "message for %s", what);
	roci_config_free(c);
}

#define BASE "\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\"}"

int main(void)
{
	check_good();
	{
		struct roci_config *c = NULL;
		ok(roci_config_parse_string("{" BASE "}", &c, NULL) == 0 && c && !c->process,
		   "minimal config without process");
		roci_config_free(c);
	}
	check_bad("{" BASE ",", "invalid JSON at line 1", "truncated JSON");
	check_bad("[]", "expected an object", "array document");
	check_bad("{\"root\":{\"path\":\"r\"}}", "ociVersion: required", "missing ociVersion");
	check_bad("{\"ociVersion\":\"1.0.0\"}", "root: required", "missing root");
	check_bad("{\"ociVersion\":1,\"root\":{\"path\":\"r\"}}", "ociVersion: expected a string, got integer", "ociVersion type");
	check_bad("{" BASE ",\"process\":{\"args\":\"sh\",\"cwd\":\"/\"}}", "process.args: expected an array of strings", "args type");
	check_bad("{" BASE ",\"process\":{\"args\":[\"sh\",1],\"cwd\":\"/\"}}", "process.args[1]: expected a string, got integer", "args element type");
	check_bad("{" BASE ",\"process\":{\"args\":[],\"cwd\":\"/\"}}", "process.args: must be a non-empty", "empty args");
	check_bad("{" BASE ",\"process\":{\"args\":[\"sh\"],\"cwd\":\"rel\"}}", "process.cwd", "relative cwd");
	check_bad("{" BASE ",\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\",\"user\":{\"uid\":-1}}}", "process.user.uid", "negative uid");
	check_bad("{" BASE ",\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\",\"user\":{\"uid\":99999999999}}}", "out of range", "huge uid");
	check_bad("{" BASE ",\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\",\"rlimits\":[{\"type\":\"RLIMIT_FOO\",\"hard\":1,\"soft\":1}]}}", "unknown rlimit \"RLIMIT_FOO\"", "bad rlimit type");
	check_bad("{" BASE ",\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\",\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":1,\"soft\":2}]}}", "soft limit is greater", "soft > hard");
	check_bad("{" BASE ",\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\",\"oomScoreAdj\":5000}}", "process.oomScoreAdj", "oomScoreAdj range");
	check_bad("{" BASE ",\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\",\"capabilities\":{\"bounding\":[\"CAP_FOO\"]}}}", "unknown capability \"CAP_FOO\"", "unknown capability");
	check_bad("{" BASE ",\"linux\":{\"namespaces\":[{\"type\":\"foo\"}]}}", "unknown namespace type \"foo\"", "unknown namespace");
	check_bad("{" BASE ",\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"pid\"}]}}", "duplicate namespace type \"pid\"", "duplicate namespace");
	check_bad("{" BASE ",\"linux\":{\"uidMappings\":[{\"containerID\":0,\"hostID\":1,\"size\":0}]}}", "size: must be greater than 0", "zero-size mapping");
	check_bad("{" BASE ",\"linux\":{\"rootfsPropagation\":\"sideways\"}}", "unknown value \"sideways\"", "bad rootfsPropagation");
	check_bad("{" BASE ",\"linux\":{\"devices\":[{\"path\":\"/dev/x\",\"type\":\"z\",\"major\":1,\"minor\":1}]}}", "must be one of c, b, u, p", "bad device type");
	check_bad("{" BASE ",\"linux\":{\"devices\":[{\"path\":\"/dev/x\",\"type\":\"c\"}]}}", "major and minor are required", "device without numbers");
	{
		/* podman's fileMode: the node's st_mode, type bits included (0020666) */
		struct roci_config *c = NULL;
		ok(roci_config_parse_string("{" BASE ",\"linux\":{\"devices\":[{\"path\":\"/dev/x\",\"type\":\"c\","
					    "\"major\":1,\"minor\":3,\"fileMode\":8630}]}}", &c, NULL) == 0 &&
		   c && c->devices[0].file_mode == 0666, "device fileMode with its type bits");
		roci_config_free(c);
	}
	check_bad("{" BASE ",\"linux\":{\"devices\":[{\"path\":\"/dev/x\",\"type\":\"c\",\"major\":1,\"minor\":3,\"fileMode\":65536}]}}", "out of range", "device fileMode too large");
	check_bad("{" BASE ",\"linux\":{\"maskedPaths\":[\"proc/kcore\"]}}", "is not an absolute path", "relative masked path");
	check_bad("{" BASE ",\"hooks\":{\"prestart\":[{\"path\":\"bin/true\"}]}}", "is not an absolute path", "relative hook path");
	check_bad("{" BASE ",\"hooks\":{\"prestart\":[{\"path\":\"/bin/true\",\"timeout\":0}]}}", "timeout", "zero hook timeout");
	check_bad("{" BASE ",\"mounts\":[{\"type\":\"tmpfs\"}]}", "mounts[0].destination: required", "mount without destination");
	check_bad("{" BASE ",\"mounts\":[{\"destination\":\"/x\",\"options\":\"ro\"}]}", "mounts[0].options", "mount options type");
	check_bad("{" BASE ",\"annotations\":{\"a\":1}}", "annotations[\"a\"]: expected a string", "annotation value type");
	check_bad("{" BASE ",\"linux\":{\"resources\":[]}}", "linux.resources: expected an object", "resources type");
	check_bad("{" BASE ",\"ociVersion\":\"1.0.0\"}", "invalid JSON", "duplicate key");
	{
		struct roci_config *c = NULL;
		ok(roci_config_parse_string("{" BASE ",\"linux\":{\"memoryPolicy\":{\"mode\":\"MPOL_INTERLEAVE\","
					    "\"nodes\":\"0-3,7\",\"flags\":[\"MPOL_F_STATIC_NODES\",\"MPOL_F_NUMA_BALANCING\"]}}}",
					    &c, NULL) == 0 && c && c->has_memory_policy && c->memory_policy.mode == 3 &&
		   c->memory_policy.flags == ((1u << 15) | (1u << 13)) && !strcmp(c->memory_policy.nodes, "0-3,7"),
		   "memoryPolicy: mode, nodes and flags in the kernel's values");
		roci_config_free(c);
		c = NULL;
		ok(roci_config_parse_string("{" BASE ",\"linux\":{\"memoryPolicy\":{\"mode\":\"MPOL_WEIGHTED_INTERLEAVE\","
					    "\"nodes\":\"1\"}}}", &c, NULL) == 0 && c && c->memory_policy.mode == 6,
		   "memoryPolicy: MPOL_WEIGHTED_INTERLEAVE is 6");
		roci_config_free(c);
	}
	check_bad("{" BASE ",\"linux\":{\"memoryPolicy\":{\"nodes\":\"0\"}}}", "linux.memoryPolicy.mode: required", "memoryPolicy without mode");
	check_bad("{" BASE ",\"linux\":{\"memoryPolicy\":{\"mode\":\"MPOL_X\"}}}", "unknown value \"MPOL_X\"", "unknown memoryPolicy mode");
	check_bad("{" BASE ",\"linux\":{\"memoryPolicy\":{\"mode\":\"MPOL_BIND\",\"nodes\":\"0\",\"flags\":[\"MPOL_F_X\"]}}}", "flags[0]: unknown value", "unknown memoryPolicy flag");
	check_bad("{" BASE ",\"linux\":{\"memoryPolicy\":{\"mode\":\"MPOL_BIND\",\"nodes\":\"0-\"}}}", "invalid node list \"0-\"", "bad node list");
	check_bad("{" BASE ",\"linux\":{\"memoryPolicy\":{\"mode\":\"MPOL_BIND\"}}}", "MPOL_BIND needs at least one node", "MPOL_BIND without nodes");
	check_bad("{" BASE ",\"linux\":{\"memoryPolicy\":{\"mode\":\"MPOL_DEFAULT\",\"nodes\":\"0\"}}}", "MPOL_DEFAULT takes no nodes", "MPOL_DEFAULT with nodes");
	check_bad("{" BASE ",\"linux\":{\"memoryPolicy\":{\"mode\":\"MPOL_BIND\",\"nodes\":\"0\",\"flags\":[\"MPOL_F_STATIC_NODES\",\"MPOL_F_RELATIVE_NODES\"]}}}", "exclude each other", "static and relative nodes");
	return tap_done();
}
