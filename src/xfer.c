/*
 * The transfer engine. A transfer is a resumable state: header bytes, a file
 * range and trailer bytes, and how far each got. xfer_step() does as much as
 * the socket takes right now, then says what it waits for (a pollfd) or that
 * it is finished; a caller's poll loop drives it, so one loop can drive one
 * transfer or many. The rules each backend follows are in the sf-*.c files;
 * this file holds the retry rules common to all of them:
 *  - EINTR: retry at once. EAGAIN: wait for POLLOUT, never spin.
 *  - EBUSY (FreeBSD SF_NODISKIO): wait a moment, then retry.
 *  - Progress counts only what the backend reports as sent.
 *  - A 0 return while file bytes remain: the file shrank.
 *  - sendfile refusing the descriptor pair before any file byte went out:
 *    carry on with read/write from the same offset.
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

#include "zcsend.h"

/* Backend calls per step: bounded so progress and signals are seen. */
#define XFER_STEP_CALLS		8
/* How long to back off after EBUSY (pages not in memory, SF_NODISKIO). */
#define XFER_BUSY_WAIT_MS	10

static int	xfer_connect(struct xfer *, struct pollfd *);
static int	xfer_connected(struct xfer *, int, struct pollfd *);
static int	xfer_send(struct xfer *, struct pollfd *);
static int	xfer_drain(struct xfer *, struct pollfd *);
static void	xfer_advance(struct xfer *, size_t);
static int	xfer_finish_send(struct xfer *, struct pollfd *);
static int	xfer_input_ready(struct xfer *);
static int	xfer_idle_expired(struct xfer *);
static uint64_t	xfer_rate_allows(struct xfer *);
static int	xfer_close_expired(struct xfer *);
static int	xfer_use_readwrite(struct xfer *);
static void	xfer_fail(struct xfer *, int, const char *, ...)
		    __attribute__((__format__(__printf__, 3, 4)));
static void	xfer_counts(const struct xfer *, char *, size_t);

static const unsigned char no_bytes[1];

/*
 * Set up a transfer of len bytes of fd from start (-1: a stream, read in
 * order) to the connected non-blocking sock. peer names the destination in
 * messages and must outlive the transfer.
 */
void
xfer_init(struct xfer *x, const struct options *o, int sock, int fd,
    off_t start, uint64_t len, const char *peer)
{
	struct stat	st;

	memset(x, 0, sizeof(*x));
	x->sock = sock;
	x->fd = fd;
	x->path = o->path;
	x->peer = peer;
	x->hdr = &o->header;
	x->trl = &o->trailer;
	x->file_start = start;
	x->file_len = x->file_len_asked = len;
	x->max_chunk = o->max_chunk;
	x->sf_flags = o->sf_flags;
	x->idle_timeout_ms = o->idle_timeout_ms;
	x->close_timeout_ms = o->close_timeout_ms;
	x->block_size = o->block_size;
	x->rate = o->bench ? 0 : o->rate;	/* --bench paces its receiver */
	x->phase = XFER_SEND;
	x->start_ns = x->last_move_ns = loop_now_ns();
	x->input_is_stream = start < 0;
	x->scratch.pipe_rd = x->scratch.pipe_wr = -1;
	switch (o->mode) {
	case MODE_SENDFILE:
		x->backend = &sf_backend;
		break;
	case MODE_READWRITE:
		if (xfer_use_readwrite(x) == -1)
			return;
		break;
	case MODE_SPLICE:
		x->backend = &splice_backend;
		/* A pipe input is spliced directly; anything else via a pipe. */
		if ((fstat(fd, &st) == -1 || !S_ISFIFO(st.st_mode)) &&
		    splice_open(&x->scratch, x->max_chunk) == -1) {
			xfer_fail(x, EXIT_OSERR, "pipe: %s", strerror(errno));
			return;
		}
		break;
	}
	if (sock != -1 && (x->hdr->len > 0 || x->trl->len > 0))
		(void)sf_cork(sock, 1);
}

