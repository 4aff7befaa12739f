/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests: linux.resources parsing, the v1 -> v2 conversions, page
 * sizes, and the device program's verdicts (run by a small interpreter of
 * the instructions it uses). */
#include <errno.h>
#include <linux/bpf.h>
#include <stdlib.h>
#include <string.h>

#include "linux/cgroup/cgroup_internal.h"
#include "oci/resources.h"
#include "tap.h"

static int parse(const char *json, struct roci_resources *r, struct roci_err *err)
{
	json_error_t je;
	json_t *doc = json_loads(json, JSON_DECODE_ANY, &je);
	if (!doc)
		return -EINVAL;
	int rc = roci_resources_parse(doc, "linux.resources", r, err);
	json_decref(doc);
	return rc;
}

static void bad(const char *json, const char *msg)
{
	struct roci_resources r;
	struct roci_err err = { 0 };
	int rc = parse(json, &r, &err);
	ok(rc < 0 && strstr(err.msg, msg), "refused: %s", json);
	if (rc == 0 || !strstr(err.msg, msg))
		printf("#   got: %s\n", err.msg);
	if (rc == 0)
		roci_resources_free(&r);
}

static void parsing(void)
{
	struct roci_resources r;
	struct roci_err err = { 0 };
	int rc = parse("{\"memory\":{\"limit\":-1,\"swap\":2048,\"disableOOMKiller\":true},"
		       "\"cpu\":{\"shares\":1024,\"quota\":-1,\"cpus\":\"0-1\",\"idle\":1},"
		       "\"pids\":{\"limit\":0},"
		       "\"blockIO\":{\"weight\":300,\"throttleReadBpsDevice\":[{\"major\":8,\"minor\":0,\"rate\":10}]},"
		       "\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":4194304}],"
		       "\"network\":{\"classID\":7,\"priorities\":[{\"name\":\"eth0\",\"priority\":3}]},"
		       "\"rdma\":{\"mlx5_0\":{\"hcaHandles\":3}},"
		       "\"unified\":{\"memory.high\":\"1G\"},"
		       "\"devices\":[{\"allow\":false},{\"allow\":true,\"type\":\"c\",\"major\":1,\"access\":\"mwr\"}]}",
		       &r, &err);
	ok(rc == 0, "a full resources object parses (%s)", err.msg);
	if (rc < 0)
		return;
	ok(r.memory.limit.set && r.memory.limit.v == -1, "memory.limit -1");
	ok(r.memory.swap.v == 2048 && r.memory.disable_oom_killer, "swap and disableOOMKiller");
	ok(!r.memory.reservation.set, "absent fields stay unset");
	ok(r.cpu.shares.v == 1024 && r.cpu.quota.v == -1 && !strcmp(r.cpu.cpus, "0-1") && r.cpu.idle.v == 1, "cpu");
	ok(r.pids_limit.set && r.pids_limit.v == 0, "pids.limit 0 is set");
	ok(r.blkio.weight.v == 300 && r.blkio.n_throttle[ROCI_THROTTLE_READ_BPS] == 1 &&
	   r.blkio.throttle[ROCI_THROTTLE_READ_BPS][0].rate == 10, "blockIO");
	ok(r.n_hugepages == 1 && r.hugepages[0].limit == 4194304, "hugepageLimits");
	ok(r.network.class_id.v == 7 && r.network.n_priorities == 1, "network");
	ok(r.n_rdma == 1 && r.rdma[0].hca_handles.v == 3 && !r.rdma[0].hca_objects.set, "rdma");
	ok(r.n_unified == 1 && !strcmp(r.unified_values[0], "1G"), "unified");
	ok(r.n_devices == 2 && r.devices[0].type == 'a' && !strcmp(r.devices[0].access, "rwm") &&
	   r.devices[1].major == 1 && r.devices[1].minor == ROCI_DEV_WILDCARD &&
	   !strcmp(r.devices[1].access, "rwm"), "devices: defaults and canonical access order");
	ok(roci_resources_any(&r), "asks for something");
	roci_resources_free(&r);

	ok(parse("{\"devices\":[{\"allow\":false}]}", &r, &err) == 0 && !roci_resources_any(&r),
	   "device rules alone need no cgroup");
	roci_resources_free(&r);
	ok(parse("null", &r, &err) == 0 && !roci_resources_any(&r), "null is empty");

	bad("{\"memory\":{\"limit\":\"1G\"}}", "linux.resources.memory.limit");
	bad("{\"memory\":{\"limit\":-2}}", "out of range");
	bad("{\"memory\":{\"swappiness\":101}}", "swappiness");
	bad("{\"cpu\":{\"cpus\":\"1-\"}}", "cpus");
	bad("{\"cpu\":{\"idle\":2}}", "idle");
	bad("{\"devices\":[{\"access\":\"r\"}]}", "allow: required");
	bad("{\"devices\":[{\"allow\":true,\"access\":\"rr\"}]}", "access");
	bad("{\"devices\":[{\"allow\":true,\"type\":\"x\"}]}", "type");
	bad("{\"blockIO\":{\"weight\":70000}}", "weight");
	bad("{\"blockIO\":{\"weightDevice\":[{\"weight\":1}]}}", "major and minor are required");
	bad("{\"hugepageLimits\":[{\"pageSize\":\"3MB\",\"limit\":1}]}", "not a page size");
	bad("{\"unified\":{\"../memory.max\":\"1\"}}", "not a cgroup file name");
	bad("{\"unified\":{\"memory.max\":1}}", "expected a string");
	bad("{\"network\":{\"priorities\":[{\"name\":\"a b\",\"priority\":1}]}}", "valid name");
	bad("[]", "expected an object");
}

