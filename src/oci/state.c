/* SPDX-License-Identifier: Apache-2.0 */
/* Container state in two shapes: state.json, the runtime's own record in the
 * state directory, and the OCI state document printed by `state` and handed
 * to hooks. state.json is read back with full type checks: a damaged file
 * gives an error naming the field, never a half-filled struct. */
#include "oci/state.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "roci-config.h"
#include "util/cleanup.h"

const char *roci_status_name(enum roci_status s)
{
	switch (s) {
	case ROCI_STATUS_CREATING: return "creating";
	case ROCI_STATUS_CREATED: return "created";
	case ROCI_STATUS_RUNNING: return "running";
	case ROCI_STATUS_PAUSED: return "paused";
	case ROCI_STATUS_STOPPED: break;
	}
	return "stopped";
}

/* ---- writing ------------------------------------------------------------ */

/* Set key to a string; NULL becomes "". Fails for strings that are not
 * valid UTF-8 (JSON cannot carry them), naming the field. */
static int put_str(json_t *o, const char *key, const char *val, struct roci_err *err)
{
	json_t *s = json_string(val ? val : "");
	if (!s)
		return roci_failx(err, EINVAL, "state: %s is not valid UTF-8", key);
	if (json_object_set_new(o, key, s) < 0)
		return roci_fail(err, ENOMEM, "state: %s", key);
	return 0;
}

static int put_int(json_t *o, const char *key, json_int_t val, struct roci_err *err)
{
	if (json_object_set_new(o, key, json_integer(val)) < 0)
		return roci_fail(err, ENOMEM, "state: %s", key);
	return 0;
}

static int put_bool(json_t *o, const char *key, bool val, struct roci_err *err)
{
	if (json_object_set_new(o, key, json_boolean(val)) < 0)
		return roci_fail(err, ENOMEM, "state: %s", key);
	return 0;
}

static int put_annotations(json_t *o, const struct roci_state *st, struct roci_err *err)
{
	json_t *a = json_object();
	if (!a || json_object_set_new(o, "annotations", a) < 0)
		return roci_fail(err, ENOMEM, "state: annotations");
	for (size_t i = 0; i < st->n_annotations; i++) {
		const char *k = st->annotation_keys[i], *v = st->annotation_values[i];
		if (!k)
			continue;
		json_t *s = json_string(v ? v : "");
		if (!s)
			return roci_failx(err, EINVAL, "state: annotation %s is not valid UTF-8", k);
		if (json_object_set_new(a, k, s) < 0)
			return roci_failx(err, EINVAL, "state: annotation key is not valid UTF-8");
	}
	return 0;
}

/* Serialise o (and drop it): indented by 2 when pretty, else compact. */
static int dump(json_t *o, bool pretty, char **out, struct roci_err *err)
{
	*out = json_dumps(o, pretty ? JSON_INDENT(2) : JSON_COMPACT);
	json_decref(o);
	return *out ? 0 : roci_fail(err, ENOMEM, "state: serialise");
}

int roci_state_to_json(const struct roci_state *st, char **out, struct roci_err *err)
{
	*out = NULL;
	if (!st->id || !st->id[0])
		return roci_failx(err, EINVAL, "state: no container id");
	json_t *o = json_object();
	if (!o)
		return roci_fail(err, ENOMEM, "state");
	int r;
	if ((r = put_str(o, "id", st->id, err)) < 0 ||
	    (r = put_int(o, "pid", st->pid, err)) < 0 ||
	    (r = put_int(o, "pid_starttime", (json_int_t)st->pid_starttime, err)) < 0 ||
	    (r = put_str(o, "bundle", st->bundle, err)) < 0 ||
	    (r = put_str(o, "rootfs", st->rootfs, err)) < 0 ||
	    (r = put_str(o, "created", st->created, err)) < 0 ||
	    (r = put_int(o, "owner", st->owner, err)) < 0 ||
	    (r = put_annotations(o, st, err)) < 0 ||
	    (r = put_bool(o, "systemd_cgroup", st->systemd_cgroup, err)) < 0 ||
	    (st->creating && (r = put_bool(o, "creating", true, err)) < 0) ||
	    (st->cgroup && json_object_set(o, "cgroup", st->cgroup) < 0 &&
	     (r = roci_fail(err, ENOMEM, "state")) < 0)) {
		json_decref(o);
		return r;
	}
	return dump(o, false, out, err);
}

