/* SPDX-License-Identifier: ISC */
/*
 * Unit tests of zc_sendfile() on this system's kernel, through the built
 * library: a temporary file, a socket pair and a thread reading the far
 * end. Linked with src/sf-none.c instead (zc-none-test), the same tests
 * run zc_sendfile() on the read/write backend of platforms without
 * sendfile(2).
 */

#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "zc-common.h"
#include "zc_sendfile.h"

#define ZCR_SIZE	(3 * 1024 * 1024 + 17)

static int	 zcr_whole_loop(void);
static int	 zcr_hdr_trl(void);
static int	 zcr_current_position(void);
static int	 zcr_past_eof(void);
static int	 zcr_past_any_file(void);
static int	 zcr_negative(void);
static int	 zcr_nbytes_too_large(void);
static int	 zcr_eagain(void);
static int	 zcr_ebadf(void);
static int	 zcr_ebadf_header(void);
static int	 zcr_flags(void);
static int	 zcr_not_stream(void);
#ifdef __linux__
static int	 zcr_pseudo(void);
static int	 zcr_short_trailer(void);
#endif

/* pysendfile's README loop: call until 0, adding what each call sent. */
static int
zcr_whole_loop(void)
{
	struct zct_peer	p;
	off_t		off = 0;
	ssize_t		n;
	size_t		total = 0;
	int		sock, fd;

	CHECK((fd = open(zct_path, O_RDONLY)) != -1);
	CHECK(zct_open(&sock, &p) == 0);
	while ((n = zc_sendfile(sock, fd, &off, 65536, NULL, 0, NULL, 0,
	    0)) > 0)
		total += (size_t)n;
	CHECK(n == 0);
	CHECK(total == ZCR_SIZE && off == ZCR_SIZE);
	zct_close(sock, &p);
	close(fd);
	CHECK(zct_same(&p, "", 0, ZCR_SIZE, ""));
	free(p.data);
	return TAP_PASS;
}

static int
zcr_hdr_trl(void)
{
	struct zct_peer	p;
	off_t		off = 1000;
	int		sock, fd;

	CHECK((fd = open(zct_path, O_RDONLY)) != -1);
	CHECK(zct_open(&sock, &p) == 0);
	CHECK(zc_sendfile(sock, fd, &off, 5000, "HTTP/1.1 200 OK\r\n\r\n", 19,
	    "\r\n--end\r\n", 9, 0) == 19 + 5000 + 9);
	CHECK(off == 6000);
	zct_close(sock, &p);
	close(fd);
	CHECK(zct_same(&p, "HTTP/1.1 200 OK\r\n\r\n", 1000, 5000,
	    "\r\n--end\r\n"));
	free(p.data);
	return TAP_PASS;
}

static int
zcr_current_position(void)
{
	struct zct_peer	p;
	int		sock, fd;

	CHECK((fd = open(zct_path, O_RDONLY)) != -1);
	CHECK(lseek(fd, 4096, SEEK_SET) == 4096);
	CHECK(zct_open(&sock, &p) == 0);
	CHECK(zc_sendfile(sock, fd, NULL, 100, NULL, 0, NULL, 0, 0) == 100);
	CHECK(lseek(fd, 0, SEEK_CUR) == 4196);
	CHECK(zc_sendfile(sock, fd, NULL, 50, NULL, 0, NULL, 0, 0) == 50);
	CHECK(lseek(fd, 0, SEEK_CUR) == 4246);
	zct_close(sock, &p);
	close(fd);
	CHECK(zct_same(&p, "", 4096, 150, ""));
	free(p.data);
	return TAP_PASS;
}

static int
zcr_past_eof(void)
{
	struct zct_peer	p;
	off_t		off = ZCR_SIZE + 4096;
	int		sock, fd;

	CHECK((fd = open(zct_path, O_RDONLY)) != -1);
	CHECK(zct_open(&sock, &p) == 0);
	CHECK(zc_sendfile(sock, fd, &off, 4096, NULL, 0, NULL, 0, 0) == 0);
	CHECK(off == ZCR_SIZE + 4096);
	off = ZCR_SIZE;
	CHECK(zc_sendfile(sock, fd, &off, 4096, NULL, 0, NULL, 0, 0) == 0);
	CHECK(lseek(fd, ZCR_SIZE + 10, SEEK_SET) == ZCR_SIZE + 10);
	CHECK(zc_sendfile(sock, fd, NULL, 4096, NULL, 0, NULL, 0, 0) == 0);
	zct_close(sock, &p);
	close(fd);
	CHECK(p.len == 0);
	free(p.data);
	return TAP_PASS;
}

