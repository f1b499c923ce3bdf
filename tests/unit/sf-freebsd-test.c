/* SPDX-License-Identifier: ISC */
/*
 * Unit tests of src/sf-freebsd.c against a simulated FreeBSD kernel; built
 * a second time with -D__DragonFly__ as the DragonFly test. The kernel
 * model follows sys/kern/kern_sendfile.c (FreeBSD) and kern_sendfile in
 * sys/kern/uipc_syscalls.c (DragonFly).
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

static size_t	iov_total(const struct iovec *, int);
static int	iov_segs(struct sim_seg *, const struct iovec *, int);
static int	test_coalesced(void);
static int	test_null_hdtr(void);
static int	test_short_trailer(void);
static int	test_trailer_kept_back(void);
static int	test_flags_passed(void);
static int	test_cork(void);
static int	test_fallback_header(void);
static int	test_trailer_race(void);
static int	test_early_error(void);
static int	test_early_einval(void);
static int	test_pseudo(void);
#ifndef __DragonFly__
static int	test_parse_flags(void);
static int	test_parse_flags_bad(void);
#else
static int	test_parse_flags_dragonfly(void);
#endif

static size_t
iov_total(const struct iovec *iov, int cnt)
{
	size_t	total;
	int	i;

	total = 0;
	for (i = 0; i < cnt; i++)
		total += iov[i].iov_len;
	return total;
}

static int
iov_segs(struct sim_seg *seg, const struct iovec *iov, int cnt)
{
	int	i;

	for (i = 0; i < cnt; i++) {
		seg[i].p = iov[i].iov_base;
		seg[i].len = iov[i].iov_len;
	}
	return cnt;
}

/*
 * The count DragonFly copies out when kern_sendfile fails before it set
 * one (below): what an uninitialised off_t on the kernel stack may hold.
 */
#define SIM_GARBAGE	((off_t)0x5a5a5a5a5a)

/*
 * sendfile(2) as the kernel does it: the header goes out in front of the
 * first file page (FreeBSD: so not at all when no file byte is left;
 * DragonFly: alone at end of file, and counted against nbytes), the file
 * up to nbytes or end of file, then the trailer by writev even when the
 * file part came up short. A call the socket cuts short ends in EAGAIN
 * (or the step's error) with *sbytes set, on every return.
 *
 * A step's race shrinks the file inside the call. FreeBSD re-reads the
 * size before each pass (kern_sendfile.c, vn_sendfile: "Check to see if
 * the file size has changed"): at or past the new end it stops without
 * the trailer ("if (off >= nobj_size) goto done"), before it the rest is
 * cut to the new size and the trailer still follows. DragonFly re-reads
 * v_filesize per page and breaks out of its loop at the end, so the
 * trailer always follows (uipc_syscalls.c, kern_sendfile and
 * sys_sendfile).
 *
 * DragonFly's sys_sendfile declares "off_t sbytes;" without a value, and
 * kern_sendfile sets "*sbytes = 0" only after its checks (regular file,
 * VM object, socket, SOCK_STREAM, connected, offset); an error there goes
 * to "done:", which copies sbytes out all the same. A step that fails
 * with EINVAL, ENOTCONN, ENOTSOCK or EBADF before sending anything is such
 * an early failure, and the fake copies out SIM_GARBAGE.
 */
int
fake_freebsd_sendfile(int fd, int s, off_t offset, size_t nbytes,
    struct sf_hdtr *hdtr, off_t *sbytes, int flags)
{
	struct sim_seg	 seg[9];
	struct sim_step	 st;
	size_t		 hdr_total, trl_total, avail, rem, first, want, sent, t;
	int		 nseg;

	sim.calls++;
	sim.sendfile_calls++;
	if (fd != SIM_FILE || s != SIM_SOCK)
		sim_violate("sendfile(%d, %d, ...)", fd, s);
	if (nbytes == 0)
		sim_violate("nbytes 0 means \"to end of file\"");
	if (sbytes == NULL)
		sim_violate("no sbytes: partial progress would be lost");
#ifdef __DragonFly__
	if (flags != 0)
		sim_violate("flags %#x on DragonFly", flags);
#endif
	sim.flags_seen |= flags;
	hdr_total = trl_total = 0;
	if (hdtr != NULL) {
		sim.hdtr_calls++;
		if (hdtr->hdr_cnt == 0 && hdtr->trl_cnt == 0)
			sim_violate("empty sf_hdtr instead of NULL");
		if (hdtr->hdr_cnt < 0 || hdtr->hdr_cnt > 4 ||
		    hdtr->trl_cnt < 0 || hdtr->trl_cnt > 4) {
			sim_violate("sf_hdtr counts %d, %d", hdtr->hdr_cnt,
			    hdtr->trl_cnt);
			errno = EINVAL;
			return -1;
		}
		hdr_total = iov_total(hdtr->headers, hdtr->hdr_cnt);
		trl_total = iov_total(hdtr->trailers, hdtr->trl_cnt);
	}