/*
 * Set up a transfer to d that starts by connecting to the addresses in res
 * (resolved already; the transfer owns them), within the connect timeout,
 * in the same loop as every other transfer.
 */
void
xfer_init_connect(struct xfer *x, const struct options *o, int fd,
    off_t start, uint64_t len, const struct dest *d, struct addrinfo *res)
{
	xfer_init(x, o, -1, fd, start, len, d->peer);
	x->host = d->host;
	x->port = d->port;
	x->ai_list = x->ai_next = res;
	x->connect_timeout_ms = o->connect_timeout_ms;
	x->connect_deadline_ns = loop_now_ns() +
	    (int64_t)o->connect_timeout_ms * 1000000;
	x->verbose = o->verbose;
	if (x->phase == XFER_SEND)
		x->phase = XFER_CONNECT;
}

/* The connect is done: start sending, or report a reset that came first. */
static int
xfer_connected(struct xfer *x, int pending, struct pollfd *pfd)
{
	char	addr[1025];

	x->connecting = 0;
	x->phase = XFER_SEND;
	x->start_ns = x->last_move_ns = loop_now_ns();
	if (x->verbose) {
		net_addr_name(x->ai_now, addr, sizeof(addr));
		fprintf(stderr, "%s: connected to %s port %s\n", getprogname(),
		    addr, x->port);
	}
	if (x->hdr->len > 0 || x->trl->len > 0)
		(void)sf_cork(x->sock, 1);
	if (pending != 0) {
		xfer_fail_errno(x, pending);
		return 0;
	}
	return xfer_send(x, pfd);
}

/*
 * Connect without blocking: start a connect to the next address, and once
 * its socket polls writable, see how it went; on failure try the next
 * address, until they run out or the deadline passes.
 */
static int
xfer_connect(struct xfer *x, struct pollfd *pfd)
{
	struct pollfd	probe;
	char		addr[1025];
	int		err = 0, waiting, status;

	for (;;) {
		if (x->connecting) {
			probe.fd = x->sock;
			probe.events = POLLOUT;
			probe.revents = 0;
			if (poll(&probe, 1, 0) <= 0 &&
			    loop_now_ns() < x->connect_deadline_ns) {
				*pfd = probe;
				return 1;
			}
			if (probe.revents == 0)
				err = ETIMEDOUT;
			else if (net_finish(x->sock, &err) == 0)
				return xfer_connected(x, err, pfd);
			close(x->sock);
			x->sock = -1;
			x->connecting = 0;
			x->connect_err = err;
			if (err == ETIMEDOUT)
				break;	/* the deadline covers every address */
		} else {
			if (x->ai_next == NULL)
				break;
			x->ai_now = x->ai_next;
			x->ai_next = x->ai_next->ai_next;
			x->sock = net_start(x->ai_now, &waiting, &err);
			if (x->sock != -1 && !waiting)
				return xfer_connected(x, 0, pfd);
			if (x->sock != -1) {
				x->connecting = 1;
				continue;
			}
			x->connect_err = err;
		}
		if (x->verbose) {
			net_addr_name(x->ai_now, addr, sizeof(addr));
			fprintf(stderr, "%s: connect %s port %s: %s\n",
			    getprogname(), addr, x->port, strerror(err));
		}
	}
	net_failure(x->host, x->port, x->connect_timeout_ms, x->connect_err,
	    &status, x->error, sizeof(x->error));
	x->status = status;
	x->phase = XFER_FAILED;
	x->end_ns = loop_now_ns();
	return 0;
}

void
xfer_free(struct xfer *x)
{
	free(x->scratch.buf);
	x->scratch.buf = NULL;
	splice_close(&x->scratch);
	if (x->ai_list != NULL)
		freeaddrinfo(x->ai_list);
	x->ai_list = x->ai_next = NULL;
}

