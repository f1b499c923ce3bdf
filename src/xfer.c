/* SPDX-License-Identifier: ISC */
/*
 * The transfer engine. A transfer is a resumable state: header bytes, a file
 * range and trailer bytes, and how far each got. xfer_step() does as much as
 * the socket takes right now, then says what it waits for (a pollfd) or that
 * it is finished; a caller's poll loop drives it, so one loop can drive one
 * transfer or many. The rules each backend follows are in the sf-*.c files;
 * this file holds the retry rules common to all of them:
 *  - EINTR: back to the caller's loop at once (a stop signal may wait
 *    there), which steps again at once. EAGAIN: wait for POLLOUT, never
 *    spin.
 *  - EBUSY (FreeBSD SF_NODISKIO): wait a moment, then retry.
 *  - Progress counts only what the backend reports as sent.
 *  - A 0 return while file bytes remain: the file shrank (or, for an
 *    input whose size was not known, it ended early).
 *  - The idle timeout counts from the last byte the socket took, whether
 *    a slow receiver or a stream input that gives nothing holds it up.
 *  - sendfile refusing the descriptor pair before any file byte went out
 *    (a header may be pending): carry on with read/write from the same
 *    offset.
 * It knows nothing of signals or of the command line: a run's parameters
 * come in a struct xfer_params, made once and shared by its transfers.
 * With --tls the parameters carry the command's TLS module (tls_ops): a
 * handshake phase comes between the connect and the sending, the TLS
 * backends carry the bytes, and close_notify goes before the write side
 * is shut.
 *
 * One transfer on a connected socket, driven by a plain poll loop:
 *
 *	xfer_init(&x, &par, &in, &(struct xfer_dest){ .sock = s,
 *	    .peer = "receiver" });
 *	while (xfer_step(&x, &pfd))
 *		(void)poll(&pfd, 1, xfer_timeout_ms(&x, loop_now_ns()));
 *	status = xfer_status(&x);	(x.out.error says why, if not 0)
 *	xfer_free(&x);			(s stays open)
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

/* Backend calls per step: bounded so progress and signals are seen. */
#define XFER_STEP_CALLS		8
/* How long to back off after EBUSY (pages not in memory, SF_NODISKIO). */
#define XFER_BUSY_WAIT_MS	10
/*
 * A blocking send gives up after this long without progress, so that the
 * loop still redraws progress and checks the idle timeout.
 */
#define XFER_BLOCK_MS		100

static int	xfer_start_backend(struct xfer *);
static void	xfer_block(struct xfer *);
static void	xfer_chunk(struct xfer *, struct sf_chunk *, uint64_t);
static int	xfer_send_failed(struct xfer *, const struct sf_chunk *, int,
		    struct pollfd *);
static int	xfer_connect(struct xfer *, struct pollfd *);
static int	xfer_connected(struct xfer *, int, struct pollfd *);
static int	xfer_send(struct xfer *, struct pollfd *);
static int	xfer_drain(struct xfer *, struct pollfd *);
static void	xfer_advance(struct xfer *, size_t);
static int	xfer_finish_send(struct xfer *, struct pollfd *);
static int	xfer_input_ready(const struct xfer *);
static int	xfer_input_end(struct xfer *);
static int	xfer_idle_expired(struct xfer *);
static uint64_t	xfer_rate_allows(struct xfer *);
static void	xfer_rate_trim(struct sf_chunk *, uint64_t);
static int	xfer_close_expired(struct xfer *);
static int	xfer_handed_off(struct xfer *, struct pollfd *);
static int	xfer_use_readwrite(struct xfer *);
static void	xfer_counts(const struct xfer *, char *, size_t);
static int	xfer_retry_later(struct xfer *, int, struct pollfd *);
static const char *xfer_retry_note(const struct xfer *);
static void	xfer_tls_start(struct xfer *);
static int	xfer_handshake(struct xfer *, struct pollfd *);
static int	xfer_tls_close(struct xfer *, struct pollfd *);

static const unsigned char no_bytes[1];

/*
 * Set up a transfer of the range of in with the parameters par (both must
 * outlive it) to the destination d: a connected socket, addresses to
 * connect to in the same loop as every other transfer (within the connect
 * timeout), or a failure before the start. The socket of a connected
 * destination is used, never closed (see xfer_close). With par->may_block
 * and a seekable input, sends block (up to XFER_BLOCK_MS each): one
 * transfer alone then costs no poll between calls. With par->tls, a
 * connected socket starts with the handshake (as a server's with -l).
 */
