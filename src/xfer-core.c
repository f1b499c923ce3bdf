/* SPDX-License-Identifier: ISC */
/*
 * The bottom of the transfer: what every phase shares and that calls no
 * phase. How a transfer fails (xfer_fail, by errno xfer_fail_errno, the
 * idle timeout), how far it got (the byte counts), what the connection
 * put on the wire and whether the receiver may have seen a byte, and the
 * switches of the way the backend sends (blocking, read/write).
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

/*
 * The fast path: one unpaced transfer from a seekable input waits inside
 * the send call instead of in poll. A stream input still waits in poll,
 * for the input as much as for the socket.
 */
void
xfer_block(struct xfer *x)
{
	int	ms = XFER_BLOCK_MS;

	if (!x->par->may_block || x->in.start < 0)
		return;
	if (x->par->idle_timeout_ms > 0 && x->par->idle_timeout_ms < ms)
		ms = x->par->idle_timeout_ms;
	if (net_blocking(x->conn.sock, 1, ms) == 0) {
		x->conn.blocking = 1;
		x->prog.block_chunk = x->par->max_chunk;
	}
}

/* Switch to the read/write backend; its buffer is allocated here. */
int
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
void
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

/*
 * Fail a transfer that finished (phase XFER_DONE) for a reason found after
 * the fact, such as a --checksum that does not match: its status becomes
 * status and its error the message, naming its destination with --to as
 * a send's failure does. Any other transfer is left as it is.
 */
void
xfer_fail_after(struct xfer *x, int status, const char *fmt, ...)
{
	char	why[256];
	va_list	ap;

	if (x->prog.phase != XFER_DONE)
		return;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	x->prog.phase = XFER_FAILED;
	x->out.status = status;
	snprintf(x->out.error, sizeof(x->out.error), "%s%s%s%s",
	    x->par->name_peer ? "send to " : "",
	    x->par->name_peer ? x->conn.peer : "",
	    x->par->name_peer ? ": " : "", why);
}

/* A failure of the socket side, told apart by errno. */
void
xfer_fail_errno(struct xfer *x, int err)
{
	socklen_t	len = sizeof(int);
	uint64_t	acked;
	char		counts[64];
	int		soerr = 0, closed = 0;

	/* A reset that lands before the call shows as EPIPE or ENOTCONN. */
	if ((err == EPIPE || err == ENOTCONN) && getsockopt(x->conn.sock,
	    SOL_SOCKET, SO_ERROR, &soerr, &len) == 0 && soerr != 0)
		err = soerr;
	/*
	 * Or its ECONNRESET went to an earlier call (Linux's sendfile drops
	 * it inside a partial send), or it followed the receiver's FIN
	 * (EPIPE): a connection that is TCP_CLOSE while zcsend still sends
	 * or waits was reset, since a clean close passes TIME_WAIT only
	 * after zcsend's own FIN, and no failure comes after that.
	 */
	if ((err == EPIPE || err == ENOTCONN) && x->conn.sock != -1 &&
	    sf_tcp_end(x->conn.sock, &closed, &acked) == 0 && closed)
		err = ECONNRESET;
	x->out.errnum = err;
	xfer_counts(x, counts, sizeof(counts));
	/* --tls: what OpenSSL said, e.g. a bad record from the receiver. */
	if (err == EPROTO && x->conn.tls != NULL) {
		xfer_fail(x, EXIT_PROTOCOL, "send to %s: %s after %s",
		    x->conn.peer, x->par->tls->error(x->conn.tls), counts);
		return;
	}
	switch (err) {
	case ETIMEDOUT:
		/* The kernel gave up retransmitting: a timeout, as any. */
		xfer_fail(x, EXIT_TEMPFAIL, "send to %s: %s after %s%s",
		    x->conn.peer, strerror(err), counts, xfer_retry_note(x));
		break;
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

/* Fails the transfer if the socket took nothing for the idle timeout. */
int
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

/* For messages: why a failure under --retry was final. */
const char *
xfer_retry_note(const struct xfer *x)
{
	if (x->conn.retry.max > 0 && !x->par->resume &&
	    xfer_receiver_saw(x))
		return " (not retried: the receiver acknowledged bytes)";
	return "";
}

/*
 * The bytes the connection put on the wire so far: what the peer's TCP
 * acknowledged plus what is still queued. Returns 0, or -1 where the
 * system cannot tell.
 */
int
xfer_wire(const struct xfer *x, uint64_t *bytes)
{
	uint64_t	acked;
	size_t		left;
	int		closed;

	if (x->conn.sock == -1 ||
	    sf_tcp_end(x->conn.sock, &closed, &acked) == -1 ||
	    sf_unsent(x->conn.sock, &left) == -1)
		return -1;
	*bytes = acked + left;
	return 0;
}

/*
 * Returns 1 if the receiver may have had a byte of the transfer: its TCP
 * acknowledged one (past the TLS handshake), or, where the system cannot
 * tell, any went out. A byte sent but never acknowledged was lost with
 * the connection.
 */
int
xfer_receiver_saw(const struct xfer *x)
{
	uint64_t	acked;
	int		closed;

	if (xfer_bytes_done(x) == 0)
		return 0;
	if (x->conn.sock == -1 ||
	    sf_tcp_end(x->conn.sock, &closed, &acked) == -1)
		return 1;
	return acked > x->conn.wire_base;
}
