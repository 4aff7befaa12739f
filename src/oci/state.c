/* SPDX-License-Identifier: Apache-2.0 */
/* state.json (the runtime's own record) and the OCI state document. */
#include "oci/state.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "roci-config.h"

const char *roci_status_name(enum roci_status s)
{
	switch (s) {
	case ROCI_STATUS_CREATING: return "creating";
	case ROCI_STATUS_CREATED: return "created";
	case ROCI_STATUS_RUNNING: return "running";
	case ROCI_STATUS_PAUSED: return "paused";
	default: return "stopped";
	}
}

static json_t *annotations_json(const struct roci_state *st)
{
	json_t *a = json_object();
	for (size_t i = 0; a && i < st->n_annotations; i++)
		json_object_set_new(a, st->annotation_keys[i], json_string(st->annotation_values[i]));
	return a;
}

static int dump(json_t *o, bool pretty, char **out, struct roci_err *err)
{
	if (!o)
		return roci_fail(err, ENOMEM, "state");
	*out = json_dumps(o, pretty ? JSON_INDENT(2) : JSON_COMPACT);
	json_decref(o);
	return *out ? 0 : roci_fail(err, ENOMEM, "state");
}

int roci_state_to_json(const struct roci_state *st, char **out, struct roci_err *err)
{
	json_t *o = json_pack("{s:s, s:I, s:I, s:s, s:s, s:s, s:I, s:o, s:b}",
			      "id", st->id, "pid", (json_int_t)st->pid,
			      "pid_starttime", (json_int_t)st->pid_starttime,
			      "bundle", st->bundle ? st->bundle : "", "rootfs", st->rootfs ? st->rootfs : "",
			      "created", st->created ? st->created : "", "owner", (json_int_t)st->owner,
			      "annotations", annotations_json(st), "systemd_cgroup", st->systemd_cgroup);
	if (o && st->cgroup_path)
		json_object_set_new(o, "cgroup_path", json_string(st->cgroup_path));
	return dump(o, false, out, err);
}

static char *dup_member(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? strdup(s) : NULL;
}

int roci_state_from_json(const char *text, struct roci_state **out, struct roci_err *err)
{
	json_error_t je;
	json_t *o = json_loads(text, 0, &je);
	if (!o || !json_is_object(o)) {
		json_decref(o);
		return roci_failx(err, EINVAL, "corrupt state.json: %s", o ? "not an object" : je.text);
	}
	struct roci_state *st = calloc(1, sizeof(*st));
	if (!st) {
		json_decref(o);
		return roci_fail(err, ENOMEM, "state");
	}
	st->id = dup_member(o, "id");
	st->pid = (pid_t)json_integer_value(json_object_get(o, "pid"));
	st->pid_starttime = (uint64_t)json_integer_value(json_object_get(o, "pid_starttime"));
	st->bundle = dup_member(o, "bundle");
	st->rootfs = dup_member(o, "rootfs");
	st->created = dup_member(o, "created");
	st->owner = (uid_t)json_integer_value(json_object_get(o, "owner"));
	st->systemd_cgroup = json_is_true(json_object_get(o, "systemd_cgroup"));
	st->cgroup_path = dup_member(o, "cgroup_path");
	json_t *a = json_object_get(o, "annotations");
	size_t n = json_is_object(a) ? json_object_size(a) : 0;
	st->annotation_keys = calloc(n + 1, sizeof(char *));
	st->annotation_values = calloc(n + 1, sizeof(char *));
	if (a && st->annotation_keys && st->annotation_values) {
		const char *k;
		json_t *v;
		json_object_foreach(a, k, v) {
			st->annotation_keys[st->n_annotations] = strdup(k);
			st->annotation_values[st->n_annotations] = strdup(json_string_value(v) ? json_string_value(v) : "");
			st->n_annotations++;
		}
	}
	json_decref(o);
	if (!st->id || !st->bundle || !st->annotation_keys || !st->annotation_values) {
		roci_state_free(st);
		return roci_failx(err, EINVAL, "corrupt state.json: missing fields");
	}
	*out = st;
	return 0;
}

int roci_state_oci_json(const struct roci_state *st, enum roci_status status, bool pretty,
			char **out, struct roci_err *err)
{
	json_t *o = json_pack("{s:s, s:s, s:s}", "ociVersion", ROCI_SPEC_VERSION, "id", st->id,
			      "status", roci_status_name(status));
	if (!o)
		return roci_fail(err, ENOMEM, "state");
	/* pid only while there is a live process, as the spec requires it
	 * for created and running (and paused) */
	if (status == ROCI_STATUS_CREATED || status == ROCI_STATUS_RUNNING ||
	    status == ROCI_STATUS_PAUSED || (status == ROCI_STATUS_CREATING && st->pid > 0))
		json_object_set_new(o, "pid", json_integer(st->pid));
	json_object_set_new(o, "bundle", json_string(st->bundle ? st->bundle : ""));
	json_object_set_new(o, "rootfs", json_string(st->rootfs ? st->rootfs : ""));
	json_object_set_new(o, "created", json_string(st->created ? st->created : ""));
	json_object_set_new(o, "owner", json_string(""));
	json_object_set_new(o, "annotations", annotations_json(st));
	return dump(o, pretty, out, err);
}

static void strv_free(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

void roci_state_free(struct roci_state *st)
{
	if (!st)
		return;
	free(st->id);
	free(st->bundle);
	free(st->rootfs);
	free(st->created);
	strv_free(st->annotation_keys, st->n_annotations);
	strv_free(st->annotation_values, st->n_annotations);
	free(st->cgroup_path);
	free(st);
}
