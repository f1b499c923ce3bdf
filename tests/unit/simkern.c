/* SPDX-License-Identifier: ISC */
/*
 * The simulated kernel's state, the calls several platforms share, the
 * one place the tests set up the real engine (sim_engine_run), and the
 * scenarios every backend must pass.
 */

#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "simkern.h"
/* The engine's own test harness: it sets and reads a transfer's fields. */
#include "xfer-state.h"
#include "tap.h"

#define DRIVE_MAX_STEPS	200000
#define DRIVE_POLL_MS	10000	/* a wait the simulation never needs */

struct sim	sim;
int		sim_sock = 7;	/* a real socket while the engine runs */
int		sim_file = 5;	/* a real file for a fallback's reads */

static struct drive	*drive_now;	/* the transfer sim_check_send checks */

static unsigned	sim_rng = 1;

static void	sim_emit(const unsigned char *, size_t);
static void	drive_broken(struct drive *, const char *, ...)
		    __attribute__((__format__(__printf__, 2, 3)));
static ssize_t	sim_check_send(const struct sf_chunk *, struct sf_scratch *);
static int	random_round(unsigned);

/* The adapter under test, behind a check of its contract. */
static struct backend sim_checked = { "sendfile", sim_check_send,
    NULL };

/* The byte at offset i of every simulated file. */
unsigned char
sim_pattern(size_t i)
{
	return (unsigned char)(((uint32_t)i * 2654435761u) >> 24);
}

/* A fresh kernel with a file of size bytes and an empty script. */
void
sim_reset(size_t size)
{
	size_t	i;

	free(sim.file);
	free(sim.out);
	memset(&sim, 0, sizeof(sim));
	if ((sim.file = malloc(size > 0 ? size : 1)) == NULL)
		abort();
	for (i = 0; i < size; i++)
		sim.file[i] = sim_pattern(i);
	sim.file_cap = size;
	sim.size = (off_t)size;
	sim.fstype = "ufs";
}

/* Script one call: at most limit bytes, then end it with err. */
void
sim_push(size_t limit, int err)
{
	sim_push_n(1, limit, err);
}

/* Script n identical calls. */
void
sim_push_n(size_t n, size_t limit, int err)
{
	while (n-- > 0) {
		if (sim.nsteps == SIM_MAXSTEPS)
			abort();
		sim.steps[sim.nsteps].limit = limit;
		sim.steps[sim.nsteps].err = err;
		sim.steps[sim.nsteps].shrink = SIM_NOSHRINK;
		sim.steps[sim.nsteps++].race = SIM_NOSHRINK;
	}
}

/* Script an unlimited call before which the file shrinks to size. */
void
sim_push_shrink(off_t size)
{
	sim_push(SIM_ALL, 0);
	sim.steps[sim.nsteps - 1].shrink = size;
}

/*
 * Script an unlimited call inside which the file shrinks to size once
 * after of its file bytes went out.
 */
void
sim_push_race(size_t after, off_t size)
{
	sim_push(SIM_ALL, 0);
	sim.steps[sim.nsteps - 1].race = size;
	sim.steps[sim.nsteps - 1].race_after = after;
}

/*
 * A kernel that re-reads the file's size as it goes calls this with the
 * file bytes it has sent in this call: returns 1, with the file shrunk,
 * if the step's race is due now.
 */
int
sim_race(struct sim_step *st, size_t sent)
{
	if (st->race == SIM_NOSHRINK || sent < st->race_after)
		return 0;
	if (st->race < sim.size)
		sim.size = st->race;
	st->race = SIM_NOSHRINK;
	return 1;
}

/*
 * Apply the next step's truncation now. Entry points that look at the file
 * (fstat, sendfile) call it, so the file shrinks before the adapter's
 * first look at it in that call.
 */
void
sim_shrink_now(void)
{
	struct sim_step	*st;

	if (sim.next >= sim.nsteps)
		return;
	st = &sim.steps[sim.next];
	if (st->shrink != SIM_NOSHRINK) {
		if (st->shrink < sim.size)
			sim.size = st->shrink;
		st->shrink = SIM_NOSHRINK;
	}
}

