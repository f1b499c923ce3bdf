/* SPDX-License-Identifier: ISC */
/*
 * A transfer's send phase: the chunk each backend call is given, what the
 * call's result means (progress, end of input, EAGAIN, a fallback to
 * read/write, a failure), --rate's pacing (rate.c) and --checksum's feed.
 * Once every byte is out it hands over to the close phase (xfer-close.c).
 */

#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"
#include "xfer-int.h"

static void	xfer_advance(struct xfer *, size_t);
static int	xfer_input_ready(const struct xfer *);
static uint64_t	xfer_rate_allows(struct xfer *);
static void	xfer_rate_trim(struct sf_chunk *, uint64_t);
static size_t	xfer_chunk_cap(const struct xfer *);
static void	xfer_chunk_adapt(struct xfer *, size_t, int64_t);
static void	xfer_chunk(struct xfer *, struct sf_chunk *, uint64_t);
static int	xfer_input_end(struct xfer *);
static int	xfer_send_failed(struct xfer *, const struct sf_chunk *, int,
		    struct pollfd *);

static const unsigned char no_bytes[1];

/* Account n sent bytes along header, file and trailer, in that order. */
static void
xfer_advance(struct xfer *x, size_t n)
{
	struct xfer_prog	*g = &x->prog;
	size_t			 part;

	part = x->par->hdr.len - g->hdr_done;
	if (part > n)
		part = n;
	g->hdr_done += part;
	n -= part;
	if (n == 0)
		return;
	part = n;
	if (g->file_len != COUNT_TO_EOF && part > g->file_len - g->file_done)
		part = (size_t)(g->file_len - g->file_done);
	g->file_done += part;
	n -= part;
	/* Never more trailer than there is (the backend clamps too). */
	part = x->par->trl.len - g->trl_done;
	g->trl_done += n < part ? n : part;
}

/*
 * A stream input (pipe, socket, terminal) is only read once poll says so,
 * so a slow writer never blocks the loop. Regular files are always ready.
 */
static int
xfer_input_ready(const struct xfer *x)
{
	return x->in.start >= 0 || x->be.scratch.pos < x->be.scratch.len ||
	    x->be.scratch.piped > 0 || x->be.input_ready;
}

/* --rate: how many more bytes may go out now (rate.c). */
static uint64_t
xfer_rate_allows(struct xfer *x)
{
	struct xfer_prog	*g = &x->prog;
	uint64_t		 total = xfer_bytes_total(x), allowed;
	int64_t			 due_ns = 0;

	allowed = rate_allows(&g->rate, x->par->rate, total == COUNT_TO_EOF ?
	    COUNT_TO_EOF : total - xfer_bytes_done(x), x->par->max_chunk,
	    loop_now_ns(), &due_ns);
	if (allowed > 0)
		return allowed;
	g->busy_until_ns = due_ns;
	/* Holding back for the rate is not idling: the clock starts after. */
	if (g->last_move_ns < g->busy_until_ns)
		g->last_move_ns = g->busy_until_ns;
	return 0;
}

/*
 * Cut the chunk c to at most allowed bytes along header, file and trailer,
 * in that order, for --rate.
 */
static void
xfer_rate_trim(struct sf_chunk *c, uint64_t allowed)
{
	if (c->hdr_len >= allowed) {
		c->hdr_len = (size_t)allowed;
		c->file_len = 0;
		c->trl_len = 0;
		return;
	}
	allowed -= c->hdr_len;
	if (c->file_len >= allowed) {
		c->file_len = (size_t)allowed;
		c->trl_len = 0;
		return;
	}
	allowed -= c->file_len;
	if (c->trl_len > allowed)
		c->trl_len = (size_t)allowed;
}

/*
 * The most file bytes the next call is given: max_chunk, or on the fast
 * path (xfer_block) with the platform's sendfile, the chunk that grows
 * while the receiver keeps up (xfer_chunk_adapt).
 */
static size_t
xfer_chunk_cap(const struct xfer *x)
{
	if (x->conn.blocking && x->be.backend == &sf_backend &&
	    x->prog.block_chunk > x->par->max_chunk)
		return x->prog.block_chunk;
	return x->par->max_chunk;
}

/*
 * After a blocking call that sent file_len file bytes in took_ns (all it
 * was given, or fewer when its timeout or a signal cut it short): the
 * chunk follows the receiver's pace (chunk.c), from max_chunk up to
 * chunk_ceiling. Only the platform's sendfile is given it (xfer_chunk_cap).
 */
static void
xfer_chunk_adapt(struct xfer *x, size_t file_len, int64_t took_ns)
{
	x->prog.block_chunk = chunk_next(x->prog.block_chunk, file_len,
	    took_ns, x->par->max_chunk, x->par->chunk_ceiling);
}

