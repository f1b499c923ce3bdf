/* SPDX-License-Identifier: ISC */
/*
 * A transfer's last phase: every byte is out, so push out anything corked,
 * send close_notify with --tls, shut the write side and wait for the
 * receiver's close (the drain), or, with --close-timeout 0, for the
 * kernel to hand off what it queued. The transfer is done only then.
 * Also what the receiver says while the file is still going out is read
 * and dropped here (xfer_discard), and how a transfer given up on ends:
 * with a reset (xfer_abort).
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

static int	xfer_tls_end(struct xfer *, struct pollfd *);
static int	xfer_tls_close(struct xfer *, struct pollfd *);
static void	xfer_recheck(struct xfer *, struct pollfd *);
static int	xfer_close_expired(struct xfer *);
static int	xfer_handed_off(struct xfer *, struct pollfd *);
static int	xfer_reset(struct xfer *, int, struct pollfd *);
static void	xfer_tls_catch_up(struct xfer *);
static int	xfer_done(struct xfer *);

/*
 * Read and drop what the receiver sent while the file goes out (an echo
 * server, a client's request), so that neither side's buffers fill for
 * good; -v tells how much. Never blocks. Its end of file marks the
 * receiver closed. Returns 0; 1 once --ack's line from the receiver
 * ended the transfer (xfer_ack_feed); or -1 with errno once the
 * connection failed (a reset, a timeout, a bad TLS record): the error is
 * the socket's, which a read takes, so the caller must report it.
 * --tls: decrypted until its close_notify, raw bytes after. A receiver
 * that talks back ends the blocking sends (xfer_block): a send that
 * waits inside the call would leave what it says unread meanwhile.
 */
int
xfer_discard(struct xfer *x)
{
	const struct tls_ops	*t = x->par->tls;
	char			 buf[16384];
	ssize_t			 n;
	int			 reads;

	if (x->par->keep_open || x->conn.peer_closed)
		return 0;
	for (reads = 0; reads < XFER_DISCARD_READS; reads++) {
		if (x->conn.tls != NULL && x->conn.peer_notify_ns == 0) {
			n = t->recv(x->conn.tls, buf, sizeof(buf));
			if (n == 0 && t->peer_notified(x->conn.tls)) {
				x->conn.peer_notify_ns = loop_now_ns();
				continue;
			}
		} else
			n = recv(x->conn.sock, buf, sizeof(buf), MSG_DONTWAIT);
		/* --ack: the receiver's line, say an error, ends it. */
		if (n > 0 && x->par->ack && xfer_ack_feed(x, buf, (size_t)n))
			return 1;
		if (n > 0) {
			if (!x->par->ack)
				x->prog.talked += (uint64_t)n;
			if (x->conn.blocking &&
			    net_blocking(x->conn.sock, 0, 0) == 0)
				x->conn.blocking = 0;
			continue;
		}
		if (n == 0)
			x->conn.peer_closed = 1;
		else if (errno == EINTR)
			continue;
		else if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -1;
		return 0;
	}
	return 0;
}

/*
 * The events to wait for while sending: room to write, and what the
 * receiver says (until its end of file).
 */
short
xfer_discard_events(const struct xfer *x)
{
	if (x->par->keep_open || x->conn.peer_closed)
		return 0;
	return POLLIN;
}

/*
 * Close the socket of a transfer that failed or was stopped with a reset
 * (SO_LINGER {1, 0}), not an end of file: a receiver that checks its
 * reads sees ECONNRESET, not a normal end of a cut-off stream. What the
 * socket still holds back is pushed out first; what the receiver has not
 * made room for is dropped with the connection.
 */
void
xfer_abort(struct xfer *x)
{
	struct linger	l = { 1, 0 };

	if (x->conn.sock == -1)
		return;
	if (x->prog.phase == XFER_FAILED) {
		(void)sf_cork(x->conn.sock, 0);
		(void)sf_push(x->conn.sock);
		(void)setsockopt(x->conn.sock, SOL_SOCKET, SO_LINGER, &l,
		    sizeof(l));
	}
	close(x->conn.sock);
	x->conn.sock = -1;
}

/*
 * Every byte is out: push anything corked, shut the write side so the
 * receiver sees EOF (--tls: after close_notify, see xfer_tls_end), and
 * wait for it to close (see xfer_drain).
 */