	st = sim_step();
#ifdef __DragonFly__
	if (st.limit == 0 && (st.err == EINVAL || st.err == ENOTCONN ||
	    st.err == ENOTSOCK || st.err == EBADF)) {
		if (sbytes != NULL)
			*sbytes = SIM_GARBAGE;
		errno = st.err;
		return -1;
	}
#endif
	if (sbytes != NULL)
		*sbytes = 0;
	if (offset < 0) {
		errno = EINVAL;
		return -1;
	}

	avail = sim_file_avail(offset);
	rem = nbytes == 0 || nbytes > avail ? avail : nbytes;
#ifdef __DragonFly__
	/* Header bytes count against nbytes there. */
	if (hdr_total > 0 && nbytes != 0) {
		t = nbytes > hdr_total ? nbytes - hdr_total : 0;
		if (rem > t)
			rem = t;
	}
#else
	if (rem == 0)
		hdr_total = 0;
#endif
	/* The first pass ends where the step's race strikes. */
	first = rem;
	if (st.race != SIM_NOSHRINK && st.race_after > 0 &&
	    st.race_after < rem)
		first = st.race_after;
	nseg = 0;
	if (hdr_total > 0)
		nseg += iov_segs(seg, hdtr->headers, hdtr->hdr_cnt);
	if (first > 0) {
		seg[nseg].p = sim.file + offset;
		seg[nseg++].len = first;
	}
	want = hdr_total + first;
	sent = sim_send(seg, nseg, st.limit);
	if (sent == want && first < rem && sim_race(&st, first)) {
		/* The next pass sees the new size. */
		avail = sim_file_avail(offset + (off_t)first);
		if (rem - first > avail)
			rem = first + avail;
#ifndef __DragonFly__
		if (avail == 0) {
			*sbytes = (off_t)sent;
			return 0;	/* "goto done": no trailer */
		}
#endif
	}
	if (sent == want && first < rem) {
		seg[0].p = sim.file + offset + (off_t)first;
		seg[0].len = rem - first;
		want += rem - first;
		sent += sim_send(seg, 1, sim_left(st.limit, sent));
	}
	if (sent < want || st.err != 0) {
		if (sbytes != NULL)
			*sbytes = (off_t)sent;
		errno = st.err != 0 ? st.err : EAGAIN;
		return -1;
	}
	if (trl_total > 0) {
		/* "Send trailers. Wimp out and use writev(2)." */
		nseg = iov_segs(seg, hdtr->trailers, hdtr->trl_cnt);
		t = sim_send(seg, nseg, sim_left(st.limit, sent));
		if (t == 0) {
			if (sbytes != NULL)
				*sbytes = (off_t)sent;
			errno = EAGAIN;
			return -1;
		}
		sent += t;
	}
	if (sbytes != NULL)
		*sbytes = (off_t)sent;
	return 0;
}

/*
 * The header rides in the sendfile call (DragonFly: a writev before it);
 * the trailer follows in a writev once the file part is counted, never in
 * the sf_hdtr (issue 10, bug 2: the kernel sends it after a file that
 * shrank during the call).
 */
static int
test_coalesced(void)
{
	struct drive	d;
	int		rv;

	sim_reset(4000);
	drive_init(&d, "HEAD\r\n", 0, 4000, "TAIL\r\n");
	if ((rv = drive_done_ok(&d)) != TAP_PASS)
		return rv;
#ifdef __DragonFly__
	CHECK(sim.writev_calls == 2);
	CHECK(sim.sendfile_calls == 1);
	CHECK(sim.hdtr_calls == 0);
#else
	CHECK(sim.calls == 2);
	CHECK(sim.sendfile_calls == 1);
	CHECK(sim.hdtr_calls == 1);
#endif
	return TAP_PASS;
}

