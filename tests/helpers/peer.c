/* SPDX-License-Identifier: ISC */
/*
 * peer: a one-connection TCP receiver for zcsend's tests.
 *
 * It listens on a kernel-chosen loopback port, says which on stderr, takes
 * one connection and then misbehaves in the way the test asked for: closes
 * or resets after N bytes, stops reading for good or until SIGUSR1, or
 * reads slowly, or first says a line (or shuts its side, as nc -N does with
 * nothing to say) and reads late. Everything it does is
 * bounded by an alarm so a test that goes wrong cannot hang CI.
 *
 * Lines on stderr, each flushed as soon as it is true:
 *	listening PORT		ready for the connection
 *	accepted		the connection is in
 *	got N			-S: N bytes read, now stalled
 *	resumed			-S: SIGUSR1 arrived, reading again
 *	closed after N		-c: closed after N bytes
 *	reset after N		-r: reset after N bytes
 *	received N		end of file after N bytes (exit 0)
 *
 * With -L FILE every read is also logged to FILE as "SECONDS BYTES": the
 * time since the connection was accepted (monotonic clock) and the bytes
 * received so far, for tests that check pacing at the receiver.
 */

#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* What to do once the byte limit is reached. */
enum action {
	ACT_NONE,		/* read to end of file */
	ACT_CLOSE,		/* -c: close(2) */
	ACT_RESET,		/* -r: SO_LINGER 0, then close(2): an RST */
	ACT_NOREAD,		/* -s: never read at all */
	ACT_STALL		/* -S: stop reading until SIGUSR1 */
};

#define EXIT_FAIL	1	/* a system call failed */
#define EXIT_USAGE	2
#define EXIT_TIMEOUT	3	/* the -t alarm went off */

static volatile sig_atomic_t resume;

static void	usage(void);
static long long number(const char *, long long, long long, const char *);
static void	on_usr1(int);
static void	on_alarm(int);
static void	wait_for_usr1(const sigset_t *);
static int	listen_loopback(int, int, unsigned int *);
static void	nap(long long);
static void	write_all(int, const unsigned char *, size_t);
static void	say(const char *, unsigned long long);
static double	since(const struct timespec *);

static void
usage(void)
{
	fprintf(stderr, "usage: zcrecv [-46] [-b bytes] [-d ms] [-L file] "
	    "[-o file] [-R bytes] [-t sec]\n"
	    "              [-W ms] [-w line] [-h] [-c n | -r n | -S n | -s]\n");
	exit(EXIT_USAGE);
}

/*
 * Returns the decimal number in s, which must lie in [min, max]; exits
 * with a usage error naming what otherwise.
 */
static long long
number(const char *s, long long min, long long max, const char *what)
{
	char		*end;
	long long	 v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (*s == '\0' || *end != '\0' || errno != 0 || v < min || v > max) {
		fprintf(stderr, "zcrecv: %s %s: invalid\n", what, s);
		exit(EXIT_USAGE);
	}
	return (v);
}

static void
on_usr1(int sig)
{
	(void)sig;
	resume = 1;
}

/* The -t bound: say so with async-signal-safe calls only, then go. */
static void
on_alarm(int sig)
{
	static const char msg[] = "zcrecv: timed out\n";
	ssize_t	 n;

	(void)sig;
	n = write(STDERR_FILENO, msg, sizeof(msg) - 1);
	(void)n;
	_exit(EXIT_TIMEOUT);
}

/*
 * Sleeps until SIGUSR1 arrives. SIGUSR1 is blocked everywhere else, so a
 * signal sent before this point stays pending and ends the wait at once.
 */
static void
wait_for_usr1(const sigset_t *unblocked)
{
	while (!resume)
		sigsuspend(unblocked);
	resume = 0;
}

/*
 * Returns a socket listening on the loopback address of family (AF_INET
 * or AF_INET6) on a port the kernel picks, stored in *port. A rcvbuf
 * above 0 sets SO_RCVBUF first, so the accepted socket inherits it and
 * the kernel cannot grow it: the bytes a stalled reader holds stay small.
 * Exits on failure.
 */