int roci_state_oci_json(const struct roci_state *st, enum roci_status status, bool pretty,
			char **out, struct roci_err *err)
{
	*out = NULL;
	json_t *o = json_object();
	if (!o)
		return roci_fail(err, ENOMEM, "state");
	/* The spec requires pid while a process exists (created, running;
	 * paused keeps it too). A stopped container has none, so no key. A
	 * container still being created shows its pid once there is one. */
	bool with_pid = status == ROCI_STATUS_CREATED || status == ROCI_STATUS_RUNNING ||
			status == ROCI_STATUS_PAUSED ||
			(status == ROCI_STATUS_CREATING && st->pid > 0);
	int r;
	if ((r = put_str(o, "ociVersion", ROCI_SPEC_VERSION, err)) < 0 ||
	    (r = put_str(o, "id", st->id, err)) < 0 ||
	    (r = put_str(o, "status", roci_status_name(status), err)) < 0 ||
	    (with_pid && (r = put_int(o, "pid", st->pid, err)) < 0) ||
	    (r = put_str(o, "bundle", st->bundle, err)) < 0 ||
	    (r = put_str(o, "rootfs", st->rootfs, err)) < 0 ||
	    (r = put_str(o, "created", st->created, err)) < 0 ||
	    /* `runc state` leaves owner empty; list shows the user name. */
	    (r = put_str(o, "owner", "", err)) < 0 ||
	    (r = put_annotations(o, st, err)) < 0) {
		json_decref(o);
		return r;
	}
	return dump(o, pretty, out, err);
}

int roci_process_state_json(const struct roci_state *st, enum roci_status status, pid_t pid,
			    const char *metadata, char **out, struct roci_err *err)
{
	*out = NULL;
	_cleanup_free_ char *state = NULL;
	int r = roci_state_oci_json(st, status, false, &state, err);
	if (r < 0)
		return r;
	json_t *sj = json_loads(state, 0, NULL);
	json_t *o = json_object();
	json_t *fds = json_array();
	if (!sj || !o || !fds) {
		json_decref(sj);
		json_decref(o);
		json_decref(fds);
		return roci_fail(err, ENOMEM, "container process state");
	}
	/* json_object_set_new takes the value even when it fails. */
	if (json_object_set_new(o, "ociVersion", json_string(ROCI_SPEC_VERSION)) < 0 ||
	    json_object_set_new(o, "fds", fds) < 0 ||
	    json_array_append_new(fds, json_string("seccompFd")) < 0 ||
	    json_object_set_new(o, "pid", json_integer(pid)) < 0 ||
	    (metadata && json_object_set_new(o, "metadata", json_string(metadata)) < 0)) {
		json_decref(o);
		json_decref(sj);
		return roci_fail(err, ENOMEM, "container process state");
	}
	if (json_object_set_new(o, "state", sj) < 0) {
		json_decref(o);
		return roci_fail(err, ENOMEM, "container process state");
	}
	return dump(o, false, out, err);
}

/* ---- reading ------------------------------------------------------------ */

static int corrupt(struct roci_err *err, const char *field, const char *want)
{
	return roci_failx(err, EINVAL, "corrupt state.json: %s: expected %s", field, want);
}

/* Optional string member: absent or null leaves *dst NULL. */
static int get_str(json_t *o, const char *key, bool required, char **dst, struct roci_err *err)
{
	json_t *v = json_object_get(o, key);
	if (!v || json_is_null(v)) {
		if (required)
			return roci_failx(err, EINVAL, "corrupt state.json: %s: missing", key);
		return 0;
	}
	if (!json_is_string(v))
		return corrupt(err, key, "a string");
	*dst = strdup(json_string_value(v));
	return *dst ? 0 : roci_fail(err, ENOMEM, "state");
}

