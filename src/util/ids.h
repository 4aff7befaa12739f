/* SPDX-License-Identifier: Apache-2.0 */
#pragma once
#include <stdbool.h>
#include "util/error.h"

/* Container ids: 1..1024 chars of [A-Za-z0-9_+.-], not "." or "..";
 * never a '/'. Sets err to `invalid container id "x": ...`. */
int roci_id_validate(const char *id, struct roci_err *err);
