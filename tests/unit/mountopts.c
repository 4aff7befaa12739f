/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests for the mount option table (src/linux/mountopts.c). */
#include <stdlib.h>
#include "util/libc_compat.h"

#include "linux/mountopts.h"
#include "tap.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static int parse(char *const *opts, size_t n, struct roci_mount_opts *o)
{
	struct roci_err err = { 0 };
	return roci_mount_opts_parse(opts, n, o, &err);
}

static void test_flags(void)
{
	char *opts[] = { "nosuid", "noexec", "nodev", "ro", "strictatime", "mode=755",
			 "size=65536k" };
	struct roci_mount_opts o;
	ok(parse(opts, N(opts), &o) == 0, "parse tmpfs options");
	ok(o.flags == (MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY | MS_STRICTATIME),
	   "flags nosuid,noexec,nodev,ro,strictatime");
	ok(o.clear_flags == 0, "no cleared flags");
	is_str(o.data, "mode=755,size=65536k", "unknown options become data, in order");
	ok(o.n_propagation == 0 && o.rec_set == 0 && o.rec_clr == 0, "no propagation/recursive");
	ok(!roci_mount_opts_is_bind(&o), "not a bind mount");
	roci_mount_opts_free(&o);
}

static void test_set_clear_order(void)
{
	char *opts[] = { "ro", "rw", "nosuid", "suid", "suid", "nosuid", "dev", "exec", "async",
			 "atime", "diratime", "norelatime", "nostrictatime", "nomand", "nolazytime",
			 "symfollow", "defaults" };
	struct roci_mount_opts o;
	ok(parse(opts, N(opts), &o) == 0, "parse set/clear pairs");
	ok(o.flags == MS_NOSUID, "last of ro/rw and suid/nosuid wins");
	ok(!(o.clear_flags & MS_NOSUID) && (o.clear_flags & MS_RDONLY), "rw recorded as cleared");
	unsigned long want_clr = MS_RDONLY | MS_NODEV | MS_NOEXEC | MS_SYNCHRONOUS | MS_NOATIME |
				 MS_NODIRATIME | MS_RELATIME | MS_STRICTATIME | MS_MANDLOCK |
				 MS_LAZYTIME | MS_NOSYMFOLLOW;
	ok(o.clear_flags == want_clr, "clear flags: rw dev exec async atime diratime norelatime "
	   "nostrictatime nomand nolazytime symfollow");
	ok(o.data == NULL, "\"defaults\" is not passed as data");
	roci_mount_opts_free(&o);
}

static void test_all_set_flags(void)
{
	static const struct {
		const char *name;
		unsigned long flag;
	} t[] = {
		{ "sync", MS_SYNCHRONOUS }, { "dirsync", MS_DIRSYNC }, { "remount", MS_REMOUNT },
		{ "mand", MS_MANDLOCK }, { "noatime", MS_NOATIME }, { "nodiratime", MS_NODIRATIME },
		{ "relatime", MS_RELATIME }, { "strictatime", MS_STRICTATIME },
		{ "lazytime", MS_LAZYTIME }, { "bind", MS_BIND }, { "rbind", MS_BIND | MS_REC },
		{ "nosymfollow", MS_NOSYMFOLLOW }, { "ro", MS_RDONLY }, { "nodev", MS_NODEV },
	};
	for (size_t i = 0; i < N(t); i++) {
		char *opts[] = { (char *)t[i].name };
		struct roci_mount_opts o;
		ok(parse(opts, 1, &o) == 0 && o.flags == t[i].flag && !o.data, "%s -> flag %#lx",
		   t[i].name, t[i].flag);
		roci_mount_opts_free(&o);
	}
}