void
xfer_init(struct xfer *x, const struct xfer_params *par,
    const struct input *in, const struct xfer_dest *d)
{
	memset(x, 0, sizeof(*x));
	x->want.fd = -1;
	x->par = par;
	x->in = *in;
	x->conn.sock = d->sock;
	x->conn.peer = d->peer;
	x->conn.host = d->host;
	x->conn.port = d->port;
	x->prog.file_len = in->len;
	x->prog.start_ns = x->prog.last_move_ns = loop_now_ns();
	x->be.scratch.pipe_rd = x->be.scratch.pipe_wr = -1;
	/* --checksum on a stream: hash the bytes sent from the buffer. */
	x->be.hash_stream = par->hash_sent != NULL && in->start < 0;
	retry_init(&x->conn.retry, 0, 0);
	x->be.backend = par->mode == MODE_READWRITE ? &rw_backend :
	    par->mode == MODE_SPLICE ? &splice_backend : &sf_backend;
	if (d->sock == -1 && d->ai == NULL) {
		x->prog.phase = XFER_FAILED;
		x->prog.end_ns = x->prog.start_ns;
		x->out.status = d->status;
		snprintf(x->out.error, sizeof(x->out.error), "%s", d->error);
		return;
	}
	x->prog.phase = d->sock != -1 ? XFER_SEND : XFER_CONNECT;
	ack_init(x);
	if (xfer_start_backend(x) == -1) {
		if (d->ai != NULL)
			freeaddrinfo(d->ai);
		return;
	}
	/* A client verifies the host it connects to, unless told a name. */
	x->conn.tls_name = par->tls_name != NULL || d->ai == NULL ?
	    par->tls_name : d->host;
	if (d->ai != NULL) {
		x->conn.ai_list = x->conn.ai_next = d->ai;
		x->conn.deadline_ns = x->prog.start_ns +
		    (int64_t)par->connect_timeout_ms * 1000000;
		retry_init(&x->conn.retry, par->retry_max,
		    par->retry_delay_ms);
		x->conn.retry.notify = par->retry_notify;
		return;
	}
	if (par->tls != NULL) {
		xfer_tls_start(x);
		return;
	}
	xfer_block(x);
	if (par->hdr.len > 0 || par->trl.len > 0)
		(void)sf_cork(x->conn.sock, 1);
}

/*
 * Get the backend's scratch state ready. Returns -1 with the transfer
 * failed when it cannot be had.
 */
static int
xfer_start_backend(struct xfer *x)
{
	struct stat	st;

	switch (x->par->mode) {
	case MODE_SENDFILE:
		break;
	case MODE_READWRITE:
		return xfer_use_readwrite(x);
	case MODE_SPLICE:
		/* A pipe input is spliced directly; anything else via a pipe. */
		if ((fstat(x->in.fd, &st) == -1 || !S_ISFIFO(st.st_mode)) &&
		    splice_open(&x->be.scratch, x->par->max_chunk) == -1) {
			xfer_fail(x, EXIT_OSERR, "pipe: %s", strerror(errno));
			return -1;
		}
		break;
	}
	return 0;
}

/*
 * The fast path: one unpaced transfer from a seekable input waits inside
 * the send call instead of in poll. A stream input still waits in poll,
 * for the input as much as for the socket.
 */
static void
xfer_block(struct xfer *x)
{
	int	ms = XFER_BLOCK_MS;

	if (!x->par->may_block || x->in.start < 0)
		return;
	if (x->par->idle_timeout_ms > 0 && x->par->idle_timeout_ms < ms)
		ms = x->par->idle_timeout_ms;
	if (net_blocking(x->conn.sock, 1, ms) == 0)
		x->conn.blocking = 1;
}

/*
 * --retry: the connect (or the connection, before its first byte went
 * out) failed with err. Returns 1 with *pfd set to wait for the next
 * attempt if one is allowed, else 0. The next attempt starts over at the
 * first address, with a fresh connect timeout (see xfer_connect).
 * This is the one place a connection is abandoned: its socket, its TLS
 * session (the next one needs a handshake of its own) and what the send
 * path knew of it go; the input's unsent bytes in the scratch buffer stay,
 * as they are still the next to send.
 */
static int
xfer_retry_later(struct xfer *x, int err, struct pollfd *pfd)
{
	struct xfer_conn	*c = &x->conn;
	int64_t			 now = loop_now_ns();

	/* --resume: the next receiver says where to go on from. */
	if ((xfer_bytes_done(x) != 0 && !x->par->resume) ||
	    !retry_schedule(&c->retry, err, now) ||
	    (xfer_bytes_done(x) != 0 && !ack_rewind(x)))
		return 0;
	if (c->tls != NULL)
		x->par->tls->conn_free(c->tls);
	c->tls = NULL;
	c->tls_closed = 0;
	c->peer_closed = 0;
	if (x->par->tls != NULL)
		x->be.backend = x->par->tls->write_backend;
	if (c->sock != -1)
		close(c->sock);
	c->sock = -1;
	c->connecting = 0;
	c->blocking = 0;
	x->prog.phase = XFER_CONNECT;
	if (c->retry.notify)
		note_emit(x->par->note, "connect %s port %s: %s: retry %d of %d in %.1f s",
		    c->host, c->port, err == ETIMEDOUT ? "timed out" :
		    strerror(err), c->retry.attempts, c->retry.max,
		    (double)(c->retry.at_ns - now) / 1e9);
	pfd->fd = -1;
	pfd->events = 0;
	return 1;
}

/* For messages: why a failure under --retry was final. */
static const char *
xfer_retry_note(const struct xfer *x)
{
	if (x->conn.retry.max > 0 && xfer_bytes_done(x) > 0)
		return " (not retried: bytes already went out)";
	return "";
}

