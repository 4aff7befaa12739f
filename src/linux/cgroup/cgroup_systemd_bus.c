/* SPDX-License-Identifier: Apache-2.0 */
/* The systemd driver's D-Bus part (sd-bus): StartTransientUnit,
 * SetUnitProperties and StopUnit on org.freedesktop.systemd1, each
 * waiting for its job to finish. libsystemd is loaded with dlopen only
 * when --systemd-cgroup is used: linked, it and its own libraries would
 * cost every roci command about half a millisecond of dynamic linking.
 * In a static roci the library comes with its own copy of libc, and so
 * its own heap: memory that libsystemd hands over is freed with the free
 * of the library's namespace (lib_free), never with ours. */
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <time.h>

#include "linux/cgroup/cgroup_internal.h"

#define SD_DEST "org.freedesktop.systemd1"
#define SD_PATH "/org/freedesktop/systemd1"
#define SD_MANAGER "org.freedesktop.systemd1.Manager"
#define JOB_TIMEOUT_USEC (30ULL * 1000000)

#define SD_FUNCS(X)                                                                         \
	X(sd_bus_open_system) X(sd_bus_open_user) X(sd_bus_flush_close_unref) X(sd_bus_get_property_string)     \
	X(sd_bus_error_free) X(sd_bus_error_is_set) X(sd_bus_error_has_name)                \
	X(sd_bus_message_new_method_call) X(sd_bus_message_open_container)                  \
	X(sd_bus_message_close_container) X(sd_bus_message_append)                          \
	X(sd_bus_message_append_array) X(sd_bus_message_read) X(sd_bus_message_unref)       \
	X(sd_bus_match_signal) X(sd_bus_slot_unref) X(sd_bus_call) X(sd_bus_call_method)    \
	X(sd_bus_process) X(sd_bus_wait)

struct roci_systemd {
	void *lib;
	void (*lib_free)(void *);
#define SD_DECLARE(f) __typeof__(f) *f;
	SD_FUNCS(SD_DECLARE)
	sd_bus *bus;
	unsigned version;
};

