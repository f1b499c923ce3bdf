/* SPDX-License-Identifier: ISC */
/*
 * Unit tests of zc_sendfile_all() on this system's kernel, through the
 * built library: a temporary file, a socket pair, and a thread reading the
 * far end (or not reading, for the timeout).
 */

#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"
#include "zc-common.h"
#include "zc_sendfile.h"

#define ZCA_SIZE	(5 * 1024 * 1024 + 3)
#define ZCA_BIG		((off_t)256 * 1024 * 1024)

static int	 zca_blocking(void);
static int	 zca_nonblocking(void);
static int	 zca_range(void);
static int	 zca_socket_left_open(void);
static int	 zca_current_pipe(void);
static int	 zca_current_file(void);
static int	 zca_idle_timeout(void);
static int	 zca_idle_stream(void);
static int	 zca_shrank(void);
static int	 zca_peer_gone(void);
static int	 zca_peer_reset(void);
static void	*zca_resetter(void *);
static int	 zca_einval(void);
static int	 zca_bad_input(void);

/* A blocking socket works, and is blocking again afterwards. */
static int
zca_blocking(void)
{
	struct zct_peer	p;
	uint64_t	sent = 1;
	int		sock, fd;

	CHECK((fd = open(zct_path, O_RDONLY)) != -1);
	CHECK(zct_open(&sock, &p) == 0);
	CHECK(zc_sendfile_all(sock, fd, 0, ZC_TO_EOF, "HEAD\n", 5, "TAIL\n", 5,
	    0, 0, &sent) == 0);
	CHECK(sent == 5 + ZCA_SIZE + 5);
	CHECK((fcntl(sock, F_GETFL) & O_NONBLOCK) == 0);
	zct_close(sock, &p);
	close(fd);
	CHECK(zct_same(&p, "HEAD\n", 0, ZCA_SIZE, "TAIL\n"));
	free(p.data);
	return TAP_PASS;
}

/* A non-blocking socket stays non-blocking; EAGAIN is waited out. */
static int
zca_nonblocking(void)
{
	struct zct_peer	p;
	uint64_t	sent = 0;
	int		sock, fd;

	CHECK((fd = open(zct_path, O_RDONLY)) != -1);
	CHECK(zct_open(&sock, &p) == 0);
	CHECK(fcntl(sock, F_SETFL, O_NONBLOCK) == 0);
	CHECK(zc_sendfile_all(sock, fd, 0, ZC_TO_EOF, "H", 1, "T", 1, 0, 5000,
	    &sent) == 0);
	CHECK(sent == ZCA_SIZE + 2);
	CHECK((fcntl(sock, F_GETFL) & O_NONBLOCK) != 0);
	zct_close(sock, &p);
	close(fd);
	CHECK(zct_same(&p, "H", 0, ZCA_SIZE, "T"));
	free(p.data);
	return TAP_PASS;
}

/* offset and count pick a range; the file position is not touched. */
static int
zca_range(void)
{
	struct zct_peer	p;
	uint64_t	sent = 0;
	int		sock, fd;

	CHECK((fd = open(zct_path, O_RDONLY)) != -1);
	CHECK(zct_open(&sock, &p) == 0);
	CHECK(zc_sendfile_all(sock, fd, 777, 1000000, NULL, 0, NULL, 0, 0, 0,
	    &sent) == 0);
	CHECK(sent == 1000000);
	CHECK(lseek(fd, 0, SEEK_CUR) == 0);
	zct_close(sock, &p);
	close(fd);
	CHECK(zct_same(&p, "", 777, 1000000, ""));
	free(p.data);
	return TAP_PASS;
}

/* The caller's socket is neither shut down nor closed: more may follow. */
static int
zca_socket_left_open(void)
{
	struct zct_peer	p;
	uint64_t	sent = 0;
	int		sock, fd;

	CHECK((fd = open(zct_path, O_RDONLY)) != -1);
	CHECK(zct_open(&sock, &p) == 0);
	CHECK(zc_sendfile_all(sock, fd, 0, 100, "A", 1, "B", 1, 0, 0,
	    &sent) == 0);
	CHECK(zc_sendfile_all(sock, fd, 100, 100, NULL, 0, "C", 1, 0, 0,
	    &sent) == 0);
	CHECK(write(sock, "D", 1) == 1);
	zct_close(sock, &p);
	close(fd);
	CHECK(p.len == 1 + 100 + 1 + 100 + 1 + 1);
	CHECK(memcmp(p.data, "A", 1) == 0 && p.data[101] == 'B' &&
	    p.data[202] == 'C' && p.data[203] == 'D');
	CHECK(memcmp(p.data + 102, zct_file + 100, 100) == 0);
	free(p.data);
	return TAP_PASS;
}

