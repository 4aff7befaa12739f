/* SPDX-License-Identifier: Apache-2.0 */
/* Container id validation. An id names a directory under the state root,
 * so it must be a single harmless path component. */
#include "util/ids.h"

#include <errno.h>
#include <string.h>

#define ID_MAX_LEN 1024
/* How much of a rejected id the message quotes. */
#define ID_QUOTE_LEN 64

static bool id_char_ok(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '+' || c == '-' || c == '.';
}

/* The message quotes at most ID_QUOTE_LEN characters of the id, with
 * anything unprintable shown as '?' (ids come from the command line). */
static int reject(struct roci_err *err, const char *id, const char *why)
{
	char shown[ID_QUOTE_LEN + 4];
	size_t n = 0;
	for (; id[n] && n < ID_QUOTE_LEN; n++) {
		unsigned char c = (unsigned char)id[n];
		shown[n] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	if (id[n]) {
		memcpy(shown + n, "...", 3);
		n += 3;
	}
	shown[n] = '\0';
	return roci_failx(err, EINVAL, "invalid container id \"%s\": %s", shown, why);
}

int roci_id_validate(const char *id, struct roci_err *err)
{
	if (!id || *id == '\0')
		return roci_failx(err, EINVAL, "invalid container id \"\": must not be empty");
	if (strlen(id) > ID_MAX_LEN)
		return reject(err, id, "longer than 1024 characters");
	if (!strcmp(id, ".") || !strcmp(id, ".."))
		return reject(err, id, "must not be \".\" or \"..\"");
	for (const char *p = id; *p; p++) {
		if (!id_char_ok((unsigned char)*p))
			return reject(err, id,
				      "only letters, digits, '_', '+', '-' and '.' are allowed");
	}
	return 0;
}
