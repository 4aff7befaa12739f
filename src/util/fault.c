/* SPDX-License-Identifier: Apache-2.0 */
#include "util/fault.h"

#if ROCI_FAULT_INJECTION
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void roci_step(const char *fmt, ...)
{
	char name[128];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	int saved = errno;
	const char *trace = getenv("ROCI_FAULT_TRACE");
	if (trace && *trace) {
		int fd = open(trace, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
		if (fd >= 0) {
			char line[160];
			int n = snprintf(line, sizeof(line), "%s\n", name);
			if (write(fd, line, (size_t)n) < 0) {
				/* the trace is best effort */
			}
			close(fd);
		}
	}
	const char *at = getenv("ROCI_FAULT");
	if (at && !strcmp(at, name)) {
		kill(getpid(), SIGKILL);
		_exit(137);
	}
	errno = saved;
}
#endif
