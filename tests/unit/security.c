/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests: the security and scheduling parts of config.json (seccomp,
 * sysctl, personality, scheduler, ioPriority, execCPUAffinity), sysctl
 * namespace rules, CPU lists, the seccomp agent's state document and
 * mount labels. */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "linux/mountopts.h"
#include "linux/seccomp_filter.h"
#include "linux/sysctls.h"
#include "oci/config.h"
#include "oci/state.h"
#include "tap.h"
#include "util/cpulist.h"

#define DOC(linux_part, process_part) \
	"{\"ociVersion\":\"1.3.0\",\"root\":{\"path\":\"r\"},\"process\":{\"cwd\":\"/\",\"args\":[\"sh\"]" \
	process_part "},\"linux\":{" linux_part "}}"

static struct roci_config *good(const char *json, const char *what)
{
	struct roci_config *c = NULL;
	struct roci_err err = { 0 };
	int r = roci_config_parse_string(json, &c, &err);
	ok(r == 0 && c, "accepted: %s", what);
	if (r < 0)
		printf("#   %s\n", err.msg);
	return c;
}

static void bad(const char *json, const char *expect, const char *what)
{
	struct roci_config *c = NULL;
	struct roci_err err = { 0 };
	int r = roci_config_parse_string(json, &c, &err);
	ok(r < 0 && !c, "rejected: %s", what);
	is_contains(err.msg, expect, "message for %s", what);
	roci_config_free(c);
}

static void seccomp_parse(void)
{
	struct roci_config *c = good(DOC("\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ERRNO\",\"defaultErrnoRet\":38,"
		"\"architectures\":[\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_X86\"],"
		"\"flags\":[\"SECCOMP_FILTER_FLAG_LOG\",\"SECCOMP_FILTER_FLAG_SPEC_ALLOW\"],"
		"\"listenerPath\":\"/run/agent.sock\",\"listenerMetadata\":\"m\","
		"\"syscalls\":[{\"names\":[\"read\",\"write\"],\"action\":\"SCMP_ACT_ALLOW\"},"
		"{\"names\":[\"kill\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":1,"
		"\"args\":[{\"index\":1,\"value\":9223372036854775807,\"valueTwo\":3,\"op\":\"SCMP_CMP_MASKED_EQ\"}]},"
		"{\"names\":[\"mkdir\"],\"action\":\"SCMP_ACT_NOTIFY\"}]}", ""), "full seccomp");
	const struct roci_seccomp *s = c ? c->seccomp : NULL;
	ok(s && s->default_action == ROCI_SCMP_ACT_ERRNO && s->has_default_errno && s->default_errno == 38,
	   "default action and errno");
	ok(s && s->n_architectures == 2 && s->flags == (ROCI_SECCOMP_FLAG_LOG | ROCI_SECCOMP_FLAG_SPEC_ALLOW),
	   "architectures and flags");
	ok(s && s->n_rules == 3 && s->rules[0].n_names == 2 && !s->rules[0].has_errno, "rules");
	ok(s && s->rules[1].n_args == 1 && s->rules[1].args[0].value == INT64_MAX &&
	   s->rules[1].args[0].value_two == 3 && s->rules[1].args[0].op == ROCI_SCMP_CMP_MASKED_EQ,
	   "a 63-bit argument value (jansson stops at INT64_MAX) and MASKED_EQ");
	ok(s && s->uses_notify, "NOTIFY noted");
	is_str(s ? s->listener_metadata : NULL, "m", "listenerMetadata");
	roci_config_free(c);

	bad(DOC("\"seccomp\":{}", ""), "linux.seccomp.defaultAction: required", "no defaultAction");
	bad(DOC("\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"defaultErrnoRet\":1}", ""),
	    "defaultErrnoRet: only valid", "defaultErrnoRet with ALLOW");
	bad(DOC("\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[],\"action\":\"SCMP_ACT_ERRNO\"}]}", ""),
	    "syscalls[0].names: at least one", "empty names");
	bad(DOC("\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"x\"]}]}", ""),
	    "syscalls[0].action: required", "rule without action");
	bad(DOC("\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"x\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":5000}]}", ""),
	    "errnoRet: 5000 out of range", "errno out of range");
	bad(DOC("\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"x\"],\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":0,\"op\":\"SCMP_CMP_EQ\"}]}]}", ""),
	    "args[0].value: required", "condition without value");
	bad(DOC("\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"listenerPath\":\"rel.sock\"}", ""),
	    "listenerPath: must be an absolute path", "relative listenerPath");
	bad(DOC("\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"listenerPath\":\"/a\",\"syscalls\":[{\"names\":[\"sendmsg\"],\"action\":\"SCMP_ACT_NOTIFY\"}]}", ""),
	    "cannot be used for sendmsg", "NOTIFY on sendmsg would deadlock");

	is_str(roci_seccomp_action_name(ROCI_SCMP_ACT_KILL_PROCESS), "SCMP_ACT_KILL_PROCESS", "action names");
	is_str(roci_seccomp_op_name(ROCI_SCMP_CMP_GE), "SCMP_CMP_GE", "operator names");
	unsigned bit = 0;
	is_str(roci_seccomp_flag_name(3, &bit), "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", "flag names");
	ok(bit == 32 && roci_seccomp_flag_name(4, NULL) == NULL, "flag bits, end of table");
}

