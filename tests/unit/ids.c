/* SPDX-License-Identifier: Apache-2.0 */
/* Container id validation. */
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "util/ids.h"

/* tap.h's ok() evaluates its condition twice: call first, then check. */
static int rc;

static void valid(const char *id)
{
	struct roci_err err = { 0 };
	rc = roci_id_validate(id, &err);
	ok(rc == 0, "valid: \"%s\" (%s)", id, err.msg);
}

static void invalid(const char *id, const char *why)
{
	struct roci_err err = { 0 };
	rc = roci_id_validate(id, &err);
	ok(rc < 0 && err.code == EINVAL, "invalid: %s", why);
	is_contains(err.msg, "invalid container id \"", "  message names the problem");
}

int main(void)
{
	valid("a");
	valid("abc-1.2_x+y");
	valid("ABC");
	valid("0");
	valid("...");
	valid(".hidden");
	valid("a..b");
	valid("_");
	valid("-");

	invalid("", "empty");
	invalid(".", "\".\"");
	invalid("..", "\"..\"");
	invalid("../x", "path traversal");
	invalid("a/b", "slash");
	invalid("/abs", "leading slash");
	invalid("a b", "space");
	invalid("a\nb", "newline");
	invalid("a:b", "colon");
	invalid("a*", "glob");
	invalid("caf\xc3\xa9", "non-ASCII letter");
	rc = roci_id_validate(NULL, NULL);
	ok(rc < 0, "NULL rejected (no err)");
	rc = roci_id_validate("a/b", NULL);
	ok(rc == -EINVAL, "returns -EINVAL without err");

	struct roci_err err = { 0 };
	roci_id_validate("a/b", &err);
	is_str(err.msg, "invalid container id \"a/b\": only letters, digits, '_', '+', '-' and '.' are allowed",
	       "message for a/b");
	roci_id_validate("..", &err);
	is_contains(err.msg, "invalid container id \"..\"", "message quotes ..");
	roci_id_validate("x\x1b[31m", &err);
	ok(!strchr(err.msg, '\x1b'), "control characters are not echoed");

	char *id = malloc(2000);
	memset(id, 'a', 1024);
	id[1024] = '\0';
	valid(id);
	memset(id, 'a', 1025);
	id[1025] = '\0';
	rc = roci_id_validate(id, &err);
	ok(rc < 0, "1025 characters rejected");
	is_contains(err.msg, "longer than 1024", "  says why");
	ok(strlen(err.msg) < 200, "  quotes only the start of the id");
	free(id);
	return tap_done();
}