/* Take the next step of the script. */
struct sim_step
sim_step(void)
{
	struct sim_step	st;

	sim_shrink_now();
	if (sim.next < sim.nsteps)
		return sim.steps[sim.next++];
	st.limit = SIM_ALL;
	st.err = 0;
	st.shrink = st.race = SIM_NOSHRINK;
	st.race_after = 0;
	return st;
}

/* Record the first kernel rule the backend broke. */
void
sim_violate(const char *fmt, ...)
{
	va_list	ap;

	if (sim.violation[0] != '\0')
		return;
	va_start(ap, fmt);
	(void)vsnprintf(sim.violation, sizeof(sim.violation), fmt, ap);
	va_end(ap);
}

static void
sim_emit(const unsigned char *p, size_t len)
{
	if (len == 0)
		return;
	if (sim.out_len + len > sim.out_cap) {
		sim.out_cap = (sim.out_len + len) * 2;
		if ((sim.out = realloc(sim.out, sim.out_cap)) == NULL)
			abort();
	}
	memcpy(sim.out + sim.out_len, p, len);
	sim.out_len += len;
}

/* What is left of limit after sent bytes. */
size_t
sim_left(size_t limit, size_t sent)
{
	if (limit == SIM_ALL)
		return SIM_ALL;
	return sent < limit ? limit - sent : 0;
}

/*
 * Let the socket take the segments in order, up to limit bytes. Returns
 * how many it took.
 */
size_t
sim_send(const struct sim_seg *seg, int nseg, size_t limit)
{
	size_t	sent, n;
	int	i;

	sent = 0;
	for (i = 0; i < nseg; i++) {
		n = seg[i].len;
		if (n > sim_left(limit, sent))
			n = sim_left(limit, sent);
		sim_emit(seg[i].p, n);
		sent += n;
		if (n < seg[i].len)
			break;
	}
	return sent;
}

/* Bytes the file holds from off on. */
size_t
sim_file_avail(off_t off)
{
	if (off < 0 || off >= sim.size)
		return 0;
	return (size_t)(sim.size - off);
}

void
sim_seed(unsigned seed)
{
	sim_rng = seed != 0 ? seed : 1;
}

/* xorshift32: the same sequence on every machine. */
unsigned
sim_random(void)
{
	sim_rng ^= sim_rng << 13;
	sim_rng ^= sim_rng >> 17;
	sim_rng ^= sim_rng << 5;
	return sim_rng;
}

/* writev(2) on the socket: partial writes succeed, like a real one. */
ssize_t
fake_writev(int fd, const struct iovec *iov, int cnt)
{
	struct sim_seg	seg[8];
	struct sim_step	st;
	size_t		total, n;
	int		i;

	sim.calls++;
	sim.writev_calls++;
	if (fd != SIM_SOCK)
		sim_violate("writev on fd %d, not the socket", fd);
	if (cnt <= 0 || cnt > 8) {
		sim_violate("writev with %d iovecs", cnt);
		errno = EINVAL;
		return -1;
	}
	total = 0;
	for (i = 0; i < cnt; i++) {
		seg[i].p = iov[i].iov_base;
		seg[i].len = iov[i].iov_len;
		total += seg[i].len;
	}
	st = sim_step();
	n = sim_send(seg, cnt, st.limit);
	if (n == 0 && total > 0) {
		errno = st.err != 0 ? st.err : EAGAIN;
		return -1;
	}
	return (ssize_t)n;
}

/* fstat(2) on the file: a regular file of the current size. */
int
fake_fstat(int fd, struct stat *st)
{
	sim_shrink_now();
	if (fd != SIM_FILE) {
		errno = EBADF;
		return -1;
	}
	memset(st, 0, sizeof(*st));
	st->st_mode = S_IFREG | 0644;
	st->st_size = sim.size;
	return 0;
}

#ifdef HAVE_STRUCT_STATFS_F_FSTYPENAME
/* fstatfs(2) where statfs names the type: the name is sim.fstype. */
int
fake_fstatfs(int fd, struct statfs *sfs)
{
	sim_shrink_now();
	if (fd != SIM_FILE || sim.fstype == NULL) {
		errno = EBADF;
		return -1;
	}
	memset(sfs, 0, sizeof(*sfs));
	strncpy(sfs->f_fstypename, sim.fstype, sizeof(sfs->f_fstypename) - 1);
	return 0;
}
#endif

