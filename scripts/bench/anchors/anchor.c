/* SPDX-License-Identifier: ISC */
/*
 * Helpers for the benchmarks (scripts/bench/bench-*), one program with three jobs:
 *   anchor discard PORTFILE [RATE]   accept connections on a free loopback
 *       port (written to PORTFILE, or with PORTFILE "-" printed as the
 *       first line on stdout), drain each with splice to /dev/null at
 *       most RATE bytes a second, and print each connection's byte count
 *   anchor discard -U PATH [RATE]    the same on a Unix socket at PATH
 *       (which must not exist yet); the first line on stdout is PATH
 *   A script waits for the receiver by reading that first line: it comes
 *   once the socket listens, and end of file instead when the receiver
 *   failed, so no wait needs a time bound.
 *   This is the one discard receiver of the benchmarks: every bench-*
 *   script sends to it.
 *   anchor sendfile HOST PORT FILE   the minimal sendfile(2) loop: blocking
 *       socket, whole file, no progress: the physical limit of the path
 *   anchor measure COMMAND           run COMMAND with sh -c and print
 *       "WALL USER SYS" in seconds for it and everything it started
 */

#define _GNU_SOURCE
#include <sys/types.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double
now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * A listening socket: on a free loopback port, written to portfile, or
 * (path not NULL) on a Unix socket at path. -1 if it fails.
 */
static int
listener(const char *portfile, const char *path)
{
	struct sockaddr_in	sin;
	struct sockaddr_un	sun;
	socklen_t		len = sizeof(sin);
	FILE			*f;
	int			lsock;

	if (path != NULL) {
		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		if (strlen(path) >= sizeof(sun.sun_path)) {
			fprintf(stderr, "anchor discard: %s: too long\n", path);
			return -1;
		}
		strcpy(sun.sun_path, path);
		if ((lsock = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
		    bind(lsock, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
		    listen(lsock, 16) == -1) {
			perror(path);
			return -1;
		}
		printf("%s\n", path);
		return lsock;
	}
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((lsock = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    bind(lsock, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(lsock, 16) == -1 ||
	    getsockname(lsock, (struct sockaddr *)&sin, &len) == -1) {
		perror("anchor discard");
		return -1;
	}
	if (strcmp(portfile, "-") == 0) {
		printf("%u\n", ntohs(sin.sin_port));
		return lsock;
	}
	if ((f = fopen(portfile, "w")) == NULL) {
		perror(portfile);
		return -1;
	}
	fprintf(f, "%u\n", ntohs(sin.sin_port));
	fclose(f);
	return lsock;
}

static int
discard(const char *portfile, const char *path, double rate)
{
	struct timespec		ts;
	uint64_t		got;
	double			start, due, t;
	ssize_t			n, m;
	int			lsock, conn, devnull, p[2];

	if ((devnull = open("/dev/null", O_WRONLY)) == -1 || pipe(p) == -1) {
		perror("anchor discard");
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if ((lsock = listener(portfile, path)) == -1)
		return 1;
	for (;;) {
		if ((conn = accept(lsock, NULL, NULL)) == -1)
			continue;
		got = 0;
		start = now();
		while ((n = splice(conn, NULL, p[1], NULL, 1 << 18,
		    SPLICE_F_MOVE)) > 0) {
			got += (uint64_t)n;
			while (n > 0 && (m = splice(p[0], NULL, devnull, NULL,
			    (size_t)n, SPLICE_F_MOVE)) > 0)
				n -= m;
			if (rate <= 0)
				continue;
			due = start + (double)got / rate;
			if ((t = now()) < due) {
				ts.tv_sec = (time_t)(due - t);
				ts.tv_nsec = (long)((due - t -
				    (double)ts.tv_sec) * 1e9);
				nanosleep(&ts, NULL);
			}
		}
		close(conn);
		printf("%ju\n", (uintmax_t)got);
	}
}

static int
send_loop(const char *host, const char *port, const char *path)
{
	struct addrinfo	hints, *res;
	struct stat	st;
	off_t		off = 0;
	ssize_t		n;
	int		fd, s;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, port, &hints, &res) != 0 ||
	    (s = socket(res->ai_family, SOCK_STREAM, 0)) == -1 ||
	    connect(s, res->ai_addr, res->ai_addrlen) == -1 ||
	    (fd = open(path, O_RDONLY)) == -1 || fstat(fd, &st) == -1) {
		perror("anchor sendfile");
		return 1;
	}
	while (off < st.st_size) {
		n = sendfile(s, fd, &off, (size_t)(st.st_size - off));
		if (n <= 0 && errno != EINTR) {
			perror("anchor sendfile");
			return 1;
		}
	}
	shutdown(s, SHUT_WR);
	return 0;
}

static int
measure(const char *command)
{
	struct rusage	ru;
	double		t0, t1;
	pid_t		pid;
	int		status;

	t0 = now();
	if ((pid = fork()) == 0) {
		execl("/bin/sh", "sh", "-c", command, (char *)NULL);
		_exit(127);
	}
	if (pid == -1 || waitpid(pid, &status, 0) == -1)
		return 1;
	t1 = now();
	getrusage(RUSAGE_CHILDREN, &ru);
	printf("%.6f %.6f %.6f\n", t1 - t0,
	    (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6,
	    (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

int
main(int argc, char **argv)
{
	if (argc >= 4 && strcmp(argv[1], "discard") == 0 &&
	    strcmp(argv[2], "-U") == 0)
		return discard(NULL, argv[3], argc > 4 ? atof(argv[4]) : 0.0);
	if (argc >= 3 && strcmp(argv[1], "discard") == 0)
		return discard(argv[2], NULL, argc > 3 ? atof(argv[3]) : 0.0);
	if (argc == 5 && strcmp(argv[1], "sendfile") == 0)
		return send_loop(argv[2], argv[3], argv[4]);
	if (argc == 3 && strcmp(argv[1], "measure") == 0)
		return measure(argv[2]);
	fprintf(stderr, "usage: anchor discard PORTFILE [RATE] | "
	    "discard -U PATH [RATE] | sendfile HOST PORT FILE | "
	    "measure COMMAND\n");
	return 64;
}
