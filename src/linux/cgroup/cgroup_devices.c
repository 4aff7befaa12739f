/* SPDX-License-Identifier: Apache-2.0 */
/* Device access rules: linux.resources.devices followed by the standard
 * devices every container gets. v1 writes devices.deny/devices.allow in
 * order; v2 compiles the rules into a BPF_PROG_TYPE_CGROUP_DEVICE program
 * in which the last matching rule decides. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "linux/cgroup/cgroup_internal.h"
#include "util/cleanup.h"

/* Always usable, after the configured rules (as runc and crun do). */
static const struct roci_dev_rule default_rules[] = {
	{ true, 'c', ROCI_DEV_WILDCARD, ROCI_DEV_WILDCARD, "m" },
	{ true, 'b', ROCI_DEV_WILDCARD, ROCI_DEV_WILDCARD, "m" },
	{ true, 'c', 1, 3, "rwm" },   /* null */
	{ true, 'c', 1, 8, "rwm" },   /* random */
	{ true, 'c', 1, 7, "rwm" },   /* full */
	{ true, 'c', 5, 0, "rwm" },   /* tty */
	{ true, 'c', 1, 5, "rwm" },   /* zero */
	{ true, 'c', 1, 9, "rwm" },   /* urandom */
	{ true, 'c', 136, ROCI_DEV_WILDCARD, "rwm" }, /* pts */
	{ true, 'c', 5, 2, "rwm" },   /* ptmx */
};

static const struct roci_dev_rule deny_all = { false, 'a', ROCI_DEV_WILDCARD, ROCI_DEV_WILDCARD, "rwm" };

/* "c 1:3 rwm", "a *:* rwm" */
static void rule_text(const struct roci_dev_rule *r, char *buf, size_t len)
{
	char maj[24], min[24];
	if (r->major == ROCI_DEV_WILDCARD)
		snprintf(maj, sizeof(maj), "*");
	else
		snprintf(maj, sizeof(maj), "%" PRId64, r->major);
	if (r->minor == ROCI_DEV_WILDCARD)
		snprintf(min, sizeof(min), "*");
	else
		snprintf(min, sizeof(min), "%" PRId64, r->minor);
	snprintf(buf, len, "%c %s:%s %s", r->type, maj, min, r->access);
}