#ifdef HAVE_STRUCT_STATVFS_F_BASETYPE
/* fstatvfs(2) where statvfs names the type: f_basetype is sim.fstype. */
int
fake_fstatvfs(int fd, struct statvfs *sv)
{
	if (fd != SIM_FILE || sim.fstype == NULL) {
		errno = EBADF;
		return -1;
	}
	memset(sv, 0, sizeof(*sv));
	strncpy(sv->f_basetype, sim.fstype, sizeof(sv->f_basetype) - 1);
	return 0;
}
#endif

/* setsockopt(2): remember the last int option set. */
int
fake_setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	if (fd != SIM_SOCK || len != sizeof(int)) {
		errno = EINVAL;
		return -1;
	}
	sim.opt_calls++;
	sim.opt_level = level;
	sim.opt_name = name;
	memcpy(&sim.opt_value, val, sizeof(int));
	return 0;
}

/* A transfer of hdr, len bytes of the file from off, and trl. */
void
drive_init(struct drive *d, const char *hdr, off_t off, size_t len,
    const char *trl)
{
	memset(d, 0, sizeof(*d));
	d->hdr = (const unsigned char *)(hdr != NULL ? hdr : "");
	d->hdr_len = hdr != NULL ? strlen(hdr) : 0;
	d->off = off;
	d->len = len;
	d->trl = (const unsigned char *)(trl != NULL ? trl : "");
	d->trl_len = trl != NULL ? strlen(trl) : 0;
	d->max_chunk = 512 * 1024;
	d->mode = MODE_SENDFILE;
	d->block_size = 1000;
	d->close_timeout_ms = 5000;
	d->sock = d->fd = -1;
}

/* The same as one chunk, for calling the backend directly. */
void
chunk_init(struct sf_chunk *c, const char *hdr, off_t off, size_t len,
    const char *trl)
{
	memset(c, 0, sizeof(*c));
	c->sock = SIM_SOCK;
	c->fd = SIM_FILE;
	c->hdr = (const unsigned char *)(hdr != NULL ? hdr : "");
	c->hdr_len = hdr != NULL ? strlen(hdr) : 0;
	c->file_off = off;
	c->file_len = len;
	c->trl = (const unsigned char *)(trl != NULL ? trl : "");
	c->trl_len = trl != NULL ? strlen(trl) : 0;
}

static void
drive_broken(struct drive *d, const char *fmt, ...)
{
	va_list	ap;

	if (d->why[0] != '\0')
		return;
	va_start(ap, fmt);
	(void)vsnprintf(d->why, sizeof(d->why), fmt, ap);
	va_end(ap);
}

/*
 * The adapter's send, checked against the backend contract (backend.h) and
 * the simulated kernel's rules on every call. A broken rule is recorded
 * and ends the transfer.
 */
static ssize_t
sim_check_send(const struct sf_chunk *c, struct sf_scratch *scratch)
{
	struct drive	*d = drive_now;
	size_t		 total;
	ssize_t		 rv;

	d->calls++;
	total = c->hdr_len + c->file_len + c->trl_len;
	errno = 0;
	rv = sf_backend.send(c, scratch);
	if (rv == -1)
		d->err = errno;
	if (sim.violation[0] != '\0')
		drive_broken(d, "call %u: %s", d->calls, sim.violation);
	else if (rv < -1)
		drive_broken(d, "call %u returned %zd", d->calls, rv);
	else if (rv == 0 && c->hdr_len > 0)
		drive_broken(d, "call %u returned 0 with %zu header bytes "
		    "pending", d->calls, c->hdr_len);
	else if (rv == 0 && c->file_len == 0 && c->trl_len > 0)
		drive_broken(d, "call %u returned 0 with only the trailer "
		    "pending", d->calls);
	else if (rv > 0 && (size_t)rv > total)
		drive_broken(d, "call %u reported %zd bytes of %zu offered",
		    d->calls, rv, total);
	if (d->why[0] != '\0') {
		errno = ENOTRECOVERABLE;
		return -1;
	}
	return rv;
}