static int
listen_loopback(int family, int rcvbuf, unsigned int *port)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin;
	struct sockaddr_in6	*sin6;
	socklen_t		 len;
	int			 fd;

	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET6) {
		sin6 = (struct sockaddr_in6 *)&ss;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = in6addr_loopback;
		len = sizeof(*sin6);
	} else {
		sin = (struct sockaddr_in *)&ss;
		sin->sin_family = AF_INET;
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof(*sin);
	}
	if ((fd = socket(family, SOCK_STREAM, 0)) == -1) {
		perror("zcrecv: socket");
		exit(EXIT_FAIL);
	}
	if (rcvbuf > 0 && setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
	    sizeof(rcvbuf)) == -1) {
		perror("zcrecv: SO_RCVBUF");
		exit(EXIT_FAIL);
	}
	if (bind(fd, (struct sockaddr *)&ss, len) == -1 ||
	    listen(fd, 1) == -1) {
		perror("zcrecv: bind/listen");
		exit(EXIT_FAIL);
	}
	len = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &len) == -1) {
		perror("zcrecv: getsockname");
		exit(EXIT_FAIL);
	}
	if (family == AF_INET6)
		*port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	else
		*port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	return (fd);
}

/* Sleeps ms milliseconds, through signals that interrupt the sleep. */
static void
nap(long long ms)
{
	struct timespec	 ts;

	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		continue;
}

/* Writes all len bytes of buf to fd, or exits. */
static void
write_all(int fd, const unsigned char *buf, size_t len)
{
	ssize_t	 n;

	while (len > 0) {
		if ((n = write(fd, buf, len)) == -1) {
			if (errno == EINTR)
				continue;
			perror("zcrecv: write");
			exit(EXIT_FAIL);
		}
		buf += n;
		len -= (size_t)n;
	}
}

/* One status line on stderr, flushed: tests wait for these. */
static void
say(const char *what, unsigned long long n)
{
	fprintf(stderr, "%s %llu\n", what, n);
	fflush(stderr);
}

