/* SPDX-License-Identifier: Apache-2.0 */
/* state.json round trips and the OCI state document. */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "oci/state.h"
#include "roci-config.h"
#include "tap.h"

/* tap.h's ok() evaluates its condition twice: call first, then check. */
static int rc;

static char *keys[] = { "com.example.a", "b", NULL };
static char *vals[] = { "1", "two words", NULL };

static struct roci_state sample(void)
{
	return (struct roci_state){
		.id = "c1", .pid = 4242, .pid_starttime = 123456789012ULL, .bundle = "/srv/b",
		.rootfs = "/srv/b/rootfs", .created = "2026-01-02T03:04:05.123456789Z",
		.owner = 1000, .annotation_keys = keys, .annotation_values = vals,
		.n_annotations = 2, .systemd_cgroup = true,
	};
}

static void round_trip(void)
{
	struct roci_state st = sample();
	st.cgroup = json_pack("{s:s}", "path", "/roci/c1");
	char *text = NULL;
	struct roci_err err = { 0 };
	rc = roci_state_to_json(&st, &text, &err);
	ok(rc == 0, "state.json written (%s)", err.msg);
	struct roci_state *b = NULL;
	rc = roci_state_from_json(text, &b, &err);
	ok(rc == 0 && b, "state.json read back (%s)", err.msg);
	json_decref(st.cgroup);
	if (!b) {
		free(text);
		return;
	}
	is_str(b->id, "c1", "id");
	ok(b->pid == 4242, "pid");
	ok(b->pid_starttime == 123456789012ULL, "pid_starttime");
	is_str(b->bundle, "/srv/b", "bundle");
	is_str(b->rootfs, "/srv/b/rootfs", "rootfs");
	is_str(b->created, "2026-01-02T03:04:05.123456789Z", "created");
	ok(b->owner == 1000, "owner");
	ok(b->systemd_cgroup, "systemd_cgroup");
	is_str(json_string_value(json_object_get(b->cgroup, "path")), "/roci/c1", "cgroup record");
	ok(b->n_annotations == 2, "two annotations");
	int found = 0;
	for (size_t i = 0; i < b->n_annotations; i++) {
		if (!strcmp(b->annotation_keys[i], "com.example.a") && !strcmp(b->annotation_values[i], "1"))
			found++;
		if (!strcmp(b->annotation_keys[i], "b") && !strcmp(b->annotation_values[i], "two words"))
			found++;
	}
	ok(found == 2, "annotation keys and values");

	/* writing what was read gives the same text */
	char *again = NULL;
	rc = roci_state_to_json(b, &again, &err);
	ok(rc == 0, "re-serialised");
	is_str(again, text, "stable serialisation");
	free(again);
	roci_state_free(b);
	free(text);

	/* minimal record: no annotations, no cgroup path */
	struct roci_state bare = { .id = "x", .bundle = "/b" };
	rc = roci_state_to_json(&bare, &text, &err);
	ok(rc == 0, "minimal state written");
	rc = roci_state_from_json(text, &b, &err);
	ok(rc == 0, "minimal state read");
	if (b) {
		ok(b->n_annotations == 0 && b->annotation_keys && !b->cgroup && !b->systemd_cgroup,
		   "minimal fields");
		roci_state_free(b);
	}
	free(text);

	struct roci_state noid = { .bundle = "/b" };
	rc = roci_state_to_json(&noid, &text, &err);
	ok(rc < 0, "state without id refused");
	struct roci_state badutf = { .id = "x", .bundle = "/b\xff" };
	rc = roci_state_to_json(&badutf, &text, &err);
	ok(rc < 0, "non-UTF-8 bundle refused");
	is_contains(err.msg, "bundle", "  message names the field");
}

static void corrupt(const char *text, const char *what, const char *needle)
{
	struct roci_state *b = (struct roci_state *)1;
	struct roci_err err = { 0 };
	rc = roci_state_from_json(text, &b, &err);
	ok(rc < 0 && b == NULL, "corrupt: %s", what);
	is_contains(err.msg, needle, "  message: %s", err.msg);
}