/*
 * The next call's chunk: the unsent header, up to file_left file bytes
 * (capped by xfer_chunk_cap), and the unsent trailer once the chunk
 * reaches the end of the file part.
 */
static void
xfer_chunk(struct xfer *x, struct sf_chunk *c, uint64_t file_left)
{
	const struct xfer_params	*par = x->par;
	const struct xfer_prog		*g = &x->prog;
	size_t				 cap;

	c->sock = x->conn.sock;
	c->fd = x->in.fd;
	c->flags = par->sf_flags;
	/* No header or trailer: data is NULL, and NULL + 0 is undefined. */
	c->hdr_len = par->hdr.len - g->hdr_done;
	c->hdr = c->hdr_len > 0 ? par->hdr.data + g->hdr_done : no_bytes;
	c->file_off = x->in.start < 0 ? -1 :
	    x->in.start + (off_t)g->file_done;
	cap = xfer_chunk_cap(x);
	c->file_len = file_left < cap ? (size_t)file_left : cap;
	/* No byte lies past the largest offset: that is the end of file. */
	if (c->file_off >= 0 && (uint64_t)(INT64_MAX - c->file_off) <
	    c->file_len)
		c->file_len = (size_t)(INT64_MAX - c->file_off);
	c->trl = no_bytes;
	c->trl_len = 0;
	c->tls = x->conn.tls;
	if (g->file_len != COUNT_TO_EOF &&
	    c->file_len == g->file_len - g->file_done) {
		c->trl_len = par->trl.len - g->trl_done;
		if (c->trl_len > 0)
			c->trl = par->trl.data + g->trl_done;
	}
}

int
xfer_send(struct xfer *x, struct pollfd *pfd)
{
	struct xfer_prog	*g = &x->prog;
	struct sf_chunk		 c;
	uint64_t		 file_left, allowed, before;
	int64_t			 step_ns, call_ns;
	ssize_t			 n;
	int			 calls, err;

	/* --resume: not a byte before the receiver says where it stands. */
	if (x->ack.resume_wait && (calls = xfer_ack_resume(x, pfd)) != -1)
		return calls;
	/*
	 * What the receiver said since the last step: read and dropped
	 * before every step, or an echo would fill both directions' buffers
	 * and stop the send for good. With --ack, a receiver that fails
	 * mid-stream says so in its line, which ends the transfer.
	 */
	if ((calls = xfer_discard(x)) == 1)
		return 0;
	if (calls == -1) {
		err = errno;
		if (x->conn.ai_list != NULL && xfer_retry_later(x, err, pfd))
			return 1;
		xfer_fail_errno(x, err);
		return 0;
	}
	pfd->fd = x->conn.sock;
	pfd->events = POLLOUT;
	g->busy_until_ns = 0;
	/* Only the fast path times its calls (chunk.c): no clock otherwise. */
	step_ns = x->conn.blocking ? loop_now_ns() : 0;
	for (calls = 0; calls < XFER_STEP_CALLS; calls++) {
		/* Unpaced, everything is allowed and the trim below is a no-op. */
		allowed = x->par->rate > 0 ? xfer_rate_allows(x) : UINT64_MAX;
		if (allowed == 0) {
			pfd->fd = -1;	/* ahead of the rate: wait for it */
			return 1;
		}
		file_left = g->file_len == COUNT_TO_EOF ? xfer_chunk_cap(x) :
		    g->file_len - g->file_done;
		xfer_chunk(x, &c, file_left);
		if (c.hdr_len == 0 && c.file_len == 0 && file_left > 0) {
			if (xfer_input_end(x) == -1)
				return 0;
			continue;
		}
		xfer_rate_trim(&c, allowed);
		if (c.hdr_len == 0 && c.file_len == 0 && c.trl_len == 0)
			return xfer_finish_send(x, pfd);
		if (c.hdr_len == 0 && c.file_len > 0 && !xfer_input_ready(x)) {
			/* An input that gives nothing idles as a receiver does. */
			if (xfer_idle_expired(x))
				return 0;
			pfd->fd = x->in.fd;
			pfd->events = POLLIN;
			return 1;
		}

		call_ns = x->conn.blocking ? loop_now_ns() : 0;
		n = x->be.backend->send(&c, &x->be.scratch);
		g->calls++;
		/* A stream read once may have nothing more: ask poll again. */
		if (c.file_len > 0)
			x->be.input_ready = 0;
		if (n > 0) {
			before = g->file_done;
			xfer_advance(x, (size_t)n);
			rate_took(&g->rate, (size_t)n);
			g->last_move_ns = loop_now_ns();
			/*
			 * A stream's bytes go out of the scratch buffer
			 * (read/write, SSL_write); those just sent end at
			 * its pos. Splice moves them by a pipe, never here.
			 */
			if (x->be.hash_stream && g->file_done > before &&
			    x->be.scratch.buf != NULL)
				x->par->hash_sent(x->be.scratch.buf +
				    x->be.scratch.pos - (g->file_done - before),
				    (size_t)(g->file_done - before));
			if (!x->conn.blocking)
				continue;
			/*
			 * A blocking send cut short ran into its timeout or a
			 * signal: the pace it measured sizes the next chunk,
			 * and the loop looks before the next call.
			 */
			if ((size_t)n < c.hdr_len + c.file_len + c.trl_len) {
				if (c.hdr_len == 0)
					xfer_chunk_adapt(x, (size_t)n,
					    g->last_move_ns - call_ns);
				break;
			}
			xfer_chunk_adapt(x, c.file_len,
			    g->last_move_ns - call_ns);
			/* Blocking calls add up: the loop looks in between. */
			if (g->last_move_ns - step_ns >= CHUNK_QUICK_NS)
				break;
			continue;
		}
		if (n == 0 && c.hdr_len == 0 && c.file_len > 0) {
			if (xfer_input_end(x) == -1)
				return 0;
			continue;
		}
		if (n == 0)
			errno = EIO;
		return xfer_send_failed(x, &c, errno, pfd);
	}
	/*
	 * The call budget or the fast path's step time ran out, not the
	 * socket's room: come back at once (a short write may leave too
	 * little room for POLLOUT to fire).
	 */
	pfd->fd = -1;
	g->busy_until_ns = loop_now_ns();
	return 1;
}

