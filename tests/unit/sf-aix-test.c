/* SPDX-License-Identifier: ISC */
/*
 * Unit tests of src/sf-aix.c against a simulated send_file (send_file
 * subroutine, AIX): header, file, trailer in order, the in/out fields of
 * struct sf_parms moved along as data goes, 1 for "more to send".
 */

#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "simkern.h"
#include "tap.h"

static int	test_one_call(void);
static int	test_bytes_sent_per_call(void);
static int	test_more_nothing(void);
static int	test_flags_zero(void);
static int	test_einval_refusal(void);
static int	test_cork(void);
static int	test_pseudo(void);
static int	test_parse_flags(void);
static int	test_fallback_header(void);
static int	test_pseudo_fallback(void);

/*
 * send_file: a range past the end of the file is EINVAL with nothing
 * sent; otherwise header, file and trailer go in order and the struct is
 * advanced. bytes_sent is added to, so a caller that does not zero it
 * over-counts. Returns 0 when all went, 1 when some went and more is left
 * (a signal, a full non-blocking socket), -1 otherwise.
 */
ssize_t
fake_send_file(int *sockp, struct sf_parms *p, unsigned int flags)
{
	struct sim_step	st;
	struct sim_seg	seg;
	size_t		sent, n, want;

	sim.calls++;
	sim.sendfile_calls++;
	if (sockp == NULL || *sockp != SIM_SOCK)
		sim_violate("send_file on the wrong socket");
	if (flags & SF_CLOSE)
		sim_violate("SF_CLOSE would close the socket");
	sim.flags_seen |= (int)flags;
	if (p->file_bytes < 0)
		sim_violate("file_bytes %jd: -1 means \"to end of file\"",
		    (intmax_t)p->file_bytes);
	if (p->file_bytes > 0 && p->file_descriptor != SIM_FILE)
		sim_violate("send_file reads fd %d", p->file_descriptor);
	st = sim_step();
	p->file_size = (uint64_t)sim.size;
	if (p->file_bytes > 0 && (p->file_offset > (uint64_t)sim.size ||
	    (uint64_t)p->file_bytes > (uint64_t)sim.size - p->file_offset)) {
		errno = EINVAL;
		return -1;
	}

	sent = 0;
	seg.p = p->header_data;
	seg.len = p->header_length;
	if ((n = sim_send(&seg, 1, st.limit)) > 0) {
		p->header_data = (char *)p->header_data + n;
		p->header_length -= (unsigned int)n;
	}
	sent += n;
	want = p->header_length;
	if (want == 0 && p->file_bytes > 0) {
		seg.p = sim.file + p->file_offset;
		seg.len = (size_t)p->file_bytes;
		n = sim_send(&seg, 1, sim_left(st.limit, sent));
		p->file_offset += n;
		p->file_bytes -= (int64_t)n;
		sent += n;
		want = (size_t)p->file_bytes;
	}
	if (want == 0 && p->trailer_length > 0) {
		seg.p = p->trailer_data;
		seg.len = p->trailer_length;
		if ((n = sim_send(&seg, 1, sim_left(st.limit, sent))) > 0) {
			p->trailer_data = (char *)p->trailer_data + n;
			p->trailer_length -= (unsigned int)n;
		}
		sent += n;
		want = p->trailer_length;
	}
	p->bytes_sent += sent;
	if (st.err != 0) {
		if (sent > 0 && (st.err == EINTR || st.err == EAGAIN))
			return 1;
		errno = st.err;
		return -1;
	}
	return want == 0 ? 0 : 1;
}

/* One send_file call carries header, file and trailer. */
static int
test_one_call(void)
{
	struct drive	d;
	int		rv;

	sim_reset(4000);
	drive_init(&d, "HEAD\r\n", 10, 3000, "TAIL\r\n");
	if ((rv = drive_done_ok(&d)) != TAP_PASS)
		return rv;
	CHECK(sim.calls == 1);
	return TAP_PASS;
}

/* Each call reports only its own bytes. */
static int
test_bytes_sent_per_call(void)
{
	struct sf_chunk		c;
	struct sf_scratch	scratch;

	sim_reset(1000);
	sim_push(100, 0);
	sim_push(250, 0);
	chunk_init(&c, NULL, 0, 1000, NULL);
	memset(&scratch, 0, sizeof(scratch));
	CHECK(sf_backend.send(&c, &scratch) == 100);
	c.file_off += 100;
	c.file_len -= 100;
	CHECK(sf_backend.send(&c, &scratch) == 250);
	return TAP_PASS;
}

/* rc 1 with nothing sent is a wait (EAGAIN), not end of file. */
static int
test_more_nothing(void)
{
	struct sf_chunk		c;
	struct sf_scratch	scratch;

	sim_reset(1000);
	sim_push(0, 0);
	chunk_init(&c, NULL, 0, 1000, NULL);
	memset(&scratch, 0, sizeof(scratch));
	errno = 0;
	CHECK(sf_backend.send(&c, &scratch) == -1);
	CHECK(errno == EAGAIN);
	return TAP_PASS;
}

