/* SPDX-License-Identifier: ISC */
/*
 * Unit tests of src/sf-darwin.c against a simulated macOS kernel. The
 * kernel model follows sendfile() in bsd/kern/uipc_syscalls.c (XNU).
 */

#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "simkern.h"
#include "tap.h"

static size_t	iov_segs(struct sim_seg *, const struct iovec *, int);
static int	test_separate_calls(void);
static int	test_model_trailer_quirk(void);
static int	test_model_header_quirk(void);
static int	test_flags_zero(void);
static int	test_cork(void);
static int	test_pseudo(void);
static int	test_parse_flags(void);

/* Fill seg from cnt iovecs; returns their total length. */
static size_t
iov_segs(struct sim_seg *seg, const struct iovec *iov, int cnt)
{
	size_t	total;
	int	i;

	total = 0;
	for (i = 0; i < cnt; i++) {
		seg[i].p = iov[i].iov_base;
		seg[i].len = iov[i].iov_len;
		total += seg[i].len;
	}
	return total;
}

/*
 * sendfile(2) as XNU does it (bsd/kern/uipc_syscalls.c, sendfile): headers
 * by writev first, where only an error ends the call ("if (error) goto
 * done2; sbytes += writev_retval;"), so a short header write still lets
 * the file loop run; then the file up to *len minus the header bytes, or
 * to end of file when *len is 0; then the trailers by writev, even when
 * the loop stopped early at end of file. *len is set to the bytes sent on
 * every return. The file loop sizes itself by the socket's room at that
 * moment (xfsize = sbspace(&so->so_snd)), which acknowledgements may have
 * grown since the header was cut short: after a short header the loop
 * takes the next step's limit.
 */
int
fake_darwin_sendfile(int fd, int s, off_t offset, off_t *len,
    struct sf_hdtr *hdtr, int flags)
{
	struct sim_seg	 seg[4];
	struct sim_step	 st;
	size_t		 hdr_total, want, avail, maxfile, sent, n;
	int		 nh, nt;

	sim.calls++;
	sim.sendfile_calls++;
	if (fd != SIM_FILE || s != SIM_SOCK)
		sim_violate("sendfile(%d, %d, ...)", fd, s);
	if (len == NULL) {
		sim_violate("len may not be NULL");
		errno = EINVAL;
		return -1;
	}
	if (flags != 0)
		sim_violate("flags %#x: must be 0", flags);
	if (*len == 0)
		sim_violate("len 0 means \"to end of file\"");
	nh = nt = 0;
	if (hdtr != NULL) {
		sim.hdtr_calls++;
		nh = hdtr->headers != NULL ? hdtr->hdr_cnt : 0;
		nt = hdtr->trailers != NULL ? hdtr->trl_cnt : 0;
		if (nh < 0 || nh > 4 || nt < 0 || nt > 4) {
			sim_violate("sf_hdtr counts %d, %d", nh, nt);
			errno = EINVAL;
			return -1;
		}
	}
	want = (size_t)*len;
	*len = 0;
	st = sim_step();
	if (offset < 0) {
		errno = EINVAL;
		return -1;
	}

	sent = 0;
	hdr_total = 0;
	if (nh > 0) {
		hdr_total = iov_segs(seg, hdtr->headers, nh);
		sent = sim_send(seg, nh, st.limit);
		if (sent == 0 && hdr_total > 0) {
			errno = st.err != 0 ? st.err : EAGAIN;
			return -1;
		}
	}
	/* "len ... indicates the maximum number of bytes in the header". */
	avail = sim_file_avail(offset);
	if (want == 0)
		maxfile = avail;
	else
		maxfile = want > hdr_total ? want - hdr_total : 0;
	if (maxfile > avail)
		maxfile = avail;
	seg[0].p = sim.file + offset;
	seg[0].len = maxfile;
	if (sent < hdr_total) {
		st = sim_step();	/* room freed since */
		n = sim_send(seg, 1, st.limit);
	} else
		n = sim_send(seg, 1, sim_left(st.limit, sent));
	sent += n;
	if (n < maxfile || st.err != 0) {
		*len = (off_t)sent;
		errno = st.err != 0 ? st.err : EAGAIN;
		return -1;
	}
	if (nt > 0) {
		(void)iov_segs(seg, hdtr->trailers, nt);
		sent += sim_send(seg, nt, sim_left(st.limit, sent));
	}
	*len = (off_t)sent;
	return 0;
}

/* Header, file and trailer each go in a call of their own. */
static int
test_separate_calls(void)
{
	struct drive	d;
	int		rv;

	sim_reset(4000);
	drive_init(&d, "HEAD\r\n", 0, 4000, "TAIL\r\n");
	if ((rv = drive_done_ok(&d)) != TAP_PASS)
		return rv;
	CHECK(sim.hdtr_calls == 0);
	CHECK(sim.writev_calls == 2);
	CHECK(sim.sendfile_calls == 1);
	return TAP_PASS;
}