/*
 * An offset past the end of the file, and past what the file system (or
 * off_t, with nbytes added) can address, where Linux's sendfile(2) fails
 * with EOVERFLOW or EINVAL: still the end of file, so 0, or the header and
 * trailer alone.
 */
static int
zcr_past_any_file(void)
{
	static const off_t	 offs[] = { (off_t)1 << 44, (off_t)1 << 62,
	    INT64_MAX - 1, INT64_MAX };
	struct zct_peer		 p;
	off_t			 off;
	size_t			 i;
	int			 sock, fd;

	CHECK((fd = open(zct_path, O_RDONLY)) != -1);
	CHECK(zct_open(&sock, &p) == 0);
	for (i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		off = offs[i];
		errno = 0;
		if (zc_sendfile(sock, fd, &off, 4096, NULL, 0, NULL, 0,
		    0) != 0)
			return tap_fail("offset %jd: %s", (intmax_t)offs[i],
			    strerror(errno));
		CHECK(off == offs[i]);
		CHECK(zc_sendfile(sock, fd, &off, 4096, "H", 1, NULL, 0,
		    0) == 1);
		CHECK(zc_sendfile(sock, fd, &off, 4096, "<", 1, ">", 1,
		    0) == 2);
		CHECK(off == offs[i]);
	}
	zct_close(sock, &p);
	close(fd);
	CHECK(p.len == 3 * 4 && memcmp(p.data, "H<>H<>H<>H<>", 12) == 0);
	free(p.data);
	return TAP_PASS;
}

static int
zcr_negative(void)
{
	off_t	off = -1;
	int	sv[2], fd;

	CHECK((fd = open(zct_path, O_RDONLY)) != -1);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	errno = 0;
	CHECK(zc_sendfile(sv[0], fd, &off, 10, NULL, 0, NULL, 0, 0) == -1);
	CHECK(errno == EINVAL);
	close(sv[0]);
	close(sv[1]);
	close(fd);
	return TAP_PASS;
}

/*
 * nbytes past SSIZE_MAX cannot be counted in the return value: EINVAL, as
 * Linux's sendfile(2) says, and as pysendfile raised there for a negative
 * nbytes. Nothing goes out, not even the header.
 */
static int
zcr_nbytes_too_large(void)
{
	struct zct_peer	p;
	off_t		off = 0;
	int		sock, fd;

	CHECK((fd = open(zct_path, O_RDONLY)) != -1);
	CHECK(zct_open(&sock, &p) == 0);
	errno = 0;
	CHECK(zc_sendfile(sock, fd, &off, SIZE_MAX, NULL, 0, NULL, 0,
	    0) == -1 && errno == EINVAL);
	errno = 0;
	CHECK(zc_sendfile(sock, fd, &off, (size_t)SSIZE_MAX + 1, "H", 1, "T",
	    1, 0) == -1 && errno == EINVAL);
	CHECK(off == 0);
	/* SSIZE_MAX itself is "as much as there is". */
	off = ZCR_SIZE - 10;
	CHECK(zc_sendfile(sock, fd, &off, SSIZE_MAX, NULL, 0, NULL, 0,
	    0) == 10);
	zct_close(sock, &p);
	close(fd);
	CHECK(zct_same(&p, "", ZCR_SIZE - 10, 10, ""));
	free(p.data);
	return TAP_PASS;
}

/*
 * A non-blocking socket nobody reads: calls send until it is full, then
 * one fails with EAGAIN and sends nothing, leaving the offset alone.
 */
static int
zcr_eagain(void)
{
	off_t	off = 0, before;
	ssize_t	n = 0;
	int	sv[2], fd, i;

	CHECK((fd = open(zct_path, O_RDONLY)) != -1);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	CHECK(fcntl(sv[0], F_SETFL, O_NONBLOCK) == 0);
	for (i = 0; i < 100000 && off < ZCR_SIZE; i++) {
		before = off;
		if ((n = zc_sendfile(sv[0], fd, &off, 65536, NULL, 0, NULL, 0,
		    0)) == -1)
			break;
		CHECK(off == before + n);
	}
	CHECK(n == -1);
	CHECK(errno == EAGAIN || errno == EWOULDBLOCK);
	CHECK(off == before && off > 0);
	close(sv[0]);
	close(sv[1]);
	close(fd);
	return TAP_PASS;
}

