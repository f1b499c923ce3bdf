/* SPDX-License-Identifier: ISC */
/*
 * Unit tests of src/sf-solaris.c against a simulated sendfilev(3EXT). The
 * kernel model follows sendfilev() and what it calls in
 * usr/src/uts/common/syscall/sendfile.c (illumos).
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

static size_t	sol_readable(off_t);
static ssize_t	sol_small(const struct sendfilevec *, int, size_t,
		    struct sim_step *, size_t *);
static int	test_one_call(void);
static int	test_einval_refusal(void);
static int	test_einval_short(void);
static int	test_cork(void);
static int	test_pseudo(void);
static int	test_parse_flags(void);
static int	test_fallback_header(void);
static int	test_zcopy_shrink(void);
static int	test_zcopy_nowait(void);
static int	test_small_short(void);
static int	test_pseudo_small(void);
static int	test_pseudo_copy(void);

/*
 * A file whose size says nothing of its content (procfs and its kin):
 * fstat reports sim.size (0), while a read (VOP_READ) still returns the
 * sim.file_cap bytes of content.
 */
static int	sol_pseudo;

/*
 * How many bytes a read from off returns: sendfilev reads the file with
 * VOP_READ until a read comes back empty ("cnt == 0"), never checking the
 * size (sendvec_chunk, sendvec_small_chunk), so a pseudo-file yields its
 * whole content whatever its size says.
 */
static size_t
sol_readable(off_t off)
{
	if (!sol_pseudo)
		return sim_file_avail(off);
	if (off < 0 || (size_t)off >= sim.file_cap)
		return 0;
	return sim.file_cap - (size_t)off;
}

/* pread(2) of the simulated file, as sol_readable says. */
ssize_t
fake_pread(int fd, void *buf, size_t n, off_t off)
{
	size_t	avail;

	if (fd != SIM_FILE) {
		errno = EBADF;
		return -1;
	}
	avail = sol_readable(off);
	if (n > avail)
		n = avail;
	if (n > 0)
		memcpy(buf, sim.file + off, n);
	return (ssize_t)n;
}

/*
 * sendvec_small_chunk, which sendfilev() takes when "total_size <= (4 *
 * maxblk)": every entry is copied into one mblk chain first, a file read
 * that comes back empty ("if (cnt == 0)") fails the call with EINVAL
 * before anything is sent, and the chain goes to the socket in one
 * socket_sendmblk: all of it, or nothing.
 */
static ssize_t
sol_small(const struct sendfilevec *vec, int sfvcnt, size_t total,
    struct sim_step *st, size_t *xferred)
{
	struct sim_seg	seg[8];
	int		i;

	for (i = 0; i < sfvcnt; i++) {
		if (vec[i].sfv_fd == SFV_FD_SELF)
			seg[i].p = (const unsigned char *)
			    (uintptr_t)vec[i].sfv_off;
		else {
			if (sol_readable(vec[i].sfv_off) < vec[i].sfv_len) {
				errno = EINVAL;
				return -1;
			}
			seg[i].p = sim.file + vec[i].sfv_off;
		}
		seg[i].len = vec[i].sfv_len;
	}
	if (st->limit != SIM_ALL && st->limit < total) {
		errno = st->err != 0 ? st->err : EAGAIN;
		return -1;
	}
	*xferred = sim_send(seg, sfvcnt, SIM_ALL);
	if (st->err != 0) {
		errno = st->err;
		return -1;
	}
	return (ssize_t)*xferred;
}

/*
 * sendfilev: each entry in order, SFV_FD_SELF from memory, files from the
 * simulated file; *xferred set on every return. Three paths, as in
 * sendfilev(): small transfers (sim.maxblk set) as sol_small; otherwise
 * sendvec_chunk, whose file entries take snf_segmap when sim.zcopy is set
 * (zero-copy TCP: it stops without an error at the end of a file that
 * shrank, and the next entry follows; without SFV_NOWAIT it waits for the
 * peer's acknowledgement) or else the copy loop (a read that comes back
 * empty fails with EINVAL after the bytes before it went out).
 */
