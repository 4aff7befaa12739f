/* SPDX-License-Identifier: Apache-2.0 */
/* The resources document of `update -r`. */
#include <jansson.h>

#include "fuzz.h"
#include "oci/resources.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_error_t je;
	json_t *doc = json_loadb((const char *)data, size, 0, &je);
	if (!doc)
		return 0;
	struct roci_err err = { 0 };
	struct roci_resources r = { 0 };
	roci_resources_parse(doc, "resources", &r, &err);
	roci_resources_free(&r);
	json_decref(doc);
	return 0;
}
