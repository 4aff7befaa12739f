/* SPDX-License-Identifier: Apache-2.0 */
/* CPU lists ("0-3,8"), as cpuset and execCPUAffinity give them. */
#include <sched.h>

#include "fuzz.h"
#include "util/cpulist.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_string(data, size);
	if (!text)
		return 0;
	size_t setsize = CPU_ALLOC_SIZE(ROCI_CPULIST_MAX);
	cpu_set_t *set = CPU_ALLOC(ROCI_CPULIST_MAX);
	if (set) {
		CPU_ZERO_S(setsize, set);
		roci_cpulist_parse(text, set, setsize);
		CPU_FREE(set);
	}
	roci_cpulist_parse(text, NULL, 0);
	free(text);
	return 0;
}
