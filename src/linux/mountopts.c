/* SPDX-License-Identifier: Apache-2.0 */
/* Mount option table (see mountopts.h). The names and their meaning follow
 * mount(8) and the OCI runtime-spec; anything not in the table is handed to
 * the filesystem as data, in order. */
#include "linux/mountopts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"

enum opt_kind {
	OPT_NOP,        /* accepted, no effect ("defaults") */
	OPT_SET,        /* set MS_* flags */
	OPT_CLEAR,      /* clear MS_* flags */
	OPT_PROPAGATION,
	OPT_REC_SET,    /* recursive MOUNT_ATTR_* set */
	OPT_REC_CLEAR,  /* recursive MOUNT_ATTR_* clear */
	OPT_IDMAP,
	OPT_RIDMAP,
	OPT_TMPCOPYUP,
};

struct opt_def {
	const char *name;
	enum opt_kind kind;
	unsigned long value;
};

static const struct opt_def opt_table[] = {
	{ "defaults",       OPT_NOP,         0 },
	{ "ro",             OPT_SET,         MS_RDONLY },
	{ "rw",             OPT_CLEAR,       MS_RDONLY },
	{ "nosuid",         OPT_SET,         MS_NOSUID },
	{ "suid",           OPT_CLEAR,       MS_NOSUID },
	{ "nodev",          OPT_SET,         MS_NODEV },
	{ "dev",            OPT_CLEAR,       MS_NODEV },
	{ "noexec",         OPT_SET,         MS_NOEXEC },
	{ "exec",           OPT_CLEAR,       MS_NOEXEC },
	{ "sync",           OPT_SET,         MS_SYNCHRONOUS },
	{ "async",          OPT_CLEAR,       MS_SYNCHRONOUS },
	{ "dirsync",        OPT_SET,         MS_DIRSYNC },
	{ "remount",        OPT_SET,         MS_REMOUNT },
	{ "mand",           OPT_SET,         MS_MANDLOCK },
	{ "nomand",         OPT_CLEAR,       MS_MANDLOCK },
	{ "noatime",        OPT_SET,         MS_NOATIME },
	{ "atime",          OPT_CLEAR,       MS_NOATIME },
	{ "nodiratime",     OPT_SET,         MS_NODIRATIME },
	{ "diratime",       OPT_CLEAR,       MS_NODIRATIME },
	{ "relatime",       OPT_SET,         MS_RELATIME },
	{ "norelatime",     OPT_CLEAR,       MS_RELATIME },
	{ "strictatime",    OPT_SET,         MS_STRICTATIME },
	{ "nostrictatime",  OPT_CLEAR,       MS_STRICTATIME },
	{ "lazytime",       OPT_SET,         MS_LAZYTIME },
	{ "nolazytime",     OPT_CLEAR,       MS_LAZYTIME },
	{ "nosymfollow",    OPT_SET,         MS_NOSYMFOLLOW },
	{ "symfollow",      OPT_CLEAR,       MS_NOSYMFOLLOW },
	{ "silent",         OPT_SET,         MS_SILENT },
	{ "loud",           OPT_CLEAR,       MS_SILENT },
	{ "iversion",       OPT_SET,         MS_I_VERSION },
	{ "noiversion",     OPT_CLEAR,       MS_I_VERSION },
	{ "bind",           OPT_SET,         MS_BIND },
	{ "rbind",          OPT_SET,         MS_BIND | MS_REC },

	{ "private",        OPT_PROPAGATION, MS_PRIVATE },
	{ "rprivate",       OPT_PROPAGATION, MS_PRIVATE | MS_REC },
	{ "shared",         OPT_PROPAGATION, MS_SHARED },
	{ "rshared",        OPT_PROPAGATION, MS_SHARED | MS_REC },
	{ "slave",          OPT_PROPAGATION, MS_SLAVE },
	{ "rslave",         OPT_PROPAGATION, MS_SLAVE | MS_REC },
	{ "unbindable",     OPT_PROPAGATION, MS_UNBINDABLE },
	{ "runbindable",    OPT_PROPAGATION, MS_UNBINDABLE | MS_REC },

	{ "rro",            OPT_REC_SET,     MOUNT_ATTR_RDONLY },
	{ "rrw",            OPT_REC_CLEAR,   MOUNT_ATTR_RDONLY },
	{ "rnosuid",        OPT_REC_SET,     MOUNT_ATTR_NOSUID },
	{ "rsuid",          OPT_REC_CLEAR,   MOUNT_ATTR_NOSUID },
	{ "rnodev",         OPT_REC_SET,     MOUNT_ATTR_NODEV },
	{ "rdev",           OPT_REC_CLEAR,   MOUNT_ATTR_NODEV },
	{ "rnoexec",        OPT_REC_SET,     MOUNT_ATTR_NOEXEC },
	{ "rexec",          OPT_REC_CLEAR,   MOUNT_ATTR_NOEXEC },
	{ "rnodiratime",    OPT_REC_SET,     MOUNT_ATTR_NODIRATIME },
	{ "rdiratime",      OPT_REC_CLEAR,   MOUNT_ATTR_NODIRATIME },
	{ "rnosymfollow",   OPT_REC_SET,     MOUNT_ATTR_NOSYMFOLLOW },
	{ "rsymfollow",     OPT_REC_CLEAR,   MOUNT_ATTR_NOSYMFOLLOW },
	/* The atime modes form an enum inside MOUNT_ATTR__ATIME. */
	{ "rrelatime",      OPT_REC_SET,     MOUNT_ATTR_RELATIME },
	{ "rnorelatime",    OPT_REC_CLEAR,   MOUNT_ATTR_RELATIME },
	{ "rnoatime",       OPT_REC_SET,     MOUNT_ATTR_NOATIME },
	{ "ratime",         OPT_REC_CLEAR,   MOUNT_ATTR_NOATIME },
	{ "rstrictatime",   OPT_REC_SET,     MOUNT_ATTR_STRICTATIME },
	{ "rnostrictatime", OPT_REC_CLEAR,   MOUNT_ATTR_STRICTATIME },

	{ "idmap",          OPT_IDMAP,       0 },
	{ "ridmap",         OPT_RIDMAP,      0 },
	{ "tmpcopyup",      OPT_TMPCOPYUP,   0 },
};

