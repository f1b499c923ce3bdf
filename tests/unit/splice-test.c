/* SPDX-License-Identifier: ISC */
/*
 * Unit tests of the splice path (src/splice.c, Linux) through the real
 * engine, on real descriptors: a file through the internal pipe, a pipe
 * straight to the socket, and the failures a user sees when the input
 * cannot be read or the receiver went away.
 */

#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"
#include "simkern.h"
#include "tap.h"

static int	read_all(int, unsigned char *, size_t);
static int	test_file(void);
static int	test_pipe(void);
static int	test_input_fails(void);
static int	test_socket_fails(void);

/* Read fd to end of file into buf; returns the count. */
static int
read_all(int fd, unsigned char *buf, size_t size)
{
	size_t	have;
	ssize_t	n;

	for (have = 0; have < size; have += (size_t)n)
		if ((n = read(fd, buf + have, size - have)) <= 0)
			break;
	return (int)have;
}

/* A range of a file, with header and trailer, through the internal pipe. */
static int
test_file(void)
{
	static unsigned char	 got[40000];
	struct drive		 d;
	FILE			*f;
	size_t			 i;
	int			 sv[2], rv, have;

	if ((f = tmpfile()) == NULL)
		return tap_fail("tmpfile: %s", strerror(errno));
	for (i = 0; i < 40000; i++)
		(void)fputc((int)sim_pattern(i), f);
	if (fflush(f) != 0 || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1 ||
	    shutdown(sv[1], SHUT_WR) == -1) {
		fclose(f);
		return tap_fail("setup: %s", strerror(errno));
	}
	drive_init(&d, "HEAD", 777, 30000, "TAIL");
	d.sock = sv[0];
	d.fd = fileno(f);
	d.mode = MODE_SPLICE;
	d.max_chunk = 4096;
	rv = sim_engine_run(&d, NULL);
	close(sv[0]);
	fclose(f);
	have = read_all(sv[1], got, sizeof(got));
	close(sv[1]);
	CHECK(rv == EXIT_OK);
	CHECK(strcmp(d.backend, "splice") == 0);
	CHECK(have == 30008);
	CHECK(memcmp(got, "HEAD", 4) == 0);
	CHECK(memcmp(got + 30004, "TAIL", 4) == 0);
	for (i = 0; i < 30000; i++)
		CHECK(got[4 + i] == sim_pattern(777 + i));
	return TAP_PASS;
}

/* A pipe goes straight to the socket, until its end. */
static int
test_pipe(void)
{
	static unsigned char	 data[20000], got[30000];
	struct drive		 d;
	size_t			 i;
	int			 pfd[2], sv[2], rv, have;

	for (i = 0; i < sizeof(data); i++)
		data[i] = sim_pattern(i * 3);
	if (pipe(pfd) == -1 || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1 ||
	    shutdown(sv[1], SHUT_WR) == -1)
		return tap_fail("setup: %s", strerror(errno));
	/* 20000 bytes fit in a pipe: write them all, then the end. */
	if (write(pfd[1], data, sizeof(data)) != (ssize_t)sizeof(data))
		return tap_fail("write: %s", strerror(errno));
	close(pfd[1]);
	drive_init(&d, NULL, -1, 0, NULL);
	d.to_eof = 1;
	d.sock = sv[0];
	d.fd = pfd[0];
	d.mode = MODE_SPLICE;
	rv = sim_engine_run(&d, NULL);
	close(pfd[0]);
	close(sv[0]);
	have = read_all(sv[1], got, sizeof(got));
	close(sv[1]);
	CHECK(rv == EXIT_OK);
	CHECK(have == (int)sizeof(data));
	CHECK(memcmp(got, data, sizeof(data)) == 0);
	return TAP_PASS;
}

/* An input that cannot be read fails the transfer, naming the read. */
static int
test_input_fails(void)
{
	struct drive	d;
	int		sv[2], fd, rv;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1 ||
	    shutdown(sv[1], SHUT_WR) == -1)
		return tap_fail("socketpair: %s", strerror(errno));
	if ((fd = open("/dev/null", O_WRONLY)) == -1)
		return tap_fail("/dev/null: %s", strerror(errno));
	drive_init(&d, "HEAD\r\n", 0, 1000, NULL);
	d.sock = sv[0];
	d.fd = fd;
	d.mode = MODE_SPLICE;
	rv = sim_engine_run(&d, NULL);
	close(fd);
	close(sv[0]);
	close(sv[1]);
	CHECK(rv == EXIT_IOERR);
	if (strcmp(d.error, "FILE: read: Bad file descriptor after 6 of "
	    "1006 bytes") != 0)
		return tap_fail("message \"%s\"", d.error);
	return TAP_PASS;
}

/* A receiver that went away fails the transfer as closed by the peer. */
static int
test_socket_fails(void)
{
	struct drive	 d;
	FILE		*f;
	int		 sv[2], rv;

	if ((f = tmpfile()) == NULL)
		return tap_fail("tmpfile: %s", strerror(errno));
	if (ftruncate(fileno(f), 1000) == -1 ||
	    socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1) {
		fclose(f);
		return tap_fail("setup: %s", strerror(errno));
	}
	close(sv[1]);
	drive_init(&d, NULL, 0, 1000, NULL);
	d.sock = sv[0];
	d.fd = fileno(f);
	d.mode = MODE_SPLICE;
	rv = sim_engine_run(&d, NULL);
	close(sv[0]);
	fclose(f);
	CHECK(rv == EXIT_IOERR);
	if (strcmp(d.error, "send to PEER: connection closed by peer after "
	    "0 of 1000 bytes") != 0)
		return tap_fail("message \"%s\"", d.error);
	return TAP_PASS;
}

static const struct tap_test tests[] = {
	{ "file range through the internal pipe", test_file },
	{ "pipe straight to the socket", test_pipe },
	{ "an unreadable input fails with exit 74", test_input_fails },
	{ "a closed receiver fails with exit 74", test_socket_fails },
};

int
main(void)
{
	(void)signal(SIGPIPE, SIG_IGN);	/* as zcsend does */
	return tap_run(tests, TAP_COUNT(tests));
}