int
xfer_finish_send(struct xfer *x, struct pollfd *pfd)
{
	if (x->par->hdr.len > 0 || x->par->trl.len > 0)
		(void)sf_cork(x->conn.sock, 0);
	/* A library caller keeps its socket as it was: not shut, not read. */
	if (x->par->keep_open) {
		x->prog.end_ns = loop_now_ns();
		x->prog.phase = XFER_DONE;
		return 0;
	}
	/* Where the application's bytes end on the wire (see xfer_reset). */
	if (x->conn.wire_end == 0 && xfer_wire(x, &x->conn.wire_end) == -1)
		x->conn.wire_end = 0;
	if (x->conn.tls == NULL && shutdown(x->conn.sock, SHUT_WR) == -1) {
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
	x->prog.last_move_ns = x->prog.end_ns;
	return xfer_drain(x, pfd);
}

/*
 * --tls: close_notify goes out only once the receiver's TCP acknowledged
 * every byte of the transfer (sf_unsent; where the system cannot tell,
 * at once), reading what the receiver says meanwhile. Until then nothing
 * of zcsend's but file bytes can be unread at the receiver, so a reset is
 * a failure, as without TLS; and a client that reads to Content-Length
 * and closes before close_notify comes (urllib) closes with nothing
 * unread, with a FIN that acknowledges every byte, while one that closes
 * after leaves it unread and resets only once every byte was
 * acknowledged (see xfer_reset). A receiver whose own close_notify came
 * first is about to close: it gets zcsend's once its TCP ended (a FIN
 * after it read every byte, as curl does, or the reset of one that did
 * not), or after XFER_NOTIFY_GRACE_MS for one that waits for it, so that
 * zcsend's close_notify does not arrive unread just before its close.
 * --ack's line is the proof there: no wait. Then shut the write side.
 * Returns 0 to go on with the drain, 1 to wait (pfd set), -1 once the
 * transfer ended.
 */
static int
xfer_tls_end(struct xfer *x, struct pollfd *pfd)
{
	size_t		left;
	socklen_t	len = sizeof(int);
	int		err = 0, r;

	if (!x->par->ack) {
		r = xfer_discard(x);
		/* Once it closed, a reset shows only as the socket's error. */
		if (r == 0 && x->conn.peer_closed && getsockopt(x->conn.sock,
		    SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err != 0) {
			errno = err;
			r = -1;
		}
		if (r == -1)
			return xfer_reset(x, errno, pfd) == 1 ? 1 : -1;
		if (sf_unsent(x->conn.sock, &left) == -1)
			left = 0;
		if (left != x->prog.unsent) {
			x->prog.unsent = left;
			x->prog.last_move_ns = loop_now_ns();
		}
		if (left > 0 || (x->conn.peer_notify_ns != 0 &&
		    !x->conn.peer_closed && loop_now_ns() <
		    x->conn.peer_notify_ns +
		    (int64_t)XFER_NOTIFY_GRACE_MS * 1000000)) {
			if (x->par->close_timeout_ms > 0 ?
			    xfer_close_expired(x) : xfer_idle_expired(x))
				return -1;
			xfer_recheck(x, pfd);
			return 1;
		}
	}
	if ((r = xfer_tls_close(x, pfd)) != 0)
		return r;
	x->prog.busy_until_ns = 0;
	x->prog.unsent = 0;
	/* A receiver that closed first is the drain's to judge. */
	(void)shutdown(x->conn.sock, SHUT_WR);
	return 0;
}

/*
 * Wait for what the receiver says (its end of file stays readable: no
 * poll then), and look again in XFER_BUSY_WAIT_MS: no event tells that
 * its TCP acknowledged bytes.
 */
static void
xfer_recheck(struct xfer *x, struct pollfd *pfd)
{
	pfd->fd = x->conn.peer_closed ? -1 : x->conn.sock;
	pfd->events = POLLIN;
	x->prog.busy_until_ns = loop_now_ns() +
	    (int64_t)XFER_BUSY_WAIT_MS * 1000000;
}

/*
 * --tls: send close_notify; while the socket is full this is called again.
 * Returns 0 once it is out, 1 to wait (pfd set), -1 once the transfer
 * ended: a reset before it went out is a failure, as in xfer_tls_end.
 */
static int
xfer_tls_close(struct xfer *x, struct pollfd *pfd)
{
	const struct tls_ops	*t = x->par->tls;

	if (t->close(x->conn.tls) == 0) {
		x->conn.tls_closed = 1;
		return 0;
	}
	if (errno == EPIPE || errno == ECONNRESET)
		return xfer_reset(x, errno, pfd) == 1 ? 1 : -1;
	if (errno != EAGAIN) {
		xfer_fail_errno(x, errno);
		return -1;
	}
	if (x->par->close_timeout_ms > 0 ? xfer_close_expired(x) :
	    xfer_idle_expired(x))
		return -1;
	xfer_recheck(x, pfd);
	pfd->fd = x->conn.sock;
	pfd->events = t->events(x->conn.tls);
	return 1;
}

/*
 * Fails the transfer if the receiver has not closed in time, or closed but
 * its TCP has not acknowledged every byte, and the end of the stream, in
 * that time.
 */
static int
xfer_close_expired(struct xfer *x)
{
	int	close_ms = x->par->close_timeout_ms;

	if (loop_now_ns() - x->prog.drain_start_ns <
	    (int64_t)close_ms * 1000000)
		return 0;
	if (x->conn.tls != NULL && x->conn.tls_closed == 0 &&
	    !x->conn.peer_closed)
		xfer_fail(x, EXIT_TEMPFAIL, "send to %s: receiver had not "
		    "acknowledged %zu of %ju bytes within %g s", x->conn.peer,
		    x->prog.unsent, (uintmax_t)xfer_bytes_done(x),
		    close_ms / 1000.0);
	else if (x->conn.peer_closed && x->prog.unsent == 0)
		xfer_fail(x, EXIT_TEMPFAIL, "send to %s: receiver closed, but "
		    "had not acknowledged the end of the stream within %g s",
		    x->conn.peer, close_ms / 1000.0);
	else if (x->conn.peer_closed)
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
 * has closed without a reset, and once its TCP is past every state a reset
 * can follow (xfer_handed_off) exit 0 means just that. A reset here means
 * it did not, so it fails the transfer (see xfer_reset). --tls: first
 * close_notify (xfer_tls_end); then decrypted until the receiver's
 * close_notify, then the raw socket up to TCP's end of file, since a
 * receiver that never read closes with a reset after its close_notify.
 * With --close-timeout 0 the EOF is not waited for, but
 * what the receiver said is still read (closing a socket with unread data
 * resets the connection and discards what is still queued) and the
 * transfer ends only once the queue is handed off, as above.
 */
int
xfer_drain(struct xfer *x, struct pollfd *pfd)
{
	const struct tls_ops	*t = x->par->tls;
	char			 buf[4096];
	ssize_t			 n;
	int			 r, reads, tls;

	if (x->conn.tls != NULL && x->conn.tls_closed == 0 &&
	    (r = xfer_tls_end(x, pfd)) != 0)
		return r == 1;
	if (x->conn.peer_closed)
		return xfer_handed_off(x, pfd);
	for (reads = 0; reads < XFER_STEP_CALLS; reads++) {
		if (x->par->close_timeout_ms > 0 && xfer_close_expired(x))
			return 0;
		tls = x->conn.tls != NULL && x->conn.peer_notify_ns == 0;
		n = tls ? t->recv(x->conn.tls, buf, sizeof(buf)) :
		    recv(x->conn.sock, buf, sizeof(buf), 0);
		if (n == 0 && x->par->ack) {
			xfer_ack_eof(x);
			return 0;
		}
		if (n == 0 && tls && t->peer_notified(x->conn.tls)) {
			x->conn.peer_notify_ns = loop_now_ns();
			continue;
		}
		if (n == 0) {
			x->conn.peer_closed = 1;
			return xfer_handed_off(x, pfd);
		}
		/* --ack: the receiver's line ends it, ok or not. */
		if (n > 0 && x->par->ack && xfer_ack_feed(x, buf, (size_t)n))
			return 0;
		if (n > 0) {
			if (!x->par->ack)
				x->prog.talked += (uint64_t)n;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return xfer_reset(x, errno, pfd);
		if (x->par->close_timeout_ms > 0 && xfer_close_expired(x))
			return 0;
		break;
	}
	if (x->par->close_timeout_ms == 0)
		return xfer_handed_off(x, pfd);
	pfd->fd = x->conn.sock;
	pfd->events = POLLIN;
	if (x->conn.tls != NULL && x->conn.peer_notify_ns == 0)
		pfd->events = t->events(x->conn.tls);
	return 1;
}

/*
 * The transfer is done once the receiver's TCP can no longer take back
 * what it acknowledged. After the receiver's close, where TCP_INFO tells
 * (Linux), that is once the connection reached TCP_CLOSE without a reset:
 * both FINs exchanged and ours acknowledged, so every byte was too. A
 * receiver whose program shut its side and then exits with bytes unread
 * (socat failing to open its output) resets the connection after its FIN,
 * and that reset comes before this state or not at all from its TCP
 * (only a close in the instant between our acknowledgement of its FIN and
 * its arrival can still send one). Elsewhere, and with --close-timeout 0
 * before the receiver's close, it is once the kernel holds no byte the
 * receiver's TCP has not acknowledged (sf_unsent; where the system cannot
 * tell, at once), since one that shut its side before reading (nc -N with
 * nothing to say) may still have bytes coming. Until then it looks again
 * every XFER_BUSY_WAIT_MS, reading what the receiver says (once it
 * closed, its end of file stays readable: no poll then); a reset fails
 * the transfer, and --close-timeout (with 0, the idle timeout, as it
 * bounds sending) bounds the wait.
 */
static int
xfer_handed_off(struct xfer *x, struct pollfd *pfd)
{
	uint64_t	acked;
	size_t		left;
	socklen_t	len = sizeof(int);
	int		err = 0, closed = 0, known;

	/* A Unix socket's bytes are in the receiver's queue once written. */
	if (x->conn.peer_closed && sockopt_family(x->conn.sock) == AF_UNIX)
		return xfer_done(x);
	/* The state first: a reset sets the error before the state. */
	known = x->conn.peer_closed &&
	    sf_tcp_end(x->conn.sock, &closed, &acked) == 0;
	if (getsockopt(x->conn.sock, SOL_SOCKET, SO_ERROR, &err, &len) == 0 &&
	    err != 0)
		return xfer_reset(x, err, pfd);
	if (sf_unsent(x->conn.sock, &left) == -1)
		return xfer_done(x);
	if (known ? closed : left == 0)
		return xfer_done(x);
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
 * The connection failed with err in the close phase, most often a reset.
 * With --retry, one that came before the receiver acknowledged any byte
 * is retried as a failed connect. Under TLS a receiver that sent
 * close_notify and then reset without a FIN before it closed with bytes
 * unread (it never read them). One that did neither, or whose FIN came
 * first, after its TCP acknowledged every byte and then zcsend's
 * close_notify went out (xfer_tls_end), closed without reading that
 * close_notify, or before it came (an HTTP client that stops at
 * Content-Length): delivered, told with -v. Anything else fails the
 * transfer; after the receiver's end of file an EPIPE is the reset that
 * followed it.
 */
static int
xfer_reset(struct xfer *x, int err, struct pollfd *pfd)
{
	uint64_t	acked;
	int		closed;
	char		counts[64];

	if (err == EPIPE && x->conn.peer_closed)
		err = ECONNRESET;
	if (err != ECONNRESET && err != EPIPE) {
		xfer_fail_errno(x, err);
		return 0;
	}
	if (x->conn.ai_list != NULL && xfer_retry_later(x, err, pfd))
		return 1;
	xfer_tls_catch_up(x);
	if (x->conn.tls != NULL && x->conn.peer_notify_ns != 0 &&
	    !x->conn.peer_closed) {
		x->out.errnum = ECONNRESET;
		xfer_counts(x, counts, sizeof(counts));
		xfer_fail(x, EXIT_IOERR, "send to %s: connection reset by peer "
		    "after %s: it sent close_notify, then closed with bytes "
		    "unread", x->conn.peer, counts);
		return 0;
	}
	if (x->conn.tls != NULL && x->conn.tls_closed && !x->par->ack &&
	    x->conn.wire_end != 0 &&
	    sf_tcp_end(x->conn.sock, &closed, &acked) == 0 &&
	    acked >= x->conn.wire_end) {
		if (x->par->verbose)
			note_emit(x->par->note, "%s %s, after acknowledging "
			    "all %ju bytes", x->conn.peer, x->conn.peer_closed ?
			    "closed before zcsend's close_notify came, which "
			    "it reset" : "reset the connection without "
			    "reading zcsend's close_notify",
			    (uintmax_t)xfer_bytes_done(x));
		return xfer_done(x);
	}
	xfer_fail_errno(x, err);
	return 0;
}

/*
 * --tls, after a reset: the records that came before it are still queued.
 * Read them, to know whether the receiver's close_notify was among them.
 */
static void
xfer_tls_catch_up(struct xfer *x)
{
	const struct tls_ops	*t = x->par->tls;
	char			 buf[4096];
	ssize_t			 n;
	int			 reads;

	if (x->conn.tls == NULL || x->conn.peer_notify_ns != 0)
		return;
	for (reads = 0; reads < XFER_DISCARD_READS; reads++) {
		if ((n = t->recv(x->conn.tls, buf, sizeof(buf))) > 0)
			continue;
		if (n == 0 && t->peer_notified(x->conn.tls))
			x->conn.peer_notify_ns = loop_now_ns();
		break;
	}
}

/* The transfer is done, as of now; -v tells what the receiver said. */
static int
xfer_done(struct xfer *x)
{
	x->prog.end_ns = loop_now_ns();
	x->prog.phase = XFER_DONE;
	if (x->par->verbose && x->prog.talked > 0)
		note_emit(x->par->note, "%s sent %ju bytes back, discarded",
		    x->conn.peer, (uintmax_t)x->prog.talked);
	return 0;
}