/* The connect is done: start sending, or report a reset that came first. */
static int
xfer_connected(struct xfer *x, int pending, struct pollfd *pfd)
{
	char	addr[1025];

	x->conn.connecting = 0;
	x->prog.phase = XFER_SEND;
	x->prog.start_ns = x->prog.last_move_ns = loop_now_ns();
	if (x->par->verbose) {
		net_addr_name(x->conn.ai_now, addr, sizeof(addr));
		note_emit(x->par->note, "connected to %s port %s", addr, x->conn.port);
		sockopt_report(x->conn.sock, x->conn.ai_now->ai_family,
		    x->par->sockopts, x->conn.peer, x->par->note);
	}
	if (pending != 0 && xfer_retry_later(x, pending, pfd))
		return 1;
	if (pending != 0) {
		xfer_fail_errno(x, pending);
		return 0;
	}
	if (x->par->tls != NULL) {
		xfer_tls_start(x);
		return xfer_handshake(x, pfd);
	}
	if (x->par->hdr.len > 0 || x->par->trl.len > 0)
		(void)sf_cork(x->conn.sock, 1);
	xfer_block(x);
	return xfer_send(x, pfd);
}

/*
 * --tls: enter the handshake phase on the connected socket, due by the
 * connect deadline (pushes) or the connect timeout from now (-l, -U). The
 * handshake's small records go uncorked; the connection is made at its
 * first step.
 */
static void
xfer_tls_start(struct xfer *x)
{
	x->conn.tls_deadline_ns = x->conn.deadline_ns != 0 ?
	    x->conn.deadline_ns :
	    loop_now_ns() + (int64_t)x->par->connect_timeout_ms * 1000000;
	x->be.backend = x->par->tls->write_backend;
	x->prog.phase = XFER_HANDSHAKE;
}

/*
 * --tls: one handshake step; once done, choose how the bytes go (the
 * kernel's TLS with SSL_sendfile when it took the keys and the input is
 * sent by offset with --mode sendfile, else SSL_write from the read
 * buffer), tell it with -v, and start sending with the clock reset.
 * Fails 75 past the deadline, 76 when the handshake or the verification
 * fails; with --retry, a reset before the handshake is done is retried.
 */
static int
xfer_handshake(struct xfer *x, struct pollfd *pfd)
{
	const struct tls_ops	*t = x->par->tls;
	struct xfer_conn	*c = &x->conn;
	struct tls_report	 r;
	char			 why[256];
	int			 err;

	if (c->tls == NULL && (c->tls = t->conn_new(x->par->tls_ctx, c->sock,
	    c->tls_name, why, sizeof(why))) == NULL) {
		xfer_fail(x, EXIT_OSERR, "TLS with %s: %s", c->peer, why);
		return 0;
	}
	switch (t->handshake(c->tls, why, sizeof(why))) {
	case 0:
		if (loop_now_ns() >= c->tls_deadline_ns) {
			x->out.errnum = ETIMEDOUT;
			xfer_fail(x, EXIT_TEMPFAIL, "TLS handshake with %s: "
			    "timed out after %g s", c->peer,
			    x->par->connect_timeout_ms / 1000.0);
			return 0;
		}
		pfd->fd = c->sock;
		pfd->events = t->events(c->tls);
		return 1;
	case -1:
		/*
		 * --retry: a connection reset or closed by the peer during
		 * the handshake left the receiver without a byte of the
		 * file, as a reset connect does; an alert or a failed
		 * verification (EPROTO) is final.
		 */
		err = errno;
		if ((err == ECONNRESET || err == EPIPE) && c->ai_list != NULL &&
		    xfer_retry_later(x, ECONNRESET, pfd))
			return 1;
		xfer_fail(x, EXIT_PROTOCOL, "TLS handshake with %s: %s",
		    c->peer, why);
		return 0;
	default:
		break;
	}
	if (t->ktls_send(c->tls) && x->in.start >= 0 &&
	    x->par->mode == MODE_SENDFILE)
		x->be.backend = t->ktls_sendfile_backend;
	else if (xfer_use_readwrite(x) == -1)
		return 0;
	else
		x->be.backend = t->ktls_send(c->tls) ? t->ktls_write_backend :
		    t->write_backend;
	if (x->par->verbose) {
		t->report(c->tls, &r);
		note_emit(x->par->note, "%s: %s %s, kTLS %s%s%s", c->peer, r.version,
		    r.cipher, r.ktls ? "on" : "off",
		    r.reason != NULL ? ": " : "",
		    r.reason != NULL ? r.reason : "");
	}
	if (x->par->hdr.len > 0 || x->par->trl.len > 0)
		(void)sf_cork(c->sock, 1);
	x->prog.phase = XFER_SEND;
	x->prog.start_ns = x->prog.last_move_ns = loop_now_ns();
	return xfer_send(x, pfd);
}

/*
 * Connect without blocking: start a connect to the next address, and once
 * its socket polls writable, see how it went; on failure try the next
 * address, until they run out or the deadline passes. Then, with --retry,
 * wait for the next attempt (xfer_retry_later) and start over. Socket
 * options that fail (-s, -p, --sndbuf, --tos) are never retried.
 */
