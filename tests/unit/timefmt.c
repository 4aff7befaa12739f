/* SPDX-License-Identifier: Apache-2.0 */
/* RFC 3339 UTC timestamps: the same text as gmtime + strftime gives, for
 * dates across leap years, centuries and eras. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "tap.h"
#include "util/timefmt.h"

static void libc_format(const struct timespec *ts, char *buf, size_t len)
{
	struct tm tm;
	gmtime_r(&ts->tv_sec, &tm);
	size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, len - n, ".%09ldZ", ts->tv_nsec);
}

int main(void)
{
	char got[ROCI_RFC3339_MAX], want[64];
	struct timespec ts = { .tv_sec = 0, .tv_nsec = 0 };
	roci_rfc3339_utc(&ts, got, sizeof(got));
	is_str(got, "1970-01-01T00:00:00.000000000Z", "the epoch");
	ts = (struct timespec){ .tv_sec = 951782400, .tv_nsec = 5 };
	roci_rfc3339_utc(&ts, got, sizeof(got));
	is_str(got, "2000-02-29T00:00:00.000000005Z", "a leap day of a 400-year leap year");
	ts = (struct timespec){ .tv_sec = 4107542399, .tv_nsec = 999999999 };
	roci_rfc3339_utc(&ts, got, sizeof(got));
	is_str(got, "2100-02-28T23:59:59.999999999Z", "2100 is no leap year");
	/* every ~1.7 days from 1901 to 2300, against libc */
	int bad = 0, n = 0;
	for (long long s = -2145916800LL; s < 10413792000LL; s += 147611, n++) {
		ts = (struct timespec){ .tv_sec = (time_t)s, .tv_nsec = (long)(s % 1000000000 + 1000000000) % 1000000000 };
		roci_rfc3339_utc(&ts, got, sizeof(got));
		libc_format(&ts, want, sizeof(want));
		if (strcmp(got, want) && bad++ < 3)
			printf("# %lld: %s, libc %s\n", s, got, want);
	}
	ok(bad == 0, "%d timestamps from 1901 to 2300 as libc formats them (%d differ)", n, bad);
	return tap_done();
}