size_t roci_mount_option_names(const char **out, size_t cap)
{
	size_t n = 0;
	for (size_t i = 0; i < ARRAY_SIZE(opt_table) && n < cap; i++)
		out[n++] = opt_table[i].name;
	return n;
}

static const struct opt_def *opt_lookup(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(opt_table); i++)
		if (strcmp(opt_table[i].name, name) == 0)
			return &opt_table[i];
	return NULL;
}

/* The atime "enum": at most one of these is in effect on a mount. */
#define MS_ATIME_FLAGS (MS_NOATIME | MS_NODIRATIME | MS_RELATIME | MS_STRICTATIME)
/* Per-mount flags the kernel may lock in a less privileged user namespace;
 * a bind remount sets exactly the requested ones. */
#define LOCKABLE_ATTRS (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | \
			MOUNT_ATTR_NOEXEC | MOUNT_ATTR_NOSYMFOLLOW)

static int data_append(char **data, const char *opt)
{
	size_t old = *data ? strlen(*data) : 0;
	size_t add = strlen(opt);
	char *n = realloc(*data, old + add + 2);
	if (!n)
		return -ENOMEM;
	if (old)
		n[old++] = ',';
	memcpy(n + old, opt, add + 1);
	*data = n;
	return 0;
}

int roci_mount_opts_parse(char *const *options, size_t n, struct roci_mount_opts *out,
			  struct roci_err *err)
{
	memset(out, 0, sizeof(*out));
	if (n) {
		out->propagation = calloc(n, sizeof(*out->propagation));
		if (!out->propagation)
			return roci_fail(err, ENOMEM, "parse mount options");
	}
	for (size_t i = 0; i < n; i++) {
		const char *o = options[i];
		if (!o || !*o)
			continue;
		const struct opt_def *d = opt_lookup(o);
		if (!d) {
			if (data_append(&out->data, o) < 0) {
				roci_mount_opts_free(out);
				return roci_fail(err, ENOMEM, "parse mount options");
			}
			continue;
		}
		switch (d->kind) {
		case OPT_NOP:
			break;
		case OPT_SET:
			out->flags |= d->value;
			out->clear_flags &= ~d->value;
			break;
		case OPT_CLEAR:
			out->flags &= ~d->value;
			out->clear_flags |= d->value;
			break;
		case OPT_PROPAGATION:
			out->propagation[out->n_propagation++] = d->value;
			break;
		case OPT_REC_SET:
		case OPT_REC_CLEAR: {
			uint64_t a = d->value;
			bool atime = (a & MOUNT_ATTR__ATIME) == a; /* relatime is 0 */
			if (atime) {
				/* Changing the atime mode needs the whole field cleared;
				 * clearing one mode falls back to relatime. */
				out->rec_clr |= MOUNT_ATTR__ATIME;
				out->rec_set &= ~(uint64_t)MOUNT_ATTR__ATIME;
				if (d->kind == OPT_REC_SET)
					out->rec_set |= a;
			} else if (d->kind == OPT_REC_SET) {
				out->rec_set |= a;
				out->rec_clr &= ~a;
			} else {
				out->rec_clr |= a;
				out->rec_set &= ~a;
			}
			break;
		}
		case OPT_IDMAP:
			out->idmap = true;
			break;
		case OPT_RIDMAP:
			out->ridmap = true;
			break;
		case OPT_TMPCOPYUP:
			out->tmpcopyup = true;
			break;
		}
	}
	return 0;
}

