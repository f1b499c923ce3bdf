/* SPDX-License-Identifier: ISC */
/*
 * zcsend --bench's embedded receiver: a child process on a free loopback
 * port that drains each connection into /dev/null with splice(2), at most
 * --rate bytes a second, and reports each connection's byte count to the
 * parent, which checks it against what the run sent.
 */

#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "zcsend.h"
#include "bench.h"

static __dead void sink_main(int, int, int, uint64_t);
static ssize_t	sink_recv(int, const int *, int);
static uint64_t	sink_drain(int, int, uint64_t);

/*
 * Move up to BENCH_CHUNK bytes from conn to /dev/null through the pipe p,
 * without copying them where splice(2) exists. Returns the count, 0 at EOF.
 */
static ssize_t
sink_recv(int conn, const int *p, int devnull)
{
#ifdef SPLICE_F_MOVE
	ssize_t	n, m, left;

	n = splice(conn, NULL, p[1], NULL, BENCH_CHUNK, SPLICE_F_MOVE);
	for (left = n; left > 0; left -= m) {
		m = splice(p[0], NULL, devnull, NULL, (size_t)left,
		    SPLICE_F_MOVE);
		if (m <= 0 && errno != EINTR)
			return -1;
		if (m < 0)
			m = 0;
	}
	return n;
#else
	static char	buf[BENCH_CHUNK];

	(void)p;
	(void)devnull;
	return recv(conn, buf, sizeof(buf), 0);
#endif
}

/*
 * Drain one connection into /dev/null with splice, at most rate bytes a
 * second when rate is set. Returns the bytes received.
 */
static uint64_t
sink_drain(int conn, int devnull, uint64_t rate)
{
	struct timespec	ts;
	uint64_t	got = 0;
	int64_t		start = loop_now_ns(), due, now;
	ssize_t		n;
	int		p[2];

	if (pipe(p) == -1)
		return 0;
	for (;;) {
		n = sink_recv(conn, p, devnull);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (uint64_t)n;
		if (rate == 0)
			continue;
		/* Sleep until the bytes so far are due at this rate. */
		due = start + (int64_t)((double)got / (double)rate * 1e9);
		now = loop_now_ns();
		if (due > now) {
			ts.tv_sec = (due - now) / 1000000000;
			ts.tv_nsec = (due - now) % 1000000000;
			while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
				;	/* the rest of the sleep is in ts */
		}
	}
	close(p[0]);
	close(p[1]);
	return got;
}

static __dead void
sink_main(int lsock, int results, int control, uint64_t rate)
{
	struct pollfd	pfd[2];
	uint64_t	got;
	int		conn, devnull;

	signal(SIGHUP, SIG_IGN);	/* the parent stops it */
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_DFL);
	if ((devnull = open("/dev/null", O_WRONLY)) == -1)
		_exit(1);
	pfd[0].fd = lsock;
	pfd[0].events = POLLIN;
	pfd[1].fd = control;
	pfd[1].events = POLLIN;
	for (;;) {
		if (poll(pfd, 2, -1) == -1) {
			if (errno != EINTR)
				_exit(1);
			continue;
		}
		if (pfd[1].revents != 0)
			_exit(0);	/* the parent is done or gone */
		if ((conn = accept(lsock, NULL, NULL)) == -1)
			continue;
		got = sink_drain(conn, devnull, rate);
		close(conn);
		if (write(results, &got, sizeof(got)) != sizeof(got))
			_exit(1);
	}
}

/*
 * Start the discard receiver on a free loopback port: ::1 if family is
 * AF_INET6 (-6), else 127.0.0.1.
 */
int
bench_sink_start(struct bench_sink *r, uint64_t rate, int family)
{
	struct sockaddr_storage	ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t		len;
	int			lsock, res[2], ctl[2];

	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET6) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = in6addr_loopback;
		len = sizeof(*sin6);
	} else {
		family = AF_INET;
		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof(*sin);
	}
	if ((lsock = socket(family, SOCK_STREAM, 0)) == -1)
		return -1;
	if (bind(lsock, (struct sockaddr *)&ss, len) == -1 ||
	    listen(lsock, 16) == -1 ||
	    getsockname(lsock, (struct sockaddr *)&ss, &len) == -1 ||
	    pipe(res) == -1) {
		close(lsock);
		return -1;
	}
	if (pipe(ctl) == -1) {
		close(lsock);
		close(res[0]);
		close(res[1]);
		return -1;
	}
	snprintf(r->port, sizeof(r->port), "%u", ntohs(family == AF_INET6 ?
	    sin6->sin6_port : sin->sin_port));
	if ((r->pid = fork()) == -1)
		return -1;
	if (r->pid == 0) {
		close(res[0]);
		close(ctl[1]);
		sink_main(lsock, res[1], ctl[0], rate);
	}
	close(lsock);
	close(res[1]);
	close(ctl[0]);
	r->results = res[0];
	r->control = ctl[1];
	return 0;
}

void
bench_sink_stop(struct bench_sink *r)
{
	int	status;

	if (r->pid <= 0)
		return;
	close(r->control);
	close(r->results);
	if (waitpid(r->pid, &status, WNOHANG) == 0) {
		kill(r->pid, SIGTERM);
		(void)waitpid(r->pid, &status, 0);
	}
	r->pid = 0;
}

/*
 * The count the receiver reports for the connection that just ended,
 * waiting up to timeout_ms for it.
 */
int
bench_sink_result(struct bench_sink *r, uint64_t *got, int timeout_ms)
{
	struct pollfd	pfd;

	pfd.fd = r->results;
	pfd.events = POLLIN;
	if (loop_wait(&pfd, 1, timeout_ms) <= 0)
		return -1;
	return read(r->results, got, sizeof(*got)) == sizeof(*got) ? 0 : -1;
}