static void seccomp_compile(void)
{
	if (!roci_seccomp_supported()) {
		ok(1, "# SKIP built without libseccomp");
		return;
	}
	struct roci_config *c = good(DOC("\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\","
		"\"syscalls\":[{\"names\":[\"mkdir\",\"no_such_syscall\"],\"action\":\"SCMP_ACT_ERRNO\"},"
		"{\"names\":[\"getpid\"],\"action\":\"SCMP_ACT_ALLOW\"},"
		"{\"names\":[\"kill\"],\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":1,\"value\":1,\"op\":\"SCMP_CMP_EQ\"},"
		"{\"index\":1,\"value\":2,\"op\":\"SCMP_CMP_EQ\"}]}]}", ""), "compilable profile");
	struct roci_seccomp_prog prog;
	struct roci_err err = { 0 };
	struct roci_log log = { .fd = -1, .min_level = ROCI_LOG_ERROR };
	int r = c ? roci_seccomp_compile(c->seccomp, &log, &prog, &err) : -1;
	ok(r == 0 && prog.len > 0 && prog.insns, "compiled to BPF (%u instructions)", r == 0 ? prog.len : 0);
	ok(r == 0 && !prog.notify && prog.flags == 0, "no notify, no flags");
	if (r == 0)
		roci_seccomp_prog_free(&prog);
	roci_config_free(c);
}

/* In a child: load the filter of profile, then getpid (allowed), getppid
 * (named by nothing, below the highest number named) and openat2 (above
 * it); the exit status has one bit per expected answer. */
