/* SPDX-License-Identifier: Apache-2.0 */
#include "util/error.h"

#include <stdio.h>
#include <string.h>

__attribute__((format(printf, 4, 0)))
static int vfail(struct roci_err *err, int errnum, int with_strerror, const char *fmt, va_list ap)
{
	if (errnum <= 0)
		errnum = EIO;
	if (!err)
		return -errnum;
	err->code = errnum;
	int n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	if (n < 0)
		n = 0;
	if (with_strerror && (size_t)n < sizeof(err->msg))
		snprintf(err->msg + n, sizeof(err->msg) - (size_t)n, ": %s", strerror(errnum));
	return -errnum;
}

int roci_fail(struct roci_err *err, int errnum, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vfail(err, errnum, 1, fmt, ap);
	va_end(ap);
	return r;
}

int roci_failx(struct roci_err *err, int errnum, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = vfail(err, errnum, 0, fmt, ap);
	va_end(ap);
	return r;
}

int roci_err_wrap(struct roci_err *err, const char *fmt, ...)
{
	if (!err)
		return -EIO;
	char prefix[ROCI_ERR_MSG_MAX];
	char old[ROCI_ERR_MSG_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	snprintf(err->msg, sizeof(err->msg), "%s: %s", prefix, old);
	if (err->code == 0)
		err->code = EIO;
	return -err->code;
}

const char *roci_errno_text(int errnum, char *buf, unsigned len)
{
	snprintf(buf, len, "%s", strerror(errnum));
	if (buf[0] >= 'A' && buf[0] <= 'Z')
		buf[0] = (char)(buf[0] - 'A' + 'a');
	return buf;
}
