/* SPDX-License-Identifier: Apache-2.0 */
#include "util/ids.h"

#include <errno.h>
#include <string.h>

int roci_id_validate(const char *id, struct roci_err *err)
{
	if (!id || !*id)
		return roci_failx(err, EINVAL, "invalid container id \"\": must not be empty");
	size_t n = strlen(id);
	if (n > 1024)
		return roci_failx(err, EINVAL, "invalid container id: longer than 1024 characters");
	if (!strcmp(id, ".") || !strcmp(id, ".."))
		return roci_failx(err, EINVAL, "invalid container id \"%s\"", id);
	for (const char *p = id; *p; p++) {
		char c = *p;
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			  c == '_' || c == '+' || c == '-' || c == '.';
		if (!ok)
			return roci_failx(err, EINVAL,
					  "invalid container id \"%s\": only letters, digits, '_', '+', '-' and '.' are allowed",
					  id);
	}
	return 0;
}
