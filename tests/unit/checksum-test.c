/* SPDX-License-Identifier: ISC */
/*
 * Unit tests of src/checksum.c, the --checksum hasher, on a real file:
 * the digest of a file's range, and what a hashing thread that cannot
 * start its work leads to. checksum.c is compiled with fake-checksum.h,
 * so that its allocations can be made to fail.
 */

#include "config.h"

#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "zcsend.h"

/* How long checksum_result may take before the test calls it a hang. */
#define CST_BOUND_S	10

static void	 cst_alarm(int);
static int	 cst_file(const char *, size_t);
static int	 cst_refused(int);
static int	 cst_digest(void);
static int	 cst_no_buffer(void);
static int	 cst_follow(void);
static int	 cst_follow_stop(void);

/*
 * Set: the next allocation of checksum.c fails with ENOMEM, whichever
 * thread makes it.
 */
static atomic_int	 cst_fail_malloc;

/*
 * checksum.c's malloc. The name malloc is fake_malloc's in this program
 * (fake-checksum.h); realloc of NULL is the real one.
 */
void *
fake_malloc(size_t n)
{
	if (atomic_exchange(&cst_fail_malloc, 0)) {
		errno = ENOMEM;
		return NULL;
	}
	return realloc(NULL, n);
}

/* A wait past CST_BOUND_S: say so and end the run, which fails it. */
static void
cst_alarm(int sig)
{
	static const char	msg[] = "# checksum_result did not return: "
	    "a wait without limit\n";

	(void)sig;
	(void)write(STDOUT_FILENO, msg, sizeof(msg) - 1);
	_exit(1);
}

/*
 * An unlinked temporary file holding the n bytes of data. Returns its
 * descriptor, or -1.
 */
static int
cst_file(const char *data, size_t n)
{
	char	path[] = "/tmp/checksum-test.XXXXXX";
	int	fd;

	if ((fd = mkstemp(path)) == -1)
		return -1;
	(void)unlink(path);
	if (write(fd, data, n) != (ssize_t)n) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * A build without SHA-256: checksum_start refuses the file fd, as
 * --checksum is refused. Returns TAP_PASS or TAP_FAIL.
 */
static int
cst_refused(int fd)
{
	char	msg[256] = "";

	CHECK(checksum_start(fd, 0, 3, msg, sizeof(msg)) == -1);
	CHECK(strstr(msg, "built without libcrypto or libmd") != NULL);
	close(fd);
	return TAP_PASS;
}

/* The SHA-256 of a range, as sha256sum prints it. */
static int
cst_digest(void)
{
	const char	*hex = NULL;
	char		 msg[256];
	int		 fd;

	CHECK((fd = cst_file("xxabcyy", 7)) != -1);
	if (!checksum_available())
		return cst_refused(fd);
	CHECK(checksum_start(fd, 2, 3, msg, sizeof(msg)) == 0);
	alarm(CST_BOUND_S);
	CHECK(checksum_result("f", 3, &hex, msg, sizeof(msg)) == 0);
	alarm(0);
	CHECK(strcmp(hex, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad") == 0);
	checksum_cancel();
	close(fd);
	return TAP_PASS;
}

/*
 * No memory for the hashing thread's buffer: checksum_start or
 * checksum_result says so, and neither waits for ever.
 */
static int
cst_no_buffer(void)
{
	const char	*hex = NULL;
	char		 msg[256] = "", why[128];
	int		 fd, rv;

	CHECK((fd = cst_file("abc", 3)) != -1);
	if (!checksum_available())
		return cst_refused(fd);
	snprintf(why, sizeof(why), "%s", strerror(ENOMEM));
	atomic_store(&cst_fail_malloc, 1);
	rv = checksum_start(fd, 0, 3, msg, sizeof(msg));
	if (rv == 0) {
		alarm(CST_BOUND_S);
		rv = checksum_result("f", 3, &hex, msg, sizeof(msg));
		alarm(0);
		CHECK(rv != 0);
	}
	CHECK(atomic_load(&cst_fail_malloc) == 0);
	CHECK(rv == -1 || rv == EXIT_OSERR || rv == EXIT_IOERR);
	if (strstr(msg, why) == NULL)
		return tap_fail("message '%s' does not say '%s'", msg, why);
	checksum_cancel();
	close(fd);
	return TAP_PASS;
}

/*
 * Following a writer (zcrecv): the thread hashes what was there, then
 * what each checksum_grow reports, and the digest is of the whole range
 * only once the last report came.
 */
static int
cst_follow(void)
{
	const char	*hex = NULL;
	char		 msg[256];
	int		 fd;

	CHECK((fd = cst_file("xxa", 3)) != -1);
	if (!checksum_available())
		return cst_refused(fd);
	/* "a" was there before (a resumed file), past a base of 2. */
	CHECK(checksum_start_follow(fd, 2, 1, msg, sizeof(msg)) == 0);
	CHECK(write(fd, "b", 1) == 1);
	checksum_grow(2, 0);
	CHECK(write(fd, "c", 1) == 1);
	checksum_grow(3, 1);
	alarm(CST_BOUND_S);
	CHECK(checksum_result("f", 2, &hex, msg, sizeof(msg)) == 0);
	alarm(0);
	CHECK(strcmp(hex, "ba7816bf8f01cfea414140de5dae2223"
	    "b00361a396177a9cb410ff61f20015ad") == 0);
	checksum_cancel();
	close(fd);
	return TAP_PASS;
}

/*
 * A follower waiting for bytes that never come is stopped by
 * checksum_cancel, not left waiting for ever.
 */
static int
cst_follow_stop(void)
{
	char	msg[256];
	int	fd;

	CHECK((fd = cst_file("abc", 3)) != -1);
	if (!checksum_available())
		return cst_refused(fd);
	CHECK(checksum_start_follow(fd, 0, 0, msg, sizeof(msg)) == 0);
	checksum_grow(3, 0);
	alarm(CST_BOUND_S);
	checksum_cancel();
	alarm(0);
	CHECK(checksum_hex() == NULL);
	close(fd);
	return TAP_PASS;
}

static const struct tap_test tests[] = {
	{ "the SHA-256 of a file's range", cst_digest },
	{ "no memory for the hashing thread: an error, not a hang",
	    cst_no_buffer },
	{ "following a writer: the digest of every byte reported",
	    cst_follow },
	{ "a follower waiting for more stops when cancelled",
	    cst_follow_stop },
};

int
main(void)
{
	signal(SIGALRM, cst_alarm);
	return tap_run(tests, TAP_COUNT(tests));
}