/*
 * Why the adapter keeps the trailer out of the sf_hdtr: given one, the
 * kernel writes it after a file part that ended early.
 */
static int
test_model_trailer_quirk(void)
{
	struct sf_hdtr	hdtr;
	struct iovec	tiov;
	off_t		len;

	sim_reset(100);
	tiov.iov_base = (void *)(uintptr_t)"TAIL";
	tiov.iov_len = 4;
	memset(&hdtr, 0, sizeof(hdtr));
	hdtr.trailers = &tiov;
	hdtr.trl_cnt = 1;
	len = 500;
	CHECK(fake_darwin_sendfile(SIM_FILE, SIM_SOCK, 0, &len, &hdtr, 0) ==
	    0);
	CHECK(len == 104);
	CHECK(sim.out_len == 104 && memcmp(sim.out + 100, "TAIL", 4) == 0);
	return TAP_PASS;
}

/*
 * Why the adapter keeps the header out of the sf_hdtr: given one, a
 * header write cut short is followed by file bytes, out of order.
 */
static int
test_model_header_quirk(void)
{
	struct sf_hdtr	hdtr;
	struct iovec	hiov;
	off_t		len;

	sim_reset(100);
	sim_push(3, 0);		/* the header's writev takes 3 bytes */
	hiov.iov_base = (void *)(uintptr_t)"HEADER";
	hiov.iov_len = 6;
	memset(&hdtr, 0, sizeof(hdtr));
	hdtr.headers = &hiov;
	hdtr.hdr_cnt = 1;
	len = 106;
	CHECK(fake_darwin_sendfile(SIM_FILE, SIM_SOCK, 0, &len, &hdtr, 0) ==
	    0);
	CHECK(len == 103);
	CHECK(sim.out_len == 103 && memcmp(sim.out, "HEA", 3) == 0);
	CHECK(memcmp(sim.out + 3, sim.file, 100) == 0);
	return TAP_PASS;
}

/* Flags never reach the kernel, whatever the chunk carries. */
static int
test_flags_zero(void)
{
	struct drive	d;

	sim_reset(2000);
	drive_init(&d, NULL, 0, 2000, NULL);
	d.flags = 0x11;
	return drive_done_ok(&d);
}

/* sf_cork sets and clears TCP_NOPUSH. */
static int
test_cork(void)
{
	sim_reset(0);
	CHECK(sf_cork(SIM_SOCK, 1) == 0);
	CHECK(sim.opt_level == IPPROTO_TCP);
	CHECK(sim.opt_name == TCP_NOPUSH);
	CHECK(sim.opt_value == 1);
	CHECK(sf_cork(SIM_SOCK, 0) == 0);
	CHECK(sim.opt_value == 0);
	return TAP_PASS;
}

/* No pseudo-filesystems on macOS. */
static int
test_pseudo(void)
{
	sim_reset(0);
	CHECK(sf_pseudo_file(SIM_FILE) == 0);
	return TAP_PASS;
}

/* --sf-flags: only the empty list. */
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

static const struct tap_test tests[] = {
	{ "whole range in one call", test_plain },
	{ "header, file and trailer arrive in order", test_hdr_trl },
	{ "7 bytes a call, across every boundary", test_trickle },
	{ "EAGAIN with progress counts the bytes", test_eagain_progress },
	{ "EAGAIN without progress is -1/EAGAIN", test_eagain_nothing },
	{ "EINTR with progress counts the bytes", test_eintr_progress },
	{ "EINTR with len 0 is -1/EINTR, not end of file",
	    test_eintr_nothing },
	{ "EBUSY with and without progress", test_ebusy },
	{ "hard error with nothing sent keeps errno", test_hard_error },
	{ "hard error after progress reports progress first",
	    test_error_after_progress },
	{ "offset and count in capped chunks", test_range_chunks },
	{ "empty range: header and trailer only", test_empty_range },
	{ "end of file returns 0", test_eof_zero },
	{ "header still sent at end of file", test_eof_header },
	{ "range past the end stops at end of file", test_short_file },
	{ "file shrinking mid-transfer", test_shrink_mid },
	{ "stream input refused with a fallback errno", test_stream_refused },
	{ "fallback errnos", test_fallback_errno },
	{ "500 random transfers", test_random },
	{ "header, file, trailer in separate calls, no sf_hdtr",
	    test_separate_calls },
	{ "kernel model: sf_hdtr trailer follows a short file",
	    test_model_trailer_quirk },
	{ "kernel model: file bytes follow a short header",
	    test_model_header_quirk },
	{ "flags always 0", test_flags_zero },
	{ "sf_cork uses TCP_NOPUSH", test_cork },
	{ "no pseudo-filesystems", test_pseudo },
	{ "--sf-flags refused", test_parse_flags },
};

int
main(void)
{
	return tap_run(tests, TAP_COUNT(tests));
}