static void sizes_and_conversions(void)
{
	uint64_t b = 0;
	ok(roci_hugepage_size_parse("2MB", &b) == 0 && b == 2097152, "2MB");
	ok(roci_hugepage_size_parse("1GB", &b) == 0 && b == 1073741824, "1GB");
	ok(roci_hugepage_size_parse("64KB", &b) == 0 && b == 65536, "64KB");
	ok(roci_hugepage_size_parse("3MB", &b) < 0, "3MB is not a power of two");
	ok(roci_hugepage_size_parse("2M", &b) < 0 && roci_hugepage_size_parse("MB", &b) < 0, "suffix needed");

	ok(roci_cg_shares_to_weight(2) == 1 && roci_cg_shares_to_weight(262144) == 10000, "shares range ends");
	ok(roci_cg_shares_to_weight(1024) == 39, "1024 shares -> weight 39 (runc)");
	ok(roci_cg_shares_to_weight(512) == 20, "512 shares -> weight 20");
	ok(roci_cg_blkio_to_io_weight(10) == 1 && roci_cg_blkio_to_io_weight(1000) == 10000, "blkio range ends");
	ok(roci_cg_blkio_to_io_weight(500) == 4950, "blkio 500 -> io 4950");

	struct roci_err err = { 0 };
	struct roci_opt_i64 lim = { true, 100 }, swap = { true, 300 }, none = { false, 0 }, minus = { true, -1 };
	int64_t out = 7;
	ok(roci_cg_swap_to_v2(&lim, &swap, &out, &err) == 1 && out == 200, "memory+swap 300, memory 100 -> swap 200");
	ok(roci_cg_swap_to_v2(&lim, &minus, &out, &err) == 1 && out == -1, "swap -1 stays max");
	ok(roci_cg_swap_to_v2(&minus, &none, &out, &err) == 1 && out == -1, "unlimited memory, no swap: max");
	ok(roci_cg_swap_to_v2(&lim, &none, &out, &err) == 0, "no swap given: left alone");
	ok(roci_cg_swap_to_v2(&lim, &lim, &out, &err) == 1 && out == 0, "swap equal to memory: no swap at all (0 is written)");
	struct roci_opt_i64 small = { true, 50 };
	ok(roci_cg_swap_to_v2(&lim, &small, &out, &err) < 0 && strstr(err.msg, "at least"), "swap below memory refused");
	ok(roci_cg_swap_to_v2(&none, &swap, &out, &err) < 0, "swap without a memory limit refused");

	char v[32];
	ok(roci_cg_pids_value(0, v, sizeof(v)) == 0, "pids 0: untouched (runc)");
	ok(roci_cg_pids_value(-1, v, sizeof(v)) == 1 && !strcmp(v, "max"), "pids -1: max");
	ok(roci_cg_pids_value(42, v, sizeof(v)) == 1 && !strcmp(v, "42"), "pids 42");
}

/* Just enough of eBPF for the device program. */
static int run_prog(const struct bpf_insn *p, size_t n, uint32_t type, uint32_t access, uint32_t major,
		    uint32_t minor)
{
	uint32_t ctx[3] = { (access << 16) | type, major, minor };
	uint64_t r[11] = { 0 };
	for (size_t pc = 0; pc < n; pc++) {
		const struct bpf_insn *i = &p[pc];
		uint8_t cls = BPF_CLASS(i->code), op = BPF_OP(i->code);
		if (cls == BPF_LDX) {
			r[i->dst_reg] = ctx[i->off / 4];
		} else if (cls == BPF_ALU64) {
			uint64_t src = BPF_SRC(i->code) == BPF_X ? r[i->src_reg] : (uint64_t)(int64_t)i->imm;
			if (op == BPF_MOV)
				r[i->dst_reg] = src;
			else if (op == BPF_AND)
				r[i->dst_reg] &= src;
			else if (op == BPF_RSH)
				r[i->dst_reg] >>= src;
			else
				return -1;
		} else if (cls == BPF_JMP || cls == BPF_JMP32) {
			if (op == BPF_EXIT)
				return (int)r[0];
			uint64_t a = r[i->dst_reg], k = (uint64_t)(int64_t)i->imm;
			if (cls == BPF_JMP32) {
				a = (uint32_t)a;
				k = (uint32_t)k;
			}
			bool taken = op == BPF_JNE ? a != k : op == BPF_JEQ ? a == k : false;
			if (op != BPF_JNE && op != BPF_JEQ)
				return -1;
			if (taken)
				pc += (size_t)i->off;
		} else {
			return -1;
		}
	}
	return -1;
}

