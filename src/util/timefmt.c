/* SPDX-License-Identifier: Apache-2.0 */
#include "util/timefmt.h"

#include <stdio.h>

/* Days since 1970-01-01 to a proleptic Gregorian date: the days are
 * counted in 400-year eras of 146097 days, from a year that starts on
 * March 1st so that the leap day comes last. */
static void civil_from_days(long long z, long long *y, unsigned *m, unsigned *d)
{
	z += 719468;
	long long era = (z >= 0 ? z : z - 146096) / 146097;
	unsigned doe = (unsigned)(z - era * 146097);                              /* [0, 146096] */
	unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;     /* [0, 399] */
	unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);                  /* [0, 365] */
	unsigned mp = (5 * doy + 2) / 153;                                       /* [0, 11] */
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (long long)yoe + era * 400 + (*m <= 2);
}

void roci_rfc3339_now(char *buf, size_t len)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	roci_rfc3339_utc(&ts, buf, len);
}

void roci_rfc3339_utc(const struct timespec *ts, char *buf, size_t len)
{
	long long s = (long long)ts->tv_sec;
	long long days = s / 86400, rem = s % 86400;
	if (rem < 0) {
		rem += 86400;
		days--;
	}
	long long y;
	unsigned m, d;
	civil_from_days(days, &y, &m, &d);
	snprintf(buf, len, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%09ldZ", y, m, d, rem / 3600, rem / 60 % 60,
		 rem % 60, (long)ts->tv_nsec);
}
