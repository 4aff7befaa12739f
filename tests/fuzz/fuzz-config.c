/* SPDX-License-Identifier: Apache-2.0 */
/* config.json, as create reads it (and the process JSON of exec -p). */
#include "fuzz.h"
#include "oci/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_string(data, size);
	if (!text)
		return 0;
	struct roci_err err = { 0 };
	struct roci_config *cfg = NULL;
	if (roci_config_parse_string(text, &cfg, &err) == 0)
		roci_config_free(cfg);
	struct roci_process *p = NULL;
	if (roci_process_parse_string(text, &p, &err) == 0)
		roci_process_free(p);
	free(text);
	return 0;
}