static int
xfer_connect(struct xfer *x, struct pollfd *pfd)
{
	struct xfer_conn	*c = &x->conn;
	char			 addr[1025], what[1100], why[256];
	size_t			 len;
	int			 waiting, r;
	short			 revents;

	if (c->retry.at_ns != 0) {
		/* --retry: waiting for the next attempt. */
		if (loop_now_ns() < c->retry.at_ns) {
			pfd->fd = -1;
			pfd->events = 0;
			return 1;
		}
		retry_begin(&c->retry);
		c->ai_next = c->ai_list;
		c->deadline_ns = loop_now_ns() +
		    (int64_t)x->par->connect_timeout_ms * 1000000;
	}
	for (;;) {
		if (c->connecting) {
			/* What poll said of the socket, once only. */
			revents = x->revents;
			x->revents = 0;
			if (revents == 0 && loop_now_ns() < c->deadline_ns) {
				pfd->fd = c->sock;
				pfd->events = POLLOUT;
				return 1;
			}
			if (revents == 0)
				errno = ETIMEDOUT;
			else if ((r = net_finish(c->sock)) != -1)
				return xfer_connected(x, r ? ECONNRESET : 0,
				    pfd);
			c->err = errno;
			close(c->sock);
			c->sock = -1;
			c->connecting = 0;
			if (c->err == ETIMEDOUT)
				break;	/* the deadline covers every address */
		} else {
			if (c->ai_next == NULL)
				break;
			c->ai_now = c->ai_next;
			c->ai_next = c->ai_next->ai_next;
			c->sock = net_start(c->ai_now, x->par->sockopts,
			    &waiting, why, sizeof(why));
			if (c->sock != -1 && !waiting)
				return xfer_connected(x, 0, pfd);
			if (c->sock != -1) {
				c->connecting = 1;
				pfd->fd = c->sock;
				pfd->events = POLLOUT;
				return 1;
			}
			c->err = errno;
			/* -s, -p or an option failed: not retried. */
			c->setup_failed = *why != '\0';
			if (c->setup_failed)
				snprintf(x->out.error, sizeof(x->out.error),
				    "connect %.80s port %.16s: %.140s", c->host,
				    c->port, why);
		}
		if (x->par->verbose) {
			net_addr_name(c->ai_now, addr, sizeof(addr));
			note_emit(x->par->note, "connect %s port %s: %s", addr, c->port,
			    strerror(c->err));
		}
	}
	if (c->setup_failed) {
		x->out.status = EXIT_UNAVAILABLE;
		x->prog.phase = XFER_FAILED;
		x->prog.end_ns = loop_now_ns();
		return 0;
	}
	if (xfer_retry_later(x, c->err, pfd))
		return 1;
	snprintf(what, sizeof(what), "%s port %s", c->host, c->port);
	x->out.status = xfer_connect_error(c->err, what,
	    x->par->connect_timeout_ms, x->out.error, sizeof(x->out.error));
	if (c->retry.attempts > 1 && (len = strlen(x->out.error)) <
	    sizeof(x->out.error))
		snprintf(x->out.error + len, sizeof(x->out.error) - len,
		    " (%d attempts)", c->retry.attempts);
	x->prog.phase = XFER_FAILED;
	x->prog.end_ns = loop_now_ns();
	return 0;
}

/*
 * The exit status for a failure that errno err tells of (a connect, a
 * listen): the one place an errno becomes an exit code.
 */
int
xfer_errno_status(int err)
{
	switch (err) {
	case ETIMEDOUT:
		return EXIT_TEMPFAIL;
	case ENAMETOOLONG:
		return EXIT_USAGE;
	case EMFILE:
	case ENFILE:
	case ENOBUFS:
	case ENOMEM:
		return EXIT_OSERR;
	default:
		return EXIT_UNAVAILABLE;
	}
}

/*
 * The exit status for a file that could not be opened or read (the input,
 * a header or trailer file, a --to-file list): 71 when the system ran out
 * of descriptors or memory, else 66.
 */
int
xfer_open_status(int err)
{
	switch (err) {
	case EMFILE:
	case ENFILE:
	case ENOMEM:
		return EXIT_OSERR;
	default:
		return EXIT_NOINPUT;
	}
}

/*
 * The message for a failed connect to what ("HOST port PORT", or a socket
 * path) in msg; returns its exit status.
 */
int
xfer_connect_error(int err, const char *what, int timeout_ms, char *msg,
    size_t msglen)
{
	if (err == ETIMEDOUT)
		snprintf(msg, msglen, "connect %s: timed out after %g s", what,
		    timeout_ms / 1000.0);
	else if (err == ENAMETOOLONG)
		snprintf(msg, msglen, "%s: %s", what, strerror(err));
	else
		snprintf(msg, msglen, "connect %s: %s", what, strerror(err));
	return xfer_errno_status(err);
}

/* Free what the transfer owns; its socket stays open. */
void
xfer_free(struct xfer *x)
{
	free(x->be.scratch.buf);
	x->be.scratch.buf = NULL;
	if (x->conn.tls != NULL)
		x->par->tls->conn_free(x->conn.tls);
	x->conn.tls = NULL;
	splice_close(&x->be.scratch);
	if (x->conn.ai_list != NULL)
		freeaddrinfo(x->conn.ai_list);
	x->conn.ai_list = x->conn.ai_next = NULL;
}

/* Close the transfer's socket, if it has one, and free it. */
void
xfer_close(struct xfer *x)
{
	if (x->conn.sock != -1)
		close(x->conn.sock);
	x->conn.sock = -1;
	xfer_free(x);
}

