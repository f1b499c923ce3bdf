/* SPDX-License-Identifier: ISC */
/*
 * The io_uring backends, through liburing:
 *
 *  - io_uring-splice: file -> pipe -> socket as linked IORING_OP_SPLICE
 *    pairs, several pairs to one io_uring_enter. The same page references
 *    as splice(2), fewer system calls; the kernel runs each splice on one
 *    of its io-wq worker threads (counted in zcsend's CPU time).
 *  - io_uring-sendzc: reads into registered buffers (IORING_OP_READ_FIXED),
 *    each linked to an IORING_OP_SEND_ZC of those bytes (Linux 6.0 and
 *    later). A buffer is read into again only after the kernel's
 *    notification (IORING_CQE_F_NOTIF) that it no longer sends from it;
 *    the ring's buffers are used half at a time, so one half is in flight
 *    while the other's notifications come in.
 *
 * A call submits one batch and waits for its completions, so it returns
 * the bytes sent in order, as every backend does. A link stops at the
 * first failed or short step (the kernel cancels the rest), so the bytes
 * sent are always a prefix of those asked for; bytes left in the pipe are
 * the next ones to send (scratch->piped), as with splice.c. A batch that
 * waits for longer than URING_WAIT_MS, or a signal, cancels what is left
 * of it, and the engine's own waits and timeouts take over.
 */

#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <liburing.h>

#include "zcsend.h"

#define URING_ENTRIES	64
#define URING_BUFS	8		/* registered buffers, two halves */
#define URING_HALF	(URING_BUFS / 2)
#define URING_PAIRS	4		/* splice pairs in one batch */
#define URING_WAIT_MS	500
#define URING_OPS	(2 * URING_PAIRS)

/* user_data: the step's index in its batch, and its buffer. */
#define UD_STEP(i, b)	((uint64_t)(i) | (uint64_t)(b) << 16 | (uint64_t)1 << 32)
#define UD_CANCEL	((uint64_t)2 << 32)

struct uring_state {
	struct io_uring	 ring;
	int		 sendzc;	/* which of the two */
	unsigned char	*mem;		/* sendzc: the registered buffers */
	size_t		 cap;		/* bytes in each */
	int		 notif[URING_BUFS];	/* notifications to come */
	int		 half;		/* the half the next batch uses */
	size_t		 pipe_cap;	/* splice: the pipe's capacity */
};

static ssize_t	uring_splice_send(const struct sf_chunk *,
		    struct sf_scratch *);
static ssize_t	uring_sendzc_send(const struct sf_chunk *,
		    struct sf_scratch *);
static int	uring_start(const struct sf_chunk *, struct sf_scratch *, int);
static void	uring_free(struct sf_scratch *);
static int	uring_wait(struct uring_state *, struct sf_scratch *, int,
		    int *, int);
static struct uring_state *uring_begin(const struct sf_chunk *,
		    struct sf_scratch *, int, ssize_t *);
static ssize_t	uring_tally(struct sf_scratch *, const int *, const size_t *,
		    int, int);

const struct backend uring_splice_backend = { "io_uring-splice",
    uring_splice_send, mode_refused };
const struct backend uring_sendzc_backend = { "io_uring-sendzc",
    uring_sendzc_send, mode_refused };

/* The liburing this was built with, for zcsend -V. */
const char *
uring_library(void)
{
	return "liburing " LIBURING_VERSION;
}

/*
 * Can this kernel run the mode (sendzc: io_uring-sendzc)? Returns 0, or -1
 * with why set: io_uring refused (kernel.io_uring_disabled, a seccomp
 * policy, a kernel without it) or an operation it lacks.
 */