ssize_t
fake_sendfilev(int fildes, const struct sendfilevec *vec, int sfvcnt,
    size_t *xferred)
{
	struct sim_step	st;
	struct sim_seg	seg;
	size_t		total, n, avail;
	int		i, shortfile;

	sim.calls++;
	sim.sendfile_calls++;
	*xferred = 0;
	if (fildes != SIM_SOCK)
		sim_violate("sendfilev on fd %d", fildes);
	if (sfvcnt <= 0 || sfvcnt > 8) {
		sim_violate("sfvcnt %d", sfvcnt);
		errno = EINVAL;
		return -1;
	}
	st = sim_step();
	total = 0;
	for (i = 0; i < sfvcnt; i++) {
		if ((vec[i].sfv_flag & ~(unsigned int)SFV_NOWAIT) != 0)
			sim_violate("sfv_flag %#x", vec[i].sfv_flag);
		if (vec[i].sfv_len == 0) {
			/* sfv_len "less than or equal to 0": EINVAL. */
			sim_violate("vector %d has sfv_len 0", i);
			errno = EINVAL;
			return -1;
		}
		if (vec[i].sfv_fd != SFV_FD_SELF && vec[i].sfv_fd != SIM_FILE) {
			sim_violate("vector %d reads fd %d", i, vec[i].sfv_fd);
			errno = EBADF;
			return -1;
		}
		if (vec[i].sfv_fd == SIM_FILE && vec[i].sfv_off < 0) {
			errno = EINVAL;
			return -1;
		}
		total += vec[i].sfv_len;
	}
	if (sim.maxblk > 0 && total <= 4 * sim.maxblk)
		return sol_small(vec, sfvcnt, total, &st, xferred);
	total = 0;
	for (i = 0; i < sfvcnt; i++) {
		shortfile = 0;
		if (vec[i].sfv_fd == SFV_FD_SELF) {
			seg.p = (const unsigned char *)
			    (uintptr_t)vec[i].sfv_off;
			seg.len = vec[i].sfv_len;
		} else {
			if (sim.zcopy && !(vec[i].sfv_flag & SFV_NOWAIT))
				sim_violate("file vector without SFV_NOWAIT: "
				    "snf_segmap waits for the peer's "
				    "acknowledgement");
			avail = sol_readable(vec[i].sfv_off);
			seg.p = sim.file + (avail > 0 ? vec[i].sfv_off : 0);
			seg.len = vec[i].sfv_len;
			if (avail < seg.len) {
				seg.len = avail;
				shortfile = !sim.zcopy;
			}
		}
		n = sim_send(&seg, 1, sim_left(st.limit, total));
		total += n;
		if (n < seg.len) {
			*xferred = total;
			errno = st.err != 0 ? st.err : EAGAIN;
			return -1;
		}
		if (shortfile) {
			*xferred = total;
			errno = EINVAL;
			return -1;
		}
	}
	*xferred = total;
	if (st.err != 0) {
		errno = st.err;
		return -1;
	}
	return (ssize_t)total;
}

/*
 * One sendfilev call carries header and file, the next the trailer, once
 * the file part is counted (issue 10, bug 2).
 */
static int
test_one_call(void)
{
	struct drive	d;
	int		rv;

	sim_reset(4000);
	drive_init(&d, "HEAD\r\n", 10, 3000, "TAIL\r\n");
	if ((rv = drive_done_ok(&d)) != TAP_PASS)
		return rv;
	CHECK(sim.calls == 2);
	return TAP_PASS;
}

/* Issue 10, bug 1: a refusal with the header in the call falls back. */
static int
test_fallback_header(void)
{
	struct drive	d;

	sim_reset(3000);
	sim_push(0, EOPNOTSUPP);
	drive_init(&d, "HEAD\r\n", 100, 2500, "TAIL\r\n");
	return drive_fallback_ok(&d, EOPNOTSUPP);
}