void roci_mount_opts_free(struct roci_mount_opts *o)
{
	if (!o)
		return;
	free(o->propagation);
	free(o->data);
	o->propagation = NULL;
	o->data = NULL;
	o->n_propagation = 0;
}

int roci_propagation_parse(const char *name, unsigned long *flags)
{
	const struct opt_def *d = name ? opt_lookup(name) : NULL;
	if (!d || d->kind != OPT_PROPAGATION)
		return -EINVAL;
	*flags = d->value;
	return 0;
}

static uint64_t lockable_attrs(unsigned long f)
{
	uint64_t a = 0;
	if (f & MS_RDONLY)
		a |= MOUNT_ATTR_RDONLY;
	if (f & MS_NOSUID)
		a |= MOUNT_ATTR_NOSUID;
	if (f & MS_NODEV)
		a |= MOUNT_ATTR_NODEV;
	if (f & MS_NOEXEC)
		a |= MOUNT_ATTR_NOEXEC;
	if (f & MS_NOSYMFOLLOW)
		a |= MOUNT_ATTR_NOSYMFOLLOW;
	return a;
}

/* mount(2) atime rules: relatime by default, noatime wins over relatime,
 * strictatime wins over both. */
static uint64_t atime_attrs(unsigned long f)
{
	uint64_t a = 0;
	if (f & MS_STRICTATIME)
		a |= MOUNT_ATTR_STRICTATIME;
	else if (f & MS_NOATIME)
		a |= MOUNT_ATTR_NOATIME;
	else
		a |= MOUNT_ATTR_RELATIME;
	if (f & MS_NODIRATIME)
		a |= MOUNT_ATTR_NODIRATIME;
	return a;
}

uint64_t roci_mount_flags_to_attr(unsigned long flags)
{
	return lockable_attrs(flags) | atime_attrs(flags);
}

bool roci_mount_bind_attr(const struct roci_mount_opts *o, uint64_t *attr_set,
			  uint64_t *attr_clr)
{
	unsigned long f = o->flags & ~(unsigned long)(MS_BIND | MS_REC | MS_REMOUNT);
	*attr_set = 0;
	*attr_clr = 0;
	if (!f && !o->clear_flags)
		return false;
	*attr_set = lockable_attrs(f);
	*attr_clr = LOCKABLE_ATTRS & ~*attr_set;
	if (f & MS_ATIME_FLAGS) {
		*attr_set |= atime_attrs(f);
		*attr_clr |= MOUNT_ATTR__ATIME | MOUNT_ATTR_NODIRATIME;
	}
	return true;
}

size_t roci_mount_sb_keys(unsigned long flags, const char *keys[8])
{
	static const struct {
		unsigned long flag;
		const char *key;
	} sb[] = {
		{ MS_RDONLY, "ro" },
		{ MS_SYNCHRONOUS, "sync" },
		{ MS_DIRSYNC, "dirsync" },
		{ MS_MANDLOCK, "mand" },
		{ MS_LAZYTIME, "lazytime" },
	};
	size_t n = 0;
	for (size_t i = 0; i < ARRAY_SIZE(sb); i++)
		if (flags & sb[i].flag)
			keys[n++] = sb[i].key;
	keys[n] = NULL;
	return n;
}

const char *roci_mount_flags_str(unsigned long flags, char *buf, size_t len)
{
	size_t used = 0;
	if (len)
		buf[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(opt_table) && len; i++) {
		const struct opt_def *d = &opt_table[i];
		if (d->kind != OPT_SET || !d->value || (flags & d->value) != d->value)
			continue;
		if (d->value == MS_BIND && (flags & MS_REC))
			continue; /* printed as "rbind" */
		int w = snprintf(buf + used, len - used, "%s%s", used ? "," : "", d->name);
		if (w < 0 || (size_t)w >= len - used)
			break;
		used += (size_t)w;
	}
	return buf;
}

char *roci_mount_data_with_label(const char *data, const char *label)
{
	char *out = NULL;
	bool has = data && *data;
	if (asprintf(&out, "%s%scontext=\"%s\"", has ? data : "", has ? "," : "", label) < 0)
		return NULL;
	return out;
}

bool roci_mount_type_takes_label(const char *type)
{
	static const char *const none[] = { "proc", "sysfs", "mqueue", "cgroup", "cgroup2", "bind" };
	if (!type)
		return false;
	for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++)
		if (!strcmp(type, none[i]))
			return false;
	return true;
}