/* Switch to the read/write backend; its buffer is allocated here. */
static int
xfer_use_readwrite(struct xfer *x)
{
	x->backend = &rw_backend;
	if (x->scratch.buf != NULL)
		return 0;
	if ((x->scratch.buf = malloc(x->block_size)) == NULL) {
		xfer_fail(x, EXIT_OSERR, "read buffer: %s", strerror(errno));
		return -1;
	}
	x->scratch.cap = x->block_size;
	return 0;
}

/* Every byte the socket accepted so far: header, file and trailer. */
uint64_t
xfer_bytes_done(const struct xfer *x)
{
	return x->hdr_done + x->file_done + x->trl_done;
}

/* Every byte to send, or COUNT_TO_EOF while the file's end is unknown. */
uint64_t
xfer_bytes_total(const struct xfer *x)
{
	if (x->file_len == COUNT_TO_EOF)
		return COUNT_TO_EOF;
	return x->hdr->len + x->file_len + x->trl->len;
}

/* "N of M bytes", or "N bytes" while the total is unknown. */
static void
xfer_counts(const struct xfer *x, char *buf, size_t size)
{
	if (xfer_bytes_total(x) == COUNT_TO_EOF)
		snprintf(buf, size, "%ju bytes", (uintmax_t)xfer_bytes_done(x));
	else
		snprintf(buf, size, "%ju of %ju bytes",
		    (uintmax_t)xfer_bytes_done(x),
		    (uintmax_t)xfer_bytes_total(x));
}

static void
xfer_fail(struct xfer *x, int status, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(x->error, sizeof(x->error), fmt, ap);
	va_end(ap);
	x->status = status;
	x->phase = XFER_FAILED;
	x->end_ns = loop_now_ns();
}

/* A failure of the socket side, told apart by errno. */
void
xfer_fail_errno(struct xfer *x, int err)
{
	socklen_t	len = sizeof(int);
	char		counts[64];
	int		soerr = 0;

	/* A reset that lands before the call shows as EPIPE or ENOTCONN. */
	if ((err == EPIPE || err == ENOTCONN) && getsockopt(x->sock,
	    SOL_SOCKET, SO_ERROR, &soerr, &len) == 0 && soerr != 0)
		err = soerr;
	x->errnum = err;
	xfer_counts(x, counts, sizeof(counts));
	switch (err) {
	case EPIPE:
	case ENOTCONN:
		xfer_fail(x, EXIT_IOERR, "send to %s: connection closed by "
		    "peer after %s", x->peer, counts);
		break;
	case ECONNRESET:
		xfer_fail(x, EXIT_IOERR, "send to %s: connection reset by "
		    "peer after %s", x->peer, counts);
		break;
	default:
		xfer_fail(x, EXIT_IOERR, "send to %s: %s after %s", x->peer,
		    strerror(err), counts);
		break;
	}
}

/* Stop on a signal: the message carries the summary of what was sent. */
void
xfer_interrupt(struct xfer *x)
{
	char	counts[64], rate[32];
	double	secs;

	if (x->phase == XFER_DONE || x->phase == XFER_FAILED)
		return;
	if (x->phase == XFER_CONNECT) {
		xfer_fail(x, loop_signal_status(), "interrupted by %s: "
		    "connecting to %s", loop_signal_name(), x->peer);
		return;
	}
	xfer_counts(x, counts, sizeof(counts));
	secs = (double)(loop_now_ns() - x->start_ns) / 1e9;
	format_size(rate, sizeof(rate),
	    secs > 0 ? (double)xfer_bytes_done(x) / secs : 0.0);
	xfer_fail(x, loop_signal_status(),
	    "interrupted by %s: sent %s in %.3f s (%s/s) via %s",
	    loop_signal_name(), counts, secs, rate,
	    x->backend->name);
}