static int v1_rules(const char *dir, const struct roci_dev_rule *rules, size_t n,
		    struct roci_err *err)
{
	for (size_t i = 0; i < n; i++) {
		char text[80];
		rule_text(&rules[i], text, sizeof(text));
		/* "a" alone means every device */
		if (rules[i].type == 'a' && rules[i].major == ROCI_DEV_WILDCARD &&
		    rules[i].minor == ROCI_DEV_WILDCARD)
			snprintf(text, sizeof(text), "a");
		int r = roci_cg_write(dir, rules[i].allow ? "devices.allow" : "devices.deny", text, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- v2: the BPF program ----------------------------------------------- */

struct prog {
	struct bpf_insn *insns;
	size_t n, cap;
};

static int emit(struct prog *p, uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 64;
		struct bpf_insn *ni = realloc(p->insns, cap * sizeof(*ni));
		if (!ni)
			return -ENOMEM;
		p->insns = ni;
		p->cap = cap;
	}
	struct bpf_insn *i = &p->insns[p->n++];
	memset(i, 0, sizeof(*i));
	i->code = code;
	i->dst_reg = dst & 0xf;
	i->src_reg = src & 0xf;
	i->off = off;
	i->imm = imm;
	return 0;
}

static unsigned access_bits(const char *acc)
{
	unsigned bits = 0;
	for (; *acc; acc++)
		bits |= *acc == 'r' ? BPF_DEVCG_ACC_READ : *acc == 'w' ? BPF_DEVCG_ACC_WRITE : BPF_DEVCG_ACC_MKNOD;
	return bits;
}

/* The instructions of one rule; each test jumps past the block. */
static int emit_rule(struct prog *p, const struct roci_dev_rule *r)
{
	int tests = (r->type != 'a') + 1 + (r->major != ROCI_DEV_WILDCARD) + (r->minor != ROCI_DEV_WILDCARD);
	/* per test: the access test is 3 insns (mov, and, jump), others 1;
	 * then mov r0 + exit */
	int len = tests - 1 + 3 + 2, at = 0, rc = 0;
#define SKIP ((int16_t)(len - at - 1))
	if (r->type != 'a') {
		rc |= emit(p, BPF_JMP | BPF_JNE | BPF_K, 3, 0, SKIP, r->type == 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK);
		at++;
	}
	unsigned acc = access_bits(r->access);
	rc |= emit(p, BPF_ALU64 | BPF_MOV | BPF_X, 7, 4, 0, 0);
	at++;
	if (r->allow) {
		/* allow only when every requested access is in the rule */
		rc |= emit(p, BPF_ALU64 | BPF_AND | BPF_K, 7, 0, 0, (int32_t)(~acc & 0xffff));
		at++;
		rc |= emit(p, BPF_JMP | BPF_JNE | BPF_K, 7, 0, SKIP, 0);
	} else {
		/* deny when any requested access is in the rule */
		rc |= emit(p, BPF_ALU64 | BPF_AND | BPF_K, 7, 0, 0, (int32_t)acc);
		at++;
		rc |= emit(p, BPF_JMP | BPF_JEQ | BPF_K, 7, 0, SKIP, 0);
	}
	at++;
	if (r->major != ROCI_DEV_WILDCARD) {
		rc |= emit(p, BPF_JMP32 | BPF_JNE | BPF_K, 5, 0, SKIP, (int32_t)(uint32_t)r->major);
		at++;
	}
	if (r->minor != ROCI_DEV_WILDCARD) {
		rc |= emit(p, BPF_JMP32 | BPF_JNE | BPF_K, 6, 0, SKIP, (int32_t)(uint32_t)r->minor);
		at++;
	}
#undef SKIP
	rc |= emit(p, BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, r->allow ? 1 : 0);
	rc |= emit(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	return rc ? -ENOMEM : 0;
}

/* Build the program: rules are tried from the last to the first, the
 * first match decides, and nothing matching means deny. */
int roci_cg_devices_bpf(const struct roci_dev_rule *rules, size_t n, struct bpf_insn **out,
			size_t *n_out)
{
	struct prog p = { 0 };
	int rc = 0;
	/* r2 = ctx->access_type; r3 = type (low 16 bits); r4 = access;
	 * r5 = major; r6 = minor */
	rc |= emit(&p, BPF_LDX | BPF_MEM | BPF_W, 2, 1, 0, 0);
	rc |= emit(&p, BPF_ALU64 | BPF_MOV | BPF_X, 3, 2, 0, 0);
	rc |= emit(&p, BPF_ALU64 | BPF_AND | BPF_K, 3, 0, 0, 0xffff);
	rc |= emit(&p, BPF_ALU64 | BPF_MOV | BPF_X, 4, 2, 0, 0);
	rc |= emit(&p, BPF_ALU64 | BPF_RSH | BPF_K, 4, 0, 0, 16);
	rc |= emit(&p, BPF_LDX | BPF_MEM | BPF_W, 5, 1, 4, 0);
	rc |= emit(&p, BPF_LDX | BPF_MEM | BPF_W, 6, 1, 8, 0);
	for (size_t i = n; i-- > 0 && !rc;)
		rc = emit_rule(&p, &rules[i]);
	rc |= emit(&p, BPF_ALU64 | BPF_MOV | BPF_K, 0, 0, 0, 0);
	rc |= emit(&p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	if (rc) {
		free(p.insns);
		return -ENOMEM;
	}
	*out = p.insns;
	*n_out = p.n;
	return 0;
}

static long bpf(int cmd, union bpf_attr *attr)
{
	return syscall(SYS_bpf, cmd, attr, sizeof(*attr));
}

/* Ids of the device programs attached to the cgroup now. */
static int attached_ids(int cg_fd, uint32_t *ids, uint32_t *n)
{
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.query.target_fd = (uint32_t)cg_fd;
	a.query.attach_type = BPF_CGROUP_DEVICE;
	a.query.prog_ids = (uint64_t)(uintptr_t)ids;
	a.query.prog_cnt = *n;
	if (bpf(BPF_PROG_QUERY, &a) < 0)
		return -errno;
	*n = a.query.prog_cnt;
	return 0;
}

static int v2_attach(const char *dir, const struct roci_dev_rule *rules, size_t n,
		     struct roci_err *err)
{
	_cleanup_free_ struct bpf_insn *insns = NULL;
	size_t n_insns;
	if (roci_cg_devices_bpf(rules, n, &insns, &n_insns) < 0)
		return roci_fail(err, ENOMEM, "device rules");
	_cleanup_close_ int cg_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cg_fd < 0)
		return roci_fail(err, errno, "open %s", dir);
	uint32_t old[64], n_old = 64;
	if (attached_ids(cg_fd, old, &n_old) < 0)
		n_old = 0;

	char log[1024] = "";
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	a.insns = (uint64_t)(uintptr_t)insns;
	a.insn_cnt = (uint32_t)n_insns;
	a.license = (uint64_t)(uintptr_t)"Apache-2.0";
	_cleanup_close_ int prog = (int)bpf(BPF_PROG_LOAD, &a);
	if (prog < 0 && errno == EINVAL) {
		/* again, for the verifier's reason */
		a.log_buf = (uint64_t)(uintptr_t)log;
		a.log_size = sizeof(log);
		a.log_level = 1;
		bpf(BPF_PROG_LOAD, &a);
		errno = EINVAL;
	}
	if (prog < 0)
		return roci_fail(err, errno, "load the device cgroup program%s%.200s", log[0] ? ": " : "", log);

	memset(&a, 0, sizeof(a));
	a.target_fd = (uint32_t)cg_fd;
	a.attach_bpf_fd = (uint32_t)prog;
	a.attach_type = BPF_CGROUP_DEVICE;
	a.attach_flags = BPF_F_ALLOW_MULTI;
	if (bpf(BPF_PROG_ATTACH, &a) < 0)
		return roci_fail(err, errno, "attach the device program to %s", dir);
	/* the new program is in force: the old ones (update) can go */
	for (uint32_t i = 0; i < n_old; i++) {
		memset(&a, 0, sizeof(a));
		a.prog_id = old[i];
		_cleanup_close_ int ofd = (int)bpf(BPF_PROG_GET_FD_BY_ID, &a);
		if (ofd < 0)
			continue;
		memset(&a, 0, sizeof(a));
		a.target_fd = (uint32_t)cg_fd;
		a.attach_bpf_fd = (uint32_t)ofd;
		a.attach_type = BPF_CGROUP_DEVICE;
		if (bpf(BPF_PROG_DETACH, &a) < 0)
			return roci_fail(err, errno, "detach the previous device program from %s", dir);
	}
	return 0;
}

int roci_cg_devices_apply(const struct roci_cgroup *cg, const struct roci_resources *res,
			  bool update, struct roci_err *err)
{
	/* update without device rules leaves them as they are. A user may
	 * load no device program (that needs CAP_BPF), and needs none: in
	 * its user namespace no device node can be made, only bound from the
	 * host, so the host's permissions rule (runc and crun skip it too) */
	if ((update && !res->has_devices) || cg->rootless)
		return 0;
	size_t n = 1 + res->n_devices + ARRAY_SIZE(default_rules);
	_cleanup_free_ struct roci_dev_rule *rules = calloc(n, sizeof(*rules));
	if (!rules)
		return roci_fail(err, ENOMEM, "device rules");
	rules[0] = deny_all;
	if (res->n_devices)
		memcpy(rules + 1, res->devices, res->n_devices * sizeof(*rules));
	memcpy(rules + 1 + res->n_devices, default_rules, sizeof(default_rules));

	bool v2;
	const struct roci_cg_dir *d = roci_cg_find(cg, "devices", &v2);
	if (d && !v2)
		return v1_rules(d->path, rules, n, err);
	/* v2 has no devices controller: the program goes on the v2 dir */
	for (size_t i = 0; i < cg->n; i++)
		if (cg->dirs[i].v2 && cg->mode == ROCI_CG_V2)
			return v2_attach(cg->dirs[i].path, rules, n, err);
	return 0;
}