/* Switch to the read/write backend; its buffer is allocated here. */
static int
xfer_use_readwrite(struct xfer *x)
{
	x->be.backend = &rw_backend;
	if (x->be.scratch.buf != NULL)
		return 0;
	if ((x->be.scratch.buf = malloc(x->par->block_size)) == NULL) {
		xfer_fail(x, EXIT_OSERR, "read buffer: %s", strerror(errno));
		return -1;
	}
	x->be.scratch.cap = x->par->block_size;
	return 0;
}

/* 0 once every byte arrived, else the exit status of the failure. */
int
xfer_status(const struct xfer *x)
{
	return x->prog.phase == XFER_DONE ? EXIT_OK : x->out.status;
}

/* Every byte the socket accepted so far: header, file and trailer. */
uint64_t
xfer_bytes_done(const struct xfer *x)
{
	return x->prog.hdr_done + x->prog.file_done + x->prog.trl_done;
}

/* Every byte to send, or COUNT_TO_EOF while the file's end is unknown. */
uint64_t
xfer_bytes_total(const struct xfer *x)
{
	if (x->prog.file_len == COUNT_TO_EOF)
		return COUNT_TO_EOF;
	return x->par->hdr.len + x->prog.file_len + x->par->trl.len;
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

void
xfer_fail(struct xfer *x, int status, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(x->out.error, sizeof(x->out.error), fmt, ap);
	va_end(ap);
	x->out.status = status;
	x->prog.phase = XFER_FAILED;
	x->prog.end_ns = loop_now_ns();
}

/* A failure of the socket side, told apart by errno. */
void
xfer_fail_errno(struct xfer *x, int err)
{
	socklen_t	len = sizeof(int);
	char		counts[64];
	int		soerr = 0;

	/* A reset that lands before the call shows as EPIPE or ENOTCONN. */
	if ((err == EPIPE || err == ENOTCONN) && getsockopt(x->conn.sock,
	    SOL_SOCKET, SO_ERROR, &soerr, &len) == 0 && soerr != 0)
		err = soerr;
	x->out.errnum = err;
	xfer_counts(x, counts, sizeof(counts));
	/* --tls: what OpenSSL said, e.g. a bad record from the receiver. */
	if (err == EPROTO && x->conn.tls != NULL) {
		xfer_fail(x, EXIT_PROTOCOL, "send to %s: %s after %s",
		    x->conn.peer, x->par->tls->error(x->conn.tls), counts);
		return;
	}
	switch (err) {
	case EPIPE:
	case ENOTCONN:
		xfer_fail(x, EXIT_IOERR, "send to %s: connection closed by "
		    "peer after %s%s", x->conn.peer, counts,
		    xfer_retry_note(x));
		break;
	case ECONNRESET:
		xfer_fail(x, EXIT_IOERR, "send to %s: connection reset by "
		    "peer after %s%s", x->conn.peer, counts,
		    xfer_retry_note(x));
		break;
	default:
		xfer_fail(x, EXIT_IOERR, "send to %s: %s after %s%s",
		    x->conn.peer, strerror(err), counts, xfer_retry_note(x));
		break;
	}
}

/*
 * Stop on the signal signame, ending with status: the message carries the
 * summary of what was sent.
 */
void
xfer_interrupt(struct xfer *x, int status, const char *signame)
{
	char	counts[64], rate[32];
	double	secs;

	if (x->prog.phase == XFER_DONE || x->prog.phase == XFER_FAILED)
		return;
	if (x->prog.phase == XFER_CONNECT) {
		xfer_fail(x, status, "interrupted by %s: connecting to %s",
		    signame, x->conn.peer);
		return;
	}
	if (x->prog.phase == XFER_HANDSHAKE) {
		xfer_fail(x, status, "interrupted by %s: TLS handshake with %s",
		    signame, x->conn.peer);
		return;
	}
	xfer_counts(x, counts, sizeof(counts));
	secs = (double)(loop_now_ns() - x->prog.start_ns) / 1e9;
	format_size(rate, sizeof(rate),
	    secs > 0 ? (double)xfer_bytes_done(x) / secs : 0.0);
	xfer_fail(x, status, "%s%s%sinterrupted by %s: sent %s in %.3f s "
	    "(%s/s) via %s", x->par->name_peer ? "send to " : "",
	    x->par->name_peer ? x->conn.peer : "",
	    x->par->name_peer ? ": " : "", signame, counts, secs, rate,
	    x->be.backend->name);
}

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

/*
 * With --rate: how many more bytes may go out now. A token bucket: it holds
 * at most a tenth of a second's worth of bytes (at least 1), starts full
 * when sending starts, and refills at the rate; each byte sent takes a
 * token (xfer_send). So over any interval the bytes sent stay at or under
 * rate * its length plus one bucket, and waiting never piles up credit.
 * To spare the system calls and wakeups of a trickle, once the bucket is
 * drained below a chunk it waits for a hundredth of a second's worth (or
 * what is left to send) before it releases any: then busy_until_ns is set
 * to when that is due and 0 returned. Until drained it goes on releasing
 * chunk by chunk, so a --max-chunk under that hundredth still reaches the
 * rate.
 */
static uint64_t
xfer_rate_allows(struct xfer *x)
{
	struct xfer_prog	*g = &x->prog;
	uint64_t		 rate = x->par->rate, cap, want, chunk, total, left;
	int64_t			 now = loop_now_ns();

	cap = rate / 10;
	if (cap < 1)
		cap = 1;
	if (g->rate_ns == 0)
		g->rate_tokens = (double)cap;
	else if (now > g->rate_ns) {
		g->rate_tokens += (double)(now - g->rate_ns) / 1e9 *
		    (double)rate;
		if (g->rate_tokens > (double)cap)
			g->rate_tokens = (double)cap;
	}
	g->rate_ns = now;
	want = rate / 100;
	if (want < 1)
		want = 1;
	if (want > cap)
		want = cap;
	total = xfer_bytes_total(x);
	if (total != COUNT_TO_EOF) {
		left = total - xfer_bytes_done(x);
		if (left > 0 && left < want)
			want = left;
	}
	chunk = want < x->par->max_chunk ? want : x->par->max_chunk;
	if (g->rate_tokens >= (double)want ||
	    (g->rate_draining && g->rate_tokens >= (double)chunk)) {
		g->rate_draining = 1;
		return (uint64_t)g->rate_tokens;
	}
	g->rate_draining = 0;
	g->busy_until_ns = now + (int64_t)(((double)want - g->rate_tokens) /
	    (double)rate * 1e9) + 1;
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

/* Fails the transfer if the socket took nothing for the idle timeout. */
static int
xfer_idle_expired(struct xfer *x)
{
	char	counts[64];
	int	idle_ms = x->par->idle_timeout_ms;

	if (idle_ms == 0 || loop_now_ns() - x->prog.last_move_ns <
	    (int64_t)idle_ms * 1000000)
		return 0;
	x->out.errnum = ETIMEDOUT;
	xfer_counts(x, counts, sizeof(counts));
	xfer_fail(x, EXIT_TEMPFAIL, "send to %s: idle timeout (%g s) after "
	    "%s%s", x->conn.peer, idle_ms / 1000.0, counts,
	    xfer_retry_note(x));
	return 1;
}

/*
 * Does what the socket takes. pfd comes back as this step left it, with
 * what poll(2) reported for it in revents (0: the time fell due, or no
 * poll). Returns 1 with *pfd set to what to wait for (fd -1: only the
 * time, see xfer_timeout_ms), or 0 once the transfer is finished (phase
 * XFER_DONE or XFER_FAILED).
 */
int
xfer_step(struct xfer *x, struct pollfd *pfd)
{
	int	r = 0;

	/*
	 * pfd is what the last step asked to wait for, with what poll
	 * reported in revents; the step never polls again itself.
	 */
	x->revents = x->want.fd != -1 && pfd->fd == x->want.fd ?
	    pfd->revents : 0;
	if (x->revents != 0 && x->want.fd == x->in.fd)
		x->be.input_ready = 1;
	switch (x->prog.phase) {
	case XFER_CONNECT:
		r = xfer_connect(x, pfd);
		break;
	case XFER_HANDSHAKE:
		r = xfer_handshake(x, pfd);
		break;
	case XFER_SEND:
		r = xfer_send(x, pfd);
		break;
	case XFER_DRAIN:
		r = xfer_drain(x, pfd);
		break;
	case XFER_DONE:
	case XFER_FAILED:
		break;
	}
	pfd->revents = 0;
	x->want = *pfd;
	return r;
}

/*
 * The next call's chunk: the unsent header, up to file_left file bytes
 * (capped at max_chunk), and the unsent trailer once the chunk reaches the
 * end of the file part.
 */
static void
xfer_chunk(struct xfer *x, struct sf_chunk *c, uint64_t file_left)
{
	const struct xfer_params	*par = x->par;
	const struct xfer_prog		*g = &x->prog;

	c->sock = x->conn.sock;
	c->fd = x->in.fd;
	c->flags = par->sf_flags;
	/* No header or trailer: data is NULL, and NULL + 0 is undefined. */
	c->hdr_len = par->hdr.len - g->hdr_done;
	c->hdr = c->hdr_len > 0 ? par->hdr.data + g->hdr_done : no_bytes;
	c->file_off = x->in.start < 0 ? -1 :
	    x->in.start + (off_t)g->file_done;
	c->file_len = file_left < par->max_chunk ? (size_t)file_left :
	    par->max_chunk;
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

static int
xfer_send(struct xfer *x, struct pollfd *pfd)
{
	struct xfer_prog	*g = &x->prog;
	struct sf_chunk		 c;
	uint64_t		 file_left, allowed, before;
	ssize_t			 n;
	int			 calls;

	/* --resume: not a byte before the receiver says where it stands. */
	if (x->ack.resume_wait && (calls = ack_resume_step(x, pfd)) != -1)
		return calls;
	pfd->fd = x->conn.sock;
	pfd->events = POLLOUT;
	g->busy_until_ns = 0;
	for (calls = 0; calls < XFER_STEP_CALLS; calls++) {
		/* Unpaced, everything is allowed and the trim below is a no-op. */
		allowed = x->par->rate > 0 ? xfer_rate_allows(x) : UINT64_MAX;
		if (allowed == 0) {
			pfd->fd = -1;	/* ahead of the rate: wait for it */
			return 1;
		}
		file_left = g->file_len == COUNT_TO_EOF ? x->par->max_chunk :
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

		n = x->be.backend->send(&c, &x->be.scratch);
		g->calls++;
		/* A stream read once may have nothing more: ask poll again. */
		if (c.file_len > 0)
			x->be.input_ready = 0;
		if (n > 0) {
			before = g->file_done;
			xfer_advance(x, (size_t)n);
			g->rate_tokens -= (double)n;
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
			/*
			 * A blocking send cut short ran into its timeout or a
			 * signal: let the loop look before the next one.
			 */
			if (x->conn.blocking && (size_t)n < c.hdr_len +
			    c.file_len + c.trl_len)
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
	 * The call budget ran out, not the socket's room: come back at once
	 * (a short write may leave too little room for POLLOUT to fire).
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
	/* --retry: a reset before the first byte is a failed connect. */
	if ((err == EPIPE || err == ENOTCONN) && getsockopt(x->conn.sock,
	    SOL_SOCKET, SO_ERROR, &soerr, &len) == 0 && soerr != 0)
		err = soerr;
	if (x->conn.ai_list != NULL && xfer_retry_later(x, err, pfd))
		return 1;
	xfer_fail_errno(x, err);
	return 0;
}

/*
 * Every byte is out: push anything corked, shut the write side so the
 * receiver sees EOF, and wait for it to close (see xfer_drain).
 */
static int
xfer_finish_send(struct xfer *x, struct pollfd *pfd)
{
	int	r;

	if (x->par->hdr.len > 0 || x->par->trl.len > 0)
		(void)sf_cork(x->conn.sock, 0);
	/* A library caller keeps its socket as it was: not shut, not read. */
	if (x->par->keep_open) {
		x->prog.end_ns = loop_now_ns();
		x->prog.phase = XFER_DONE;
		return 0;
	}
	if (x->conn.tls != NULL && x->conn.tls_closed == 0 &&
	    (r = xfer_tls_close(x, pfd)) != 0)
		return r == 1;
	/* Under TLS a receiver that closed first is the drain's to judge. */
	if (shutdown(x->conn.sock, SHUT_WR) == -1 && x->conn.tls == NULL) {
		xfer_fail_errno(x, errno);
		return 0;
	}
	/* For now: the receiver's close (xfer_drain) sets the end. */
	x->prog.end_ns = loop_now_ns();
	/* The drain reads until EOF: it must not block in recv. */
	if (x->conn.blocking && net_blocking(x->conn.sock, 0, 0) == -1) {
		xfer_fail_errno(x, errno);
		return 0;
	}
	x->conn.blocking = 0;
	x->prog.phase = XFER_DRAIN;
	x->prog.drain_start_ns = x->prog.end_ns;
	return xfer_drain(x, pfd);
}

/*
 * --tls: send close_notify; while the socket is full this is called again.
 * A receiver that read every byte and closed first (an HTTP client
 * counting Content-Length) refuses it: then the drain reads the socket
 * itself, and its end of file or reset decides, as without TLS. Returns 0
 * to go on, 1 to wait (pfd set), -1 once the transfer failed.
 */
static int
xfer_tls_close(struct xfer *x, struct pollfd *pfd)
{
	const struct tls_ops	*t = x->par->tls;

	if (t->close(x->conn.tls) == 0) {
		x->conn.tls_closed = 1;
		return 0;
	}
	if (errno == EPIPE || errno == ECONNRESET) {
		x->conn.tls_closed = 2;
		return 0;
	}
	if (errno != EAGAIN) {
		xfer_fail_errno(x, errno);
		return -1;
	}
	if (xfer_idle_expired(x))
		return -1;
	pfd->fd = x->conn.sock;
	pfd->events = t->events(x->conn.tls);
	return 1;
}

/*
 * Fails the transfer if the receiver has not closed in time, or closed but
 * its TCP has not acknowledged every byte in that time.
 */
static int
xfer_close_expired(struct xfer *x)
{
	int	close_ms = x->par->close_timeout_ms;

	if (loop_now_ns() - x->prog.drain_start_ns <
	    (int64_t)close_ms * 1000000)
		return 0;
	if (x->conn.peer_closed)
		xfer_fail(x, EXIT_TEMPFAIL, "send to %s: receiver closed, but "
		    "had not acknowledged %zu of %ju bytes within %g s",
		    x->conn.peer, x->prog.unsent,
		    (uintmax_t)xfer_bytes_done(x), close_ms / 1000.0);
	else
		xfer_fail(x, EXIT_TEMPFAIL, "send to %s: receiver did not "
		    "%s within %g s after all %ju bytes", x->conn.peer,
		    x->par->ack ? "acknowledge" : "close", close_ms / 1000.0,
		    (uintmax_t)xfer_bytes_done(x));
	return 1;
}

/*
 * Read (and drop) whatever the receiver still says until its EOF: then it
 * has closed without a reset, and once its TCP has acknowledged every byte
 * (xfer_handed_off) exit 0 means just that. A reset here means it did not,
 * so it fails the transfer. With --close-timeout 0 the EOF is not waited
 * for, but what the receiver said is still read (closing a socket with
 * unread data resets the connection and discards what is still queued)
 * and the transfer ends only once the queue is handed off, as above.
 */
static int
xfer_drain(struct xfer *x, struct pollfd *pfd)
{
	char	buf[4096];
	ssize_t	n;
	int	reads;

	if (x->conn.peer_closed)
		return xfer_handed_off(x, pfd);
	for (reads = 0; reads < XFER_STEP_CALLS; reads++) {
		if (x->par->close_timeout_ms > 0 && xfer_close_expired(x))
			return 0;
		/* --tls: decrypted (the peer's close_notify ends it). */
		n = x->conn.tls_closed == 1 ?
		    x->par->tls->recv(x->conn.tls, buf, sizeof(buf)) :
		    recv(x->conn.sock, buf, sizeof(buf), 0);
		if (n == 0 && x->par->ack) {
			ack_eof(x);
			return 0;
		}
		if (n == 0) {
			x->conn.peer_closed = 1;
			/* A Unix socket's bytes are in the receiver's queue. */
			if (sockopt_family(x->conn.sock) == AF_UNIX) {
				x->prog.end_ns = loop_now_ns();
				x->prog.phase = XFER_DONE;
				return 0;
			}
			return xfer_handed_off(x, pfd);
		}
		/* --ack: the receiver's line ends it, ok or not. */
		if (n > 0 && x->par->ack && ack_feed(x, buf, (size_t)n))
			return 0;
		if (n > 0)
			continue;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			xfer_fail_errno(x, errno);
			return 0;
		}
		if (x->par->close_timeout_ms > 0 && xfer_close_expired(x))
			return 0;
		break;
	}
	if (x->par->close_timeout_ms == 0)
		return xfer_handed_off(x, pfd);
	pfd->fd = x->conn.sock;
	pfd->events = POLLIN;
	if (x->conn.tls_closed == 1)
		pfd->events = x->par->tls->events(x->conn.tls);
	return 1;
}

/*
 * The transfer is done once the kernel holds no byte the receiver's TCP
 * has not acknowledged (sf_unsent; where the system cannot tell, at once):
 * with --close-timeout 0, and after the receiver's close, since one that
 * shut its side before reading (nc -N with nothing to say) may still have
 * bytes coming. Until then it looks again every XFER_BUSY_WAIT_MS, reading
 * what the receiver says (once it closed, its end of file stays readable:
 * no poll then); a reset fails the transfer, and --close-timeout (with 0,
 * the idle timeout, as it bounds sending) bounds a queue that stops
 * shrinking.
 */
static int
xfer_handed_off(struct xfer *x, struct pollfd *pfd)
{
	size_t		left;
	socklen_t	len = sizeof(int);
	int		err = 0;

	if (sf_unsent(x->conn.sock, &left) == -1 || left == 0) {
		/* The transfer took until now: the summary says so. */
		x->prog.end_ns = loop_now_ns();
		x->prog.phase = XFER_DONE;
		return 0;
	}
	if (getsockopt(x->conn.sock, SOL_SOCKET, SO_ERROR, &err, &len) == 0 &&
	    err != 0) {
		xfer_fail_errno(x, err);
		return 0;
	}
	if (left != x->prog.unsent) {
		x->prog.unsent = left;
		x->prog.last_move_ns = loop_now_ns();
	}
	if (x->par->close_timeout_ms > 0 ? xfer_close_expired(x) :
	    xfer_idle_expired(x))
		return 0;
	pfd->fd = x->conn.peer_closed ? -1 : x->conn.sock;
	pfd->events = POLLIN;
	x->prog.busy_until_ns = loop_now_ns() +
	    (int64_t)XFER_BUSY_WAIT_MS * 1000000;
	return 1;
}

/*
 * Milliseconds until this transfer must be stepped again even if its fd
 * stays quiet (a deadline or an EBUSY back-off), or -1 for none.
 */
int
xfer_timeout_ms(const struct xfer *x, int64_t now_ns)
{
	const struct xfer_prog	*g = &x->prog;
	int64_t			 deadline_ns = 0, left_ns;

	if (g->phase == XFER_CONNECT)
		deadline_ns = x->conn.retry.at_ns != 0 ?
		    x->conn.retry.at_ns : x->conn.deadline_ns;
	else if (g->phase == XFER_HANDSHAKE)
		deadline_ns = x->conn.tls_deadline_ns;
	else if ((g->phase == XFER_SEND && g->busy_until_ns != 0) ||
	    (g->phase == XFER_DRAIN && (x->par->close_timeout_ms == 0 ||
	    x->conn.peer_closed)))
		deadline_ns = g->busy_until_ns;	/* a back-off, a re-check */
	else if (g->phase == XFER_SEND && x->par->idle_timeout_ms > 0)
		deadline_ns = g->last_move_ns +
		    (int64_t)x->par->idle_timeout_ms * 1000000;
	else if (g->phase == XFER_DRAIN)
		deadline_ns = g->drain_start_ns +
		    (int64_t)x->par->close_timeout_ms * 1000000;
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

	if (x->prog.phase == XFER_DONE || x->prog.phase == XFER_FAILED)
		return;
	xfer_counts(x, counts, sizeof(counts));
	xfer_fail(x, status, "send to %s: stopped after %s: %s", x->conn.peer,
	    counts, why);
}