/*
 * Issue 10, bug 2: on the zero-copy path a file cut from 1000 to 995
 * bytes ends the file entry early without an error. The trailer must not
 * be taken for file bytes: exit 74, file shrank, 995 bytes on the wire.
 */
static int
test_zcopy_shrink(void)
{
	struct drive	d;
	int		rv;

	sim_reset(1000);
	sim.zcopy = 1;
	sim_push_shrink(995);
	drive_init(&d, NULL, 0, 1000, "0123456789");
	if (drive_run(&d) != DRIVE_EOF)
		return tap_fail("status %d (exit %d: %s; %s)", (int)d.status,
		    d.exit, d.error, d.why);
	CHECK(d.file_done == 995);
	CHECK(d.trl_done == 0);
	if ((rv = drive_stream_ok(&d)) != TAP_PASS)
		return rv;
	CHECK(sim.out_len == 995);
	return TAP_PASS;
}

/* Issue 10, item 6: the zero-copy path is asked not to wait (SFV_NOWAIT). */
static int
test_zcopy_nowait(void)
{
	struct drive	d;

	sim_reset(20000);
	sim.zcopy = 1;
	sim_push_n(30, 1000, EAGAIN);
	drive_init(&d, "HEAD\r\n", 0, 20000, "TAIL\r\n");
	return drive_done_ok(&d);
}

/*
 * The small-chunk path sends all or nothing: a file that shrank fails the
 * call with nothing sent, the rest of the file goes without the trailer,
 * and the transfer ends with exit 74.
 */
static int
test_small_short(void)
{
	struct drive	d;
	int		rv;

	sim_reset(1000);
	sim.maxblk = 1460;
	sim_push(100, EAGAIN);	/* all or nothing: nothing */
	sim_push_shrink(600);
	drive_init(&d, "HEAD\r\n", 0, 1000, "TAIL\r\n");
	if (drive_run(&d) != DRIVE_EOF)
		return tap_fail("status %d (exit %d: %s; %s)", (int)d.status,
		    d.exit, d.error, d.why);
	CHECK(d.hdr_done == 6 && d.file_done == 600 && d.trl_done == 0);
	if ((rv = drive_stream_ok(&d)) != TAP_PASS)
		return rv;
	return TAP_PASS;
}

/*
 * A pseudo-file (size 0, content all the same) sent to end of file in
 * chunks that take the small-chunk path: sendfilev reads the content up
 * to its end, finds the chunk short and fails with EINVAL, nothing sent.
 * The size cannot tell that from the end of the file; the content must
 * arrive by read/write, not the file be sent as empty.
 */
static int
test_pseudo_small(void)
{
	struct drive	d;
	int		rv;

	sim_reset(3000);
	sim.size = 0;
	sim.fstype = "proc";
	sim.maxblk = 1460;
	sol_pseudo = 1;
	drive_init(&d, NULL, 0, 0, NULL);
	d.to_eof = 1;
	d.max_chunk = 4096;
	rv = drive_fallback_ok(&d, EINVAL);
	sol_pseudo = 0;
	return rv;
}

/*
 * The same file through the copy path: its content goes out with
 * sendfilev, which then fails with EINVAL at the end of it; the next call
 * finds nothing left, and that is the end of file.
 */
static int
test_pseudo_copy(void)
{
	struct drive	d;
	int		rv;

	sim_reset(3000);
	sim.size = 0;
	sim.fstype = "proc";
	sol_pseudo = 1;
	drive_init(&d, "HEAD\r\n", 0, 0, "TAIL\r\n");
	d.to_eof = 1;
	d.max_chunk = 65536;
	rv = drive_done_ok(&d);
	sol_pseudo = 0;
	if (rv != TAP_PASS)
		return rv;
	CHECK(d.fallback_errno == 0);
	CHECK(d.file_done == 3000);
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
	CHECK(sim.out_len == 0);
	return TAP_PASS;
}