/* Seconds elapsed on the monotonic clock since *t0. */
static double
since(const struct timespec *t0)
{
	struct timespec	now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) +
	    (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

int
main(int argc, char *argv[])
{
	struct sigaction	 sa;
	struct linger		 lg;
	sigset_t		 block, unblocked;
	unsigned char		*buf;
	enum action		 act = ACT_NONE;
	unsigned long long	 got = 0, limit = 0;
	unsigned int		 port;
	long long		 delay_ms = 0, late_ms = 0;
	const char		*line = NULL;
	size_t			 bufsize = 65536, want;
	ssize_t			 n;
	const char		*outpath = NULL, *logpath = NULL;
	FILE			*logf = NULL;
	struct timespec		 t0;
	int			 ch, family = AF_INET, rcvbuf = 0, seconds = 60;
	int			 half_close = 0;
	int			 lfd, sock, out = -1;

	while ((ch = getopt(argc, argv, "46b:c:d:hL:o:R:r:sS:t:W:w:")) != -1) {
		switch (ch) {
		case '4':
			family = AF_INET;
			break;
		case '6':
			family = AF_INET6;
			break;
		case 'b':
			bufsize = (size_t)number(optarg, 1, 16 << 20, "-b");
			break;
		case 'c':
		case 'r':
		case 'S':
			if (act != ACT_NONE)
				usage();
			act = ch == 'c' ? ACT_CLOSE :
			    ch == 'r' ? ACT_RESET : ACT_STALL;
			limit = (unsigned long long)number(optarg, 0,
			    LLONG_MAX, "byte count");
			break;
		case 'd':
			delay_ms = number(optarg, 0, 60000, "-d");
			break;
		case 'h':
			half_close = 1;
			break;
		case 'L':
			logpath = optarg;
			break;
		case 'o':
			outpath = optarg;
			break;
		case 'R':
			rcvbuf = (int)number(optarg, 1, INT_MAX, "-R");
			break;
		case 's':
			if (act != ACT_NONE)
				usage();
			act = ACT_NOREAD;
			break;
		case 't':
			seconds = (int)number(optarg, 1, 86400, "-t");
			break;
		case 'W':
			late_ms = number(optarg, 0, 60000, "-W");
			break;
		case 'w':
			line = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();

	if ((buf = malloc(bufsize)) == NULL) {
		perror("zcrecv: malloc");
		exit(EXIT_FAIL);
	}
	if (logpath != NULL && (logf = fopen(logpath, "w")) == NULL) {
		perror(logpath);
		exit(EXIT_FAIL);
	}
	if (outpath != NULL && (out = open(outpath,
	    O_WRONLY | O_CREAT | O_TRUNC, 0644)) == -1) {
		perror(outpath);
		exit(EXIT_FAIL);
	}

	/*
	 * SIGUSR1 stays blocked except inside sigsuspend(), so "got N" and
	 * the test's kill(1) can come in either order.
	 */
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &block, &unblocked) == -1) {
		perror("zcrecv: sigprocmask");
		exit(EXIT_FAIL);
	}
	sigdelset(&unblocked, SIGUSR1);
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	alarm((unsigned int)seconds);

	lfd = listen_loopback(family, rcvbuf, &port);
	say("listening", port);

	while ((sock = accept(lfd, NULL, NULL)) == -1) {
		if (errno != EINTR) {
			perror("zcrecv: accept");
			exit(EXIT_FAIL);
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	close(lfd);
	fprintf(stderr, "accepted\n");
	fflush(stderr);

	/* -w: say a line (the sender never reads it); -W: read late. */
	if (line != NULL) {
		write_all(sock, (const unsigned char *)line, strlen(line));
		write_all(sock, (const unsigned char *)"\n", 1);
	}
	/* -h: the sender sees our end of file before we read a byte. */
	if (half_close && shutdown(sock, SHUT_WR) == -1) {
		perror("zcrecv: shutdown");
		exit(EXIT_FAIL);
	}
	if (late_ms > 0)
		nap(late_ms);

	if (act == ACT_NOREAD) {
		/* Until killed or the alarm: SIGUSR1 does not end this. */
		for (;;)
			sigsuspend(&block);
	}

	for (;;) {
		if (act == ACT_STALL && got == limit) {
			say("got", got);
			wait_for_usr1(&unblocked);
			fprintf(stderr, "resumed\n");
			fflush(stderr);
			act = ACT_NONE;
		}
		if (act != ACT_NONE && got == limit)
			break;
		want = bufsize;
		if (act != ACT_NONE && limit - got < want)
			want = (size_t)(limit - got);
		if ((n = read(sock, buf, want)) == -1) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "zcrecv: read: %s after %llu bytes\n",
			    strerror(errno), got);
			exit(EXIT_FAIL);
		}
		if (n == 0) {
			if (logf != NULL && fclose(logf) == EOF) {
				perror(logpath);
				exit(EXIT_FAIL);
			}
			if (out != -1 && close(out) == -1) {
				perror(outpath);
				exit(EXIT_FAIL);
			}
			say("received", got);
			exit(0);
		}
		if (out != -1)
			write_all(out, buf, (size_t)n);
		got += (unsigned long long)n;
		if (logf != NULL)
			fprintf(logf, "%.6f %llu\n", since(&t0), got);
		if (delay_ms > 0)
			nap(delay_ms);
	}

	/* -c or -r: the limit is reached. */
	if (act == ACT_RESET) {
		lg.l_onoff = 1;
		lg.l_linger = 0;
		if (setsockopt(sock, SOL_SOCKET, SO_LINGER, &lg,
		    sizeof(lg)) == -1) {
			perror("zcrecv: SO_LINGER");
			exit(EXIT_FAIL);
		}
	}
	close(sock);
	say(act == ACT_RESET ? "reset after" : "closed after", got);
	if (out != -1 && close(out) == -1) {
		perror(outpath);
		exit(EXIT_FAIL);
	}
	free(buf);
	return (0);
}
