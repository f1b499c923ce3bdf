/* SPDX-License-Identifier: ISC */
/*
 * Unit tests of src/sf-none.c, the backend of platforms without a known
 * sendfile: linked with src/sf-rw.c and run on real descriptors (a
 * temporary file and a socket pair), since it makes no calls of its own.
 */

#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "zcsend.h"
#include "tap.h"

#define FILE_SIZE	20000

static int	send_all(int, int, const char *, off_t, size_t, const char *);
static int	test_name(void);
static int	test_transfer(void);
static int	test_parse_flags(void);
static int	test_no_fallback(void);
static int	test_cork(void);

/*
 * Push hdr, len bytes of fd from off, and trl through sf_backend into
 * sock the way the engine does. Returns 0, or -1 on an error.
 */
static int
send_all(int sock, int fd, const char *hdr, off_t off, size_t len,
    const char *trl)
{
	struct sf_chunk		c;
	struct sf_scratch	s;
	size_t			hl, tl, hd, fd_done, td, n, take;
	ssize_t			rv;
	int			calls;

	memset(&s, 0, sizeof(s));
	s.cap = 1000;		/* small, so the file takes many reads */
	if ((s.buf = malloc(s.cap)) == NULL)
		return -1;
	hl = strlen(hdr);
	tl = strlen(trl);
	hd = fd_done = td = 0;
	for (calls = 0; calls < 10000; calls++) {
		if (hd == hl && fd_done == len && td == tl) {
			free(s.buf);
			return 0;
		}
		memset(&c, 0, sizeof(c));
		c.sock = sock;
		c.fd = fd;
		c.hdr = (const unsigned char *)hdr + hd;
		c.hdr_len = hl - hd;
		c.file_off = off + (off_t)fd_done;
		c.file_len = len - fd_done < 3000 ? len - fd_done : 3000;
		if (fd_done + c.file_len == len) {
			c.trl = (const unsigned char *)trl + td;
			c.trl_len = tl - td;
		}
		if ((rv = sf_backend.send(&c, &s)) <= 0)
			break;
		n = (size_t)rv;
		take = n < c.hdr_len ? n : c.hdr_len;
		hd += take;
		n -= take;
		take = n < c.file_len ? n : c.file_len;
		fd_done += take;
		n -= take;
		td += n;
	}
	free(s.buf);
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
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1) {
		fclose(f);
		return tap_skip("no socketpair");
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
	CHECK(sf_fallback_errno(EINVAL) == 0);
	CHECK(sf_fallback_errno(ENOSYS) == 0);
	CHECK(sf_fallback_errno(EOPNOTSUPP) == 0);
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
	{ "--sf-flags refused", test_parse_flags },
	{ "no fallback, no pseudo-files", test_no_fallback },
	{ "sf_cork on a TCP socket", test_cork },
};

int
main(void)
{
	return tap_run(tests, TAP_COUNT(tests));
}
