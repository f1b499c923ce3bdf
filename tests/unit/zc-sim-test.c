/* SPDX-License-Identifier: ISC */
/*
 * Unit tests of zc_sendfile() (src/lib-sendfile.c) on each simulated
 * kernel. The platform's kernel model is the one its backend test uses:
 * ZC_KERNEL names that test's source, included here with its main()
 * renamed, so zc_sendfile meets exactly the kernel the backend was tested
 * against. Built once per platform by tests/unit/zc.mk.
 */

#include "config.h"

#ifndef ZC_KERNEL
#error "ZC_KERNEL must name the backend test of the platform"
#endif

#define main	zc_kernel_test_main
int	zc_kernel_test_main(void);
#include ZC_KERNEL
#undef main

#include <sys/types.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "simkern.h"
#include "tap.h"
#include "zc_sendfile.h"

#define ZCT_SIZE	10000

static off_t	zct_pos;		/* the simulated file position */
static int	zct_lseeks;

static int	zct_expect(const char *, off_t, size_t, const char *, size_t);
static int	zct_plain(void);
static int	zct_hdr_trl(void);
static int	zct_current_position(void);
static int	zct_partial(void);
static int	zct_eagain_nothing(void);
static int	zct_eintr_nothing(void);
static int	zct_past_eof(void);
static int	zct_negative(void);
static int	zct_trailer_at_eof(void);
static int	zct_header_at_eof(void);
static int	zct_header_bad_input(void);
static int	zct_loop(void);
static int	zct_flags(void);
static int	zct_bad_flags(void);

/* lseek(2) on the simulated file: SEEK_SET and SEEK_CUR. */
off_t
fake_lseek(int fd, off_t off, int whence)
{
	zct_lseeks++;
	if (fd != SIM_FILE) {
		errno = EBADF;
		return -1;
	}
	if (whence == SEEK_CUR)
		off += zct_pos;
	else if (whence != SEEK_SET) {
		errno = EINVAL;
		return -1;
	}
	if (off < 0) {
		errno = EINVAL;
		return -1;
	}
	return zct_pos = off;
}

/* fcntl(2) F_GETFL: the simulated file is open for reading, only it. */
int
fake_fcntl(int fd, int cmd, ...)
{
	if (fd != SIM_FILE) {
		errno = EBADF;
		return -1;
	}
	if (cmd != F_GETFL) {
		errno = EINVAL;
		return -1;
	}
	return O_RDONLY;
}

/*
 * Returns 1 if the socket received exactly hdr, then len file bytes from
 * off, then the first trl_len bytes of trl.
 */
static int
zct_expect(const char *hdr, off_t off, size_t len, const char *trl,
    size_t trl_len)
{
	size_t	hl = strlen(hdr), i;

	if (sim.violation[0] != '\0' || sim.out_len != hl + len + trl_len)
		return 0;
	if (memcmp(sim.out, hdr, hl) != 0 ||
	    memcmp(sim.out + hl + len, trl, trl_len) != 0)
		return 0;
	for (i = 0; i < len; i++)
		if (sim.out[hl + i] != sim_pattern((size_t)off + i))
			return 0;
	return 1;
}

static int
zct_plain(void)
{
	off_t	off = 100;

	sim_reset(ZCT_SIZE);
	CHECK(zc_sendfile(SIM_SOCK, SIM_FILE, &off, 5000, NULL, 0, NULL, 0,
	    0) == 5000);
	CHECK(off == 5100);
	CHECK(zct_expect("", 100, 5000, "", 0));
	return TAP_PASS;
}

static int
zct_hdr_trl(void)
{
	off_t	off = 0;

	sim_reset(ZCT_SIZE);
	CHECK(zc_sendfile(SIM_SOCK, SIM_FILE, &off, 3000, "HEAD", 4, "TAIL",
	    4, 0) == 3008);
	CHECK(off == 3000);
	CHECK(zct_expect("HEAD", 0, 3000, "TAIL", 4));
	return TAP_PASS;
}

/* offset NULL: the file position is read, used and advanced. */
static int
zct_current_position(void)
{
	sim_reset(ZCT_SIZE);
	zct_pos = 1234;
	zct_lseeks = 0;
	CHECK(zc_sendfile(SIM_SOCK, SIM_FILE, NULL, 1000, "H", 1, NULL, 0,
	    0) == 1001);
	CHECK(zct_pos == 2234);
	CHECK(zct_lseeks == 2);
	CHECK(zct_expect("H", 1234, 1000, "", 0));
	return TAP_PASS;
}