int
uring_probe(int sendzc, char *why, size_t whylen)
{
	struct io_uring_probe	*p;
	struct io_uring		 ring;
	int			 r, ok;

	if ((r = io_uring_queue_init(4, &ring, 0)) < 0) {
		snprintf(why, whylen, "io_uring_setup: %s", strerror(-r));
		return -1;
	}
	if ((p = io_uring_get_probe_ring(&ring)) == NULL) {
		io_uring_queue_exit(&ring);
		snprintf(why, whylen, "io_uring: no opcode probe (Linux "
		    "before 5.6)");
		return -1;
	}
	ok = io_uring_opcode_supported(p, IORING_OP_SPLICE) &&
	    (!sendzc || (io_uring_opcode_supported(p, IORING_OP_SEND_ZC) &&
	    io_uring_opcode_supported(p, IORING_OP_READ_FIXED)));
	io_uring_free_probe(p);
	io_uring_queue_exit(&ring);
	if (!ok) {
		snprintf(why, whylen, "io_uring: %s not supported by this "
		    "kernel", sendzc ? "IORING_OP_SEND_ZC" :
		    "IORING_OP_SPLICE");
		return -1;
	}
	return 0;
}

static void
uring_free(struct sf_scratch *s)
{
	struct uring_state	*u = s->priv;

	if (u != NULL) {
		io_uring_queue_exit(&u->ring);
		free(u->mem);
		free(u);
	}
	s->priv = NULL;
	s->priv_free = NULL;
}

/*
 * The ring, and the registered buffers or the pipe. Returns 0, or -1 with
 * errno (EPERM, ENOSYS: io_uring refused, which read/write then carries).
 */
static int
uring_start(const struct sf_chunk *c, struct sf_scratch *s, int sendzc)
{
	struct uring_state	*u;
	struct iovec		 iov[URING_BUFS];
	char			 why[128];
	int			 r, i;

	if (uring_probe(sendzc, why, sizeof(why)) == -1) {
		errno = strstr(why, "not supported") != NULL ? EOPNOTSUPP :
		    EPERM;
		return -1;
	}
	if ((u = calloc(1, sizeof(*u))) == NULL)
		return -1;
	if ((r = io_uring_queue_init(URING_ENTRIES, &u->ring, 0)) < 0) {
		free(u);
		errno = -r;
		return -1;
	}
	s->priv = u;
	s->priv_free = uring_free;
	u->sendzc = sendzc;
	if (!sendzc) {
		if (splice_open(s, (size_t)1024 * 1024) == -1)
			return -1;
		r = fcntl(s->pipe_wr, F_GETPIPE_SZ);
		u->pipe_cap = r > 0 ? (size_t)r : (size_t)65536;
		return 0;
	}
	u->cap = s->cap > 0 ? s->cap : (size_t)256 * 1024;
	if ((u->mem = malloc(u->cap * URING_BUFS)) == NULL)
		return -1;
	for (i = 0; i < URING_BUFS; i++) {
		iov[i].iov_base = u->mem + (size_t)i * u->cap;
		iov[i].iov_len = u->cap;
	}
	if ((r = io_uring_register_buffers(&u->ring, iov, URING_BUFS)) < 0) {
		errno = -r;
		return -1;
	}
	(void)c;
	return 0;
}

/*
 * Submit what is queued and wait until the nres steps of the batch have
 * completed (res[i]: step i's result), or with nres 0 until the buffers
 * of half have no notification to come. A wait longer than URING_WAIT_MS,
 * or a signal, cancels the rest of the batch (cancel); the steps still end,
 * with what they did. Returns 0, or -1 with errno.
 */