/* pysendfile's test_non_socket: the descriptors the wrong way round. */
static int
zcr_ebadf(void)
{
	off_t	off = 0;
	int	in, out;
	char	path[80];

	snprintf(path, sizeof(path), "%s.out", zct_path);
	CHECK((in = open(zct_path, O_RDONLY)) != -1);
	CHECK((out = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) != -1);
	errno = 0;
	CHECK(zc_sendfile(in, out, &off, 4096, NULL, 0, NULL, 0, 0) == -1);
	CHECK(errno == EBADF);
	close(in);
	close(out);
	unlink(path);
	return TAP_PASS;
}

/*
 * A bad input with a header: EBADF before the header goes, as on FreeBSD,
 * where one system call checks the descriptors first; the receiver gets
 * nothing.
 */
static int
zcr_ebadf_header(void)
{
	struct zct_peer	p;
	off_t		off = 0;
	int		sock, fd, wr, dir;

	CHECK((wr = open(zct_path, O_WRONLY)) != -1);
	CHECK(zct_open(&sock, &p) == 0);
	/* Closed last, so that nothing here takes its number again. */
	CHECK((fd = open(zct_path, O_RDONLY)) != -1);
	CHECK(close(fd) == 0);
	errno = 0;
	CHECK(zc_sendfile(sock, fd, &off, 10, "HEAD", 4, NULL, 0, 0) == -1);
	CHECK(errno == EBADF);
	errno = 0;
	CHECK(zc_sendfile(sock, wr, &off, 10, "HEAD", 4, "T", 1, 0) == -1);
	CHECK(errno == EBADF);
	CHECK(off == 0);
	CHECK((dir = open(".", O_RDONLY | O_DIRECTORY)) != -1);
	errno = 0;
	CHECK(zc_sendfile(sock, dir, &off, 10, "HEAD", 4, NULL, 0, 0) == -1);
	CHECK(errno == EISDIR);
	close(dir);
	zct_close(sock, &p);
	close(wr);
	CHECK(p.len == 0);
	free(p.data);
	return TAP_PASS;
}

/* Without FreeBSD's sendfile no flag is supported: EINVAL. */
static int
zcr_flags(void)
{
	off_t	off = 0;
	int	sv[2], fd;

	CHECK((fd = open(zct_path, O_RDONLY)) != -1);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	if (zc_flags_supported(ZC_SF_NODISKIO)) {
		close(sv[0]);
		close(sv[1]);
		close(fd);
		return tap_skip("this platform has SF_NODISKIO");
	}
	errno = 0;
	CHECK(zc_sendfile(sv[0], fd, &off, 10, NULL, 0, NULL, 0,
	    ZC_SF_NODISKIO) == -1);
	CHECK(errno == EINVAL);
	CHECK(zc_sendfile(sv[0], fd, &off, 10, NULL, 0, NULL, 0,
	    ZC_SF_SYNC) == -1);
	CHECK(errno == EINVAL);
	close(sv[0]);
	close(sv[1]);
	close(fd);
	return TAP_PASS;
}

/*
 * What out may be, as zc_sendfile(3) says: a datagram socket works; a pipe
 * works without a header where the platform's sendfile(2) writes to any
 * descriptor (Linux), and a header or trailer, which go with send(2),
 * needs a socket: ENOTSOCK, nothing sent. The read/write path sends with
 * send(2) always.
 */
static int
zcr_not_stream(void)
{
	unsigned char	buf[200];
	off_t		off = 0;
	int		sv[2], pv[2], fd;

	CHECK((fd = open(zct_path, O_RDONLY)) != -1);
	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0);
	CHECK(zc_sendfile(sv[0], fd, &off, 100, NULL, 0, NULL, 0, 0) == 100);
	CHECK(off == 100);
	CHECK(recv(sv[1], buf, sizeof(buf), 0) == 100);
	CHECK(memcmp(buf, zct_file, 100) == 0);
	close(sv[0]);
	close(sv[1]);

	CHECK(pipe(pv) == 0);
	off = 0;
	errno = 0;
	CHECK(zc_sendfile(pv[1], fd, &off, 100, "H", 1, NULL, 0, 0) == -1);
	CHECK(errno == ENOTSOCK && off == 0);
#ifdef ZCT_READWRITE
	errno = 0;
	CHECK(zc_sendfile(pv[1], fd, &off, 100, NULL, 0, NULL, 0, 0) == -1);
	CHECK(errno == ENOTSOCK && off == 0);
	close(pv[1]);
	CHECK(read(pv[0], buf, sizeof(buf)) == 0);
#else
	CHECK(zc_sendfile(pv[1], fd, &off, 100, NULL, 0, NULL, 0, 0) == 100);
	CHECK(off == 100);
	close(pv[1]);
	CHECK(read(pv[0], buf, sizeof(buf)) == 100);
	CHECK(memcmp(buf, zct_file, 100) == 0);