/* Account n sent bytes along header, file and trailer, in that order. */
static void
xfer_advance(struct xfer *x, size_t n)
{
	size_t	part;

	part = x->hdr->len - x->hdr_done;
	if (part > n)
		part = n;
	x->hdr_done += part;
	n -= part;
	if (n == 0)
		return;
	part = n;
	if (x->file_len != COUNT_TO_EOF && part > x->file_len - x->file_done)
		part = (size_t)(x->file_len - x->file_done);
	x->file_done += part;
	n -= part;
	x->trl_done += n;
}

/*
 * A stream input (pipe, socket, terminal) is only read once poll says so,
 * so a slow writer never blocks the loop. Regular files are always ready.
 */
static int
xfer_input_ready(struct xfer *x)
{
	struct pollfd	pfd;

	if (!x->input_is_stream || x->scratch.pos < x->scratch.len ||
	    x->scratch.piped > 0)
		return 1;
	pfd.fd = x->fd;
	pfd.events = POLLIN;
	return poll(&pfd, 1, 0) > 0;
}

/*
 * With --rate: how many more bytes may go out now, so that the bytes sent
 * never run ahead of rate * elapsed by more than one quantum (a twentieth
 * of a second's worth). Bytes are released a whole quantum at a time, not
 * in the trickle that accrues between two calls; when a quantum is not due
 * yet, busy_until_ns is set to when it is and 0 returned.
 */
static uint64_t
xfer_rate_allows(struct xfer *x)
{
	uint64_t	quantum, need, done = xfer_bytes_done(x), total;
	int64_t		now = loop_now_ns();
	double		due_d;

	quantum = x->rate / 20;
	if (quantum < 4096)
		quantum = 4096;
	if (quantum > x->max_chunk)
		quantum = x->max_chunk;
	total = xfer_bytes_total(x);
	need = total != COUNT_TO_EOF && total - done < quantum ?
	    total - done : quantum;
	due_d = (double)(now - x->start_ns) / 1e9 * (double)x->rate +
	    (double)quantum;
	if (due_d >= (double)(done + need))
		return due_d - (double)done > (double)x->max_chunk ?
		    x->max_chunk : (uint64_t)(due_d - (double)done);
	x->busy_until_ns = now + (int64_t)(((double)(done + need) - due_d) /
	    (double)x->rate * 1e9) + 1;
	/* Holding back for the rate is not idling: the clock starts after. */
	if (x->last_move_ns < x->busy_until_ns)
		x->last_move_ns = x->busy_until_ns;
	return 0;
}

/* Fails the transfer if the socket took nothing for the idle timeout. */
static int
xfer_idle_expired(struct xfer *x)
{
	char	counts[64];

	if (x->idle_timeout_ms == 0 || loop_now_ns() - x->last_move_ns <
	    (int64_t)x->idle_timeout_ms * 1000000)
		return 0;
	x->errnum = ETIMEDOUT;
	xfer_counts(x, counts, sizeof(counts));
	xfer_fail(x, EXIT_TEMPFAIL, "send to %s: idle timeout (%g s) after %s",
	    x->peer, x->idle_timeout_ms / 1000.0, counts);
	return 1;
}

/*
 * Does what the socket takes. Returns 1 with *pfd set to what to wait for,
 * or 0 once the transfer is finished (phase XFER_DONE or XFER_FAILED).
 */
int
xfer_step(struct xfer *x, struct pollfd *pfd)
{
	switch (x->phase) {
	case XFER_CONNECT:
		return xfer_connect(x, pfd);
	case XFER_SEND:
		return xfer_send(x, pfd);
	case XFER_DRAIN:
		return xfer_drain(x, pfd);
	case XFER_DONE:
	case XFER_FAILED:
		break;
	}
	return 0;
}

