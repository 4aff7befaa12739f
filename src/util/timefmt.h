/* SPDX-License-Identifier: Apache-2.0 */
/* RFC 3339 UTC timestamps, without libc's time zone machinery (gmtime
 * and strftime load /etc/localtime on first use: three system calls and a
 * file read on every command that records a time). */
#pragma once
#include <stddef.h>
#include <time.h>

/* "2026-12-02T01:23:45.123456789Z" into buf (room for ROCI_RFC3339_MAX). */
#define ROCI_RFC3339_MAX 40
void roci_rfc3339_utc(const struct timespec *ts, char *buf, size_t len);
/* The same for the current time (CLOCK_REALTIME). */
void roci_rfc3339_now(char *buf, size_t len);