static void test_bind_propagation(void)
{
	char *opts[] = { "rbind", "rprivate", "shared", "rslave", "unbindable", "runbindable",
			 "private", "slave", "rshared" };
	struct roci_mount_opts o;
	ok(parse(opts, N(opts), &o) == 0, "parse bind + propagation");
	ok(roci_mount_opts_is_bind(&o) && (o.flags & MS_REC), "rbind is a recursive bind");
	unsigned long want[] = { MS_PRIVATE | MS_REC, MS_SHARED, MS_SLAVE | MS_REC, MS_UNBINDABLE,
				 MS_UNBINDABLE | MS_REC, MS_PRIVATE, MS_SLAVE, MS_SHARED | MS_REC };
	ok(o.n_propagation == N(want), "all propagation options kept");
	int same = o.n_propagation == N(want);
	for (size_t i = 0; same && i < N(want); i++)
		same = o.propagation[i] == want[i];
	ok(same, "propagation kept in order with MS_REC for r* forms");
	roci_mount_opts_free(&o);

	unsigned long f = 0;
	ok(roci_propagation_parse("rslave", &f) == 0 && f == (MS_SLAVE | MS_REC), "rootfs rslave");
	ok(roci_propagation_parse("shared", &f) == 0 && f == MS_SHARED, "rootfs shared");
	ok(roci_propagation_parse("unbindable", &f) == 0 && f == MS_UNBINDABLE, "rootfs unbindable");
	ok(roci_propagation_parse("ro", &f) == -EINVAL, "ro is not a propagation");
	ok(roci_propagation_parse("bogus", &f) == -EINVAL, "unknown propagation refused");
	ok(roci_propagation_parse(NULL, &f) == -EINVAL, "NULL propagation refused");
}

static void test_recursive(void)
{
	char *opts[] = { "rro", "rnosuid", "rnodev", "rnoexec", "rnodiratime", "rnosymfollow" };
	struct roci_mount_opts o;
	ok(parse(opts, N(opts), &o) == 0, "parse recursive attrs");
	ok(o.rec_set == (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
			 MOUNT_ATTR_NOEXEC | MOUNT_ATTR_NODIRATIME | MOUNT_ATTR_NOSYMFOLLOW),
	   "rec set attrs");
	ok(o.rec_clr == 0 && o.flags == 0, "no rec clear, no plain flags");
	roci_mount_opts_free(&o);

	char *opts2[] = { "rro", "rrw", "rsuid", "rdev", "rexec", "rdiratime", "rsymfollow" };
	ok(parse(opts2, N(opts2), &o) == 0, "parse recursive clears");
	ok(o.rec_set == 0, "rrw undoes rro");
	ok(o.rec_clr == (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
			 MOUNT_ATTR_NOEXEC | MOUNT_ATTR_NODIRATIME | MOUNT_ATTR_NOSYMFOLLOW),
	   "rec clear attrs");
	roci_mount_opts_free(&o);

	char *opts3[] = { "rnoatime" };
	ok(parse(opts3, 1, &o) == 0 && o.rec_set == MOUNT_ATTR_NOATIME &&
	   o.rec_clr == MOUNT_ATTR__ATIME, "rnoatime sets NOATIME and clears the atime field");
	roci_mount_opts_free(&o);
	char *opts4[] = { "rnoatime", "rstrictatime" };
	ok(parse(opts4, 2, &o) == 0 && o.rec_set == MOUNT_ATTR_STRICTATIME &&
	   o.rec_clr == MOUNT_ATTR__ATIME, "last atime mode wins");
	roci_mount_opts_free(&o);
	char *opts5[] = { "rrelatime" };
	ok(parse(opts5, 1, &o) == 0 && o.rec_set == 0 && o.rec_clr == MOUNT_ATTR__ATIME,
	   "rrelatime is the zero atime mode");
	roci_mount_opts_free(&o);
	char *opts6[] = { "rstrictatime", "rnostrictatime" };
	ok(parse(opts6, 2, &o) == 0 && o.rec_set == 0 && o.rec_clr == MOUNT_ATTR__ATIME,
	   "rnostrictatime falls back to relatime");
	roci_mount_opts_free(&o);
	char *opts7[] = { "ratime", "rnorelatime" };
	ok(parse(opts7, 2, &o) == 0 && o.rec_set == 0 && o.rec_clr == MOUNT_ATTR__ATIME,
	   "ratime/rnorelatime clear the atime field");
	roci_mount_opts_free(&o);
}