/*
 * The socket takes part of what a call offers, then nothing: the count
 * says how much went, the offset moves by the file bytes among it, and
 * the trailer stays behind. (Where the header goes in a call of its own,
 * the file call is the one cut short.)
 */
static int
zct_partial(void)
{
	off_t	off = 0;
	ssize_t	n;

	sim_reset(ZCT_SIZE);
	sim_push(2500, EAGAIN);
	sim_push(1000, EAGAIN);
	sim_push_n(16, 0, EAGAIN);
	n = zc_sendfile(SIM_SOCK, SIM_FILE, &off, 8000, "HEADER", 6, "T", 1,
	    0);
	CHECK(n == 2500 || n == 1006);
	CHECK(off == n - 6);
	CHECK(zct_expect("HEADER", 0, (size_t)off, "", 0));
	return TAP_PASS;
}

static int
zct_eagain_nothing(void)
{
	off_t	off = 10;

	sim_reset(ZCT_SIZE);
	sim_push_n(16, 0, EAGAIN);
	errno = 0;
	CHECK(zc_sendfile(SIM_SOCK, SIM_FILE, &off, 100, NULL, 0, NULL, 0,
	    0) == -1);
	CHECK(errno == EAGAIN);
	CHECK(off == 10);
	CHECK(sim.out_len == 0);
	return TAP_PASS;
}

static int
zct_eintr_nothing(void)
{
	off_t	off = 10;

	sim_reset(ZCT_SIZE);
	sim_push_n(16, 0, EINTR);
	errno = 0;
	CHECK(zc_sendfile(SIM_SOCK, SIM_FILE, &off, 100, NULL, 0, NULL, 0,
	    0) == -1);
	CHECK(errno == EINTR);
	CHECK(off == 10);
	return TAP_PASS;
}

static int
zct_past_eof(void)
{
	off_t	off = ZCT_SIZE + 4096;

	sim_reset(ZCT_SIZE);
	CHECK(zc_sendfile(SIM_SOCK, SIM_FILE, &off, 4096, NULL, 0, NULL, 0,
	    0) == 0);
	CHECK(off == ZCT_SIZE + 4096);
	CHECK(sim.out_len == 0);
	off = ZCT_SIZE;
	CHECK(zc_sendfile(SIM_SOCK, SIM_FILE, &off, 1, NULL, 0, NULL, 0,
	    0) == 0);
	CHECK(sim.violation[0] == '\0');
	return TAP_PASS;
}

static int
zct_negative(void)
{
	off_t	off = -1;

	sim_reset(ZCT_SIZE);
	errno = 0;
	CHECK(zc_sendfile(SIM_SOCK, SIM_FILE, &off, 10, NULL, 0, NULL, 0,
	    0) == -1);
	CHECK(errno == EINVAL);
	CHECK(sim.calls == 0);
	return TAP_PASS;
}

/* Asked for more than the file holds: the file part ends at its end. */
static int
zct_trailer_at_eof(void)
{
	off_t	off = ZCT_SIZE - 300;

	sim_reset(ZCT_SIZE);
	CHECK(zc_sendfile(SIM_SOCK, SIM_FILE, &off, 4096, NULL, 0, "END", 3,
	    0) == 303);
	CHECK(off == ZCT_SIZE);
	CHECK(zct_expect("", ZCT_SIZE - 300, 300, "END", 3));
	return TAP_PASS;
}

static int
zct_header_at_eof(void)
{
	off_t	off = ZCT_SIZE;

	sim_reset(ZCT_SIZE);
	CHECK(zc_sendfile(SIM_SOCK, SIM_FILE, &off, 10, "HDR", 3, NULL, 0,
	    0) == 3);
	CHECK(off == ZCT_SIZE);
	CHECK(zct_expect("HDR", 0, 0, "", 0));
	return TAP_PASS;
}

/* A bad input fails before the header goes: nothing reaches the kernel. */
static int
zct_header_bad_input(void)
{
	off_t	off = 0;

	sim_reset(ZCT_SIZE);
	errno = 0;
	CHECK(zc_sendfile(SIM_SOCK, SIM_FILE + 100, &off, 10, "HDR", 3, NULL,
	    0, 0) == -1);
	CHECK(errno == EBADF);
	CHECK(sim.calls == 0 && sim.out_len == 0);
	return TAP_PASS;
}

