/* SPDX-License-Identifier: Apache-2.0 */
/* Capability names as config.json spells them ("CAP_SYS_ADMIN") and their
 * numbers: the vocabulary shared by the config parser and the code that
 * applies capabilities (linux/capabilities.c). */
#pragma once

/* "CAP_SYS_ADMIN" -> 21; -EINVAL for unknown names. */
int roci_cap_from_name(const char *name);
const char *roci_cap_name(int cap); /* NULL for numbers this build does not know */
int roci_cap_last(void); /* highest capability number known to this build */