/*
 * The input is at its end while file bytes were asked for: the end of a
 * range sent to end of file (returns 0), or an input that ended before the
 * count (fails the transfer, returns -1).
 */
static int
xfer_input_end(struct xfer *x)
{
	struct xfer_prog	*g = &x->prog;
	char			 counts[64];

	if (g->file_len == COUNT_TO_EOF) {
		g->file_len = g->file_done;	/* found the end */
		return 0;
	}
	x->out.errnum = EIO;
	xfer_counts(x, counts, sizeof(counts));
	xfer_fail(x, EXIT_IOERR, "%s%s%s%s: %s: sent %s",
	    x->par->name_peer ? "send to " : "",
	    x->par->name_peer ? x->conn.peer : "",
	    x->par->name_peer ? ": " : "", x->in.name,
	    x->in.unsized ? "input ended early" : "file shrank", counts);
	return -1;
}

/*
 * A backend call sent nothing and failed with err: wait (EAGAIN, EBUSY),
 * come back at once (EINTR), fall back to read/write, or fail. Returns as
 * xfer_step does.
 */
static int
xfer_send_failed(struct xfer *x, const struct sf_chunk *c, int err,
    struct pollfd *pfd)
{
	socklen_t	len = sizeof(int);
	char		counts[64];
	int		soerr = 0;

	if (err == EINTR || err == EAGAIN || err == EWOULDBLOCK ||
	    err == EBUSY) {
		if (err != EINTR && xfer_idle_expired(x))
			return 0;
		/* OpenSSL may want the socket readable first. */
		if (x->conn.tls != NULL)
			pfd->events = x->par->tls->events(x->conn.tls);
		/* A receiver that talks back is heard while we wait. */
		pfd->events = (short)(pfd->events | xfer_discard_events(x));
		if (err == EINTR || err == EBUSY) {
			pfd->fd = -1;	/* poll only the clock */
			x->prog.busy_until_ns = loop_now_ns() +
			    (err == EBUSY ? (int64_t)XFER_BUSY_WAIT_MS *
			    1000000 : 0);
		}
		return 1;
	}
	/*
	 * A refusal of a call that offered file bytes, before any went:
	 * read/write carries on and sends what is left of the header too
	 * (FreeBSD, Solaris and AIX refuse with the header in the same call).
	 */
	if (x->be.backend->refused != NULL && x->prog.file_done == 0 &&
	    x->be.scratch.piped == 0 && c->file_len > 0 &&
	    x->be.backend->refused(err)) {
		x->be.fallback_errno = err;
		x->be.fallback_from = x->be.backend->name;
		if (xfer_use_readwrite(x) == -1)
			return 0;
		return xfer_send(x, pfd);
	}
	if (x->be.scratch.input_failed) {
		x->out.errnum = err;
		xfer_counts(x, counts, sizeof(counts));
		xfer_fail(x, EXIT_IOERR, "%s: read: %s after %s", x->in.name,
		    strerror(err), counts);
		return 0;
	}
	/* --retry: a reset before the first byte is retried as a connect is. */
	if ((err == EPIPE || err == ENOTCONN) && getsockopt(x->conn.sock,
	    SOL_SOCKET, SO_ERROR, &soerr, &len) == 0 && soerr != 0)
		err = soerr;
	if (x->conn.ai_list != NULL && xfer_retry_later(x, err, pfd))
		return 1;
	xfer_fail_errno(x, err);
	return 0;
}