/* No flags reach send_file: SF_CLOSE would close the socket. */
static int
test_flags_zero(void)
{
	struct drive	d;
	int		rv;

	sim_reset(2000);
	drive_init(&d, NULL, 0, 2000, NULL);
	d.flags = 0x11;
	if ((rv = drive_done_ok(&d)) != TAP_PASS)
		return rv;
	CHECK(sim.flags_seen == 0);
	return TAP_PASS;
}

/* EINVAL while the file covers the range is a refusal, kept as such. */
static int
test_einval_refusal(void)
{
	struct sf_chunk		c;
	struct sf_scratch	scratch;

	sim_reset(1000);
	sim_push(0, EINVAL);
	chunk_init(&c, NULL, 0, 1000, NULL);
	memset(&scratch, 0, sizeof(scratch));
	errno = 0;
	CHECK(sf_backend.send(&c, &scratch) == -1);
	CHECK(errno == EINVAL);
	CHECK(sf_backend.refused(errno));
	return TAP_PASS;
}

/* sf_cork sets and clears TCP_CORK here (the host defines it). */
static int
test_cork(void)
{
	sim_reset(0);
	CHECK(sf_cork(SIM_SOCK, 1) == 0);
	CHECK(sim.opt_level == IPPROTO_TCP);
	CHECK(sim.opt_name == TCP_CORK);
	CHECK(sim.opt_value == 1);
	CHECK(sf_cork(SIM_SOCK, 0) == 0);
	CHECK(sim.opt_value == 0);
	return TAP_PASS;
}

/* /proc is a pseudo-filesystem; jfs2 is not. */
static int
test_pseudo(void)
{
	sim_reset(0);
	sim.fstype = "procfs";
	CHECK(sf_pseudo_file(SIM_FILE) == 1);
	sim.fstype = "jfs2";
	CHECK(sf_pseudo_file(SIM_FILE) == 0);
	sim.fstype = NULL;
	CHECK(sf_pseudo_file(SIM_FILE) == 0);
	return TAP_PASS;
}

/*
 * Issue 10, bug 1: a refusal (a socket not in AF_INET) with the header in
 * the call falls back to read/write.
 */
static int
test_fallback_header(void)
{
	struct drive	d;

	sim_reset(3000);
	sim_push(0, EAFNOSUPPORT);
	drive_init(&d, "HEAD\r\n", 100, 2500, "TAIL\r\n");
	return drive_fallback_ok(&d, EAFNOSUPPORT);
}

/*
 * Issue 10, bug 3: a file in /proc has size 0 but content. send_file
 * refuses the range (EINVAL); the content must arrive by read/write, not
 * be taken for an empty file.
 */
static int
test_pseudo_fallback(void)
{
	struct drive	d;

	sim_reset(3000);
	sim.size = 0;
	sim.fstype = "procfs";
	drive_init(&d, NULL, 0, 0, NULL);
	d.to_eof = 1;
	d.max_chunk = 1024;
	return drive_fallback_ok(&d, EINVAL);
}

/* --sf-flags: only the empty list. */
static int
test_parse_flags(void)
{
	const char	*errstr;
	int		 flags;

	errstr = NULL;
	CHECK(sf_parse_flags("", &flags, &errstr) == 0 && flags == 0);
	CHECK(sf_parse_flags("nocache", &flags, &errstr) == -1);
	CHECK(errstr != NULL);
	return TAP_PASS;
}

static const struct tap_test tests[] = {
	{ "whole range in one call", test_plain },
	{ "header, file and trailer arrive in order", test_hdr_trl },
	{ "7 bytes a call (rc 1), across every boundary", test_trickle },
	{ "EAGAIN with progress (rc 1) counts the bytes",
	    test_eagain_progress },
	{ "EAGAIN without progress is -1/EAGAIN", test_eagain_nothing },
	{ "EINTR with progress (rc 1) counts the bytes",
	    test_eintr_progress },
	{ "EINTR without progress is -1/EINTR", test_eintr_nothing },
	{ "EBUSY with and without progress", test_ebusy },
	{ "hard error with nothing sent keeps errno", test_hard_error },
	{ "hard error after progress reports progress first",
	    test_error_after_progress },
	{ "offset and count in capped chunks", test_range_chunks },
	{ "empty range: header and trailer only", test_empty_range },
	{ "end of file (EINVAL) returns 0", test_eof_zero },
	{ "header still sent at end of file", test_eof_header },
	{ "range past the end stops at end of file", test_short_file },
	{ "file shrinking mid-transfer", test_shrink_mid },
	{ "stream input refused with a fallback errno", test_stream_refused },
	{ "fallback errnos", test_fallback_errno },
	{ "500 random transfers", test_random },
	{ "header, file and trailer in one call", test_one_call },
	{ "bytes_sent counts one call at a time", test_bytes_sent_per_call },
	{ "rc 1 without progress is -1/EAGAIN", test_more_nothing },
	{ "flags always 0", test_flags_zero },
	{ "EINVAL with the range in the file stays a refusal",
	    test_einval_refusal },
	{ "sf_cork uses TCP_CORK", test_cork },
	{ "pseudo-filesystems", test_pseudo },
	{ "--sf-flags refused", test_parse_flags },
	{ "a refusal with the header pending falls back (bug 1)",
	    test_fallback_header },
	{ "a pseudo-file falls back to read/write (bug 3)",
	    test_pseudo_fallback },
};

int
main(void)
{
	return tap_run(tests, TAP_COUNT(tests));
}
