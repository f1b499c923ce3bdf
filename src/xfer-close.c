/* SPDX-License-Identifier: ISC */
/*
 * A transfer's last phase: every byte is out, so push out anything corked,
 * send close_notify with --tls, shut the write side and wait for the
 * receiver's close (the drain), or, with --close-timeout 0, for the
 * kernel to hand off what it queued. The transfer is done only then.
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

static int	xfer_tls_close(struct xfer *, struct pollfd *);
static int	xfer_close_expired(struct xfer *);
static int	xfer_handed_off(struct xfer *, struct pollfd *);

/*
 * Every byte is out: push anything corked, shut the write side so the
 * receiver sees EOF, and wait for it to close (see xfer_drain).
 */
int
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
		    "close within %g s after all %ju bytes", x->conn.peer,
		    close_ms / 1000.0, (uintmax_t)xfer_bytes_done(x));
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
int
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