static int seccomp_child_answers(const char *profile, const char *what)
{
	char doc[1024];
	snprintf(doc, sizeof(doc), DOC("\"seccomp\":{%s}", ""), profile);
	struct roci_config *c = good(doc, what);
	struct roci_seccomp_prog prog;
	struct roci_err err = { 0 };
	struct roci_log log = { .fd = -1, .min_level = ROCI_LOG_ERROR };
	if (!c || roci_seccomp_compile(c->seccomp, &log, &prog, &err) < 0) {
		roci_config_free(c);
		return -1;
	}
	pid_t pid = fork();
	if (pid == 0) {
		int lfd;
		prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
		if (roci_seccomp_load(&prog, &lfd, &err) < 0)
			_exit(100);
		int bits = 0;
		bits |= syscall(SYS_getpid) > 0;
		bits |= (syscall(SYS_getppid) < 0 && errno == EPERM) << 1;
		bits |= (syscall(SYS_openat2, -1, "", NULL, 0) < 0 && errno == ENOSYS) << 2;
		syscall(SYS_exit_group, bits);
	}
	int status = -1;
	waitpid(pid, &status, 0);
	roci_seccomp_prog_free(&prog);
	roci_config_free(c);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Syscalls newer than the profile answer ENOSYS, not the default errno,
 * so that programs fall back to older ones (runc's behaviour). */
static void seccomp_enosys(void)
{
	if (!roci_seccomp_supported()) {
		ok(1, "# SKIP built without libseccomp");
		return;
	}
	static const char *const allow = "\"syscalls\":[{\"names\":[\"getpid\",\"write\",\"exit_group\",\"exit\"],"
					  "\"action\":\"SCMP_ACT_ALLOW\"}]";
	char profile[512];
	snprintf(profile, sizeof(profile), "\"defaultAction\":\"SCMP_ACT_ERRNO\",%s", allow);
	ok(seccomp_child_answers(profile, "deny by default") == 7,
	   "default ERRNO: named syscalls allowed, an unnamed older one EPERM, a newer one ENOSYS");
	snprintf(profile, sizeof(profile),
		 "\"defaultAction\":\"SCMP_ACT_ERRNO\",\"architectures\":[\"SCMP_ARCH_X86\",\"SCMP_ARCH_X32\"],%s",
		 allow);
	ok(seccomp_child_answers(profile, "more architectures") == 7, "the same with x86 and x32 in the filter");
	snprintf(profile, sizeof(profile), "\"defaultAction\":\"SCMP_ACT_KILL_PROCESS\",\"syscalls\":"
		 "[{\"names\":[\"getpid\",\"exit_group\"],\"action\":\"SCMP_ACT_ALLOW\"},"
		 "{\"names\":[\"getppid\"],\"action\":\"SCMP_ACT_ERRNO\"}]");
	ok(seccomp_child_answers(profile, "kill by default") == 7, "default KILL_PROCESS: a newer syscall is ENOSYS, not a kill");
}

/* roci's own madvise after the filter is loaded: only where the filter
 * cannot kill, trap, trace or notify on it. */
static void seccomp_quiet(void)
{
	ok(roci_seccomp_quiet_for(NULL, "madvise"), "no filter: quiet");
	static const struct {
		const char *profile, *what;
		bool quiet;
	} cases[] = {
		{ "\"defaultAction\":\"SCMP_ACT_ERRNO\",\"syscalls\":[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ALLOW\"}]",
		  "default ERRNO", true },
		{ "\"defaultAction\":\"SCMP_ACT_KILL\",\"syscalls\":[{\"names\":[\"madvise\"],\"action\":\"SCMP_ACT_ALLOW\"}]",
		  "default KILL, madvise allowed: the rule may have no args, but others could be conditional", false },
		{ "\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"open\",\"madvise\"],\"action\":\"SCMP_ACT_TRAP\"}]",
		  "madvise trapped", false },
		{ "\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"madvise\"],\"action\":\"SCMP_ACT_ERRNO\"}]",
		  "madvise refused with an errno", true },
		{ "\"defaultAction\":\"SCMP_ACT_LOG\",\"syscalls\":[{\"names\":[\"mkdir\"],\"action\":\"SCMP_ACT_KILL_PROCESS\"}]",
		  "another syscall killed", true },
		{ "\"defaultAction\":\"SCMP_ACT_ALLOW\",\"listenerPath\":\"/run/agent\",\"syscalls\":[{\"names\":[\"madvise\"],\"action\":\"SCMP_ACT_NOTIFY\"}]",
		  "madvise sent to an agent", false },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char doc[1024];
		snprintf(doc, sizeof(doc), DOC("\"seccomp\":{%s}", ""), cases[i].profile);
		struct roci_config *c = good(doc, cases[i].what);
		ok(c && roci_seccomp_quiet_for(c->seccomp, "madvise") == cases[i].quiet, "%s: %s", cases[i].what,
		   cases[i].quiet ? "quiet" : "not quiet");
		roci_config_free(c);
	}
}

static void sysctls(void)
{
	ok(roci_sysctl_namespace("net.ipv4.ip_forward") == ROCI_NS_NETWORK, "net.* is network");
	ok(roci_sysctl_namespace("net/ipv4/conf/eth0.100/forwarding") == ROCI_NS_NETWORK, "slash form");
	ok(roci_sysctl_namespace("kernel.shmmax") == ROCI_NS_IPC, "kernel.shmmax is ipc");
	ok(roci_sysctl_namespace("fs.mqueue.queues_max") == ROCI_NS_IPC, "fs.mqueue.* is ipc");
	ok(roci_sysctl_namespace("kernel.hostname") == ROCI_NS_UTS, "kernel.hostname is uts");
	ok(roci_sysctl_namespace("kernel.shmmaxx") == -1, "a longer name is not a match");
	ok(roci_sysctl_namespace("network.x") == -1, "a longer first component is not net");
	ok(roci_sysctl_namespace("kernel.pid_max") == -1 && roci_sysctl_namespace("vm.swappiness") == -1,
	   "host-wide sysctls");
	char p[64];
	ok(roci_sysctl_proc_path("net.ipv4.ip_forward", p, sizeof(p)) == 0, "proc path");
	is_str(p, "sys/net/ipv4/ip_forward", "dots become slashes");
	ok(roci_sysctl_proc_path("net/ipv4/conf/eth0.100/forwarding", p, sizeof(p)) == 0, "slash path");
	is_str(p, "sys/net/ipv4/conf/eth0.100/forwarding", "slash form keeps dots");
	ok(roci_sysctl_proc_path("net.ipv4.a_very_long_name_that_does_not_fit_anywhere", p, 16) == -ENAMETOOLONG,
	   "too long");

	struct roci_config *c = good(DOC("\"sysctl\":{\"net.core.somaxconn\":\"512\"}", ""), "sysctl");
	ok(c && c->n_sysctls == 1 && !strcmp(c->sysctls[0].value, "512"), "sysctl parsed");
	roci_config_free(c);
	bad(DOC("\"sysctl\":{\"net..x\":\"1\"}", ""), "invalid name", "empty component");
	bad(DOC("\"sysctl\":{\"net/../../x\":\"1\"}", ""), "invalid name", "dot-dot component");
	bad(DOC("\"sysctl\":{\"net.x.\":\"1\"}", ""), "invalid name", "trailing separator");
	bad(DOC("\"sysctl\":{\"net.x\":1}", ""), "linux.sysctl.net.x: expected a string", "non-string value");
}

static void cpulists(void)
{
	size_t size = CPU_ALLOC_SIZE(ROCI_CPULIST_MAX);
	cpu_set_t *set = CPU_ALLOC(ROCI_CPULIST_MAX);
	ok(roci_cpulist_parse("0-2,5,7-7", set, size) == 0, "a list with ranges");
	ok(CPU_COUNT_S(size, set) == 5 && CPU_ISSET_S(5, size, set) && CPU_ISSET_S(7, size, set) &&
	   !CPU_ISSET_S(3, size, set), "the right CPUs");
	ok(roci_cpulist_parse("", NULL, 0) == -EINVAL, "empty");
	ok(roci_cpulist_parse("1,", NULL, 0) == -EINVAL, "trailing comma");
	ok(roci_cpulist_parse("3-1", NULL, 0) == -EINVAL, "reversed range");
	ok(roci_cpulist_parse("a", NULL, 0) == -EINVAL && roci_cpulist_parse("-1", NULL, 0) == -EINVAL,
	   "not a number");
	ok(roci_cpulist_parse("8192", NULL, 0) == -ERANGE, "beyond the limit");
	ok(roci_cpulist_parse("99999999999999999999999", NULL, 0) == -ERANGE, "overflow");
	CPU_FREE(set);
}

static void process_sched(void)
{
	struct roci_config *c = good(DOC("\"personality\":{\"domain\":\"LINUX32\"}",
		",\"scheduler\":{\"policy\":\"SCHED_DEADLINE\",\"runtime\":1000,\"deadline\":2000,\"period\":3000,"
		"\"flags\":[\"SCHED_FLAG_RESET_ON_FORK\",\"SCHED_FLAG_UTIL_CLAMP_MAX\"]},"
		"\"ioPriority\":{\"class\":\"IOPRIO_CLASS_RT\",\"priority\":2},"
		"\"execCPUAffinity\":{\"initial\":\"0\",\"final\":\"0-1\"}"), "scheduling settings");
	const struct roci_process *p = c ? c->process : NULL;
	ok(c && c->has_personality && c->personality == PER_LINUX32, "personality");
	ok(p && p->scheduler.present && p->scheduler.policy == 6 && p->scheduler.runtime == 1000 &&
	   p->scheduler.period == 3000 && p->scheduler.flags == (0x01 | 0x40), "scheduler");
	ok(p && p->io_priority.present && p->io_priority.class == 1 && p->io_priority.priority == 2, "ioPriority");
	is_str(p ? p->cpu_affinity_final : NULL, "0-1", "execCPUAffinity.final");
	roci_config_free(c);
	bad(DOC("", ",\"ioPriority\":{\"class\":\"IOPRIO_CLASS_NONE\",\"priority\":0}"),
	    "process.ioPriority.class: unknown value", "unknown I/O class");
	bad(DOC("", ",\"scheduler\":{\"policy\":\"SCHED_OTHER\",\"priority\":5}"),
	    "only valid with SCHED_FIFO or SCHED_RR", "priority for SCHED_OTHER");
	bad(DOC("", ",\"execCPUAffinity\":{\"initial\":\"99999\"}"), "CPU number out of range", "CPU beyond limit");
}

static void agent_state(void)
{
	char id[] = "c1", bundle[] = "/b", rootfs[] = "/b/rootfs", created[] = "2026-01-01T00:00:00Z";
	struct roci_state st = { .id = id, .pid = 42, .bundle = bundle, .rootfs = rootfs, .created = created };
	char *json = NULL;
	ok(roci_process_state_json(&st, ROCI_STATUS_CREATING, st.pid, "meta", &json, NULL) == 0, "container process state");
	is_contains(json, "\"ociVersion\":\"1.3.0\",\"fds\":[\"seccompFd\"],\"pid\":42,\"metadata\":\"meta\",\"state\":{",
		    "fields in order");
	is_contains(json, "\"status\":\"creating\"", "status creating");
	free(json);
	ok(roci_process_state_json(&st, ROCI_STATUS_CREATING, st.pid, NULL, &json, NULL) == 0 && !strstr(json, "metadata"),
	   "no metadata key without listenerMetadata");
	free(json);
}

static void mount_labels(void)
{
	char *d = roci_mount_data_with_label("mode=755", "system_u:object_r:container_file_t:s0");
	is_str(d, "mode=755,context=\"system_u:object_r:container_file_t:s0\"", "label appended");
	free(d);
	d = roci_mount_data_with_label(NULL, "x");
	is_str(d, "context=\"x\"", "label alone");
	free(d);
	ok(roci_mount_type_takes_label("tmpfs") && !roci_mount_type_takes_label("proc") &&
	   !roci_mount_type_takes_label("mqueue") && !roci_mount_type_takes_label(NULL), "types that take a label");
}

int main(void)
{
	seccomp_parse();
	seccomp_compile();
	seccomp_quiet();
	seccomp_enosys();
	sysctls();
	cpulists();
	process_sched();
	agent_state();
	mount_labels();
	return tap_done();
}
