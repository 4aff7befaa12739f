/* SPDX-License-Identifier: Apache-2.0 */
/* Logging to stderr or --log FILE, as text or JSON lines (level, msg, time).
 * The logger is configured once in main and passed down explicitly. */
#pragma once
#include <stdbool.h>

enum roci_log_level { ROCI_LOG_DEBUG, ROCI_LOG_INFO, ROCI_LOG_WARN, ROCI_LOG_ERROR };

struct roci_log {
	int fd;              /* stderr or the --log file */
	bool json;           /* --log-format json */
	enum roci_log_level min_level; /* DEBUG with --debug, else WARN */
};

void roci_log(const struct roci_log *log, enum roci_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define roci_debug(l, ...) roci_log((l), ROCI_LOG_DEBUG, __VA_ARGS__)
#define roci_info(l, ...) roci_log((l), ROCI_LOG_INFO, __VA_ARGS__)
#define roci_warn(l, ...) roci_log((l), ROCI_LOG_WARN, __VA_ARGS__)
#define roci_error(l, ...) roci_log((l), ROCI_LOG_ERROR, __VA_ARGS__)