/* ZC_CURRENT reads a pipe in order, to its end. */
static int
zca_current_pipe(void)
{
	struct zct_peer	p;
	uint64_t	sent = 0;
	int		sock, pfd[2];

	CHECK(pipe(pfd) == 0);
	CHECK(write(pfd[1], zct_file, 4000) == 4000);
	close(pfd[1]);
	CHECK(zct_open(&sock, &p) == 0);
	CHECK(zc_sendfile_all(sock, pfd[0], ZC_CURRENT, ZC_TO_EOF, "<", 1,
	    ">", 1, 0, 0, &sent) == 0);
	CHECK(sent == 4002);
	zct_close(sock, &p);
	close(pfd[0]);
	CHECK(zct_same(&p, "<", 0, 4000, ">"));
	free(p.data);
	return TAP_PASS;
}

/* ZC_CURRENT on a file: from its position, which then moves. */
static int
zca_current_file(void)
{
	struct zct_peer	p;
	uint64_t	sent = 0;
	int		sock, fd;

	CHECK((fd = open(zct_path, O_RDONLY)) != -1);
	CHECK(lseek(fd, 5000, SEEK_SET) == 5000);
	CHECK(zct_open(&sock, &p) == 0);
	CHECK(zc_sendfile_all(sock, fd, ZC_CURRENT, 3000, NULL, 0, NULL, 0, 0,
	    0, &sent) == 0);
	CHECK(sent == 3000);
	CHECK(lseek(fd, 0, SEEK_CUR) == 8000);
	zct_close(sock, &p);
	close(fd);
	CHECK(zct_same(&p, "", 5000, 3000, ""));
	free(p.data);
	return TAP_PASS;
}

/*
 * Nobody reads: ETIMEDOUT after the idle timeout, and *sent is exactly
 * what the far end then finds queued.
 */
static int
zca_idle_timeout(void)
{
	uint64_t	sent = 0, got = 0;
	char		buf[65536];
	ssize_t		n;
	int		sv[2], fd;

	CHECK((fd = open(zct_path, O_RDONLY)) != -1);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	errno = 0;
	CHECK(zc_sendfile_all(sv[0], fd, 0, ZC_TO_EOF, "H", 1, NULL, 0, 0,
	    200, &sent) == -1);
	CHECK(errno == ETIMEDOUT);
	CHECK(sent > 1 && sent < ZCA_SIZE);
	CHECK(fcntl(sv[1], F_SETFL, O_NONBLOCK) == 0);
	while ((n = read(sv[1], buf, sizeof(buf))) > 0)
		got += (uint64_t)n;
	CHECK(got == sent);
	close(sv[0]);
	close(sv[1]);
	close(fd);
	return TAP_PASS;
}

/*
 * A stream input that gives nothing holds the transfer up as a receiver
 * that reads nothing does: ETIMEDOUT after the idle timeout, not a wait
 * for ever.
 */
static int
zca_idle_stream(void)
{
	struct zct_peer	p;
	struct timespec	t0, t1;
	uint64_t	sent = 0;
	double		secs;
	int		sock, pfd[2];

	CHECK(pipe(pfd) == 0);
	CHECK(write(pfd[1], "abc", 3) == 3);
	CHECK(zct_open(&sock, &p) == 0);
	CHECK(clock_gettime(CLOCK_MONOTONIC, &t0) == 0);
	errno = 0;
	CHECK(zc_sendfile_all(sock, pfd[0], ZC_CURRENT, ZC_TO_EOF, "H", 1,
	    NULL, 0, 0, 300, &sent) == -1);
	CHECK(errno == ETIMEDOUT);
	CHECK(clock_gettime(CLOCK_MONOTONIC, &t1) == 0);
	secs = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	CHECK(secs >= 0.25 && secs < 5);
	CHECK(sent == 4);
	zct_close(sock, &p);
	close(pfd[0]);
	close(pfd[1]);
	CHECK(zct_same(&p, "Habc", 0, 0, ""));
	free(p.data);
	return TAP_PASS;
}

