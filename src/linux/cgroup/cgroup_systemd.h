/* SPDX-License-Identifier: Apache-2.0 */
/* The systemd cgroup driver (--systemd-cgroup): the container's cgroup is
 * a transient unit that systemd makes over D-Bus. cgroup_systemd.c turns
 * cgroupsPath and linux.resources into a unit name, a cgroup path and unit
 * properties (pure logic); cgroup_systemd_bus.c talks to systemd. The
 * cgroupfs writers still apply every resource afterwards, as runc does:
 * systemd knows only part of linux.resources. */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "oci/resources.h"
#include "util/error.h"
#include "util/log.h"

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

/* ---- D-Bus (cgroup_systemd_bus.c) ----------------------------------------- */

struct roci_systemd;

/* Connect to the system bus and read systemd's version. A clear error
 * when there is no bus or no systemd on it. */
int roci_systemd_connect(struct roci_systemd **out, struct roci_err *err);
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
