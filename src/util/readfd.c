/* SPDX-License-Identifier: Apache-2.0 */
#include "util/readfd.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "util/cleanup.h"

int roci_read_fd(int fd, size_t max, char **out, size_t *lenp)
{
	size_t cap = 4096, len = 0;
	_cleanup_free_ char *buf = malloc(cap + 1);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		if (len == cap) {
			if (cap > max)
				return -EFBIG;
			cap *= 2;
			char *nb = realloc(buf, cap + 1);
			if (!nb)
				return -ENOMEM;
			buf = nb;
		}
		ssize_t n = read(fd, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	*out = TAKE_PTR(buf);
	if (lenp)
		*lenp = len;
	return 0;
}
