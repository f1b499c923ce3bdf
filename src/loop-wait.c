/* SPDX-License-Identifier: ISC */
/*
 * The ground floor of the engine: the clock and the signal-aware wait.
 * Every wait in zcsend is a poll(2) in loop_wait, with a timeout, and with
 * a self-pipe that SIGHUP, SIGINT and SIGTERM write to, so a signal ends
 * any wait at once instead of racing a flag check. It calls nothing else
 * of the engine; the scheduler (loop.c), the transfer and the command
 * call it.
 */

#include "config.h"

#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine.h"

#define LOOP_MAX_FDS	1024

static void	loop_on_signal(int);

static int			signal_pipe[2] = { -1, -1 };
static volatile sig_atomic_t	signal_caught;

static void
loop_on_signal(int sig)
{
	int	saved_errno = errno;
	char	byte = (char)sig;

	if (signal_caught == 0)
		signal_caught = sig;
	(void)write(signal_pipe[1], &byte, 1);
	errno = saved_errno;
}

/*
 * Ignore SIGPIPE (a vanished receiver then shows as EPIPE) and route
 * SIGHUP, SIGINT and SIGTERM into the self-pipe. Returns -1 with errno on failure.
 */
int
loop_init(void)
{
	struct sigaction	sa;
	int			i;

	if (pipe(signal_pipe) == -1)
		return -1;
	for (i = 0; i < 2; i++) {
		if (fcntl(signal_pipe[i], F_SETFL, O_NONBLOCK) == -1 ||
		    fcntl(signal_pipe[i], F_SETFD, FD_CLOEXEC) == -1)
			return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = SIG_IGN;
	if (sigaction(SIGPIPE, &sa, NULL) == -1)
		return -1;
	sa.sa_handler = loop_on_signal;
	if (sigaction(SIGHUP, &sa, NULL) == -1 ||
	    sigaction(SIGINT, &sa, NULL) == -1 ||
	    sigaction(SIGTERM, &sa, NULL) == -1)
		return -1;
	return 0;
}

/* Returns the signal that asked zcsend to stop, or 0. */
int
loop_signalled(void)
{
	return signal_caught;
}

/*
 * poll(2) on fds plus the signal pipe for at most timeout_ms (-1: no limit).
 * Returns the number of ready fds in fds, 0 on timeout, or -1 with errno;
 * EINTR means a stop signal arrived (see loop_signalled).
 */
int
loop_wait(struct pollfd *fds, nfds_t nfds, int timeout_ms)
{
	struct pollfd	all[LOOP_MAX_FDS + 1];
	nfds_t		i;
	int		n;

	if (nfds > LOOP_MAX_FDS) {
		errno = EINVAL;
		return -1;
	}
	if (signal_caught != 0) {
		errno = EINTR;
		return -1;
	}
	for (i = 0; i < nfds; i++)
		all[i] = fds[i];
	all[nfds].fd = signal_pipe[0];
	all[nfds].events = POLLIN;
	all[nfds].revents = 0;
	n = poll(all, nfds + 1, timeout_ms);
	if (n == -1 && errno != EINTR)
		return -1;
	if (signal_caught != 0) {
		errno = EINTR;
		return -1;
	}
	if (n == -1)
		return 0;	/* another signal: the caller re-checks time */
	for (i = 0; i < nfds; i++)
		fds[i].revents = all[i].revents;
	return n;
}

/* The exit status for the stop signal caught: 129, 130 or 143. */
int
loop_signal_status(void)
{
	switch (signal_caught) {
	case SIGHUP:
		return EXIT_SIGHUP;
	case SIGTERM:
		return EXIT_SIGTERM;
	default:
		return EXIT_SIGINT;
	}
}

const char *
loop_signal_name(void)
{
	switch (signal_caught) {
	case SIGHUP:
		return "SIGHUP";
	case SIGTERM:
		return "SIGTERM";
	default:
		return "SIGINT";
	}
}

/* A monotonic clock in nanoseconds, for rates, timeouts and redraws. */
int64_t
loop_now_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}
