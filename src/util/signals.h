/* SPDX-License-Identifier: Apache-2.0 */
/* Signal names <-> numbers, as runc accepts them: "KILL", "SIGKILL", "9",
 * "SIGRTMIN+3", case-insensitive. */
#pragma once

/* Returns the signal number (1..SIGRTMAX) or -EINVAL. */
int roci_signal_parse(const char *s);
/* "SIGKILL" etc.; NULL for unknown numbers. Real-time signals as "SIGRTMIN+N". */
const char *roci_signal_name(int sig, char *buf, unsigned buflen);
