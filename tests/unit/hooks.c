/* SPDX-License-Identifier: Apache-2.0 */
/* Running real hooks: stdin, argv, env, exit status, signals, timeouts,
 * inherited fds and signal mask. Hooks are /bin/sh scripts writing into a
 * temporary directory. */
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "oci/config.h"
#include "runtime/hooks.h"
#include "tap.h"
#include "util/cleanup.h"

/* tap.h's ok() evaluates its condition twice: call first, then check. */
static int rc;

static char dir[] = "/tmp/roci-unit-hooks-XXXXXX";
static const struct roci_log quiet = { .fd = STDERR_FILENO, .min_level = ROCI_LOG_ERROR };

static char *path_in_dir(const char *name)
{
	char *p;
	if (asprintf(&p, "%s/%s", dir, name) < 0)
		abort();
	return p;
}

/* Whole file as a string (NULL if missing). */
static char *slurp(const char *path)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t cap = 0, len = 0;
	for (;;) {
		if (len + 4096 + 1 > cap) {
			cap = (cap + 4096) * 2;
			buf = realloc(buf, cap);
			if (!buf)
				abort();
		}
		size_t n = fread(buf + len, 1, cap - len - 1, f);
		if (n == 0)
			break;
		len += n;
	}
	fclose(f);
	buf[len] = '\0';
	return buf;
}

/* Run hooks of one kind from an otherwise empty config; a hook without
 * env gets default_env (NULL: ours). */
static int run_env(struct roci_hook *hooks, size_t n, enum roci_hook_kind kind, const char *state,
		   char *const *default_env, struct roci_err *err)
{
	struct roci_config cfg;
	memset(&cfg, 0, sizeof(cfg));
	cfg.hooks[kind].hooks = hooks;
	cfg.hooks[kind].n = n;
	roci_err_clear(err);
	const struct roci_hook_env he = { .env = default_env };
	return roci_hooks_run(&cfg, kind, state, &he, &quiet, err);
}

static int run(struct roci_hook *hooks, size_t n, enum roci_hook_kind kind, const char *state,
	       struct roci_err *err)
{
	return run_env(hooks, n, kind, state, NULL, err);
}

static struct roci_hook sh(char **args, char **env)
{
	return (struct roci_hook){ .path = "/bin/sh", .args = args, .env = env };
}

/* Hooks' output is copied to our stderr; keep floods out of the test log. */
static int mute_stderr(void)
{
	int saved = dup(STDERR_FILENO);
	int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	dup2(devnull, STDERR_FILENO);
	close(devnull);
	return saved;
}

