/* SPDX-License-Identifier: Apache-2.0 */
#include "util/cpulist.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

static int read_num(const char **p, unsigned long *out)
{
	if (!isdigit((unsigned char)**p))
		return -EINVAL;
	char *end;
	errno = 0;
	unsigned long v = strtoul(*p, &end, 10);
	if (errno)
		return -ERANGE;
	*p = end;
	*out = v;
	return 0;
}

int roci_cpulist_parse(const char *s, cpu_set_t *set, size_t setsize)
{
	if (set)
		CPU_ZERO_S(setsize, set);
	const char *p = s;
	bool any = false;
	while (*p) {
		unsigned long lo, hi;
		int r = read_num(&p, &lo);
		if (r < 0)
			return r;
		hi = lo;
		if (*p == '-') {
			p++;
			if ((r = read_num(&p, &hi)) < 0)
				return r;
			if (hi < lo)
				return -EINVAL;
		}
		if (hi >= ROCI_CPULIST_MAX)
			return -ERANGE;
		for (unsigned long c = lo; set && c <= hi; c++)
			CPU_SET_S(c, setsize, set);
		any = true;
		if (*p == ',') {
			p++;
			if (!*p)
				return -EINVAL;
		} else if (*p) {
			return -EINVAL;
		}
	}
	return any ? 0 : -EINVAL;
}