/* "what: systemd's message" (or strerror when systemd sent none). */
__attribute__((format(printf, 5, 6)))
static int bus_fail(const struct roci_systemd *sd, struct roci_err *err, int r, const sd_bus_error *e,
		    const char *fmt, ...)
{
	char what[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (e && sd->sd_bus_error_is_set(e))
		return roci_failx(err, r < 0 ? -r : EIO, "%s: %s", what, e->message ? e->message : e->name);
	return roci_fail(err, r < 0 ? -r : EIO, "%s", what);
}

int roci_systemd_connect(struct roci_systemd **out, bool user, struct roci_err *err)
{
	*out = NULL;
	struct roci_systemd *sd = calloc(1, sizeof(*sd));
	if (!sd)
		return roci_fail(err, ENOMEM, "systemd");
	sd->lib = dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL);
	if (!sd->lib) {
		free(sd);
		return roci_failx(err, ENOTSUP, "systemd cgroup driver: %s", dlerror());
	}
#define SD_LOAD(f)                                                                                  \
	if (!(sd->f = (__typeof__(f) *)dlsym(sd->lib, #f))) {                                      \
		roci_systemd_close(sd);                                                              \
		return roci_failx(err, ENOTSUP, "systemd cgroup driver: libsystemd.so.0 has no %s", #f); \
	}
	SD_FUNCS(SD_LOAD)
	if (!(sd->lib_free = (void (*)(void *))dlsym(sd->lib, "free"))) {
		roci_systemd_close(sd);
		return roci_failx(err, ENOTSUP, "systemd cgroup driver: libsystemd.so.0 has no free");
	}
	int r = user ? sd->sd_bus_open_user(&sd->bus) : sd->sd_bus_open_system(&sd->bus);
	if (r < 0) {
		roci_systemd_close(sd);
		if (user)
			return roci_fail(err, -r, "systemd cgroup driver: connect to the user's bus (is the user's "
					 "systemd running? DBUS_SESSION_BUS_ADDRESS, or $XDG_RUNTIME_DIR/bus)");
		return roci_fail(err, -r, "systemd cgroup driver: connect to the system bus (is systemd running?)");
	}
	sd_bus_error e = SD_BUS_ERROR_NULL;
	char *version = NULL;
	r = sd->sd_bus_get_property_string(sd->bus, SD_DEST, SD_PATH, SD_MANAGER, "Version", &e, &version);
	if (r < 0) {
		r = bus_fail(sd, err, r, &e, "systemd cgroup driver: systemd does not answer on the %s bus",
			     user ? "user's" : "system");
		sd->sd_bus_error_free(&e);
		roci_systemd_close(sd);
		return r;
	}
	sd->version = (unsigned)strtoul(version, NULL, 10);
	sd->lib_free(version);
	*out = sd;
	return 0;
}

int roci_systemd_control_group(struct roci_systemd *sd, char *out, size_t len, struct roci_err *err)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	char *cg = NULL;
	int r = sd->sd_bus_get_property_string(sd->bus, SD_DEST, SD_PATH, SD_MANAGER, "ControlGroup", &e, &cg);
	if (r < 0) {
		r = bus_fail(sd, err, r, &e, "systemd cgroup driver: read the manager's ControlGroup");
		sd->sd_bus_error_free(&e);
		return r;
	}
	/* systemd says "" for the root */
	r = snprintf(out, len, "%s", cg[0] ? cg : "/") < (int)len ? 0
		: roci_failx(err, ENAMETOOLONG, "systemd cgroup driver: ControlGroup too long");
	if (r == 0 && out[0] != '/')
		r = roci_failx(err, EINVAL, "systemd cgroup driver: ControlGroup \"%s\" is not absolute", out);
	sd->lib_free(cg);
	return r;
}

void roci_systemd_close(struct roci_systemd *sd)
{
	if (!sd)
		return;
	if (sd->bus)
		sd->sd_bus_flush_close_unref(sd->bus);
	dlclose(sd->lib);
	free(sd);
}

unsigned roci_systemd_version(const struct roci_systemd *sd)
{
	return sd->version;
}

static int append_prop(const struct roci_systemd *sd, sd_bus_message *m, const struct roci_sd_prop *p)
{
	int r;
	if ((r = sd->sd_bus_message_open_container(m, 'r', "sv")) < 0 ||
	    (r = sd->sd_bus_message_append(m, "s", p->name)) < 0 ||
	    (r = sd->sd_bus_message_open_container(m, 'v', p->sig)) < 0)
		return r;
	switch (p->sig[0]) {
	case 'b': r = sd->sd_bus_message_append(m, "b", (int)(p->u != 0)); break;
	case 'y': r = sd->sd_bus_message_append(m, "y", (uint8_t)p->u); break;
	case 'n': r = sd->sd_bus_message_append(m, "n", (int16_t)p->u); break;
	case 'q': r = sd->sd_bus_message_append(m, "q", (uint16_t)p->u); break;
	case 'i': r = sd->sd_bus_message_append(m, "i", (int32_t)p->u); break;
	case 'u': r = sd->sd_bus_message_append(m, "u", (uint32_t)p->u); break;
	case 'x': r = sd->sd_bus_message_append(m, "x", (int64_t)p->u); break;
	case 't': r = sd->sd_bus_message_append(m, "t", p->u); break;
	case 's': r = sd->sd_bus_message_append(m, "s", p->s); break;
	case 'a':
		r = p->sig[1] == 'y'   ? sd->sd_bus_message_append_array(m, 'y', p->bytes, p->n_bytes)
		    : p->sig[1] == 's' ? sd->sd_bus_message_append(m, "as", 1, p->s)
				       : sd->sd_bus_message_append(m, "au", 1, (uint32_t)p->u);
		break;
	default: r = -EINVAL;
	}
	if (r < 0 || (r = sd->sd_bus_message_close_container(m)) < 0)
		return r;
	return sd->sd_bus_message_close_container(m);
}

static int append_props(const struct roci_systemd *sd, sd_bus_message *m, const struct roci_sd_props *props)
{
	int r = sd->sd_bus_message_open_container(m, 'a', "(sv)");
	for (size_t i = 0; r >= 0 && i < props->n; i++)
		r = append_prop(sd, m, &props->v[i]);
	return r < 0 ? r : sd->sd_bus_message_close_container(m);
}

/* ---- jobs ---------------------------------------------------------------- */

struct job_wait {
	const struct roci_systemd *sd;
	char *path;       /* the job we wait for (NULL until known) */
	bool done;
	char result[32];  /* "done", "failed", "canceled", ... */
};

static int on_job_removed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error)
{
	struct job_wait *w = userdata;
	uint32_t id;
	const char *path, *unit, *result;
	if (w->sd->sd_bus_message_read(m, "uoss", &id, &path, &unit, &result) < 0)
		return 0;
	if (w->path && !strcmp(path, w->path)) {
		w->done = true;
		snprintf(w->result, sizeof(w->result), "%s", result);
	}
	return 0;
}

static uint64_t now_usec(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* Call a Manager method that returns a job (reply "o") and wait for the
 * job. The JobRemoved match is in place before the call, so the signal
 * cannot be missed; sd-bus queues it until we process. */
static int call_job(struct roci_systemd *sd, sd_bus_message *m, const char *unit, const char *what,
		    sd_bus_error *e, struct roci_err *err)
{
	struct job_wait w = { .sd = sd };
	sd_bus_slot *slot = NULL;
	sd_bus_message *reply = NULL;
	int r = sd->sd_bus_match_signal(sd->bus, &slot, SD_DEST, SD_PATH, SD_MANAGER, "JobRemoved",
				    on_job_removed, &w);
	if (r < 0) {
		r = bus_fail(sd, err, r, NULL, "systemd: watch for jobs");
		goto out;
	}
	r = sd->sd_bus_call(sd->bus, m, 0, e, &reply);
	if (r < 0)
		goto out;  /* the caller looks at e */
	const char *path;
	if ((r = sd->sd_bus_message_read(reply, "o", &path)) < 0 || !(w.path = strdup(path))) {
		r = bus_fail(sd, err, r < 0 ? r : -ENOMEM, NULL, "systemd: %s %s: read the job", what, unit);
		goto out;
	}
	uint64_t deadline = now_usec() + JOB_TIMEOUT_USEC;
	while (!w.done) {
		r = sd->sd_bus_process(sd->bus, NULL);
		if (r < 0) {
			r = bus_fail(sd, err, r, NULL, "systemd: %s %s", what, unit);
			goto out;
		}
		if (r > 0)
			continue;
		uint64_t now = now_usec();
		if (now >= deadline) {
			r = roci_failx(err, ETIMEDOUT, "systemd: %s %s: the job did not finish in %llu s", what,
				       unit, JOB_TIMEOUT_USEC / 1000000);
			goto out;
		}
		r = sd->sd_bus_wait(sd->bus, deadline - now);
		if (r < 0) {
			r = bus_fail(sd, err, r, NULL, "systemd: %s %s", what, unit);
			goto out;
		}
	}
	r = strcmp(w.result, "done") ? roci_failx(err, EIO, "systemd: %s %s: job %s", what, unit, w.result) : 0;
out:
	sd->sd_bus_message_unref(reply);
	sd->sd_bus_slot_unref(slot);
	free(w.path);
	return r;
}

static int reset_failed(struct roci_systemd *sd, const char *unit)
{
	return sd->sd_bus_call_method(sd->bus, SD_DEST, SD_PATH, SD_MANAGER, "ResetFailedUnit", NULL, NULL,
				  "s", unit);
}

int roci_systemd_start(struct roci_systemd *sd, const char *unit, const struct roci_sd_props *props,
		       struct roci_err *err)
{
	for (int attempt = 0;; attempt++) {
		sd_bus_message *m = NULL;
		sd_bus_error e = SD_BUS_ERROR_NULL;
		int r = sd->sd_bus_message_new_method_call(sd->bus, &m, SD_DEST, SD_PATH, SD_MANAGER,
						       "StartTransientUnit");
		if (r >= 0)
			r = sd->sd_bus_message_append(m, "ss", unit, "fail");
		if (r >= 0)
			r = append_props(sd, m, props);
		if (r >= 0)
			r = sd->sd_bus_message_append(m, "a(sa(sv))", 0);
		if (r < 0) {
			sd->sd_bus_message_unref(m);
			return bus_fail(sd, err, r, NULL, "systemd: start unit %s: build the request", unit);
		}
		r = call_job(sd, m, unit, "start unit", &e, err);
		sd->sd_bus_message_unref(m);
		bool exists = sd->sd_bus_error_has_name(&e, "org.freedesktop.systemd1.UnitExists");
		if (r < 0 && sd->sd_bus_error_is_set(&e)) {
			/* a failed unit of that name: reset it and try once more */
			if (exists && attempt == 0 && reset_failed(sd, unit) >= 0) {
				sd->sd_bus_error_free(&e);
				continue;
			}
			r = exists ? roci_failx(err, EEXIST, "systemd unit %s already exists", unit)
				   : bus_fail(sd, err, r, &e, "systemd: start unit %s", unit);
		}
		sd->sd_bus_error_free(&e);
		return r;
	}
}

int roci_systemd_set(struct roci_systemd *sd, const char *unit, const struct roci_sd_props *props,
		     struct roci_err *err)
{
	if (!props->n)
		return 0;
	sd_bus_message *m = NULL, *reply = NULL;
	sd_bus_error e = SD_BUS_ERROR_NULL;
	int r = sd->sd_bus_message_new_method_call(sd->bus, &m, SD_DEST, SD_PATH, SD_MANAGER, "SetUnitProperties");
	if (r >= 0)
		r = sd->sd_bus_message_append(m, "sb", unit, 1);
	if (r >= 0)
		r = append_props(sd, m, props);
	if (r >= 0)
		r = sd->sd_bus_call(sd->bus, m, 0, &e, &reply);
	if (r < 0)
		r = bus_fail(sd, err, r, &e, "systemd: set properties of %s", unit);
	sd->sd_bus_error_free(&e);
	sd->sd_bus_message_unref(reply);
	sd->sd_bus_message_unref(m);
	return r;
}

int roci_systemd_stop(struct roci_systemd *sd, const char *unit, struct roci_err *err)
{
	sd_bus_message *m = NULL;
	sd_bus_error e = SD_BUS_ERROR_NULL;
	int r = sd->sd_bus_message_new_method_call(sd->bus, &m, SD_DEST, SD_PATH, SD_MANAGER, "StopUnit");
	if (r >= 0)
		r = sd->sd_bus_message_append(m, "ss", unit, "replace");
	if (r < 0) {
		sd->sd_bus_message_unref(m);
		return bus_fail(sd, err, r, NULL, "systemd: stop unit %s", unit);
	}
	r = call_job(sd, m, unit, "stop unit", &e, err);
	sd->sd_bus_message_unref(m);
	if (r < 0 && sd->sd_bus_error_is_set(&e))
		r = sd->sd_bus_error_has_name(&e, "org.freedesktop.systemd1.NoSuchUnit")
			    ? 0 : bus_fail(sd, err, r, &e, "systemd: stop unit %s", unit);
	sd->sd_bus_error_free(&e);
	/* a unit that ended badly stays listed as failed until reset */
	reset_failed(sd, unit);
	return r;
}

int roci_systemd_attach(struct roci_systemd *sd, const char *unit, pid_t pid, struct roci_err *err)
{
	sd_bus_error e = SD_BUS_ERROR_NULL;
	int r = sd->sd_bus_call_method(sd->bus, SD_DEST, SD_PATH, SD_MANAGER, "AttachProcessesToUnit", &e, NULL,
				       "ssau", unit, "", 1, (uint32_t)pid);
	if (r < 0)
		r = bus_fail(sd, err, r, &e, "systemd: attach process %d to %s", (int)pid, unit);
	sd->sd_bus_error_free(&e);
	return r < 0 ? r : 0;
}
