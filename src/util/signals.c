/* SPDX-License-Identifier: Apache-2.0 */
/* Signal names and numbers. Accepted spellings: a decimal number 1..64,
 * a name with or without the "SIG" prefix in any case ("kill", "SIGKILL"),
 * and real-time signals as RTMIN, RTMIN+N, RTMAX, RTMAX-N. */
#include "util/signals.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "util/cleanup.h"

/* Highest number accepted as a plain number (the kernel's _NSIG - 1). */
#define SIG_NUM_MAX 64

/* Canonical names come first so that number -> name picks them
 * (ABRT before IOT, CHLD before CLD, IO before POLL). */
static const struct sig_entry {
	const char *name; /* without "SIG" */
	int num;
} sig_table[] = {
	{ "HUP", SIGHUP },       { "INT", SIGINT },       { "QUIT", SIGQUIT },
	{ "ILL", SIGILL },       { "TRAP", SIGTRAP },     { "ABRT", SIGABRT },
	{ "BUS", SIGBUS },       { "FPE", SIGFPE },       { "KILL", SIGKILL },
	{ "USR1", SIGUSR1 },     { "SEGV", SIGSEGV },     { "USR2", SIGUSR2 },
	{ "PIPE", SIGPIPE },     { "ALRM", SIGALRM },     { "TERM", SIGTERM },
	{ "STKFLT", SIGSTKFLT }, { "CHLD", SIGCHLD },     { "CONT", SIGCONT },
	{ "STOP", SIGSTOP },     { "TSTP", SIGTSTP },     { "TTIN", SIGTTIN },
	{ "TTOU", SIGTTOU },     { "URG", SIGURG },       { "XCPU", SIGXCPU },
	{ "XFSZ", SIGXFSZ },     { "VTALRM", SIGVTALRM }, { "PROF", SIGPROF },
	{ "WINCH", SIGWINCH },   { "IO", SIGIO },         { "PWR", SIGPWR },
	{ "SYS", SIGSYS },
	/* aliases */
	{ "IOT", SIGIOT },       { "CLD", SIGCHLD },      { "POLL", SIGPOLL },
};

/* Strict unsigned decimal: digits only, at least one, value <= limit. */
static bool parse_decimal(const char *s, int limit, int *out)
{
	if (*s == '\0')
		return false;
	long v = 0;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (*s - '0');
		if (v > limit)
			return false;
	}
	*out = (int)v;
	return true;
}

/* "RTMIN", "RTMIN+N", "RTMAX", "RTMAX-N" (prefix already stripped). */
static int parse_realtime(const char *s)
{
	const int lo = SIGRTMIN, hi = SIGRTMAX, span = hi - lo;
	int off;
	if (!strncasecmp(s, "RTMIN", 5)) {
		s += 5;
		if (*s == '\0')
			return lo;
		if (*s == '+' && parse_decimal(s + 1, span, &off))
			return lo + off;
	} else if (!strncasecmp(s, "RTMAX", 5)) {
		s += 5;
		if (*s == '\0')
			return hi;
		if (*s == '-' && parse_decimal(s + 1, span, &off))
			return hi - off;
	}
	return -EINVAL;
}

int roci_signal_parse(const char *s)
{
	int num;
	if (!s || *s == '\0')
		return -EINVAL;
	if (*s >= '0' && *s <= '9')
		return parse_decimal(s, SIG_NUM_MAX, &num) && num >= 1 ? num : -EINVAL;
	if (!strncasecmp(s, "SIG", 3))
		s += 3;
	for (size_t i = 0; i < ARRAY_SIZE(sig_table); i++)
		if (!strcasecmp(s, sig_table[i].name))
			return sig_table[i].num;
	return parse_realtime(s);
}

const char *roci_signal_name(int sig, char *buf, unsigned buflen)
{
	if (!buf || buflen == 0)
		return NULL;
	for (size_t i = 0; i < ARRAY_SIZE(sig_table); i++) {
		if (sig_table[i].num == sig) {
			snprintf(buf, buflen, "SIG%s", sig_table[i].name);
			return buf;
		}
	}
	if (sig >= SIGRTMIN && sig <= SIGRTMAX) {
		snprintf(buf, buflen, "SIGRTMIN+%d", sig - SIGRTMIN);
		return buf;
	}
	return NULL;
}
