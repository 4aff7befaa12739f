/* SPDX-License-Identifier: Apache-2.0 */
/* roci events [--stats] [--interval D] ID: one JSON object per line, as
 * runc prints them: {"type":"stats","id":ID,"data":{...}} every interval
 * and {"type":"oom","id":ID} when the kernel's OOM killer acts. With
 * --stats, one stats object and exit. Ends when the container stops. A
 * build without statistics (-Dstats=disabled, the minimal profile) reports
 * OOM events only, and refuses --stats. */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "linux/cgroup/cgroup.h"
#include "roci-config.h"
#include "runtime/container.h"
#include "util/cleanup.h"

/* Go-style durations: "5s", "500ms", "1m", "1m30s"; a bare number is
 * seconds. */
static int parse_duration(const char *s, long long *ms)
{
	long long total = 0;
	const char *p = s;
	if (!*p)
		return -EINVAL;
	while (*p) {
		char *end;
		errno = 0;
		double v = strtod(p, &end);
		if (errno || end == p || v < 0)
			return -EINVAL;
		double unit;
		if (!strncmp(end, "ms", 2)) {
			unit = 1;
			end += 2;
		} else if (*end == 's') {
			unit = 1000;
			end++;
		} else if (*end == 'm') {
			unit = 60000;
			end++;
		} else if (*end == 'h') {
			unit = 3600000;
			end++;
		} else if (!*end && p == s) {
			unit = 1000;
		} else {
			return -EINVAL;
		}
		total += (long long)(v * unit);
		p = end;
	}
	*ms = total;
	return total > 0 ? 0 : -EINVAL;
}

static int print_event(const char *type, const char *id, json_t *data)
{
	json_t *o = json_pack("{s:s, s:s}", "type", type, "id", id);
	if (!o) {
		json_decref(data);
		return -ENOMEM;
	}
	if (data)
		json_object_set_new(o, "data", data);
	char *text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (!text)
		return -ENOMEM;
	printf("%s\n", text);
	fflush(stdout);
	free(text);
	return 0;
}

/* Load the container; its cgroup in cg. -ESRCH once it has stopped. */
static int load(struct roci_globals *g, const char *id, struct roci_cgroup *cg, struct roci_err *err)
{
	memset(cg, 0, sizeof(*cg)); /* freed by the caller, whatever happens */
	struct roci_container c;
	int r = roci_container_load(g->root, id, false, &c, err);
	if (r < 0)
		return r;
	if (c.status == ROCI_STATUS_STOPPED)
		r = roci_failx(err, ESRCH, "container not running");
	else
		r = roci_container_cgroup(&c, cg, err);
	if (r == 0 && !cg->n)
		r = roci_failx(err, ENOTSUP, "container %s has no cgroup", id);
	roci_container_close(&c);
	return r;
}

int roci_cmd_events(struct roci_globals *g, int argc, char **argv, struct roci_err *err)
{
	static const struct option opts[] = {
		{ "stats", no_argument, NULL, 's' },
		{ "interval", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *usage = "events [--stats] [--interval 5s] ID";
	bool once = false;
	long long interval = 5000;
	int c;
	opterr = 0;
	while ((c = getopt_long_only(argc, argv, ":h", opts, NULL)) != -1) {
		if (c == 's') {
			once = true;
		} else if (c == 'i') {
			if (parse_duration(optarg, &interval) < 0)
				return roci_failx(err, EINVAL, "--interval: \"%s\" is not a duration like 5s", optarg);
		} else if (c == 'h') {
			printf("usage: roci %s\n", usage);
			exit(0);
		} else {
			return roci_failx(err, EINVAL, "unknown option %s\nusage: roci %s", argv[optind - 1], usage);
		}
	}
	const char *id;
	int r = roci_cli_one_id(argc, argv, optind, usage, &id, err);
	if (r < 0)
		return r;
	if (once && !HAVE_STATS)
		return roci_failx(err, ENOTSUP, "events --stats: %s",
				  ROCI_BUILT_WITHOUT("container statistics", "stats"));
	struct roci_cgroup cg;
	r = load(g, id, &cg, err);
	if (r < 0) {
		roci_cgroup_free(&cg);
		return r;
	}
	unsigned long long oom_count = 0;
	_cleanup_close_ int oom_fd = once ? -1 : roci_cgroup_oom_fd(&cg, &oom_count);
	struct timespec next;
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (;;) {
#if HAVE_STATS
		json_t *stats;
		if ((r = roci_cgroup_stats(&cg, &stats, err)) < 0)
			break;
		if ((r = print_event("stats", id, stats)) < 0) {
			r = roci_fail(err, -r, "events");
			break;
		}
		if (once)
			break;
#endif
		next.tv_sec += interval / 1000;
		next.tv_nsec += (interval % 1000) * 1000000L;
		if (next.tv_nsec >= 1000000000L) {
			next.tv_sec++;
			next.tv_nsec -= 1000000000L;
		}
		/* wait for the next tick, reporting OOMs meanwhile; stop when
		 * the container does */
		for (;;) {
			struct timespec now;
			clock_gettime(CLOCK_MONOTONIC, &now);
			long long left = (next.tv_sec - now.tv_sec) * 1000LL + (next.tv_nsec - now.tv_nsec) / 1000000L;
			if (left <= 0)
				break;
			struct pollfd p = { .fd = oom_fd, .events = POLLIN };
			int wait_ms = left > 200 ? 200 : (int)left;
			if (oom_fd >= 0 && poll(&p, 1, wait_ms) > 0) {
				if (roci_cgroup_oom_check(&cg, oom_fd, &oom_count))
					print_event("oom", id, NULL);
			} else if (oom_fd < 0) {
				poll(NULL, 0, wait_ms);
			}
			struct roci_cgroup again;
			struct roci_err ignore = { 0 };
			if (load(g, id, &again, &ignore) < 0) {
				roci_cgroup_free(&again);
				roci_cgroup_free(&cg);
				return 0;
			}
			roci_cgroup_free(&again);
		}
	}
	roci_cgroup_free(&cg);
	return r;
}