/*
 * Run d through the real transfer engine (xfer.c) to its end, on d->sock
 * and d->fd, with wrap standing in for the platform's sendfile backend
 * when d->mode picks it (NULL: the backend itself). This is the one place
 * the tests set up the engine: xfer_init, then xfer_step in a poll loop
 * until it says done. A wait on the clock alone (an EBUSY back-off) is
 * not waited out, as the simulated kernel has no clock. Fills in d's
 * outcome and returns the exit status.
 */
int
sim_engine_run(struct drive *d, const struct backend *wrap)
{
	struct xfer_params	par;
	struct xfer_dest	dest;
	struct input		in;
	struct xfer		*x;
	struct pollfd		pfd;
	unsigned		steps;

	memset(&par, 0, sizeof(par));
	par.hdr.data = (unsigned char *)(uintptr_t)d->hdr;
	par.hdr.len = d->hdr_len;
	par.trl.data = (unsigned char *)(uintptr_t)d->trl;
	par.trl.len = d->trl_len;
	par.mode = d->mode;
	par.block_size = d->block_size;
	par.max_chunk = d->max_chunk;
	par.sf_flags = d->flags;
	par.close_timeout_ms = d->close_timeout_ms;
	memset(&in, 0, sizeof(in));
	in.fd = d->fd;
	in.name = "FILE";
	in.start = d->off;
	in.len = d->to_eof ? COUNT_TO_EOF : d->len;
	memset(&dest, 0, sizeof(dest));
	dest.sock = d->sock;
	dest.peer = "PEER";
	if ((x = xfer_new(&par, &in, &dest)) == NULL) {
		drive_broken(d, "xfer_new: %s", strerror(errno));
		return d->exit = EXIT_OSERR;
	}
	if (wrap != NULL && x->be.backend == &sf_backend)
		x->be.backend = wrap;
	for (steps = 0; xfer_step(x, &pfd); steps++) {
		if (steps == DRIVE_MAX_STEPS) {
			drive_broken(d, "no end after %u steps", steps);
			xfer_stop(x, EXIT_IOERR, "no end");
			break;
		}
		if (pfd.fd == -1)
			continue;
		d->waits++;
		pfd.revents = 0;
		if (poll(&pfd, 1, DRIVE_POLL_MS) != 1) {
			drive_broken(d, "step %u: a wait that never ended",
			    steps);
			xfer_stop(x, EXIT_IOERR, "stuck");
			break;
		}
	}
	d->exit = xfer_status(x);
	(void)snprintf(d->error, sizeof(d->error), "%s", x->out.error);
	d->fallback_errno = x->be.fallback_errno;
	d->backend = x->be.backend->name;
	d->hdr_done = x->prog.hdr_done;
	d->file_done = (size_t)x->prog.file_done;
	d->trl_done = x->prog.trl_done;
	xfer_free(x);
	return d->exit;
}

/*
 * Drive the transfer through the real engine with the adapter under test
 * (behind its contract check) and the simulated kernel, on a socketpair
 * the engine may poll and shut down, whose peer has already said all it
 * will say. Any broken kernel rule or contract ends it as DRIVE_BROKEN.
 */
enum drive_status
drive_run(struct drive *d)
{
	int	sv[2], saved = sim_sock, own;

	own = d->sock == -1;
	if (own) {
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1 ||
		    shutdown(sv[1], SHUT_WR) == -1)
			abort();
		d->sock = sv[0];
	}
	sim_sock = d->sock;
	if (d->fd == -1)
		d->fd = SIM_FILE;
	drive_now = d;
	sim_checked.refused = sf_backend.refused;
	(void)sim_engine_run(d, &sim_checked);
	drive_now = NULL;
	sim_sock = saved;
	if (own) {
		close(sv[0]);
		close(sv[1]);
		d->sock = -1;
	}
	if (d->why[0] != '\0')
		return d->status = DRIVE_BROKEN;
	if (d->exit == EXIT_OK)
		return d->status = DRIVE_DONE;
	if (d->exit == EXIT_IOERR && strstr(d->error, "file shrank") != NULL)
		return d->status = DRIVE_EOF;
	return d->status = DRIVE_ERROR;
}