static void unmute_stderr(int saved)
{
	dup2(saved, STDERR_FILENO);
	close(saved);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_stdin(void)
{
	_cleanup_free_ char *out = path_in_dir("stdin");
	_cleanup_free_ char *envv = NULL;
	if (asprintf(&envv, "OUT=%s", out) < 0)
		abort();
	char *args[] = { "sh", "-c", "cat > \"$OUT\"", NULL };
	char *env[] = { envv, NULL };
	struct roci_hook h = sh(args, env);
	struct roci_err err;
	const char *state = "{\"ociVersion\":\"1.3.0\",\"id\":\"c1\",\"status\":\"created\"}";
	rc = run(&h, 1, ROCI_HOOK_PRESTART, state, &err);
	ok(rc == 0, "cat hook succeeds (%s)", err.msg);
	_cleanup_free_ char *got = slurp(out);
	is_str(got, state, "hook read the state document from stdin");

	/* larger than a pipe buffer */
	size_t big = 300 * 1024;
	_cleanup_free_ char *large = malloc(big + 1);
	for (size_t i = 0; i < big; i++)
		large[i] = (char)('a' + i % 26);
	large[big] = '\0';
	rc = run(&h, 1, ROCI_HOOK_PRESTART, large, &err);
	ok(rc == 0, "300 KiB state (%s)", err.msg);
	_cleanup_free_ char *got2 = slurp(out);
	ok(got2 && strlen(got2) == big && !memcmp(got2, large, big), "all of it arrived");

	/* a hook that never reads stdin is not a failure, and raises no
	 * SIGPIPE in the runtime */
	char *args2[] = { "sh", "-c", "exit 0", NULL };
	struct roci_hook h2 = sh(args2, NULL);
	rc = run(&h2, 1, ROCI_HOOK_PRESTART, large, &err);
	ok(rc == 0, "hook ignoring stdin (%s)", err.msg);
	char *args3[] = { "sh", "-c", "head -c 10 > /dev/null", NULL };
	struct roci_hook h3 = sh(args3, NULL);
	rc = run(&h3, 1, ROCI_HOOK_PRESTART, large, &err);
	ok(rc == 0, "hook reading 10 bytes (%s)", err.msg);
	sigset_t pending, mask;
	sigpending(&pending);
	ok(!sigismember(&pending, SIGPIPE), "no SIGPIPE left pending");
	sigprocmask(SIG_SETMASK, NULL, &mask);
	ok(!sigismember(&mask, SIGPIPE), "SIGPIPE unblocked again");
	rc = run(&h, 1, ROCI_HOOK_PRESTART, NULL, &err);
	ok(rc == 0, "NULL state gives empty stdin");
	_cleanup_free_ char *got3 = slurp(out);
	is_str(got3, "", "  empty");
}

static void test_env(void)
{
	_cleanup_free_ char *out = path_in_dir("env");
	setenv("ROCI_UNIT_LEAK", "leaked", 1);
	char *args[] = { "sh", "-c", "echo \"${ROCI_UNIT_LEAK-unset}:${FOO-unset}:$(/usr/bin/wc -c < /proc/$$/environ)\" > \"$0\"", out,
			 NULL };
	struct roci_err err;
	struct roci_hook h = sh(args, NULL);
	rc = run(&h, 1, ROCI_HOOK_POSTSTART, "{}", &err);
	ok(rc == 0, "env hook (%s)", err.msg);
	_cleanup_free_ char *a = slurp(out);
	ok(a && !strncmp(a, "leaked:unset:", 13), "no env given: roci's own environment (as runc)");

	char *proc_env[] = { "FOO=process", NULL };
	rc = run_env(&h, 1, ROCI_HOOK_START_CONTAINER, "{}", proc_env, &err);
	ok(rc == 0, "env hook with a default env (%s)", err.msg);
	_cleanup_free_ char *c = slurp(out);
	is_str(c, "unset:process:12\n", "no env given: the default env named");

	char *env[] = { "FOO=bar", "PATH=/x", NULL };
	h = sh(args, env);
	rc = run(&h, 1, ROCI_HOOK_POSTSTART, "{}", &err);
	ok(rc == 0, "env hook with env (%s)", err.msg);
	_cleanup_free_ char *b = slurp(out);
	is_str(b, "unset:bar:16\n", "exactly the given env");
	unsetenv("ROCI_UNIT_LEAK");
}

static void test_argv(void)
{
	_cleanup_free_ char *out = path_in_dir("argv");
	char *args[] = { "custom0", "-c", "tr '\\000' ' ' < /proc/$$/cmdline > \"$0\"", out, NULL };
	struct roci_hook h = sh(args, NULL);
	struct roci_err err;
	rc = run(&h, 1, ROCI_HOOK_CREATE_RUNTIME, "", &err);
	ok(rc == 0, "argv hook (%s)", err.msg);
	_cleanup_free_ char *a = slurp(out);
	ok(a && !strncmp(a, "custom0 -c ", 11), "argv[0] is args[0] (got \"%.20s\")", a ? a : "");

	/* no args: argv is just the path. /bin/sh without arguments reads
	 * its script from stdin, i.e. from the state we pass. */
	_cleanup_free_ char *script = NULL;
	if (asprintf(&script, "tr '\\000' ' ' < /proc/$$/cmdline > '%s'\n", out) < 0)
		abort();
	struct roci_hook h2 = { .path = "/bin/sh" };
	rc = run(&h2, 1, ROCI_HOOK_CREATE_RUNTIME, script, &err);
	ok(rc == 0, "no-args hook (%s)", err.msg);
	_cleanup_free_ char *b = slurp(out);
	is_str(b, "/bin/sh ", "argv is [path]");
	char *empty_args[] = { NULL };
	struct roci_hook h3 = { .path = "/bin/sh", .args = empty_args };
	rc = run(&h3, 1, ROCI_HOOK_CREATE_RUNTIME, script, &err);
	ok(rc == 0, "empty args array (%s)", err.msg);
	_cleanup_free_ char *c = slurp(out);
	is_str(c, "/bin/sh ", "  argv is [path] too");
}

static void test_failures(void)
{
	struct roci_err err;
	char *a1[] = { "sh", "-c", "echo boom >&2; exit 3", NULL };
	struct roci_hook h = sh(a1, NULL);
	int r = run(&h, 1, ROCI_HOOK_CREATE_RUNTIME, "{}", &err);
	ok(r < 0, "exit 3 fails");
	is_contains(err.msg, "createRuntime hook #0 (/bin/sh)", "  names kind, index and path");
	is_contains(err.msg, "exit status 3", "  exit status");
	is_contains(err.msg, ": boom", "  stderr tail");

	char *a2[] = { "sh", "-c", "echo on-stdout; exit 1", NULL };
	h = sh(a2, NULL);
	run(&h, 1, ROCI_HOOK_POSTSTOP, "{}", &err);
	is_contains(err.msg, "poststop hook #0", "poststop kind name");
	is_contains(err.msg, "on-stdout", "stdout is captured too");

	char *a3[] = { "sh", "-c", "kill -KILL $$", NULL };
	h = sh(a3, NULL);
	rc = run(&h, 1, ROCI_HOOK_START_CONTAINER, "{}", &err);
	ok(rc < 0, "killed hook fails");
	is_contains(err.msg, "killed by signal 9 (SIGKILL)", "  signal named");

	struct roci_hook missing = { .path = "/nonexistent/roci-hook" };
	rc = run(&missing, 1, ROCI_HOOK_PRESTART, "{}", &err);
	ok(rc < 0, "missing executable fails");
	is_contains(err.msg, "prestart hook #0 (/nonexistent/roci-hook): exec: No such file",
		    "  exec error");

	/* long output: the message keeps the end */
	char *a4[] = { "sh", "-c", "i=0; while [ $i -lt 100 ]; do echo xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx; "
			 "i=$((i+1)); done; echo THE-END >&2; exit 1", NULL };
	h = sh(a4, NULL);
	int saved = mute_stderr();
	run(&h, 1, ROCI_HOOK_PRESTART, "{}", &err);
	unmute_stderr(saved);
	is_contains(err.msg, "THE-END", "long output: tail kept");
	is_contains(err.msg, "exit status 1", "long output: status kept");

	/* first failure stops the list; the warn variant runs them all */
	_cleanup_free_ char *marker = path_in_dir("marker");
	char *ok_args[] = { "sh", "-c", ": > \"$0\"", marker, NULL };
	char *bad_args[] = { "sh", "-c", "exit 1", NULL };
	struct roci_hook list[] = { sh(bad_args, NULL), sh(ok_args, NULL) };
	unlink(marker);
	r = run(list, 2, ROCI_HOOK_CREATE_CONTAINER, "{}", &err);
	ok(r < 0 && access(marker, F_OK) < 0, "a failing hook stops the rest");
	is_contains(err.msg, "createContainer hook #0", "  index of the failing hook");
	struct roci_hook list2[] = { sh(ok_args, NULL), sh(bad_args, NULL) };
	r = run(list2, 2, ROCI_HOOK_CREATE_CONTAINER, "{}", &err);
	is_contains(err.msg, "createContainer hook #1", "index counts from 0");
	unlink(marker);
	struct roci_config cfg;
	memset(&cfg, 0, sizeof(cfg));
	cfg.hooks[ROCI_HOOK_POSTSTOP].hooks = list;
	cfg.hooks[ROCI_HOOK_POSTSTOP].n = 2;
	roci_hooks_run_warn(&cfg, ROCI_HOOK_POSTSTOP, "{}", &quiet);
	ok(access(marker, F_OK) == 0, "run_warn goes on after a failure");
	rc = run(NULL, 0, ROCI_HOOK_PRESTART, "{}", &err);
	ok(rc == 0, "no hooks: nothing to do");
}

static void test_timeout(void)
{
	struct roci_err err;
	_cleanup_free_ char *pidfile = path_in_dir("pid");
	char *args[] = { "sh", "-c", "echo $$ > \"$0\"; exec sleep 5", pidfile, NULL };
	struct roci_hook h = sh(args, NULL);
	h.has_timeout = true;
	h.timeout = 1;
	double t0 = now_s();
	int r = run(&h, 1, ROCI_HOOK_PRESTART, "{}", &err);
	double took = now_s() - t0;
	ok(r < 0 && err.code == ETIMEDOUT, "sleep 5 with timeout 1 fails");
	is_contains(err.msg, "prestart hook #0 (/bin/sh): timed out after 1 seconds", "  message");
	ok(took >= 0.9 && took < 2.5, "  returned after the timeout (%.2fs)", took);
	_cleanup_free_ char *pid = slurp(pidfile);
	ok(pid && atoi(pid) > 0 && kill(atoi(pid), 0) < 0, "  hook process killed and reaped");

	char *quick[] = { "sh", "-c", "exit 0", NULL };
	h = sh(quick, NULL);
	h.has_timeout = true;
	h.timeout = 5;
	rc = run(&h, 1, ROCI_HOOK_PRESTART, "{}", &err);
	ok(rc == 0, "quick hook within its timeout");

	/* a background child keeping the output pipe open does not hold us */
	char *bg[] = { "sh", "-c", "sleep 3 & echo started", NULL };
	h = sh(bg, NULL);
	t0 = now_s();
	r = run(&h, 1, ROCI_HOOK_PRESTART, "{}", &err);
	took = now_s() - t0;
	ok(r == 0 && took < 2.0, "exit counts, not EOF on the output (%.2fs)", took);

	/* a hook that never stops writing still times out */
	char *spew[] = { "sh", "-c", "while :; do echo yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy; done", NULL };
	h = sh(spew, NULL);
	h.has_timeout = true;
	h.timeout = 1;
	int saved = mute_stderr();
	t0 = now_s();
	r = run(&h, 1, ROCI_HOOK_PRESTART, "{}", &err);
	took = now_s() - t0;
	unmute_stderr(saved);
	ok(r < 0 && err.code == ETIMEDOUT && took < 2.5, "endless output still times out (%.2fs)", took);
}

static void test_isolation(void)
{
	struct roci_err err;
	_cleanup_free_ char *out = path_in_dir("fds");
	int leak = dup2(STDIN_FILENO, 42); /* no close-on-exec */
	/* the mask is read with builtins: dash blocks every signal around
	 * its vfork of a command, until the parent runs again, so a grep of
	 * the shell's status can see that mask on a loaded machine */
	char *args[] = { "sh", "-c",
			 "ls /proc/$$/fd > \"$0\"; while read -r k v; do if [ \"$k\" = SigBlk: ]; then "
			 "echo \"$k	$v\"; fi; done < /proc/$$/status >> \"$0\"",
			 out, NULL };
	struct roci_hook h = sh(args, NULL);
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, &old);
	rc = run(&h, 1, ROCI_HOOK_PRESTART, "{}", &err);
	ok(rc == 0, "fd hook (%s)", err.msg);
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(leak);
	_cleanup_free_ char *a = slurp(out);
	ok(a && !strstr(a, "\n42\n") && !strstr(a, "\n3\n"), "inherited fds are closed");
	ok(a && !strncmp(a, "0\n1\n", 4) && strstr(a, "\n2\n"), "stdio present");
	is_contains(a, "SigBlk:\t0000000000000000", "empty signal mask in the hook");
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	test_stdin();
	test_env();
	test_argv();
	test_failures();
	test_timeout();
	test_isolation();
	char *cmd;
	if (asprintf(&cmd, "rm -rf '%s'", dir) > 0) {
		if (system(cmd) != 0)
			fprintf(stderr, "# could not remove %s\n", dir);
		free(cmd);
	}
	return tap_done();
}
