/* SPDX-License-Identifier: Apache-2.0 */
/* Mount options: the input's lines are the options of one mount. */
#include <stdbool.h>

#include "fuzz.h"
#include "linux/mountopts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_string(data, size);
	if (!text)
		return 0;
	char *opts[64];
	size_t n = 0;
	for (char *save = NULL, *o = strtok_r(text, "\n", &save); o && n < 64;
	     o = strtok_r(NULL, "\n", &save))
		opts[n++] = o;
	struct roci_err err = { 0 };
	struct roci_mount_opts mo = { 0 };
	if (roci_mount_opts_parse(opts, n, &mo, &err) == 0) {
		uint64_t set = 0, clear = 0;
		roci_mount_bind_attr(&mo, &set, &clear);
	}
	roci_mount_opts_free(&mo);
	for (size_t i = 0; i < n; i++) {
		unsigned long flags = 0;
		roci_propagation_parse(opts[i], &flags);
	}
	free(text);
	return 0;
}