static int
uring_wait(struct uring_state *u, struct sf_scratch *s, int nres, int *res,
    int half)
{
	struct __kernel_timespec	 ts;
	struct io_uring_cqe		*cqe;
	struct io_uring_sqe		*sqe;
	uint64_t			 ud;
	int				 got = 0, r, i, cancelled = 0, b;

	if ((r = io_uring_submit(&u->ring)) < 0) {
		errno = -r;
		return -1;
	}
	for (;;) {
		if (nres > 0 && got == nres)
			return 0;
		if (nres == 0) {
			for (i = 0; i < URING_HALF &&
			    u->notif[half * URING_HALF + i] == 0; i++)
				;
			if (i == URING_HALF)
				return 0;
		}
		ts.tv_sec = URING_WAIT_MS / 1000;
		ts.tv_nsec = (URING_WAIT_MS % 1000) * 1000000LL;
		s->extra_syscalls++;
		r = io_uring_wait_cqe_timeout(&u->ring, &cqe, &ts);
		if (r == -ETIME || r == -EINTR) {
			if (nres == 0) {
				errno = r == -EINTR ? EINTR : EAGAIN;
				return -1;	/* nothing of ours to cancel */
			}
			if (!cancelled && (sqe = io_uring_get_sqe(&u->ring)) !=
			    NULL) {
				io_uring_prep_cancel64(sqe, 0,
				    IORING_ASYNC_CANCEL_ANY);
				io_uring_sqe_set_data64(sqe, UD_CANCEL);
				(void)io_uring_submit(&u->ring);
				cancelled = 1;
			}
			continue;
		}
		if (r < 0) {
			errno = -r;
			return -1;
		}
		ud = io_uring_cqe_get_data64(cqe);
		b = (int)(ud >> 16 & 0xffff);
		if (ud == UD_CANCEL)
			;	/* the cancel's own completion */
		else if (cqe->flags & IORING_CQE_F_NOTIF) {
			if (b < URING_BUFS)
				u->notif[b]--;
		} else {
			if ((cqe->flags & IORING_CQE_F_MORE) && b < URING_BUFS)
				u->notif[b]++;
			if ((int)(ud & 0xffff) < nres) {
				res[ud & 0xffff] = cqe->res;
				got++;
			}
		}
		io_uring_cqe_seen(&u->ring, cqe);
	}
}

/*
 * The header, the trailer and a stream's refusal (mode_send_begin), and
 * the ring set up on the first call. Returns the state, or NULL with *n
 * set to what the call returns.
 */
static struct uring_state *
uring_begin(const struct sf_chunk *c, struct sf_scratch *s, int sendzc,
    ssize_t *n)
{
	if (mode_send_begin(c, s, n))
		return NULL;
	*n = -1;
	if (s->priv == NULL && uring_start(c, s, sendzc) == -1)
		return NULL;
	return s->priv;
}

/*
 * What a batch of n linked pairs did, as a backend returns it: res[2i] is
 * pair i's read (or splice into the pipe) of len[i] bytes, res[2i + 1] its
 * send. The bytes sent count up to the first pair that failed or fell
 * short, where the kernel cancelled the rest of the link (-ECANCELED).
 * With piping, bytes spliced into the pipe but not sent stay there, the
 * next to go (scratch->piped). Returns the bytes sent; 0 at end of file
 * (a read short of what the file held); -1 with errno.
 */
static ssize_t
uring_tally(struct sf_scratch *s, const int *res, const size_t *len, int n,
    int piping)
{
	ssize_t	out = 0;
	size_t	i;
	int	err = 0;

	for (i = 0; i < (size_t)n; i++) {
		if (res[2 * i] <= 0) {
			if (res[2 * i] < 0 && res[2 * i] != -ECANCELED) {
				err = -res[2 * i];
				s->input_failed = out == 0;
			}
			break;
		}
		if (piping)
			s->piped += (size_t)res[2 * i];
		if (res[2 * i + 1] > 0) {
			out += res[2 * i + 1];
			if (piping)
				s->piped -= (size_t)res[2 * i + 1];
		} else if (res[2 * i + 1] != -ECANCELED)
			err = -res[2 * i + 1];
		if (res[2 * i + 1] != res[2 * i] || res[2 * i] != (int)len[i])
			break;
	}
	if (out > 0)
		return out;
	if (err != 0) {
		errno = err;
		return -1;
	}
	/* A read cut short with nothing in the pipe: the file ends there. */
	if (s->piped == 0 && res[0] >= 0 && res[0] < (int)len[0])
		return 0;
	errno = EAGAIN;		/* cancelled, or still in the pipe */
	return -1;
}