/*
 * Returns TAP_PASS if the socket received exactly the header, file and
 * trailer bytes the backend reported, in that order, each once.
 */
int
drive_stream_ok(const struct drive *d)
{
	unsigned char	*exp;
	size_t		 len, i;
	int		 rv;

	if ((size_t)d->off + d->file_done > sim.file_cap)
		return tap_fail("%zu file bytes counted from offset %jd, "
		    "past the end of the %zu-byte file", d->file_done,
		    (intmax_t)d->off, sim.file_cap);
	len = d->hdr_done + d->file_done + d->trl_done;
	if ((exp = malloc(len > 0 ? len : 1)) == NULL)
		abort();
	memcpy(exp, d->hdr, d->hdr_done);
	memcpy(exp + d->hdr_done, sim.file + d->off, d->file_done);
	memcpy(exp + d->hdr_done + d->file_done, d->trl, d->trl_done);
	rv = TAP_PASS;
	if (sim.out_len != len)
		rv = tap_fail("socket got %zu bytes, backend reported %zu "
		    "(%zu header, %zu file, %zu trailer)", sim.out_len, len,
		    d->hdr_done, d->file_done, d->trl_done);
	else {
		for (i = 0; i < len && sim.out[i] == exp[i]; i++)
			continue;
		if (i < len)
			rv = tap_fail("stream differs at byte %zu of %zu", i,
			    len);
	}
	free(exp);
	return rv;
}

/* Run d and require it to finish with every byte sent exactly once. */
int
drive_done_ok(struct drive *d)
{
	if (drive_run(d) != DRIVE_DONE) {
		if (d->status == DRIVE_BROKEN)
			return tap_fail("%s", d->why);
		return tap_fail("status %d (exit %d: %s) after %zu+%zu+%zu "
		    "bytes", (int)d->status, d->exit, d->error, d->hdr_done,
		    d->file_done, d->trl_done);
	}
	return drive_stream_ok(d);
}

/*
 * Run d where the adapter is expected to refuse and the engine to carry
 * on with read/write: the simulated file is also a real one (what the
 * read/write path reads) and the socket a real socketpair (what it
 * writes). Passes if the transfer ends with exit 0 after a fallback on
 * err, and the bytes the simulated kernel took followed by those on the
 * socketpair are exactly header, range (to the end with to_eof) and
 * trailer.
 */
int
drive_fallback_ok(struct drive *d, int err)
{
	unsigned char	*got, *exp;
	size_t		 n, cap, have, len;
	ssize_t		 r;
	FILE		*f;
	int		 sv[2], saved = sim_file, rv = TAP_PASS;

	n = d->to_eof ? sim.file_cap - (size_t)d->off : d->len;
	len = d->hdr_len + n + d->trl_len;
	cap = len + 4096;
	if ((f = tmpfile()) == NULL ||
	    fwrite(sim.file, 1, sim.file_cap, f) != sim.file_cap ||
	    fflush(f) != 0 || socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1 ||
	    shutdown(sv[1], SHUT_WR) == -1 ||
	    (got = malloc(cap)) == NULL || (exp = malloc(len + 1)) == NULL)
		abort();
	sim_file = d->fd = fileno(f);
	d->sock = sv[0];
	(void)drive_run(d);
	sim_file = saved;
	close(sv[0]);
	fclose(f);
	if (sim.out_len > 0)
		memcpy(got, sim.out, sim.out_len < cap ? sim.out_len : cap);
	for (have = sim.out_len; have < cap; have += (size_t)r)
		if ((r = read(sv[1], got + have, cap - have)) <= 0)
			break;
	close(sv[1]);
	memcpy(exp, d->hdr, d->hdr_len);
	memcpy(exp + d->hdr_len, sim.file + d->off, n);
	memcpy(exp + d->hdr_len + n, d->trl, d->trl_len);
	if (d->status != DRIVE_DONE)
		rv = tap_fail("status %d (exit %d: %s; %s)", (int)d->status,
		    d->exit, d->error, d->why);
	else if (d->fallback_errno != err)
		rv = tap_fail("fallback errno %d, not %d", d->fallback_errno,
		    err);
	else if (have != len || memcmp(got, exp, len) != 0)
		rv = tap_fail("receiver got %zu bytes, not the %zu expected",
		    have, len);
	free(got);
	free(exp);
	return rv;
}

