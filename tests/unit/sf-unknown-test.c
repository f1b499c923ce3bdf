/* SPDX-License-Identifier: ISC */
/*
 * Unit tests of src/sf-unknown.c, the backend of platforms without a known
 * sendfile, and of the read/write path (src/rw.c) it is: the real engine
 * runs on real descriptors (a temporary file and a socket pair), since
 * the backend makes no calls of its own.
 */

#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

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

#define FILE_SIZE	20000

static int	send_all(int, int, const char *, off_t, size_t, const char *);
static int	run_failing(enum send_mode, int, int, const char *);
static int	test_name(void);
static int	test_transfer(void);
static int	test_readwrite_transfer(void);
static int	test_input_fails(void);
static int	test_socket_fails(void);
static int	test_parse_flags(void);
static int	test_no_fallback(void);
static int	test_cork(void);

/*
 * Push hdr, len bytes of fd from off, and trl through the engine with
 * sf_backend into sock, in 3000-byte chunks through a 1000-byte buffer.
 * Returns 0, or -1 on an error.
 */
static int
send_all(int sock, int fd, const char *hdr, off_t off, size_t len,
    const char *trl)
{
	struct drive	d;

	drive_init(&d, hdr, off, len, trl);
	d.sock = sock;
	d.fd = fd;
	d.max_chunk = 3000;
	d.block_size = 1000;
	if (sim_engine_run(&d, NULL) == EXIT_OK)
		return 0;
	(void)tap_fail("exit %d: %s", d.exit, d.error);
	return -1;
}

/* The backend calls itself "readwrite", not "sendfile". */
static int
test_name(void)
{
	CHECK(strcmp(sf_backend.name, "readwrite") == 0);
	CHECK(strcmp(sf_backend.name, rw_backend.name) == 0);
	return TAP_PASS;
}

/* Header, a range of the file, and trailer arrive intact, in order. */
static int
test_transfer(void)
{
	static unsigned char	 data[FILE_SIZE];
	static unsigned char	 got[FILE_SIZE + 64];
	const char		*hdr = "HEAD\r\n", *trl = "\r\nTAIL";
	FILE			*f;
	size_t			 i, want, have;
	ssize_t			 n;
	int			 sv[2], rv;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)(i * 7 + i / 251);
	if ((f = tmpfile()) == NULL)
		return tap_skip("no temporary file");
	if (fwrite(data, 1, sizeof(data), f) != sizeof(data) ||
	    fflush(f) != 0) {
		fclose(f);
		return tap_fail("writing the temporary file failed");
	}
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1 ||
	    shutdown(sv[1], SHUT_WR) == -1) {
		fclose(f);
		return tap_fail("socketpair: %s", strerror(errno));
	}
	rv = send_all(sv[0], fileno(f), hdr, 1234, 15000, trl);
	fclose(f);
	close(sv[0]);
	want = 6 + 15000 + 6;
	for (have = 0; have < sizeof(got); have += (size_t)n)
		if ((n = read(sv[1], got + have, sizeof(got) - have)) <= 0)
			break;
	close(sv[1]);
	CHECK(rv == 0);
	CHECK(have == want);
	CHECK(memcmp(got, hdr, 6) == 0);
	CHECK(memcmp(got + 6, data + 1234, 15000) == 0);
	CHECK(memcmp(got + 6 + 15000, trl, 6) == 0);
	return TAP_PASS;
}

/* The same through --mode readwrite: the engine's own rw_backend. */
static int
test_readwrite_transfer(void)
{
	static unsigned char	 got[5000];
	struct drive		 d;
	FILE			*f;
	size_t			 i, have;
	ssize_t			 n;
	int			 sv[2], rv;

	if ((f = tmpfile()) == NULL)
		return tap_fail("tmpfile: %s", strerror(errno));
	for (i = 0; i < 4000; i++)
		(void)fputc((int)sim_pattern(i), f);
	if (fflush(f) != 0 || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1 ||
	    shutdown(sv[1], SHUT_WR) == -1) {
		fclose(f);
		return tap_fail("setup: %s", strerror(errno));
	}
	drive_init(&d, "H", 100, 3000, "T");
	d.sock = sv[0];
	d.fd = fileno(f);
	d.mode = MODE_READWRITE;
	rv = sim_engine_run(&d, NULL);
	close(sv[0]);
	fclose(f);
	for (have = 0; have < sizeof(got); have += (size_t)n)
		if ((n = read(sv[1], got + have, sizeof(got) - have)) <= 0)
			break;
	close(sv[1]);
	CHECK(rv == EXIT_OK);
	CHECK(strcmp(d.backend, "readwrite") == 0);
	CHECK(have == 3002);
	CHECK(got[0] == 'H' && got[3001] == 'T');
	for (i = 0; i < 3000; i++)
		CHECK(got[1 + i] == sim_pattern(100 + i));
	return TAP_PASS;
}

