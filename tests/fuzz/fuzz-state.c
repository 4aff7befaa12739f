/* SPDX-License-Identifier: Apache-2.0 */
/* state.json, as every command that loads a container reads it; what it
 * reads is written out again, as create and the hooks do. */
#include "fuzz.h"
#include "oci/state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_string(data, size);
	if (!text)
		return 0;
	struct roci_err err = { 0 };
	struct roci_state *st = NULL;
	if (roci_state_from_json(text, &st, &err) == 0) {
		char *out = NULL;
		if (roci_state_to_json(st, &out, &err) == 0)
			free(out);
		roci_state_free(st);
	}
	free(text);
	return 0;
}