static int
xfer_send(struct xfer *x, struct pollfd *pfd)
{
	struct sf_chunk	c;
	uint64_t	file_left, allowed;
	ssize_t		n;
	int		calls, err;
	char		counts[64];

	pfd->fd = x->sock;
	pfd->events = POLLOUT;
	x->busy_until_ns = 0;
	for (calls = 0; calls < XFER_STEP_CALLS; calls++) {
		if (x->rate > 0 && (allowed = xfer_rate_allows(x)) == 0) {
			pfd->fd = -1;	/* ahead of the rate: wait for it */
			return 1;
		}
		file_left = x->file_len == COUNT_TO_EOF ? x->max_chunk :
		    x->file_len - x->file_done;
		if (x->rate > 0 && file_left > allowed)
			file_left = allowed;
		c.sock = x->sock;
		c.fd = x->fd;
		c.flags = x->sf_flags;
		c.hdr = x->hdr->data + x->hdr_done;
		c.hdr_len = x->hdr->len - x->hdr_done;
		c.file_off = x->input_is_stream ? -1 :
		    x->file_start + (off_t)x->file_done;
		c.file_len = file_left < x->max_chunk ? (size_t)file_left :
		    x->max_chunk;
		c.trl = no_bytes;
		c.trl_len = 0;
		if (x->file_len != COUNT_TO_EOF &&
		    c.file_len == x->file_len - x->file_done) {
			c.trl = x->trl->data + x->trl_done;
			c.trl_len = x->trl->len - x->trl_done;
		}
		if (c.hdr_len == 0 && c.file_len == 0 && c.trl_len == 0)
			return xfer_finish_send(x, pfd);
		if (c.hdr_len == 0 && c.file_len > 0 && !xfer_input_ready(x)) {
			/* The idle clock is the receiver's: a slow input is not. */
			x->last_move_ns = loop_now_ns();
			pfd->fd = x->fd;
			pfd->events = POLLIN;
			return 1;
		}

		n = x->backend->send(&c, &x->scratch);
		x->calls++;
		if (n > 0) {
			xfer_advance(x, (size_t)n);
			x->last_move_ns = loop_now_ns();
			continue;
		}
		if (n == 0 && c.hdr_len == 0 && c.file_len > 0) {
			if (x->file_len == COUNT_TO_EOF) {
				x->file_len = x->file_done;	/* found the end */
				continue;
			}
			x->errnum = EIO;
			xfer_counts(x, counts, sizeof(counts));
			xfer_fail(x, EXIT_IOERR, "%s: file shrank: sent %s",
			    x->path, counts);
			return 0;
		}
		err = n == 0 ? EIO : errno;
		if (err == EINTR)
			continue;
		if (err == EAGAIN || err == EWOULDBLOCK || err == EBUSY) {
			if (xfer_idle_expired(x))
				return 0;
			if (err == EBUSY) {
				pfd->fd = -1;	/* poll only the clock */
				x->busy_until_ns = loop_now_ns() +
				    (int64_t)XFER_BUSY_WAIT_MS * 1000000;
			}
			return 1;
		}
		if (x->backend != &rw_backend && x->file_done == 0 &&
		    x->scratch.piped == 0 && c.hdr_len == 0 &&
		    sf_fallback_errno(err)) {
			x->fallback_errno = err;
			x->fallback_from = x->backend->name;
			if (xfer_use_readwrite(x) == -1)
				return 0;
			continue;
		}
		if (x->scratch.input_failed) {
			x->errnum = err;
			xfer_counts(x, counts, sizeof(counts));
			xfer_fail(x, EXIT_IOERR, "%s: read: %s after %s",
			    x->path, strerror(err), counts);
			return 0;
		}
		xfer_fail_errno(x, err);
		return 0;
	}
	/*
	 * The call budget ran out, not the socket's room: come back at once
	 * (a short write may leave too little room for POLLOUT to fire).
	 */
	pfd->fd = -1;
	x->busy_until_ns = loop_now_ns();
	return 1;
}

/*
 * Every byte is out: push anything corked, shut the write side so the
 * receiver sees EOF, and wait for it to close (see xfer_drain).
 */