/* More asked than the file holds: EIO, with what did go counted. */
static int
zca_shrank(void)
{
	struct zct_peer	p;
	uint64_t	sent = 0;
	int		sock, fd;

	CHECK((fd = open(zct_path, O_RDONLY)) != -1);
	CHECK(zct_open(&sock, &p) == 0);
	errno = 0;
	CHECK(zc_sendfile_all(sock, fd, ZCA_SIZE - 100, 200, "H", 1, "T", 1, 0,
	    0, &sent) == -1);
	CHECK(errno == EIO);
	CHECK(sent == 101);
	zct_close(sock, &p);
	close(fd);
	CHECK(zct_same(&p, "H", ZCA_SIZE - 100, 100, ""));
	free(p.data);
	return TAP_PASS;
}

/*
 * The far end is closed: EPIPE (or ECONNRESET), and no SIGPIPE, whose
 * default action would end this test, reaches the process.
 */
static int
zca_peer_gone(void)
{
	struct sigaction	sa;
	sigset_t		pending;
	uint64_t		sent = 7;
	int			sv[2], fd;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	CHECK(sigaction(SIGPIPE, &sa, NULL) == 0);
	CHECK((fd = open(zct_path, O_RDONLY)) != -1);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	close(sv[1]);
	errno = 0;
	CHECK(zc_sendfile_all(sv[0], fd, 0, ZC_TO_EOF, NULL, 0, NULL, 0, 0, 0,
	    &sent) == -1);
	CHECK(errno == EPIPE || errno == ECONNRESET);
	CHECK(sent == 0);
	CHECK(sigpending(&pending) == 0 && !sigismember(&pending, SIGPIPE));
	close(sv[0]);
	close(fd);
	return TAP_PASS;
}

/* The far end of a TCP connection: reads 100000 bytes, then resets. */
static void *
zca_resetter(void *arg)
{
	struct linger	lg;
	char		buf[65536];
	ssize_t		n;
	size_t		got = 0;
	int		s = *(int *)arg;

	while (got < 100000 && (n = read(s, buf, sizeof(buf))) > 0)
		got += (size_t)n;
	lg.l_onoff = 1;
	lg.l_linger = 0;
	(void)setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(s);
	return NULL;
}

/*
 * A TCP peer that resets part-way, on a blocking socket: ECONNRESET (or
 * EPIPE), within the idle timeout's reach, *sent short of the whole.
 */
static int
zca_peer_reset(void)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof(sin);
	pthread_t		t;
	uint64_t		sent = 0;
	char			path[80];
	int			ls, sock, peer, fd;

	/* Far more than the two sides' socket buffers hold: sparse. */
	snprintf(path, sizeof(path), "%s.big", zct_path);
	CHECK((fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600)) != -1);
	CHECK(unlink(path) == 0);
	CHECK(ftruncate(fd, ZCA_BIG) == 0);
	CHECK((ls = socket(AF_INET, SOCK_STREAM, 0)) != -1);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK(bind(ls, (struct sockaddr *)&sin, sizeof(sin)) == 0);
	CHECK(listen(ls, 1) == 0);
	CHECK(getsockname(ls, (struct sockaddr *)&sin, &len) == 0);
	CHECK((sock = socket(AF_INET, SOCK_STREAM, 0)) != -1);
	CHECK(connect(sock, (struct sockaddr *)&sin, sizeof(sin)) == 0);
	CHECK((peer = accept(ls, NULL, NULL)) != -1);
	close(ls);
	CHECK(pthread_create(&t, NULL, zca_resetter, &peer) == 0);
	errno = 0;
	CHECK(zc_sendfile_all(sock, fd, 0, ZC_TO_EOF, "H", 1, NULL, 0, 0,
	    10000, &sent) == -1);
	CHECK(errno == ECONNRESET || errno == EPIPE);
	CHECK(sent >= 100000 && sent < ZCA_BIG);
	pthread_join(t, NULL);
	close(sock);
	close(fd);
	return TAP_PASS;
}