/* The whole file in one call, no header or trailer. */
int
test_plain(void)
{
	struct drive	d;

	sim_reset(10000);
	drive_init(&d, NULL, 0, 10000, NULL);
	return drive_done_ok(&d);
}

/* Header, file and trailer, nothing in the way. */
int
test_hdr_trl(void)
{
	struct drive	d;

	sim_reset(5000);
	drive_init(&d, "HTTP/1.0 200 OK\r\n\r\n", 0, 5000, "--end--\n");
	return drive_done_ok(&d);
}

/* The socket takes 7 bytes a call, across every boundary. */
int
test_trickle(void)
{
	struct drive	d;

	sim_reset(300);
	sim_push_n(5000, 7, 0);
	drive_init(&d, "a header of 20 bytes", 0, 300, "13-byte tail\n");
	return drive_done_ok(&d);
}

/* EAGAIN after partial progress: the bytes count, nothing repeats. */
int
test_eagain_progress(void)
{
	struct drive	d;
	int		rv;

	sim_reset(4000);
	sim_push_n(100, 100, EAGAIN);
	drive_init(&d, "HEAD\r\n", 0, 4000, "TAIL\r\n");
	if ((rv = drive_done_ok(&d)) != TAP_PASS)
		return rv;
	CHECK(d.calls >= 40);
	return TAP_PASS;
}

/* EAGAIN with nothing sent is -1/EAGAIN after one kernel call. */
int
test_eagain_nothing(void)
{
	struct sf_chunk		c;
	struct sf_scratch	scratch;
	struct drive		d;

	sim_reset(1000);
	sim_push(0, EAGAIN);
	chunk_init(&c, "H1", 0, 1000, NULL);
	memset(&scratch, 0, sizeof(scratch));
	errno = 0;
	CHECK(sf_backend.send(&c, &scratch) == -1);
	CHECK(errno == EAGAIN);
	CHECK(sim.out_len == 0);
	CHECK(sim.calls == 1);
	drive_init(&d, "H1", 0, 1000, NULL);
	return drive_done_ok(&d);
}

/* EINTR after partial progress: the bytes count. */
int
test_eintr_progress(void)
{
	struct drive	d;

	sim_reset(3000);
	sim_push_n(80, 50, EINTR);
	drive_init(&d, "HEAD\r\n", 100, 2500, "TAIL\r\n");
	return drive_done_ok(&d);
}

/* EINTR with nothing sent is -1/EINTR, not end of file. */
int
test_eintr_nothing(void)
{
	struct sf_chunk		c;
	struct sf_scratch	scratch;
	struct drive		d;

	sim_reset(1000);
	sim_push(0, EINTR);
	chunk_init(&c, NULL, 0, 1000, NULL);
	memset(&scratch, 0, sizeof(scratch));
	errno = 0;
	CHECK(sf_backend.send(&c, &scratch) == -1);
	CHECK(errno == EINTR);
	CHECK(sim.out_len == 0);
	drive_init(&d, NULL, 0, 1000, "T");
	return drive_done_ok(&d);
}

/* EBUSY with and without progress: counted, or waited on. */
int
test_ebusy(void)
{
	struct drive	d;
	int		i;

	sim_reset(6000);
	for (i = 0; i < 40; i++) {
		sim_push(64, EBUSY);
		sim_push(0, EBUSY);
	}
	drive_init(&d, "HEAD\r\n", 0, 6000, "TAIL\r\n");
	return drive_done_ok(&d);
}

/* A hard error with nothing sent keeps its errno. */
int
test_hard_error(void)
{
	struct drive	d;

	sim_reset(1000);
	sim_push(0, EPIPE);
	drive_init(&d, "HEAD\r\n", 0, 1000, "TAIL\r\n");
	CHECK(drive_run(&d) == DRIVE_ERROR);
	CHECK(d.err == EPIPE);
	CHECK(sim.out_len == 0);
	return TAP_PASS;
}

