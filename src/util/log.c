/* SPDX-License-Identifier: Apache-2.0 */
#include "util/log.h"
#include "util/timefmt.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *level_name(enum roci_log_level l)
{
	switch (l) {
	case ROCI_LOG_DEBUG: return "debug";
	case ROCI_LOG_INFO: return "info";
	case ROCI_LOG_WARN: return "warning";
	default: return "error";
	}
}

/* Append s to buf as a JSON string body (without quotes). */
static size_t json_escape(char *buf, size_t cap, const char *s)
{
	size_t n = 0;
	for (; *s && n + 7 < cap; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			buf[n++] = '\\';
			buf[n++] = (char)c;
		} else if (c == '\n') {
			buf[n++] = '\\';
			buf[n++] = 'n';
		} else if (c < 0x20) {
			n += (size_t)snprintf(buf + n, cap - n, "\\u%04x", c);
		} else {
			buf[n++] = (char)c;
		}
	}
	buf[n] = '\0';
	return n;
}

void roci_log(const struct roci_log *log, enum roci_log_level level, const char *fmt, ...)
{
	int fd = log ? log->fd : STDERR_FILENO;
	if (log && level < log->min_level)
		return;
	char msg[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);

	char line[4608];
	int n;
	if (!log || log->fd == STDERR_FILENO) {
		/* for a person at a terminal */
		n = snprintf(line, sizeof(line), "%s%s\n",
			     level == ROCI_LOG_WARN ? "roci: warning: " : (level == ROCI_LOG_DEBUG ? "roci: debug: " : "roci: "),
			     msg);
	} else {
		/* a --log file: every level the same way, as JSON or as
		 * key=value text (time, level, msg: the fields and order of
		 * runc's text log), msg escaped alike in both */
		char esc[4200];
		char ts[ROCI_RFC3339_MAX];
		roci_rfc3339_now(ts, sizeof(ts));
		json_escape(esc, sizeof(esc), msg);
		if (log->json)
			n = snprintf(line, sizeof(line), "{\"level\":\"%s\",\"msg\":\"%s\",\"time\":\"%s\"}\n",
				     level_name(level), esc, ts);
		else
			n = snprintf(line, sizeof(line), "time=\"%s\" level=%s msg=\"%s\"\n", ts, level_name(level), esc);
	}
	if (n > (int)sizeof(line) - 1)
		n = (int)sizeof(line) - 1;
	if (n > 0 && write(fd, line, (size_t)n) < 0) {
		/* nowhere left to report */
	}
}