static int
zca_einval(void)
{
	uint64_t	sent = 7;
	int		sv[2], fd;

	CHECK((fd = open(zct_path, O_RDONLY)) != -1);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	errno = 0;
	CHECK(zc_sendfile_all(sv[0], fd, -2, 10, NULL, 0, NULL, 0, 0, 0,
	    &sent) == -1 && errno == EINVAL && sent == 0);
	errno = 0;
	CHECK(zc_sendfile_all(sv[0], fd, 0, 10, NULL, 0, NULL, 0, 0, -1,
	    &sent) == -1 && errno == EINVAL);
	errno = 0;
	CHECK(zc_sendfile_all(sv[0], fd, 0, 10, NULL, 0, NULL, 0, 0x4000, 0,
	    &sent) == -1 && errno == EINVAL);
	close(sv[0]);
	close(sv[1]);
	close(fd);
	return TAP_PASS;
}

/*
 * An input that cannot be read fails before anything goes out, header
 * included, as zc_sendfile() does: EBADF for a closed descriptor or one
 * open for writing only, EISDIR for a directory.
 */
static int
zca_bad_input(void)
{
	struct zct_peer	p;
	uint64_t	sent = 7;
	int		sock, fd, wr, dir;

	CHECK((wr = open(zct_path, O_WRONLY)) != -1);
	CHECK((dir = open(".", O_RDONLY | O_DIRECTORY)) != -1);
	CHECK(zct_open(&sock, &p) == 0);
	/* Closed last, so that nothing here takes its number again. */
	CHECK((fd = open(zct_path, O_RDONLY)) != -1);
	CHECK(close(fd) == 0);
	errno = 0;
	CHECK(zc_sendfile_all(sock, fd, 0, 10, "HEAD", 4, NULL, 0, 0, 0,
	    &sent) == -1);
	CHECK(errno == EBADF && sent == 0);
	errno = 0;
	CHECK(zc_sendfile_all(sock, wr, 0, 10, "HEAD", 4, "T", 1, 0, 0,
	    &sent) == -1);
	CHECK(errno == EBADF && sent == 0);
	errno = 0;
	CHECK(zc_sendfile_all(sock, dir, 0, ZC_TO_EOF, NULL, 0, NULL, 0, 0, 0,
	    &sent) == -1);
	CHECK(errno == EISDIR && sent == 0);
	errno = 0;
	CHECK(zc_sendfile_all(sock, dir, 0, ZC_TO_EOF, "HEAD", 4, NULL, 0, 0,
	    0, &sent) == -1);
	CHECK(errno == EISDIR && sent == 0);
	zct_close(sock, &p);
	close(wr);
	close(dir);
	CHECK(p.len == 0);
	free(p.data);
	return TAP_PASS;
}

static const struct tap_test tests[] = {
	{ "blocking socket: all bytes, still blocking after", zca_blocking },
	{ "non-blocking socket: all bytes, still non-blocking after",
	    zca_nonblocking },
	{ "offset and count send a range, file position untouched",
	    zca_range },
	{ "socket left open: more bytes can follow", zca_socket_left_open },
	{ "ZC_CURRENT reads a pipe to its end", zca_current_pipe },
	{ "ZC_CURRENT sends from the file position and moves it",
	    zca_current_file },
	{ "idle timeout: ETIMEDOUT, sent matches what arrived",
	    zca_idle_timeout },
	{ "stream input that gives nothing: ETIMEDOUT", zca_idle_stream },
	{ "file shorter than asked: EIO, sent counts what went", zca_shrank },
	{ "closed peer: EPIPE, no SIGPIPE", zca_peer_gone },
	{ "TCP peer resets part-way: ECONNRESET", zca_peer_reset },
	{ "bad offset, timeout or flags: EINVAL", zca_einval },
	{ "unreadable input or directory: EBADF or EISDIR, nothing sent",
	    zca_bad_input },
};

int
main(void)
{
	int	rv;

	if (zct_file_make("zc-all-test", ZCA_SIZE, 11) == -1)
		return 99;
	rv = tap_run(tests, TAP_COUNT(tests));
	zct_file_remove();
	return rv;
}
