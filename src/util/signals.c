/* SPDX-License-Identifier: Apache-2.0 */
#include "util/signals.h"

#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct {
	const char *name;
	int sig;
} names[] = {
	{ "HUP", SIGHUP }, { "INT", SIGINT }, { "QUIT", SIGQUIT }, { "ILL", SIGILL },
	{ "TRAP", SIGTRAP }, { "ABRT", SIGABRT }, { "IOT", SIGIOT }, { "BUS", SIGBUS },
	{ "FPE", SIGFPE }, { "KILL", SIGKILL }, { "USR1", SIGUSR1 }, { "SEGV", SIGSEGV },
	{ "USR2", SIGUSR2 }, { "PIPE", SIGPIPE }, { "ALRM", SIGALRM }, { "TERM", SIGTERM },
	{ "STKFLT", SIGSTKFLT }, { "CHLD", SIGCHLD }, { "CLD", SIGCHLD }, { "CONT", SIGCONT },
	{ "STOP", SIGSTOP }, { "TSTP", SIGTSTP }, { "TTIN", SIGTTIN }, { "TTOU", SIGTTOU },
	{ "URG", SIGURG }, { "XCPU", SIGXCPU }, { "XFSZ", SIGXFSZ }, { "VTALRM", SIGVTALRM },
	{ "PROF", SIGPROF }, { "WINCH", SIGWINCH }, { "IO", SIGIO }, { "POLL", SIGPOLL },
	{ "PWR", SIGPWR }, { "SYS", SIGSYS },
};

static int parse_num(const char *s, int *out)
{
	if (!*s)
		return -EINVAL;
	int v = 0;
	for (; *s; s++) {
		if (!isdigit((unsigned char)*s) || v > 1000)
			return -EINVAL;
		v = v * 10 + (*s - '0');
	}
	*out = v;
	return 0;
}

int roci_signal_parse(const char *s)
{
	int n;
	if (!s || !*s)
		return -EINVAL;
	if (parse_num(s, &n) == 0)
		return n >= 1 && n <= SIGRTMAX ? n : -EINVAL;
	if (!strncasecmp(s, "SIG", 3))
		s += 3;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcasecmp(s, names[i].name))
			return names[i].sig;
	if (!strncasecmp(s, "RTMIN", 5)) {
		const char *t = s + 5;
		if (!*t)
			return SIGRTMIN;
		if (*t == '+' && parse_num(t + 1, &n) == 0 && SIGRTMIN + n <= SIGRTMAX)
			return SIGRTMIN + n;
		return -EINVAL;
	}
	if (!strncasecmp(s, "RTMAX", 5)) {
		const char *t = s + 5;
		if (!*t)
			return SIGRTMAX;
		if (*t == '-' && parse_num(t + 1, &n) == 0 && SIGRTMAX - n >= SIGRTMIN)
			return SIGRTMAX - n;
		return -EINVAL;
	}
	return -EINVAL;
}

const char *roci_signal_name(int sig, char *buf, unsigned buflen)
{
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (names[i].sig == sig) {
			snprintf(buf, buflen, "SIG%s", names[i].name);
			return buf;
		}
	}
	if (sig >= SIGRTMIN && sig <= SIGRTMAX) {
		snprintf(buf, buflen, "SIGRTMIN+%d", sig - SIGRTMIN);
		return buf;
	}
	return NULL;
}