/* A hard error after progress: the progress first, then the error. */
int
test_error_after_progress(void)
{
	struct drive	d;
	int		rv;

	sim_reset(1000);
	sim_push(30, EPIPE);
	sim_push(0, EPIPE);
	drive_init(&d, NULL, 0, 1000, "TAIL\r\n");
	CHECK(drive_run(&d) == DRIVE_ERROR);
	CHECK(d.err == EPIPE);
	CHECK(d.file_done == 30);
	CHECK(d.calls == 2);
	if ((rv = drive_stream_ok(&d)) != TAP_PASS)
		return rv;
	return TAP_PASS;
}

/* An offset and count inside a larger file, sent in capped chunks. */
int
test_range_chunks(void)
{
	struct drive	d;
	size_t		i;

	sim_reset(100000);
	for (i = 0; i < 400; i++)
		sim_push(1000 + i * 37 % 3000, i % 3 == 0 ? EAGAIN : 0);
	drive_init(&d, "GET /range HTTP/1.1\r\n\r\n", 12345, 54321,
	    "\r\n--boundary--\r\n");
	d.max_chunk = 4096;
	return drive_done_ok(&d);
}

/* An empty range: header and trailer only, never "to end of file". */
int
test_empty_range(void)
{
	struct drive	d;
	int		rv;

	sim_reset(100);
	drive_init(&d, "HEAD\r\n", 50, 0, "TAIL\r\n");
	if ((rv = drive_done_ok(&d)) != TAP_PASS)
		return rv;
	CHECK(sim.out_len == 12);
	return TAP_PASS;
}

/* At end of file with nothing pending the backend returns 0. */
int
test_eof_zero(void)
{
	struct sf_chunk		c;
	struct sf_scratch	scratch;
	struct drive		d;

	sim_reset(1000);
	chunk_init(&c, NULL, 1000, 10, NULL);
	memset(&scratch, 0, sizeof(scratch));
	CHECK(sf_backend.send(&c, &scratch) == 0);
	CHECK(sim.out_len == 0);
	drive_init(&d, NULL, 1000, 10, "TAIL\r\n");
	CHECK(drive_run(&d) == DRIVE_EOF);
	CHECK(sim.out_len == 0);
	return TAP_PASS;
}

/* At end of file a pending header still goes out, then 0. */
int
test_eof_header(void)
{
	struct drive	d;

	sim_reset(1000);
	drive_init(&d, "HEAD\r\n", 1000, 10, "TAIL\r\n");
	if (drive_run(&d) != DRIVE_EOF)
		return tap_fail("status %d: %s", (int)d.status, d.why);
	CHECK(d.hdr_done == d.hdr_len);
	CHECK(d.trl_done == 0);
	return drive_stream_ok(&d);
}

/* A range past the end: the file up to its end, then 0, no trailer. */
int
test_short_file(void)
{
	struct drive	d;

	sim_reset(1000);
	drive_init(&d, "HEAD\r\n", 200, 2000, "TAIL\r\n");
	if (drive_run(&d) != DRIVE_EOF)
		return tap_fail("status %d: %s", (int)d.status, d.why);
	CHECK(d.hdr_done == d.hdr_len);
	CHECK(d.file_done == 800);
	CHECK(d.trl_done == 0);
	return drive_stream_ok(&d);
}

/* The file shrinks mid-transfer: exact count, then 0, no trailer. */
int
test_shrink_mid(void)
{
	struct drive	d;

	sim_reset(50000);
	sim_push_n(2, SIM_ALL, 0);
	sim_push_shrink(20000);
	drive_init(&d, NULL, 0, 50000, "TAIL\r\n");
	d.max_chunk = 8192;
	if (drive_run(&d) != DRIVE_EOF)
		return tap_fail("status %d: %s", (int)d.status, d.why);
	CHECK(d.file_done == 20000);
	CHECK(d.trl_done == 0);
	return drive_stream_ok(&d);
}

/* A stream (no offset) is refused before any byte, with a fallback errno. */
int
test_stream_refused(void)
{
	struct sf_chunk		c;
	struct sf_scratch	scratch;

	sim_reset(1000);
	chunk_init(&c, "HEAD\r\n", -1, 100, NULL);
	memset(&scratch, 0, sizeof(scratch));
	errno = 0;
	CHECK(sf_backend.send(&c, &scratch) == -1);
	CHECK(sf_backend.refused(errno));
	CHECK(sim.out_len == 0);
	return TAP_PASS;
}

