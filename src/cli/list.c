/* SPDX-License-Identifier: Apache-2.0 */
/* roci list [-f table|json] [-q] */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "runtime/container.h"
#include "util/cleanup.h"
#include "util/passwd.h"

struct row {
	char *id;
	char *json; /* OCI state document */
	int pid;
	const char *status;
	const char *bundle;
	const char *created;
	char owner[64];
	struct roci_container c;
};

static int cmp_rows(const void *a, const void *b)
{
	return strcmp(((const struct row *)a)->id, ((const struct row *)b)->id);
}

static void owner_name(uid_t uid, char *buf, size_t cap)
{
	if (roci_passwd_lookup("/etc/passwd", uid, buf, cap, NULL, 0) < 0)
		snprintf(buf, cap, "#%u", (unsigned)uid);
}

struct rows {
	struct row *v;
	size_t n, cap;
};

static void rows_free(struct rows *rs)
{
	for (size_t i = 0; i < rs->n; i++) {
		free(rs->v[i].id);
		free(rs->v[i].json);
		roci_container_close(&rs->v[i].c);
	}
	free(rs->v);
}

/* One row from the container's state, or false when it cannot be read. */
static bool load_row(const char *root, const char *id, struct row *r)
{
	memset(r, 0, sizeof(*r));
	if (roci_container_load(root, id, false, &r->c, NULL) < 0)
		return false;
	r->id = strdup(id);
	r->status = roci_status_name(r->c.status);
	if (r->c.st) {
		bool live = r->c.status != ROCI_STATUS_STOPPED;
		r->pid = live ? r->c.st->pid : 0;
		r->bundle = r->c.st->bundle;
		r->created = r->c.st->created;
		owner_name(r->c.st->owner, r->owner, sizeof(r->owner));
	} else {
		r->bundle = r->created = "";
	}
	roci_container_state_json(&r->c, r->c.status, false, &r->json, NULL);
	return true;
}

/* Every container under root, sorted by id; a missing root is empty. */
static int load_rows(const char *root, struct rows *rs, struct roci_err *err)
{
	DIR *d = opendir(root);
	if (!d)
		return errno == ENOENT ? 0 : roci_fail(err, errno, "open %s", root);
	struct dirent *de;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '#')
			roci_statedir_drop_stale(root, de->d_name); /* a killed create's */
		if (de->d_name[0] == '.' || de->d_name[0] == '#')
			continue; /* '#': a state directory a create is still making */
		if (rs->n == rs->cap) {
			rs->cap = rs->cap ? rs->cap * 2 : 16;
			struct row *nr = realloc(rs->v, rs->cap * sizeof(*rs->v));
			if (!nr)
				break;
			rs->v = nr;
		}
		if (load_row(root, de->d_name, &rs->v[rs->n]))
			rs->n++;
	}
	closedir(d);
	if (rs->n)
		qsort(rs->v, rs->n, sizeof(*rs->v), cmp_rows);
	return 0;
}

/* runc's layout: these fields in this order, annotations only when there
 * are some, owner by name; no container at all is null, as with runc. */
static void print_json(const struct rows *rs)
{
	static const char *const fields[] = { "ociVersion", "id", "pid", "status", "bundle",
					      "rootfs", "created", "annotations" };
	json_t *arr = json_array();
	for (size_t i = 0; i < rs->n; i++) {
		json_t *st = rs->v[i].json ? json_loads(rs->v[i].json, 0, NULL) : NULL;
		if (!st)
			continue;
		json_t *o = json_object();
		for (size_t f = 0; f < ARRAY_SIZE(fields); f++) {
			json_t *v = json_object_get(st, fields[f]);
			if (!strcmp(fields[f], "pid"))
				v = json_integer(json_integer_value(v));  /* 0 when stopped */
			else if (!strcmp(fields[f], "annotations") && !json_object_size(v))
				continue;
			else if (v)
				json_incref(v);
			json_object_set_new(o, fields[f], v ? v : json_string(""));
		}
		json_object_set_new(o, "owner", json_string(rs->v[i].owner));
		json_array_append_new(arr, o);
		json_decref(st);
	}
	char *s = json_array_size(arr) ? json_dumps(arr, JSON_COMPACT) : NULL;
	printf("%s\n", s ? s : "null");
	free(s);
	json_decref(arr);
}

static void print_table(const struct rows *rs)
{
	const struct row *rows = rs->v;
	size_t w[4] = { 2, 3, 6, 6 };
	char pidbuf[32];
	for (size_t i = 0; i < rs->n; i++) {
		size_t l = strlen(rows[i].id);
		w[0] = l > w[0] ? l : w[0];
		l = (size_t)snprintf(pidbuf, sizeof(pidbuf), "%d", rows[i].pid);
		w[1] = l > w[1] ? l : w[1];
		l = strlen(rows[i].status);
		w[2] = l > w[2] ? l : w[2];
		l = strlen(rows[i].bundle);
		w[3] = l > w[3] ? l : w[3];
	}
	for (int k = 0; k < 4; k++)
		w[k] = w[k] + 1 < 12 ? 12 : w[k] + 1;
	printf("%-*s%-*s%-*s%-*s%-*s%s\n", (int)w[0], "ID", (int)w[1], "PID", (int)w[2], "STATUS",
	       (int)w[3], "BUNDLE", 31, "CREATED", "OWNER");
	for (size_t i = 0; i < rs->n; i++) {
		printf("%-*s%-*d%-*s%-*s%-*s%s\n", (int)w[0], rows[i].id, (int)w[1], rows[i].pid,
		       (int)w[2], rows[i].status, (int)w[3], rows[i].bundle, 31, rows[i].created,
		       rows[i].owner);
	}
}

int roci_cmd_list(struct roci_globals *g, int argc, char **argv, struct roci_err *err)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *usage = "list [-f|--format table|json] [-q|--quiet]";
	bool json = false, quiet = false;
	int c;
	opterr = 0;
	while ((c = getopt_long_only(argc, argv, ":f:qh", opts, NULL)) != -1) {
		if (c == 'f') {
			if (!strcmp(optarg, "json"))
				json = true;
			else if (strcmp(optarg, "table"))
				return roci_failx(err, EINVAL, "invalid format option \"%s\" (want table or json)", optarg);
		} else if (c == 'q') {
			quiet = true;
		} else if (c == 'h') {
			printf("usage: roci %s\n", usage);
			exit(0);
		} else {
			return roci_failx(err, EINVAL, "invalid option %s\nusage: roci %s", argv[optind - 1], usage);
		}
	}
	if (optind != argc)
		return roci_failx(err, EINVAL, "list takes no arguments\nusage: roci %s", usage);

	struct rows rs = { 0 };
	int r = load_rows(g->root, &rs, err);
	if (r < 0)
		return r;
	if (quiet) {
		for (size_t i = 0; i < rs.n; i++)
			printf("%s\n", rs.v[i].id);
	} else if (json) {
		print_json(&rs);
	} else {
		print_table(&rs);
	}
	rows_free(&rs);
	return 0;
}
