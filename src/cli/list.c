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

	struct row *rows = NULL;
	size_t n = 0, cap = 0;
	DIR *d = opendir(g->root);
	if (d) {
		struct dirent *de;
		while ((de = readdir(d))) {
			if (de->d_name[0] == '.')
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 16;
				struct row *nr = realloc(rows, cap * sizeof(*rows));
				if (!nr)
					break;
				rows = nr;
			}
			struct row *r = &rows[n];
			memset(r, 0, sizeof(*r));
			if (roci_container_load(g->root, de->d_name, false, &r->c, NULL) < 0)
				continue;
			r->id = strdup(de->d_name);
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
			n++;
		}
		closedir(d);
	} else if (errno != ENOENT) {
		return roci_fail(err, errno, "open %s", g->root);
	}
	if (n)
		qsort(rows, n, sizeof(*rows), cmp_rows);

	if (quiet) {
		for (size_t i = 0; i < n; i++)
			printf("%s\n", rows[i].id);
	} else if (json) {
		json_t *arr = json_array();
		for (size_t i = 0; i < n; i++) {
			json_t *o = rows[i].json ? json_loads(rows[i].json, 0, NULL) : NULL;
			if (o) {
				if (!json_object_get(o, "pid"))
					json_object_set_new(o, "pid", json_integer(0));
				json_array_append_new(arr, o);
			}
		}
		char *s = json_dumps(arr, JSON_COMPACT);
		printf("%s\n", s ? s : "[]");
		free(s);
		json_decref(arr);
	} else {
		size_t w[4] = { 2, 3, 6, 6 };
		char pidbuf[32];
		for (size_t i = 0; i < n; i++) {
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
		for (size_t i = 0; i < n; i++) {
			printf("%-*s%-*d%-*s%-*s%-*s%s\n", (int)w[0], rows[i].id, (int)w[1], rows[i].pid,
			       (int)w[2], rows[i].status, (int)w[3], rows[i].bundle, 31, rows[i].created,
			       rows[i].owner);
		}
	}
	for (size_t i = 0; i < n; i++) {
		free(rows[i].id);
		free(rows[i].json);
		roci_container_close(&rows[i].c);
	}
	free(rows);
	return 0;
}