/* Only refusals fall back; waits and transfer errors do not. */
int
test_fallback_errno(void)
{
	CHECK(sf_backend.refused(EINVAL));
	CHECK(sf_backend.refused(EOPNOTSUPP));
	CHECK(!sf_backend.refused(EAGAIN));
	CHECK(!sf_backend.refused(EINTR));
	CHECK(!sf_backend.refused(EBUSY));
	CHECK(!sf_backend.refused(EPIPE));
	CHECK(!sf_backend.refused(ECONNRESET));
	CHECK(!sf_backend.refused(EIO));
	return TAP_PASS;
}

/*
 * One random transfer: random header, trailer, file, range and chunk
 * size against a random script of short calls, EAGAIN, EINTR and EBUSY
 * with and without progress, and now and then a shrinking file.
 */
static int
random_round(unsigned round)
{
	static const int	 errs[] = { 0, 0, 0, EAGAIN, EINTR, EBUSY };
	static const char	 text[] = "The quick brown fox jumps over the "
				    "lazy dog; 0123456789";
	char			 hdr[48], trl[48];
	struct drive		 d;
	size_t			 size, i, nsteps, hl, tl, limit;
	off_t			 off;
	int			 err;

	size = sim_random() % 20000;
	sim_reset(size);
	hl = sim_random() % 41;
	tl = sim_random() % 41;
	memcpy(hdr, text, hl);
	hdr[hl] = '\0';
	memcpy(trl, text + 3, tl);
	trl[tl] = '\0';
	off = (off_t)(size > 0 ? sim_random() % (size + 1) : 0);
	if (sim_random() % 8 == 0)	/* past the end now and then */
		i = sim_random() % 3000 + 1;
	else
		i = size - (size_t)off > 0 ?
		    sim_random() % (size - (size_t)off + 1) : 0;
	drive_init(&d, hl > 0 ? hdr : NULL, off, i, tl > 0 ? trl : NULL);
	d.max_chunk = sim_random() % 9000 + 1;

	nsteps = sim_random() % 200;
	for (i = 0; i < nsteps; i++) {
		if (sim_random() % 60 == 0) {
			sim_push_shrink((off_t)(sim_random() % (size + 1)));
			continue;
		}
		limit = sim_random() % 300;
		if (sim_random() % 5 == 0)
			limit = SIM_ALL;
		err = errs[sim_random() % 6];
		sim_push(limit, err);
	}

	switch (drive_run(&d)) {
	case DRIVE_DONE:
		if (d.file_done != d.len || d.trl_done != d.trl_len)
			return tap_fail("round %u: done early", round);
		break;
	case DRIVE_EOF:
		/* The file ends (or, shrunk, ended) where it stopped. */
		if (d.off + (off_t)d.file_done < sim.size ||
		    d.off + (off_t)d.len <= sim.size)
			return tap_fail("round %u: end of file at %zu of "
			    "%zu from %jd, file %jd bytes", round, d.file_done,
			    d.len, (intmax_t)d.off, (intmax_t)sim.size);
		if (d.hdr_done != d.hdr_len || d.trl_done != 0)
			return tap_fail("round %u: end of file with header "
			    "%zu/%zu, trailer %zu", round, d.hdr_done,
			    d.hdr_len, d.trl_done);
		break;
	case DRIVE_ERROR:
		return tap_fail("round %u: errno %d", round, d.err);
	case DRIVE_BROKEN:
		return tap_fail("round %u: %s", round, d.why);
	}
	if (drive_stream_ok(&d) != TAP_PASS)
		return tap_fail("round %u: stream wrong", round);
	return TAP_PASS;
}

/* 500 random transfers, the same ones on every run. */
int
test_random(void)
{
	unsigned	round;

	sim_seed(20240601);
	for (round = 0; round < 500; round++)
		if (random_round(round) != TAP_PASS)
			return TAP_FAIL;
	return TAP_PASS;
}
