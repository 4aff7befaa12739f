/* SPDX-License-Identifier: Apache-2.0 */
/* The mount option table: config.json mount option strings ("ro", "nosuid",
 * "rbind", "rprivate", "rro", "size=64k", ...) turned into what the kernel
 * wants: MS_* flags, propagation changes, recursive mount_setattr(2)
 * attributes and a filesystem data string. Pure functions, no syscalls. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "util/libc_compat.h"

#include "util/error.h"

struct roci_mount_opts {
	unsigned long flags;        /* MS_* to set (ro, nosuid, bind, rec, ...) */
	unsigned long clear_flags;  /* MS_* explicitly cleared (rw, suid, dev, ...) */
	unsigned long *propagation; /* MS_{SHARED,SLAVE,PRIVATE,UNBINDABLE}[|MS_REC], in order */
	size_t n_propagation;
	uint64_t rec_set, rec_clr;  /* MOUNT_ATTR_* for mount_setattr(AT_RECURSIVE) */
	char *data;                 /* unknown options, comma-joined; NULL if none */
	bool idmap;                 /* "idmap" */
	bool ridmap;                /* "ridmap" */
	bool tmpcopyup;             /* "tmpcopyup" */
};

/* Parse n option strings (NULL or empty ones are skipped). Unknown options
 * become data, as with runc; the only failure is running out of memory.
 * Free with roci_mount_opts_free (also safe on a zeroed struct). */
int roci_mount_opts_parse(char *const *options, size_t n, struct roci_mount_opts *out,
			  struct roci_err *err);
void roci_mount_opts_free(struct roci_mount_opts *o);
static inline void roci_mount_opts_freep(struct roci_mount_opts *o)
{
	roci_mount_opts_free(o);
}
#define _cleanup_opts_ __attribute__((cleanup(roci_mount_opts_freep)))

/* A bind mount: MS_BIND set ("bind" or "rbind"). */
static inline bool roci_mount_opts_is_bind(const struct roci_mount_opts *o)
{
	return (o->flags & MS_BIND) != 0;
}

/* rootfsPropagation / propagation option name -> MS_* flags (MS_REC for the
 * "r" forms). Returns 0 on success, -EINVAL for an unknown name. */
int roci_propagation_parse(const char *name, unsigned long *flags);

/* Per-mount attributes for mount_setattr(2)/fsmount(2) equivalent to the
 * MS_* flags of a brand-new mount (mount(2) semantics: relatime unless
 * noatime/strictatime; strictatime wins over noatime). */
uint64_t roci_mount_flags_to_attr(unsigned long flags);

/* The attribute change that emulates mount(2) MS_BIND|MS_REMOUNT|flags on an
 * existing bind mount: the requested flags are set, the other lockable ones
 * (ro, nosuid, nodev, noexec, nosymfollow) are cleared, and the atime mode is
 * preserved unless an atime option was given. Returns false when the options
 * ask for no change at all (no flags and no cleared flags). */
bool roci_mount_bind_attr(const struct roci_mount_opts *o, uint64_t *attr_set,
			  uint64_t *attr_clr);

/* Superblock flags expressed as fsconfig(2) flag keys ("ro", "sync", ...);
 * fills keys (NULL-terminated, at most 8) and returns their number. */
size_t roci_mount_sb_keys(unsigned long flags, const char *keys[8]);

/* Human-readable list of MS_* flags for messages ("ro,nosuid"). */
const char *roci_mount_flags_str(unsigned long flags, char *buf, size_t len);

/* The option names this build accepts (for `features`); returns the count. */
size_t roci_mount_option_names(const char **out, size_t cap);

/* Mount data with an SELinux context appended: `data,context="label"` (or
 * just the context). Returns a new string, NULL on allocation failure. A
 * type that takes no label (proc, sysfs, mqueue, cgroup, bind mounts) is
 * the caller's to skip: see roci_mount_type_takes_label. */
char *roci_mount_data_with_label(const char *data, const char *label);
bool roci_mount_type_takes_label(const char *type);