/* No sf_hdtr at all when there is no header or trailer to send. */
static int
test_null_hdtr(void)
{
	struct drive	d;
	int		rv;

	sim_reset(4000);
	drive_init(&d, NULL, 100, 3000, NULL);
	if ((rv = drive_done_ok(&d)) != TAP_PASS)
		return rv;
	CHECK(sim.hdtr_calls == 0);
	return TAP_PASS;
}

/* A trailer cut short after a complete call (rc 0) is counted. */
static int
test_short_trailer(void)
{
	struct drive	d;

	sim_reset(100);
	sim_push(100 + 3, 0);
	drive_init(&d, NULL, 0, 100, "trailer\n");
	return drive_done_ok(&d);
}

/* The trailer is not handed over with a file that no longer reaches it. */
static int
test_trailer_kept_back(void)
{
	struct sf_chunk		c;
	struct sf_scratch	scratch;

	sim_reset(500);
	chunk_init(&c, NULL, 0, 800, "TAIL\r\n");
	memset(&scratch, 0, sizeof(scratch));
	CHECK(sf_backend.send(&c, &scratch) == 500);
	CHECK(sim.hdtr_calls == 0);
	CHECK(sim.out_len == 500);
	return TAP_PASS;
}

/* The chunk's flags reach the kernel (DragonFly: always 0). */
static int
test_flags_passed(void)
{
	struct drive	d;
	int		rv;

	sim_reset(2000);
	drive_init(&d, NULL, 0, 2000, NULL);
	d.flags = 0x11;
	if ((rv = drive_done_ok(&d)) != TAP_PASS)
		return rv;
#ifdef __DragonFly__
	CHECK(sim.flags_seen == 0);
#else
	CHECK(sim.flags_seen == 0x11);
#endif
	return TAP_PASS;
}

/*
 * Issue 10, bug 1: a refusal (the filesystem's EOPNOTSUPP) on the first
 * call, with the header in that call, falls back to read/write, which
 * sends the header, the range and the trailer.
 */
static int
test_fallback_header(void)
{
	struct drive	d;

	sim_reset(3000);
#ifdef __DragonFly__
	sim_push(SIM_ALL, 0);	/* the header's own writev */
#endif
	sim_push(0, EOPNOTSUPP);
	drive_init(&d, "HEAD\r\n", 100, 2500, "TAIL\r\n");
	return drive_fallback_ok(&d, EOPNOTSUPP);
}

/*
 * Issue 10, bug 2: the file shrinks from 1000 to 995 bytes inside the
 * call, after the adapter's last look at it. The trailer must not be
 * taken for file bytes: exit 74, file shrank, and the socket holds just
 * the 995 file bytes counted.
 */
