/* SPDX-License-Identifier: Apache-2.0 */
/* Signal names and numbers: every spelling `kill` accepts, and the
 * inputs it must refuse. */
#include <signal.h>
#include <stdio.h>

#include "tap.h"
#include "util/signals.h"

static void names(void)
{
	static const struct {
		const char *in;
		int want;
	} cases[] = {
		{ "KILL", SIGKILL },     { "SIGKILL", SIGKILL }, { "kill", SIGKILL },
		{ "sigkill", SIGKILL },  { "SigTerm", SIGTERM }, { "HUP", SIGHUP },
		{ "INT", SIGINT },       { "QUIT", SIGQUIT },    { "USR1", SIGUSR1 },
		{ "SIGUSR2", SIGUSR2 },  { "PIPE", SIGPIPE },    { "ALRM", SIGALRM },
		{ "STKFLT", SIGSTKFLT }, { "CHLD", SIGCHLD },    { "CONT", SIGCONT },
		{ "STOP", SIGSTOP },     { "TSTP", SIGTSTP },    { "TTIN", SIGTTIN },
		{ "TTOU", SIGTTOU },     { "URG", SIGURG },      { "XCPU", SIGXCPU },
		{ "XFSZ", SIGXFSZ },     { "VTALRM", SIGVTALRM }, { "PROF", SIGPROF },
		{ "WINCH", SIGWINCH },   { "IO", SIGIO },        { "PWR", SIGPWR },
		{ "SYS", SIGSYS },       { "SEGV", SIGSEGV },    { "BUS", SIGBUS },
		{ "FPE", SIGFPE },       { "ILL", SIGILL },      { "TRAP", SIGTRAP },
		{ "ABRT", SIGABRT },
		/* aliases */
		{ "IOT", SIGABRT },      { "SIGIOT", SIGABRT },  { "CLD", SIGCHLD },
		{ "POLL", SIGIO },       { "sigpoll", SIGIO },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ok(roci_signal_parse(cases[i].in) == cases[i].want, "name %s -> %d", cases[i].in,
		   cases[i].want);
}

static void numbers(void)
{
	ok(roci_signal_parse("1") == 1, "1");
	ok(roci_signal_parse("9") == SIGKILL, "9");
	ok(roci_signal_parse("15") == SIGTERM, "15");
	ok(roci_signal_parse("009") == 9, "leading zeros");
	ok(roci_signal_parse("32") == 32, "32 (below glibc's SIGRTMIN) as a number");
	ok(roci_signal_parse("64") == 64, "64");
	ok(roci_signal_parse("0") < 0, "0 rejected");
	ok(roci_signal_parse("65") < 0, "65 rejected");
	ok(roci_signal_parse("-1") < 0, "-1 rejected");
	ok(roci_signal_parse("-9") < 0, "-9 rejected");
	ok(roci_signal_parse("+9") < 0, "+9 rejected");
	ok(roci_signal_parse("99999999999999999999") < 0, "huge number rejected");
	ok(roci_signal_parse("9x") < 0, "9x rejected");
	ok(roci_signal_parse(" 9") < 0, "leading space rejected");
	ok(roci_signal_parse("9 ") < 0, "trailing space rejected");
}

static void realtime(void)
{
	ok(roci_signal_parse("RTMIN") == SIGRTMIN, "RTMIN");
	ok(roci_signal_parse("SIGRTMIN") == SIGRTMIN, "SIGRTMIN");
	ok(roci_signal_parse("SIGRTMIN+0") == SIGRTMIN, "SIGRTMIN+0");
	ok(roci_signal_parse("SIGRTMIN+3") == SIGRTMIN + 3, "SIGRTMIN+3");
	ok(roci_signal_parse("sigrtmin+3") == SIGRTMIN + 3, "sigrtmin+3");
	ok(roci_signal_parse("RTMAX") == SIGRTMAX, "RTMAX");
	ok(roci_signal_parse("SIGRTMAX-1") == SIGRTMAX - 1, "SIGRTMAX-1");
	int span = SIGRTMAX - SIGRTMIN;
	char buf[32];
	snprintf(buf, sizeof(buf), "SIGRTMIN+%d", span);
	ok(roci_signal_parse(buf) == SIGRTMAX, "%s is SIGRTMAX", buf);
	snprintf(buf, sizeof(buf), "SIGRTMIN+%d", span + 1);
	ok(roci_signal_parse(buf) < 0, "%s rejected", buf);
	snprintf(buf, sizeof(buf), "SIGRTMAX-%d", span + 1);
	ok(roci_signal_parse(buf) < 0, "%s rejected", buf);
	ok(roci_signal_parse("SIGRTMIN-1") < 0, "SIGRTMIN-1 rejected");
	ok(roci_signal_parse("SIGRTMAX+1") < 0, "SIGRTMAX+1 rejected");
	ok(roci_signal_parse("SIGRTMIN+") < 0, "SIGRTMIN+ rejected");
	ok(roci_signal_parse("SIGRTMIN+x") < 0, "SIGRTMIN+x rejected");
	ok(roci_signal_parse("SIGRTMIN+-1") < 0, "SIGRTMIN+-1 rejected");
	ok(roci_signal_parse("RTMINX") < 0, "RTMINX rejected");
}

static void garbage(void)
{
	ok(roci_signal_parse(NULL) < 0, "NULL rejected");
	ok(roci_signal_parse("") < 0, "empty rejected");
	ok(roci_signal_parse("SIG") < 0, "SIG rejected");
	ok(roci_signal_parse("FOO") < 0, "FOO rejected");
	ok(roci_signal_parse("SIGSIGKILL") < 0, "SIGSIGKILL rejected");
	ok(roci_signal_parse("KILL ") < 0, "trailing space rejected");
	ok(roci_signal_parse("SIG9") < 0, "SIG9 rejected");
}

static void name_of(void)
{
	char buf[32];
	is_str(roci_signal_name(SIGTERM, buf, sizeof(buf)), "SIGTERM", "name of 15");
	is_str(roci_signal_name(SIGKILL, buf, sizeof(buf)), "SIGKILL", "name of 9");
	is_str(roci_signal_name(SIGABRT, buf, sizeof(buf)), "SIGABRT", "6 is SIGABRT, not SIGIOT");
	is_str(roci_signal_name(SIGCHLD, buf, sizeof(buf)), "SIGCHLD", "SIGCHLD, not SIGCLD");
	is_str(roci_signal_name(SIGIO, buf, sizeof(buf)), "SIGIO", "SIGIO, not SIGPOLL");
	is_str(roci_signal_name(SIGRTMIN, buf, sizeof(buf)), "SIGRTMIN+0", "SIGRTMIN");
	is_str(roci_signal_name(SIGRTMIN + 5, buf, sizeof(buf)), "SIGRTMIN+5", "SIGRTMIN+5");
	ok(roci_signal_name(0, buf, sizeof(buf)) == NULL, "no name for 0");
	ok(roci_signal_name(65, buf, sizeof(buf)) == NULL, "no name for 65");
	ok(roci_signal_name(-1, buf, sizeof(buf)) == NULL, "no name for -1");
	/* every name parses back to its number */
	int bad = 0;
	for (int s = 1; s <= 64; s++) {
		const char *n = roci_signal_name(s, buf, sizeof(buf));
		if (n && roci_signal_parse(n) != s)
			bad++;
	}
	ok(bad == 0, "name -> number round trip for 1..64");
}

int main(void)
{
	names();
	numbers();
	realtime();
	garbage();
	name_of();
	return tap_done();
}