/*
 * Run hdr and 1000 bytes of fd to sock in mode and require exit 74 with
 * the message want.
 */
static int
run_failing(enum send_mode mode, int sock, int fd, const char *want)
{
	struct drive	d;

	drive_init(&d, "HEAD\r\n", 0, 1000, NULL);
	d.sock = sock;
	d.fd = fd;
	d.mode = mode;
	if (sim_engine_run(&d, NULL) != EXIT_IOERR)
		return tap_fail("exit %d (%s), not 74", d.exit, d.error);
	if (strcmp(d.error, want) != 0)
		return tap_fail("message \"%s\", not \"%s\"", d.error, want);
	return TAP_PASS;
}

/* An input that cannot be read fails the transfer, naming the read. */
static int
test_input_fails(void)
{
	const char	*want = "FILE: read: Bad file descriptor after 6 of "
			    "1006 bytes";
	int		 sv[2], fd, rv;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1 ||
	    shutdown(sv[1], SHUT_WR) == -1)
		return tap_fail("socketpair: %s", strerror(errno));
	/* Write-only: every read of it fails with EBADF. */
	if ((fd = open("/dev/null", O_WRONLY)) == -1)
		return tap_fail("/dev/null: %s", strerror(errno));
	rv = run_failing(MODE_SENDFILE, sv[0], fd, want);
	if (rv == TAP_PASS)
		rv = run_failing(MODE_READWRITE, sv[0], fd, want);
	close(fd);
	close(sv[0]);
	close(sv[1]);
	return rv;
}

/* A receiver that went away fails the transfer as closed by the peer. */
static int
test_socket_fails(void)
{
	FILE	*f;
	int	 sv[2], rv;

	if ((f = tmpfile()) == NULL)
		return tap_fail("tmpfile: %s", strerror(errno));
	if (ftruncate(fileno(f), 1000) == -1 ||
	    socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1) {
		fclose(f);
		return tap_fail("setup: %s", strerror(errno));
	}
	close(sv[1]);
	rv = run_failing(MODE_READWRITE, sv[0], fileno(f),
	    "send to PEER: connection closed by peer after 0 of 1006 bytes");
	close(sv[0]);
	fclose(f);
	return rv;
}

/* No flags without sendfile. */
static int
test_parse_flags(void)
{
	const char	*errstr;
	int		 flags;

	errstr = NULL;
	CHECK(sf_parse_flags("", &flags, &errstr) == 0 && flags == 0);
	CHECK(sf_parse_flags("nodiskio", &flags, &errstr) == -1);
	CHECK(errstr != NULL);
	return TAP_PASS;
}

/* Nothing to fall back to, and no pseudo-file detection. */
static int
test_no_fallback(void)
{
	CHECK(sf_backend.refused == NULL);
	CHECK(sf_pseudo_file(0) == 0);
	return TAP_PASS;
}

/* sf_cork works on a TCP socket. */
static int
test_cork(void)
{
	int	s, rv;

	if ((s = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return tap_skip("no TCP socket");
	rv = sf_cork(s, 1) == 0 && sf_cork(s, 0) == 0;
	close(s);
	CHECK(rv);
	return TAP_PASS;
}

static const struct tap_test tests[] = {
	{ "named readwrite", test_name },
	{ "header, range and trailer arrive intact", test_transfer },
	{ "--mode readwrite through the engine", test_readwrite_transfer },
	{ "an unreadable input fails with exit 74", test_input_fails },
	{ "a closed receiver fails with exit 74", test_socket_fails },
	{ "--sf-flags refused", test_parse_flags },
	{ "no fallback, no pseudo-files", test_no_fallback },
	{ "sf_cork on a TCP socket", test_cork },
};

int
main(void)
{
	(void)signal(SIGPIPE, SIG_IGN);	/* as zcsend does */
	return tap_run(tests, TAP_COUNT(tests));
}