static ssize_t
uring_splice_send(const struct sf_chunk *c, struct sf_scratch *s)
{
	struct io_uring_sqe	*sqe;
	struct uring_state	*u;
	uint64_t		 off;
	size_t			 left, len[URING_PAIRS] = { 0 };
	ssize_t			 out = 0;
	int			 res[URING_OPS] = { 0 }, n = 0;
	unsigned int		 more = SPLICE_F_MOVE;

	if ((u = uring_begin(c, s, 0, &out)) == NULL)
		return out;
	if (c->trl_len > 0)
		more |= SPLICE_F_MORE;
	if (s->piped > 0) {
		/* What a short send left in the pipe goes first. */
		sqe = io_uring_get_sqe(&u->ring);
		io_uring_prep_splice(sqe, s->pipe_rd, -1, c->sock, -1,
		    (unsigned int)(s->piped < c->file_len ? s->piped :
		    c->file_len), more);
		io_uring_sqe_set_data64(sqe, UD_STEP(0, 0xffff));
		if (uring_wait(u, s, 1, res, 0) == -1)
			return -1;
		if (res[0] <= 0) {
			errno = res[0] == 0 ? EAGAIN : -res[0];
			return -1;
		}
		s->piped -= (size_t)res[0];
		return res[0];
	}
	off = (uint64_t)c->file_off;
	for (left = c->file_len; left > 0 && n < URING_PAIRS; n++) {
		len[n] = left < u->pipe_cap ? left : u->pipe_cap;
		left -= len[n];
		sqe = io_uring_get_sqe(&u->ring);
		io_uring_prep_splice(sqe, c->fd, (int64_t)off, s->pipe_wr, -1,
		    (unsigned int)len[n], SPLICE_F_MOVE);
		io_uring_sqe_set_data64(sqe, UD_STEP(2 * n, 0xffff));
		sqe->flags |= IOSQE_IO_LINK;
		sqe = io_uring_get_sqe(&u->ring);
		io_uring_prep_splice(sqe, s->pipe_rd, -1, c->sock, -1,
		    (unsigned int)len[n], more);
		io_uring_sqe_set_data64(sqe, UD_STEP(2 * n + 1, 0xffff));
		if (left > 0 && n + 1 < URING_PAIRS)
			sqe->flags |= IOSQE_IO_LINK;
		off += len[n];
	}
	if (uring_wait(u, s, 2 * n, res, 0) == -1)
		return -1;
	return uring_tally(s, res, len, n, 1);
}

static ssize_t
uring_sendzc_send(const struct sf_chunk *c, struct sf_scratch *s)
{
	struct io_uring_sqe	*sqe;
	struct uring_state	*u;
	uint64_t		 off;
	size_t			 left, len[URING_HALF] = { 0 };
	ssize_t			 out = 0;
	int			 res[2 * URING_HALF] = { 0 }, n = 0, b;

	if ((u = uring_begin(c, s, 1, &out)) == NULL)
		return out;
	/* The half's buffers are the kernel's until it notifies. */
	if (uring_wait(u, s, 0, res, u->half) == -1)
		return -1;
	off = (uint64_t)c->file_off;
	for (left = c->file_len; left > 0 && n < URING_HALF; n++) {
		b = u->half * URING_HALF + n;
		len[n] = left < u->cap ? left : u->cap;
		left -= len[n];
		sqe = io_uring_get_sqe(&u->ring);
		io_uring_prep_read_fixed(sqe, c->fd, u->mem + (size_t)b * u->cap,
		    (unsigned int)len[n], off, b);
		io_uring_sqe_set_data64(sqe, UD_STEP(2 * n, b));
		sqe->flags |= IOSQE_IO_LINK;
		sqe = io_uring_get_sqe(&u->ring);
		io_uring_prep_send_zc_fixed(sqe, c->sock, u->mem + (size_t)b *
		    u->cap, len[n], MSG_NOSIGNAL | MSG_WAITALL |
		    (left > 0 || c->trl_len > 0 ? MSG_MORE : 0), 0,
		    (unsigned int)b);
		io_uring_sqe_set_data64(sqe, UD_STEP(2 * n + 1, b));
		if (left > 0 && n + 1 < URING_HALF)
			sqe->flags |= IOSQE_IO_LINK;
		off += len[n];
	}
	u->half = !u->half;
	if (uring_wait(u, s, 2 * n, res, 0) == -1)
		return -1;
	return uring_tally(s, res, len, n, 0);
}