static int
xfer_finish_send(struct xfer *x, struct pollfd *pfd)
{
	if (x->hdr->len > 0 || x->trl->len > 0)
		(void)sf_cork(x->sock, 0);
	/* A library caller keeps its socket as it was: not shut, not read. */
	if (x->keep_open) {
		x->end_ns = loop_now_ns();
		x->phase = XFER_DONE;
		return 0;
	}
	if (shutdown(x->sock, SHUT_WR) == -1) {
		xfer_fail_errno(x, errno);
		return 0;
	}
	x->end_ns = loop_now_ns();
	if (x->close_timeout_ms == 0) {
		x->phase = XFER_DONE;
		return 0;
	}
	x->phase = XFER_DRAIN;
	x->drain_start_ns = x->end_ns;
	return xfer_drain(x, pfd);
}

/* Fails the transfer if the receiver has not closed in time. */
static int
xfer_close_expired(struct xfer *x)
{
	if (loop_now_ns() - x->drain_start_ns <
	    (int64_t)x->close_timeout_ms * 1000000)
		return 0;
	xfer_fail(x, EXIT_TEMPFAIL, "send to %s: receiver did not close "
	    "within %g s after all %ju bytes", x->peer,
	    x->close_timeout_ms / 1000.0, (uintmax_t)xfer_bytes_done(x));
	return 1;
}

/*
 * Read (and drop) whatever the receiver still says until its EOF: then it
 * has read every byte, and exit 0 means just that. A reset here means it
 * did not, so it fails the transfer.
 */
static int
xfer_drain(struct xfer *x, struct pollfd *pfd)
{
	char	buf[4096];
	ssize_t	n;
	int	reads;

	for (reads = 0; reads < XFER_STEP_CALLS; reads++) {
		if (xfer_close_expired(x))
			return 0;
		n = recv(x->sock, buf, sizeof(buf), 0);
		if (n == 0) {
			x->phase = XFER_DONE;
			return 0;
		}
		if (n > 0)
			continue;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			xfer_fail_errno(x, errno);
			return 0;
		}
		if (xfer_close_expired(x))
			return 0;
		break;
	}
	pfd->fd = x->sock;
	pfd->events = POLLIN;
	return 1;
}

/*
 * Milliseconds until this transfer must be stepped again even if its fd
 * stays quiet (a deadline or an EBUSY back-off), or -1 for none.
 */
int
xfer_timeout_ms(const struct xfer *x, int64_t now_ns)
{
	int64_t	deadline_ns = 0, left_ns;

	if (x->phase == XFER_CONNECT)
		deadline_ns = x->connect_deadline_ns;
	else if (x->phase == XFER_SEND && x->busy_until_ns != 0)
		deadline_ns = x->busy_until_ns;
	else if (x->phase == XFER_SEND && x->idle_timeout_ms > 0)
		deadline_ns = x->last_move_ns +
		    (int64_t)x->idle_timeout_ms * 1000000;
	else if (x->phase == XFER_DRAIN)
		deadline_ns = x->drain_start_ns +
		    (int64_t)x->close_timeout_ms * 1000000;
	if (deadline_ns == 0)
		return -1;
	left_ns = deadline_ns - now_ns;
	if (left_ns <= 0)
		return 0;
	return (int)((left_ns + 999999) / 1000000);
}

/*
 * Stop a transfer that did not fail itself, because another one did and
 * --fail-fast asked for everything to stop.
 */
void
xfer_stop(struct xfer *x, int status, const char *why)
{
	char	counts[64];

	if (x->phase == XFER_DONE || x->phase == XFER_FAILED)
		return;
	xfer_counts(x, counts, sizeof(counts));
	xfer_fail(x, status, "send to %s: stopped after %s: %s", x->peer,
	    counts, why);
}

