/* SPDX-License-Identifier: Apache-2.0 */
/* The container's cgroup in the state document, and back. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "linux/cgroup/cgroup_internal.h"
#include "util/cleanup.h"

static const char *const mode_names[] = {
	[ROCI_CG_NONE] = "none", [ROCI_CG_V1] = "v1", [ROCI_CG_V2] = "v2", [ROCI_CG_HYBRID] = "hybrid",
};

static const char *mode_name(enum roci_cg_mode m)
{
	return (unsigned)m < ARRAY_SIZE(mode_names) ? mode_names[m] : "?";
}

json_t *roci_cgroup_to_json(const struct roci_cgroup *cg, bool planned)
{
	json_t *o = json_object(), *dirs = json_array();
	if (!o || !dirs) {
		json_decref(o);
		json_decref(dirs);
		return NULL;
	}
	int bad = json_object_set_new(o, "mode", json_string(mode_name(cg->mode)));
	if (cg->rel)
		bad |= json_object_set_new(o, "path", json_string(cg->rel));
	if (cg->unit)
		bad |= json_object_set_new(o, "systemd_unit", json_string(cg->unit));
	if (cg->unit && cg->sd_user)
		bad |= json_object_set_new(o, "systemd_user", json_true());
	for (size_t i = 0; i < cg->n; i++) {
		const struct roci_cg_dir *d = &cg->dirs[i];
		json_t *dj = json_pack("{s:s, s:b}", "path", d->path, "v2", d->v2);
		if (!dj) {
			bad = -1;
			continue;
		}
		const char *made = planned && !cg->unit ? d->path : d->made_from;
		if (made)
			bad |= json_object_set_new(dj, "made_from", json_string(made));
		if (d->controllers)
			bad |= json_object_set_new(dj, "controllers", json_string(d->controllers));
		bad |= json_array_append_new(dirs, dj);
	}
	bad |= json_object_set_new(o, "dirs", dirs);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

static int dup_member(const json_t *o, const char *key, bool required, char **out)
{
	json_t *v = json_object_get(o, key);
	*out = NULL;
	if (!v)
		return required ? -EINVAL : 0;
	if (!json_is_string(v))
		return -EINVAL;
	*out = strdup(json_string_value(v));
	return *out ? 0 : -ENOMEM;
}

int roci_cgroup_from_json(const json_t *j, struct roci_cgroup *cg, struct roci_err *err)
{
	memset(cg, 0, sizeof(*cg));
	if (!j)
		return 0;
	json_t *mode = json_object_get(j, "mode"), *dirs = json_object_get(j, "dirs");
	if (!json_is_object(j) || !json_is_string(mode) || !json_is_array(dirs) ||
	    json_array_size(dirs) > ROCI_CG_MAX_HIERARCHIES)
		return roci_failx(err, EINVAL, "state: cgroup: malformed");
	for (size_t m = 0; m < ARRAY_SIZE(mode_names); m++)
		if (!strcmp(json_string_value(mode), mode_names[m]))
			cg->mode = (enum roci_cg_mode)m;
	cg->dirs = calloc(json_array_size(dirs) + 1, sizeof(*cg->dirs));
	if (!cg->dirs || dup_member(j, "path", false, &cg->rel) < 0 ||
	    dup_member(j, "systemd_unit", false, &cg->unit) < 0)
		goto bad;
	/* a unit name, never a path or an option */
	if (cg->unit && !roci_systemd_unit_name_ok(cg->unit))
		goto bad;
	cg->sd_user = json_is_true(json_object_get(j, "systemd_user"));
	size_t i;
	json_t *dj;
	json_array_foreach(dirs, i, dj) {
		struct roci_cg_dir *d = &cg->dirs[cg->n++];
		json_t *v2 = json_object_get(dj, "v2");
		if (!json_is_object(dj) || !json_is_boolean(v2) ||
		    dup_member(dj, "path", true, &d->path) < 0 ||
		    dup_member(dj, "made_from", false, &d->made_from) < 0 ||
		    dup_member(dj, "controllers", false, &d->controllers) < 0)
			goto bad;
		d->v2 = json_is_true(v2);
		/* only ever under a cgroup mount, never elsewhere on the host */
		if (d->path[0] != '/' || strstr(d->path, "/../") ||
		    (d->made_from && strncmp(d->path, d->made_from, strlen(d->made_from))))
			goto bad;
	}
	return 0;
bad:
	roci_cgroup_free(cg);
	return roci_failx(err, EINVAL, "state: cgroup: malformed");
}

void roci_cgroup_free(struct roci_cgroup *cg)
{
	for (size_t i = 0; i < cg->n; i++) {
		free(cg->dirs[i].path);
		free(cg->dirs[i].made_from);
		free(cg->dirs[i].controllers);
	}
	free(cg->dirs);
	free(cg->rel);
	free(cg->unit);
	free(cg->slice);
	if (cg->extra)
		roci_sd_props_free(cg->extra);
	free(cg->extra);
	roci_systemd_close(cg->sd);
	memset(cg, 0, sizeof(*cg));
}