/* A file cut short: the rest of it is resent without the trailer. */
static int
test_einval_short(void)
{
	struct sf_chunk		c;
	struct sf_scratch	scratch;

	sim_reset(600);
	sim_push(0, EINVAL);	/* nothing went, as in the small-chunk path */
	chunk_init(&c, "HEAD\r\n", 100, 900, "TAIL\r\n");
	memset(&scratch, 0, sizeof(scratch));
	CHECK(sf_backend.send(&c, &scratch) == 6 + 500);
	CHECK(sim.calls == 2);
	CHECK(sim.out_len == 506);
	CHECK(memcmp(sim.out, "HEAD\r\n", 6) == 0);
	CHECK(memcmp(sim.out + 6, sim.file + 100, 500) == 0);
	return TAP_PASS;
}

/* sf_cork sets and clears TCP_CORK. */
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

/* /proc is a pseudo-filesystem; zfs and ufs are not. */
static int
test_pseudo(void)
{
	sim_reset(0);
	sim.fstype = "proc";
	CHECK(sf_pseudo_file(SIM_FILE) == 1);
	sim.fstype = "zfs";
	CHECK(sf_pseudo_file(SIM_FILE) == 0);
	sim.fstype = "ufs";
	CHECK(sf_pseudo_file(SIM_FILE) == 0);
	sim.fstype = NULL;
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
	CHECK(sf_parse_flags("sync", &flags, &errstr) == -1);
	CHECK(errstr != NULL);
	return TAP_PASS;
}

static const struct tap_test tests[] = {
	{ "whole range in one call", test_plain },
	{ "header, file and trailer arrive in order", test_hdr_trl },
	{ "7 bytes a call, across every boundary", test_trickle },
	{ "EAGAIN with progress counts xferred", test_eagain_progress },
	{ "EAGAIN without progress is -1/EAGAIN", test_eagain_nothing },
	{ "EINTR with progress counts xferred", test_eintr_progress },
	{ "EINTR without progress is -1/EINTR", test_eintr_nothing },
	{ "EBUSY with and without progress", test_ebusy },
	{ "hard error with nothing sent keeps errno", test_hard_error },
	{ "hard error after progress reports progress first",
	    test_error_after_progress },
	{ "offset and count in capped chunks", test_range_chunks },
	{ "empty range: no zero-length vector", test_empty_range },
	{ "end of file (EINVAL) returns 0", test_eof_zero },
	{ "header still sent at end of file", test_eof_header },
	{ "range past the end stops at end of file", test_short_file },
	{ "file shrinking mid-transfer", test_shrink_mid },
	{ "stream input refused with a fallback errno", test_stream_refused },
	{ "fallback errnos", test_fallback_errno },
	{ "500 random transfers", test_random },
	{ "header and file in one call, trailer after", test_one_call },
	{ "a refusal with the header pending falls back (bug 1)",
	    test_fallback_header },
	{ "zero-copy: trailer after a file that shrank (bug 2)",
	    test_zcopy_shrink },
	{ "zero-copy: SFV_NOWAIT on the file entry", test_zcopy_nowait },
	{ "small-chunk path: all or nothing", test_small_short },
	{ "EINVAL with the range in the file stays a refusal",
	    test_einval_refusal },
	{ "EINVAL from a short file resends the rest, no trailer",
	    test_einval_short },
	{ "a pseudo-file on the small-chunk path falls back to read/write",
	    test_pseudo_small },
	{ "a pseudo-file on the copy path ends where its content does",
	    test_pseudo_copy },
	{ "sf_cork uses TCP_CORK", test_cork },
	{ "pseudo-filesystems", test_pseudo },
	{ "--sf-flags refused", test_parse_flags },
};

int
main(void)
{
	return tap_run(tests, TAP_COUNT(tests));
}