/*
 * pysendfile's loop over a socket that takes a few hundred bytes a call
 * and then refuses one: call until 0, retrying EAGAIN.
 */
static int
zct_loop(void)
{
	off_t	off = 7;
	ssize_t	n;
	size_t	total = 0;
	int	i, eagain = 0;

	sim_reset(ZCT_SIZE);
	sim_seed(12);
	for (i = 0; i < 2000; i++) {
		sim_push(1 + sim_random() % 700, EAGAIN);
		sim_push(0, EAGAIN);
	}
	for (i = 0; i < 4000 && total < ZCT_SIZE - 7; i++) {
		n = zc_sendfile(SIM_SOCK, SIM_FILE, &off, 1000, NULL, 0, NULL,
		    0, 0);
		if (n == -1) {
			CHECK(errno == EAGAIN);
			eagain++;
			continue;
		}
		CHECK(n > 0 && n <= 1000);
		total += (size_t)n;
		CHECK(off == 7 + (off_t)total);
	}
	/* The script done, the socket takes anything: end of file is 0. */
	sim.nsteps = sim.next;
	CHECK(zc_sendfile(SIM_SOCK, SIM_FILE, &off, 1000, NULL, 0, NULL, 0,
	    0) == 0);
	CHECK(eagain > 0);
	CHECK(total == ZCT_SIZE - 7);
	CHECK(zct_expect("", 7, ZCT_SIZE - 7, "", 0));
	return TAP_PASS;
}

/* A flag reaches the kernel where the platform has it, else EINVAL. */
static int
zct_flags(void)
{
	off_t	off = 0;
	ssize_t	n;

	sim_reset(ZCT_SIZE);
	n = zc_sendfile(SIM_SOCK, SIM_FILE, &off, 100, NULL, 0, NULL, 0,
	    ZC_SF_NODISKIO);
#if defined(SF_NODISKIO) && !defined(__DragonFly__)
	CHECK(n == 100);
	CHECK((sim.flags_seen & SF_NODISKIO) != 0);
	CHECK(zc_flags_supported(ZC_SF_NODISKIO | ZC_SF_SYNC | ZC_SF_NOCACHE |
	    ZC_SF_MNOWAIT));
#else
	CHECK(n == -1 && errno == EINVAL);
	CHECK(sim.calls == 0);
	CHECK(!zc_flags_supported(ZC_SF_NODISKIO));
	CHECK(!zc_flags_supported(ZC_SF_SYNC));
	CHECK(!zc_flags_supported(ZC_SF_NOCACHE));
#endif
	CHECK(zc_flags_supported(0));
	return TAP_PASS;
}

static int
zct_bad_flags(void)
{
	off_t	off = 0;

	sim_reset(ZCT_SIZE);
	errno = 0;
	CHECK(zc_sendfile(SIM_SOCK, SIM_FILE, &off, 100, NULL, 0, NULL, 0,
	    0x4000) == -1);
	CHECK(errno == EINVAL);
	CHECK(sim.calls == 0);
	CHECK(!zc_flags_supported(0x4000));
	return TAP_PASS;
}

static const struct tap_test zc_tests[] = {
	{ "zc_sendfile: file range, offset advanced", zct_plain },
	{ "zc_sendfile: header, file and trailer", zct_hdr_trl },
	{ "zc_sendfile: NULL offset uses and moves the file position",
	    zct_current_position },
	{ "zc_sendfile: partial send counted, trailer held back",
	    zct_partial },
	{ "zc_sendfile: EAGAIN with nothing sent is -1", zct_eagain_nothing },
	{ "zc_sendfile: EINTR with nothing sent is -1", zct_eintr_nothing },
	{ "zc_sendfile: offset at or past end of file returns 0",
	    zct_past_eof },
	{ "zc_sendfile: negative offset is EINVAL", zct_negative },
	{ "zc_sendfile: trailer follows a file part cut by end of file",
	    zct_trailer_at_eof },
	{ "zc_sendfile: header still sent at end of file",
	    zct_header_at_eof },
	{ "zc_sendfile: bad input with a header is EBADF, nothing sent",
	    zct_header_bad_input },
	{ "zc_sendfile: pysendfile loop over a trickling socket", zct_loop },
	{ "zc_sendfile: flags where the platform has them", zct_flags },
	{ "zc_sendfile: unknown flags are EINVAL", zct_bad_flags },
};

int
main(void)
{
	return tap_run(zc_tests, TAP_COUNT(zc_tests));
}