static void damaged(void)
{
	corrupt("{", "truncated", "corrupt state.json");
	corrupt("[]", "not an object", "not a JSON object");
	corrupt("{\"bundle\":\"/b\"}", "no id", "id");
	corrupt("{\"id\":\"x\"}", "no bundle", "bundle");
	corrupt("{\"id\":7,\"bundle\":\"/b\"}", "id not a string", "id");
	corrupt("{\"id\":\"\",\"bundle\":\"/b\"}", "empty id", "id");
	corrupt("{\"id\":\"x\",\"bundle\":\"/b\",\"pid\":\"1\"}", "pid a string", "pid");
	corrupt("{\"id\":\"x\",\"bundle\":\"/b\",\"pid\":-1}", "negative pid", "pid");
	corrupt("{\"id\":\"x\",\"bundle\":\"/b\",\"pid\":9999999999}", "pid out of range", "pid");
	corrupt("{\"id\":\"x\",\"bundle\":\"/b\",\"owner\":-5}", "negative owner", "owner");
	corrupt("{\"id\":\"x\",\"bundle\":\"/b\",\"annotations\":[]}", "annotations an array", "annotations");
	corrupt("{\"id\":\"x\",\"bundle\":\"/b\",\"annotations\":{\"k\":1}}", "annotation value a number",
		"annotations.k");
	corrupt("{\"id\":\"x\",\"bundle\":\"/b\",\"systemd_cgroup\":1}", "systemd_cgroup a number",
		"systemd_cgroup");
	corrupt("{\"id\":\"x\",\"id\":\"y\",\"bundle\":\"/b\"}", "duplicate key", "corrupt state.json");
}

/* Parse an OCI state document for field checks. */
static json_t *oci_doc(const struct roci_state *st, enum roci_status s, bool pretty, char **text)
{
	struct roci_err err = { 0 };
	*text = NULL;
	if (roci_state_oci_json(st, s, pretty, text, &err) < 0) {
		ok(0, "OCI state for %s: %s", roci_status_name(s), err.msg);
		return NULL;
	}
	return json_loads(*text, 0, NULL);
}

static void oci_document(void)
{
	struct roci_state st = sample();
	char *text;
	json_t *d = oci_doc(&st, ROCI_STATUS_RUNNING, false, &text);
	ok(d != NULL, "running: valid JSON");
	if (d) {
		is_str(json_string_value(json_object_get(d, "ociVersion")), ROCI_SPEC_VERSION, "ociVersion");
		is_str(json_string_value(json_object_get(d, "ociVersion")), "1.3.0", "ociVersion is 1.3.0");
		is_str(json_string_value(json_object_get(d, "id")), "c1", "id");
		is_str(json_string_value(json_object_get(d, "status")), "running", "status");
		ok(json_integer_value(json_object_get(d, "pid")) == 4242, "pid");
		is_str(json_string_value(json_object_get(d, "bundle")), "/srv/b", "bundle");
		is_str(json_string_value(json_object_get(d, "rootfs")), "/srv/b/rootfs", "rootfs");
		is_str(json_string_value(json_object_get(d, "created")), "2026-01-02T03:04:05.123456789Z",
		       "created");
		is_str(json_string_value(json_object_get(d, "owner")), "", "owner is \"\" as runc state");
		json_t *a = json_object_get(d, "annotations");
		ok(json_is_object(a) && json_object_size(a) == 2, "annotations object");
		is_str(json_string_value(json_object_get(a, "b")), "two words", "annotation value");
		ok(!json_object_get(d, "pid_starttime") && !json_object_get(d, "systemd_cgroup") &&
		   !json_object_get(d, "cgroup"), "no internal fields");
		ok(!strchr(text, '\n'), "compact when not pretty");
		json_decref(d);
	}
	free(text);

	static const struct {
		enum roci_status s;
		const char *name;
		bool pid;
	} statuses[] = {
		{ ROCI_STATUS_CREATED, "created", true },
		{ ROCI_STATUS_RUNNING, "running", true },
		{ ROCI_STATUS_PAUSED, "paused", true },
		{ ROCI_STATUS_STOPPED, "stopped", false },
	};
	for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
		d = oci_doc(&st, statuses[i].s, false, &text);
		is_str(json_string_value(json_object_get(d, "status")), statuses[i].name, "status %s",
		       statuses[i].name);
		ok((json_object_get(d, "pid") != NULL) == statuses[i].pid, "%s: pid %s", statuses[i].name,
		   statuses[i].pid ? "present" : "omitted");
		json_decref(d);
		free(text);
	}
	is_str(roci_status_name(ROCI_STATUS_CREATING), "creating", "creating name");

	d = oci_doc(&st, ROCI_STATUS_STOPPED, true, &text);
	ok(text && strstr(text, "\n  \"id\": \"c1\""), "pretty: 2-space indent");
	json_decref(d);
	free(text);

	/* no annotations: the key is still there, as an empty object */
	struct roci_state bare = { .id = "x", .pid = 1 };
	d = oci_doc(&bare, ROCI_STATUS_CREATED, false, &text);
	json_t *a = json_object_get(d, "annotations");
	ok(json_is_object(a) && json_object_size(a) == 0, "empty annotations object");
	is_str(json_string_value(json_object_get(d, "bundle")), "", "missing bundle printed as \"\"");
	json_decref(d);
	free(text);
}

int main(void)
{
	round_trip();
	damaged();
	oci_document();
	return tap_done();
}