/* A destination that failed before its transfer began (connect). */
void
xfer_init_failed(struct xfer *x, const struct options *o, uint64_t len,
    const char *peer, int status, const char *msg)
{
	memset(x, 0, sizeof(*x));
	x->sock = x->fd = -1;
	x->path = o->path;
	x->peer = peer;
	x->hdr = &o->header;
	x->trl = &o->trailer;
	x->file_len = x->file_len_asked = len;
	x->backend = o->mode == MODE_READWRITE ? &rw_backend :
	    o->mode == MODE_SPLICE ? &splice_backend : &sf_backend;
	x->scratch.pipe_rd = x->scratch.pipe_wr = -1;
	x->start_ns = x->end_ns = loop_now_ns();
	x->phase = XFER_FAILED;
	x->status = status;
	snprintf(x->error, sizeof(x->error), "%s", msg);
}

/*
 * Drive n transfers to their ends together in one poll loop: step each
 * transfer whose fd is ready or whose deadline came, then wait for what
 * they want (bounded by their deadlines and the next progress redraw). A
 * transfer whose socket does not drain costs nothing until it does. A stop
 * signal ends every transfer as interrupted; with fail_fast the first
 * failure stops the rest. p may be NULL.
 */
void
xfer_run(struct xfer **xs, size_t n, struct progress *p, int fail_fast)
{
	struct pollfd	*pfds;
	size_t		*owner, i, k, nwait;
	char		*ready;
	int64_t		 now;
	int		 timeout, t, failed = 0, err;

	pfds = calloc(n, sizeof(*pfds));
	owner = calloc(n, sizeof(*owner));
	ready = malloc(n);
	if (pfds == NULL || owner == NULL || ready == NULL) {
		for (i = 0; i < n; i++)
			xfer_stop(xs[i], EXIT_OSERR, strerror(errno));
		goto out;
	}
	memset(ready, 1, n);
	for (;;) {
		nwait = 0;
		timeout = -1;
		now = loop_now_ns();
		for (i = 0; i < n; i++) {
			if (xs[i]->phase == XFER_DONE ||
			    xs[i]->phase == XFER_FAILED)
				continue;
			/* Not ready and not due: wait as it waited before. */
			if ((!ready[i] && xfer_timeout_ms(xs[i], now) != 0) ||
			    xfer_step(xs[i], &xs[i]->want)) {
				pfds[nwait] = xs[i]->want;
				owner[nwait++] = i;
			} else if (xs[i]->phase == XFER_FAILED && fail_fast) {
				failed = 1;
				break;
			}
			ready[i] = 0;
		}
		if (failed) {
			for (k = 0; k < n; k++)
				xfer_stop(xs[k], xs[i]->status,
				    "another destination failed");
			break;
		}
		if (nwait == 0)
			break;
		now = loop_now_ns();
		for (k = 0; k < nwait; k++) {
			t = xfer_timeout_ms(xs[owner[k]], now);
			if (t != -1 && (timeout == -1 || t < timeout))
				timeout = t;
			pfds[k].revents = 0;
		}
		t = p != NULL ? progress_due_ms(p, now) : -1;
		if (t != -1 && (timeout == -1 || t < timeout))
			timeout = t;
		for (k = 0; k < nwait; k++)
			xs[owner[k]]->waits++;
		if (loop_wait(pfds, (nfds_t)nwait, timeout) == -1) {
			err = errno;
			for (i = 0; i < n; i++) {
				if (err == EINTR)
					xfer_interrupt(xs[i]);
				else if (xs[i]->phase != XFER_DONE &&
				    xs[i]->phase != XFER_FAILED)
					xfer_fail_errno(xs[i], err);
			}
			break;
		}
		for (k = 0; k < nwait; k++)
			if (pfds[k].revents != 0)
				ready[owner[k]] = 1;
		if (p != NULL)
			progress_update(p, xs, n, loop_now_ns());
	}
out:
	free(pfds);
	free(owner);
	free(ready);
}