/* Optional integer member in [0, max]: absent leaves *dst 0. */
static int get_uint(json_t *o, const char *key, json_int_t max, json_int_t *dst,
		    struct roci_err *err)
{
	json_t *v = json_object_get(o, key);
	*dst = 0;
	if (!v)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > max)
		return corrupt(err, key, "a non-negative integer in range");
	*dst = json_integer_value(v);
	return 0;
}

static int get_annotations(json_t *o, struct roci_state *st, struct roci_err *err)
{
	json_t *a = json_object_get(o, "annotations");
	if (a && !json_is_object(a) && !json_is_null(a))
		return corrupt(err, "annotations", "an object");
	size_t n = json_is_object(a) ? json_object_size(a) : 0;
	st->annotation_keys = calloc(n + 1, sizeof(char *));
	st->annotation_values = calloc(n + 1, sizeof(char *));
	if (!st->annotation_keys || !st->annotation_values)
		return roci_fail(err, ENOMEM, "state");
	if (!n)
		return 0;
	const char *k;
	json_t *v;
	json_object_foreach(a, k, v) {
		if (!json_is_string(v))
			return roci_failx(err, EINVAL, "corrupt state.json: annotations.%s: expected a string", k);
		size_t i = st->n_annotations;
		st->annotation_keys[i] = strdup(k);
		st->annotation_values[i] = strdup(json_string_value(v));
		/* counted before the check so that free releases a lone strdup */
		st->n_annotations++;
		if (!st->annotation_keys[i] || !st->annotation_values[i])
			return roci_fail(err, ENOMEM, "state");
	}
	return 0;
}

static int parse_state(json_t *o, struct roci_state *st, struct roci_err *err)
{
	json_int_t pid, starttime, owner;
	json_t *sd = json_object_get(o, "systemd_cgroup");
	json_t *creating = json_object_get(o, "creating");
	int r;
	if ((r = get_str(o, "id", true, &st->id, err)) < 0 ||
	    (r = get_uint(o, "pid", INT_MAX, &pid, err)) < 0 ||
	    (r = get_uint(o, "pid_starttime", INT64_MAX, &starttime, err)) < 0 ||
	    (r = get_str(o, "bundle", true, &st->bundle, err)) < 0 ||
	    (r = get_str(o, "rootfs", false, &st->rootfs, err)) < 0 ||
	    (r = get_str(o, "created", false, &st->created, err)) < 0 ||
	    (r = get_uint(o, "owner", (json_int_t)UINT32_MAX - 1, &owner, err)) < 0 ||
	    (r = get_annotations(o, st, err)) < 0 ||
	    0)
		return r;
	json_t *cg = json_object_get(o, "cgroup");
	if (cg && !json_is_object(cg))
		return corrupt(err, "cgroup", "an object");
	st->cgroup = json_incref(cg);
	if (sd && !json_is_boolean(sd))
		return corrupt(err, "systemd_cgroup", "a boolean");
	if (creating && !json_is_boolean(creating))
		return corrupt(err, "creating", "a boolean");
	st->creating = json_is_true(creating);
	if (!st->id[0])
		return roci_failx(err, EINVAL, "corrupt state.json: id: empty");
	st->pid = (pid_t)pid;
	st->pid_starttime = (uint64_t)starttime;
	st->owner = (uid_t)owner;
	st->systemd_cgroup = json_is_true(sd);
	return 0;
}

int roci_state_from_json(const char *text, struct roci_state **out, struct roci_err *err)
{
	*out = NULL;
	json_error_t je;
	json_t *o = json_loads(text ? text : "", JSON_REJECT_DUPLICATES, &je);
	if (!o)
		return roci_failx(err, EINVAL, "corrupt state.json: line %d: %s", je.line, je.text);
	if (!json_is_object(o)) {
		json_decref(o);
		return roci_failx(err, EINVAL, "corrupt state.json: not a JSON object");
	}
	struct roci_state *st = calloc(1, sizeof(*st));
	if (!st) {
		json_decref(o);
		return roci_fail(err, ENOMEM, "state");
	}
	int r = parse_state(o, st, err);
	json_decref(o);
	if (r < 0) {
		roci_state_free(st);
		return r;
	}
	*out = st;
	return 0;
}

static void strv_free(char **v, size_t n)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
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
	json_decref(st->cgroup);
	free(st);
}