static void test_special(void)
{
	char *opts[] = { "idmap", "ridmap", "tmpcopyup", "uid=1000", "", "context=\"a\"" };
	struct roci_mount_opts o;
	ok(parse(opts, N(opts), &o) == 0, "parse special options");
	ok(o.idmap && o.ridmap && o.tmpcopyup, "idmap, ridmap, tmpcopyup recorded");
	is_str(o.data, "uid=1000,context=\"a\"", "empty option skipped, others are data");
	roci_mount_opts_free(&o);

	ok(parse(NULL, 0, &o) == 0 && o.flags == 0 && !o.data && !o.propagation,
	   "no options at all");
	roci_mount_opts_free(&o);
	roci_mount_opts_free(&o); /* idempotent */
	ok(1, "free twice is safe");
}

static void test_attrs(void)
{
	ok(roci_mount_flags_to_attr(0) == MOUNT_ATTR_RELATIME, "default is relatime");
	ok(roci_mount_flags_to_attr(MS_NOATIME | MS_RELATIME) == MOUNT_ATTR_NOATIME,
	   "noatime wins over relatime");
	ok(roci_mount_flags_to_attr(MS_NOATIME | MS_STRICTATIME) == MOUNT_ATTR_STRICTATIME,
	   "strictatime wins over noatime");
	ok(roci_mount_flags_to_attr(MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NODIRATIME |
				    MS_NOSYMFOLLOW) ==
	   (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC |
	    MOUNT_ATTR_NODIRATIME | MOUNT_ATTR_NOSYMFOLLOW), "per-mount flags map to attrs");

	struct roci_mount_opts o;
	uint64_t set, clr;
	char *b1[] = { "rbind" };
	parse(b1, 1, &o);
	ok(!roci_mount_bind_attr(&o, &set, &clr), "plain rbind changes nothing");
	roci_mount_opts_free(&o);

	char *b2[] = { "bind", "ro", "nosuid" };
	parse(b2, N(b2), &o);
	ok(roci_mount_bind_attr(&o, &set, &clr), "bind,ro,nosuid changes flags");
	ok(set == (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID), "sets ro,nosuid");
	ok(clr == (MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC | MOUNT_ATTR_NOSYMFOLLOW),
	   "clears the other lockable flags, keeps atime");
	roci_mount_opts_free(&o);

	char *b3[] = { "bind", "rw" };
	parse(b3, N(b3), &o);
	ok(roci_mount_bind_attr(&o, &set, &clr) && set == 0 && (clr & MOUNT_ATTR_RDONLY),
	   "bind,rw clears ro");
	roci_mount_opts_free(&o);

	char *b4[] = { "rbind", "noatime", "nodiratime" };
	parse(b4, N(b4), &o);
	ok(roci_mount_bind_attr(&o, &set, &clr) &&
	   set == (MOUNT_ATTR_NOATIME | MOUNT_ATTR_NODIRATIME) &&
	   (clr & MOUNT_ATTR__ATIME) == MOUNT_ATTR__ATIME, "bind atime change clears the atime field");
	roci_mount_opts_free(&o);

	const char *keys[8];
	ok(roci_mount_sb_keys(MS_RDONLY | MS_NOSUID | MS_SYNCHRONOUS, keys) == 2, "two sb keys");
	is_str(keys[0], "ro", "sb key ro");
	is_str(keys[1], "sync", "sb key sync");
	ok(keys[2] == NULL, "sb keys NULL-terminated");

	char buf[128];
	is_str(roci_mount_flags_str(MS_RDONLY | MS_NOSUID | MS_BIND | MS_REC, buf, sizeof(buf)),
	       "ro,nosuid,rbind", "flags to string");
	is_str(roci_mount_flags_str(0, buf, sizeof(buf)), "", "no flags, empty string");
}

int main(void)
{
	test_flags();
	test_set_clear_order();
	test_all_set_flags();
	test_bind_propagation();
	test_recursive();
	test_special();
	test_attrs();
	return tap_done();
}
