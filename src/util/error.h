/* SPDX-License-Identifier: Apache-2.0 */
/* Error object: a negative errno plus a human-readable message with context.
 * Functions that can fail take a `struct roci_err *` and return a negative
 * errno; the message is formatted once and reported once, at the top. */
#pragma once
#include <errno.h>
#include <stdarg.h>

#define ROCI_ERR_MSG_MAX 1024

struct roci_err {
	int code;                     /* positive errno, 0 when unset */
	char msg[ROCI_ERR_MSG_MAX];   /* "context: strerror" */
};

/* The end of the error for a feature this build left out, naming the build
 * option: "WHAT: " ROCI_BUILT_WITHOUT("seccomp support", "seccomp"). */
#define ROCI_BUILT_WITHOUT(what, option)                                              \
	"this roci was built without " what " (build option '" option "': -D" option \
	"=disabled, or left out by -Dprofile=minimal)"

/* Format "fmt...: strerror(errnum)" into err and return -errnum.
 * errnum must be a positive errno value. err may be NULL. */
int roci_fail(struct roci_err *err, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Like roci_fail but without appending strerror; returns -errnum. */
int roci_failx(struct roci_err *err, int errnum, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* strerror(errnum) with a lower-case first letter ("permission denied"),
 * the wording runc's callers match on; buf holds at least 64 bytes. */
const char *roci_errno_text(int errnum, char *buf, unsigned len);

/* Prepend context to an already set error: "ctx: old message". */
int roci_err_wrap(struct roci_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static inline void roci_err_clear(struct roci_err *err)
{
	if (err) {
		err->code = 0;
		err->msg[0] = '\0';
	}
}