#endif
	close(pv[0]);
	close(fd);
	return TAP_PASS;
}

#ifdef __linux__
/*
 * A file whose size (0) is not its content: /proc/self/status, which
 * Linux's sendfile(2) refuses with EINVAL (no splice_read) and read/write
 * reads. zc_sendfile must say so, or send it, as os.sendfile and
 * pysendfile do, with a trailer or without; a return of 0, or of the
 * trailer alone, would tell the caller's loop that the file is empty.
 */
static int
zcr_pseudo(void)
{
	static const char	*trls[] = { "", "T" };
	struct zct_peer		 p;
	off_t			 off;
	ssize_t			 n;
	size_t			 i, tl;
	int			 sock, fd, err;

	for (i = 0; i < sizeof(trls) / sizeof(trls[0]); i++) {
		tl = strlen(trls[i]);
		off = 0;
		CHECK((fd = open("/proc/self/status", O_RDONLY)) != -1);
		CHECK(zct_open(&sock, &p) == 0);
		errno = 0;
		n = zc_sendfile(sock, fd, &off, 65536, NULL, 0, trls[i], tl, 0);
		err = errno;
		zct_close(sock, &p);
		close(fd);
		if (n == (ssize_t)tl && off == 0)
			return tap_fail("trailer \"%s\": returned %zd, the file "
			    "taken for empty", trls[i], n);
		/* Sent: the file bytes, and the trailer if they reached
		 * its end. */
		if (n == -1)
			CHECK(err == EINVAL && off == 0 && p.len == 0);
		else
			CHECK(n > 0 && p.len == (size_t)n && (off == n ||
			    (off == n - (off_t)tl && memcmp(p.data + off,
			    trls[i], tl) == 0)));
		free(p.data);
	}
	return TAP_PASS;
}

/*
 * A file that ends before its size: a sysfs file says 4096 and holds a
 * few bytes. The call that finds the end of the file (sendfile(2) gives 0)
 * sends the trailer, as it does for a regular file whose end it reached.
 */
static int
zcr_short_trailer(void)
{
	static const char	 path[] = "/sys/class/net/lo/mtu";
	struct zct_peer		 p;
	char			 content[64];
	off_t			 off = 0;
	ssize_t			 len;
	int			 sock, fd;

	CHECK((fd = open(path, O_RDONLY)) != -1);
	CHECK((len = pread(fd, content, sizeof(content), 0)) > 0);
	CHECK(zct_open(&sock, &p) == 0);
	CHECK(zc_sendfile(sock, fd, &off, 100000, NULL, 0, "<END>", 5,
	    0) == len);
	CHECK(off == len);
	CHECK(zc_sendfile(sock, fd, &off, 100000, NULL, 0, "<END>", 5,
	    0) == 5);
	CHECK(off == len);
	zct_close(sock, &p);
	close(fd);
	CHECK(p.len == (size_t)len + 5 &&
	    memcmp(p.data, content, (size_t)len) == 0 &&
	    memcmp(p.data + len, "<END>", 5) == 0);
	free(p.data);
	return TAP_PASS;
}
#endif

static const struct tap_test tests[] = {
	{ "whole file by pysendfile's loop", zcr_whole_loop },
	{ "header, file range and trailer", zcr_hdr_trl },
	{ "NULL offset uses and moves the file position",
	    zcr_current_position },
	{ "offset at or past end of file returns 0", zcr_past_eof },
	{ "offset past any file's size returns 0", zcr_past_any_file },
	{ "negative offset is EINVAL", zcr_negative },
	{ "nbytes past SSIZE_MAX is EINVAL", zcr_nbytes_too_large },
	{ "full non-blocking socket: EAGAIN, nothing sent", zcr_eagain },
	{ "unreadable input, unwritable output: EBADF", zcr_ebadf },
	{ "bad input with a header: EBADF or EISDIR, nothing sent",
	    zcr_ebadf_header },
	{ "flags the platform lacks are EINVAL", zcr_flags },
	{ "datagram socket, pipe with and without a header as out",
	    zcr_not_stream },
#ifdef __linux__
	{ "a /proc file, with a trailer or without, is refused or sent, "
	    "never taken for empty", zcr_pseudo },
	{ "a file that ends before its size still gets its trailer",
	    zcr_short_trailer },
#endif
};

int
main(void)
{
	int	rv;

	if (zct_file_make("zc-real-test", ZCR_SIZE, 13) == -1)
		return 99;
	rv = tap_run(tests, TAP_COUNT(tests));
	zct_file_remove();
	return rv;
}
