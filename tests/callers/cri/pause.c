/* The pod sandbox's process for tests/callers/cri.bats: holds the pod's
 * namespaces open, reaps any child that is handed to it, and exits 0 on
 * SIGINT or SIGTERM. Built with `gcc -static` at test time, the only file of
 * the roci-pause image. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t stop_requested;

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void on_child(int sig)
{
	int saved = errno;

	(void)sig;
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	errno = saved;
}

int main(void)
{
	struct sigaction sa = { 0 };
	sigset_t block, wait_mask;

	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_stop;
	if (sigaction(SIGINT, &sa, NULL) < 0 || sigaction(SIGTERM, &sa, NULL) < 0)
		goto fail;
	sa.sa_handler = on_child;
	sa.sa_flags = SA_NOCLDSTOP | SA_RESTART;
	if (sigaction(SIGCHLD, &sa, NULL) < 0)
		goto fail;
	/* the signals stay blocked outside sigsuspend, so a SIGTERM cannot
	 * land between the check and the wait */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &block, &wait_mask) < 0)
		goto fail;
	sigdelset(&wait_mask, SIGINT);
	sigdelset(&wait_mask, SIGTERM);
	sigdelset(&wait_mask, SIGCHLD);
	while (!stop_requested)
		sigsuspend(&wait_mask);
	return 0;
fail:
	perror("pause: signal setup");
	return 1;
}