static void device_program(void)
{
	const struct roci_dev_rule rules[] = {
		{ false, 'a', ROCI_DEV_WILDCARD, ROCI_DEV_WILDCARD, "rwm" },
		{ true, 'c', 1, 3, "rwm" },
		{ true, 'c', 136, ROCI_DEV_WILDCARD, "rw" },
		{ true, 'b', 8, 0, "r" },
		{ false, 'c', 136, 5, "w" },
	};
	struct bpf_insn *p;
	size_t n;
	ok(roci_cg_devices_bpf(rules, 5, &p, &n) == 0 && n > 10, "program built (%zu insns)", n);
	const int C = BPF_DEVCG_DEV_CHAR, B = BPF_DEVCG_DEV_BLOCK;
	const int R = BPF_DEVCG_ACC_READ, W = BPF_DEVCG_ACC_WRITE, M = BPF_DEVCG_ACC_MKNOD;
	ok(run_prog(p, n, C, R | W, 1, 3) == 1, "c 1:3 rw allowed");
	ok(run_prog(p, n, C, R, 1, 5) == 0, "c 1:5 denied by deny-all");
	ok(run_prog(p, n, C, R, 136, 9) == 1, "c 136:* read allowed");
	ok(run_prog(p, n, C, M, 136, 9) == 0, "c 136:* mknod not in the rule");
	ok(run_prog(p, n, C, W, 136, 5) == 0, "a later deny wins over an earlier allow");
	ok(run_prog(p, n, C, R, 136, 5) == 1, "the deny covers only its access");
	ok(run_prog(p, n, B, R, 8, 0) == 1, "b 8:0 r allowed");
	ok(run_prog(p, n, B, R | W, 8, 0) == 0, "b 8:0 rw is more than the rule gives");
	ok(run_prog(p, n, C, R, 8, 0) == 0, "the type must match");
	free(p);

	const struct roci_dev_rule allow_all[] = { { true, 'a', ROCI_DEV_WILDCARD, ROCI_DEV_WILDCARD, "rwm" } };
	ok(roci_cg_devices_bpf(allow_all, 1, &p, &n) == 0 && run_prog(p, n, B, R | W | M, 259, 1) == 1,
	   "allow-all allows everything");
	free(p);
	ok(roci_cg_devices_bpf(NULL, 0, &p, &n) == 0 && run_prog(p, n, C, R, 1, 3) == 0, "no rules: deny");
	free(p);
}

/* The cgroup record in state.json, with a systemd unit. */
static void state_record(void)
{
	struct roci_cg_dir dir = { .path = "/sys/fs/cgroup/system.slice/roci-x.scope", .v2 = true };
	struct roci_cgroup cg = { .mode = ROCI_CG_V2, .rel = "/system.slice/roci-x.scope", .dirs = &dir,
				  .n = 1, .unit = "roci-x.scope" };
	json_t *j = roci_cgroup_to_json(&cg, false);
	struct roci_cgroup back;
	struct roci_err err = { 0 };
	ok(j && roci_cgroup_from_json(j, &back, &err) == 0, "cgroup record round trip");
	is_str(back.unit, "roci-x.scope", "  systemd unit kept");
	ok(back.mode == ROCI_CG_V2 && back.n == 1 && !strcmp(back.dirs[0].path, dir.path), "  mode and dirs kept");
	roci_cgroup_free(&back);
	static const char *const bad[] = { "x.service", "../x.scope", "-x.scope", ".scope", "a/b.slice" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_object_set_new(j, "systemd_unit", json_string(bad[i]));
		ok(roci_cgroup_from_json(j, &back, &err) < 0, "state with unit \"%s\" is refused", bad[i]);
	}
	json_decref(j);

	/* a plan (recorded before create makes anything): each leaf counts as
	 * made, so that delete removes what a killed create made; a unit's
	 * directories are systemd's */
	struct roci_cg_dir v1dirs[2] = { { .path = "/sys/fs/cgroup/memory/a/c", .controllers = "memory" },
					 { .path = "/sys/fs/cgroup/pids/a/c", .controllers = "pids" } };
	struct roci_cgroup plan = { .mode = ROCI_CG_V1, .rel = "/a/c", .dirs = v1dirs, .n = 2 };
	j = roci_cgroup_to_json(&plan, true);
	ok(j && roci_cgroup_from_json(j, &back, &err) == 0 && back.n == 2, "planned record round trip");
	is_str(back.dirs[0].made_from, "/sys/fs/cgroup/memory/a/c", "  a planned leaf counts as made");
	is_str(back.dirs[1].made_from, "/sys/fs/cgroup/pids/a/c", "  in every hierarchy");
	roci_cgroup_free(&back);
	json_decref(j);
	j = roci_cgroup_to_json(&cg, true);
	ok(j && roci_cgroup_from_json(j, &back, &err) == 0 && !back.dirs[0].made_from,
	   "  a planned unit's directory is systemd's");
	roci_cgroup_free(&back);
	json_decref(j);
}

int main(void)
{
	parsing();
	sizes_and_conversions();
	device_program();
	state_record();
	return tap_done();
}