static int
test_trailer_race(void)
{
	struct drive	d;
	int		rv;

	sim_reset(1000);
	sim_push_race(500, 995);
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

/*
 * Issue 10, bug 5: a call that fails before sending anything (DragonFly
 * copies out an unset count then) is an error after 0 bytes, exit 74.
 */
static int
test_early_error(void)
{
	struct drive	d;
	int		rv;

	sim_reset(1000);
	sim_push(0, ENOTCONN);
	drive_init(&d, NULL, 0, 1000, "TAIL\r\n");
	if (drive_run(&d) != DRIVE_ERROR)
		return tap_fail("status %d (exit %d: %s; %s)", (int)d.status,
		    d.exit, d.error, d.why);
	CHECK(d.exit == EXIT_IOERR);
	CHECK(d.err == ENOTCONN);
	CHECK(d.file_done == 0 && d.trl_done == 0);
	if ((rv = drive_stream_ok(&d)) != TAP_PASS)
		return rv;
	return TAP_PASS;
}

/* The same for EINVAL, a refusal: read/write carries the transfer. */
static int
test_early_einval(void)
{
	struct drive	d;

	sim_reset(2000);
	sim_push(0, EINVAL);
	drive_init(&d, NULL, 0, 2000, NULL);
	return drive_fallback_ok(&d, EINVAL);
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
	CHECK(sim.opt_calls == 2);
	return TAP_PASS;
}

/* procfs, linprocfs and linsysfs are pseudo-filesystems; ufs is not. */
static int
test_pseudo(void)
{
	sim_reset(0);
	sim.fstype = "procfs";
	CHECK(sf_pseudo_file(SIM_FILE) == 1);
	sim.fstype = "linprocfs";
	CHECK(sf_pseudo_file(SIM_FILE) == 1);
	sim.fstype = "linsysfs";
	CHECK(sf_pseudo_file(SIM_FILE) == 1);
	sim.fstype = "ufs";
	CHECK(sf_pseudo_file(SIM_FILE) == 0);
	sim.fstype = "zfs";
	CHECK(sf_pseudo_file(SIM_FILE) == 0);
	sim.fstype = NULL;
	CHECK(sf_pseudo_file(SIM_FILE) == 0);
	return TAP_PASS;
}

#ifndef __DragonFly__
/* --sf-flags names map to the SF_* bits. */
static int
test_parse_flags(void)
{
	const char	*errstr;
	int		 flags;

	errstr = NULL;
	CHECK(sf_parse_flags("", &flags, &errstr) == 0 && flags == 0);
	CHECK(sf_parse_flags("nodiskio", &flags, &errstr) == 0);
	CHECK(flags == SF_NODISKIO);
	CHECK(sf_parse_flags("noread", &flags, &errstr) == 0);
	CHECK(flags == SF_MNOWAIT);
	CHECK(sf_parse_flags("sync,nocache", &flags, &errstr) == 0);
	CHECK(flags == (SF_SYNC | SF_NOCACHE));
	CHECK(sf_parse_flags("nodiskio,noread,sync,nocache", &flags,
	    &errstr) == 0);
	CHECK(flags == (SF_NODISKIO | SF_MNOWAIT | SF_SYNC | SF_NOCACHE));
	CHECK(errstr == NULL);
	return TAP_PASS;
}

/* Unknown and empty names are refused with a reason. */
static int
test_parse_flags_bad(void)
{
	static const char *const bad[] = {
		"bogus", "nodiskio,", ",sync", "nodiskio,,sync", ",",
		"NODISKIO", "nodisk", "nodiskiox", "sync nocache"
	};
	const char	*errstr;
	size_t		 i;
	int		 flags;

	for (i = 0; i < TAP_COUNT(bad); i++) {
		errstr = NULL;
		if (sf_parse_flags(bad[i], &flags, &errstr) != -1)
			return tap_fail("\"%s\" accepted", bad[i]);
		if (errstr == NULL)
			return tap_fail("\"%s\": no reason", bad[i]);
	}
	return TAP_PASS;
}
#else
/* DragonFly takes no flags: any name is refused, "" is fine. */
static int
test_parse_flags_dragonfly(void)
{
	const char	*errstr;
	int		 flags;

	errstr = NULL;
	CHECK(sf_parse_flags("", &flags, &errstr) == 0 && flags == 0);
	CHECK(sf_parse_flags("nodiskio", &flags, &errstr) == -1);
	CHECK(errstr != NULL && strstr(errstr, "dragonfly") != NULL);
	CHECK(sf_parse_flags("sync", &flags, &errstr) == -1);
	return TAP_PASS;
}
#endif

static const struct tap_test tests[] = {
	{ "whole range in one call", test_plain },
	{ "header, file and trailer arrive in order", test_hdr_trl },
	{ "7 bytes a call, across every boundary", test_trickle },
	{ "EAGAIN with progress counts the bytes", test_eagain_progress },
	{ "EAGAIN without progress is -1/EAGAIN", test_eagain_nothing },
	{ "EINTR with progress counts the bytes", test_eintr_progress },
	{ "EINTR without progress is -1/EINTR", test_eintr_nothing },
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
#ifdef __DragonFly__
	{ "header written apart, file in one call, trailer after",
	    test_coalesced },
#else
	{ "header and file in one call, trailer after", test_coalesced },
#endif
	{ "NULL sf_hdtr without header or trailer", test_null_hdtr },
	{ "short trailer write counted", test_short_trailer },
	{ "trailer kept back from a short file", test_trailer_kept_back },
#ifdef __DragonFly__
	{ "flags always 0", test_flags_passed },
#else
	{ "flags reach the kernel", test_flags_passed },
#endif
	{ "sf_cork uses TCP_NOPUSH", test_cork },
	{ "pseudo-filesystems", test_pseudo },
	{ "a refusal with the header pending falls back (bug 1)",
	    test_fallback_header },
	{ "trailer after a file shrunk inside the call (bug 2)",
	    test_trailer_race },
	{ "an early failure counts no bytes (bug 5)", test_early_error },
	{ "an early EINVAL falls back (bug 5)", test_early_einval },
#ifdef __DragonFly__
	{ "--sf-flags refused", test_parse_flags_dragonfly },
#else
	{ "--sf-flags names", test_parse_flags },
	{ "--sf-flags bad lists", test_parse_flags_bad },
#endif
};

int
main(void)
{
	return tap_run(tests, TAP_COUNT(tests));
}
