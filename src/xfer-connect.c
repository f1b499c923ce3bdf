/* SPDX-License-Identifier: ISC */
/*
 * A transfer's first phases: the non-blocking connect to each address in
 * turn (xfer_connect), --retry's wait between attempts (xfer-retry.c
 * abandons a connection) and, with --tls, the handshake (xfer_handshake).
 * Each hands over to the send phase (xfer-send.c) once the connection is
 * ready.
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

static int	xfer_connected(struct xfer *, int, struct pollfd *);
static void	xfer_attempts_note(struct xfer *);

/* A final failure after more than one attempt says how many. */
static void
xfer_attempts_note(struct xfer *x)
{
	size_t	len;

	if (x->conn.retry.attempts > 1 && (len = strlen(x->out.error)) <
	    sizeof(x->out.error))
		snprintf(x->out.error + len, sizeof(x->out.error) - len,
		    " (%d attempts)", x->conn.retry.attempts);
}

/* The connect is done: start sending, or report a reset that came first. */
static int
xfer_connected(struct xfer *x, int pending, struct pollfd *pfd)
{
	char	addr[1025];

	x->conn.connecting = 0;
	x->prog.phase = XFER_SEND;
	x->prog.start_ns = x->prog.last_move_ns = loop_now_ns();
	/* Linux counts the SYN among the bytes acknowledged. */
	if (xfer_wire(x, &x->conn.wire_base) == -1)
		x->conn.wire_base = 0;
	/* A Unix socket's connect tells nothing new. */
	if (x->par->verbose && x->conn.ai_now->ai_family != AF_UNIX) {
		net_addr_name(x->conn.ai_now, addr, sizeof(addr));
		note_emit(x->par->note, "connected to %s port %s", addr,
		    x->conn.port);
		sockopt_report(x->conn.sock, x->conn.ai_now->ai_family,
		    x->par->sockopts, x->conn.peer, x->par->note);
	}
	/*
	 * A reset that came with the connect: the connection was made, so it
	 * is told as the send's, "send to", in the note as in the failure.
	 */
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
void
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
int
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
			/*
			 * --retry: a service that is starting may accept
			 * before it answers.
			 */
			if (c->ai_list != NULL &&
			    xfer_retry_later(x, ETIMEDOUT, pfd))
				return 1;
			x->out.errnum = ETIMEDOUT;
			xfer_fail(x, EXIT_TEMPFAIL, "TLS handshake with %s: "
			    "timed out after %g s", c->peer,
			    x->par->connect_timeout_ms / 1000.0);
			xfer_attempts_note(x);
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
		    xfer_retry_later(x, err, pfd))
			return 1;
		xfer_fail(x, EXIT_PROTOCOL, "TLS handshake with %s: %s",
		    c->peer, why);
		xfer_attempts_note(x);
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
	/* The handshake's bytes on the wire are none of the file's. */
	if (xfer_wire(x, &c->wire_base) == -1)
		c->wire_base = 0;
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
int
xfer_connect(struct xfer *x, struct pollfd *pfd)
{
	struct xfer_conn	*c = &x->conn;
	char			 addr[1025], what[1100], why[256];
	int64_t			 now;
	int			 waiting, r;
	short			 revents;

	x->prog.busy_until_ns = 0;
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
			/*
			 * A Unix listener whose backlog is full fails the
			 * connect with EAGAIN instead of queueing it: try
			 * again every XFER_UNIX_AGAIN_MS until the deadline.
			 */
			if (c->err == EAGAIN &&
			    c->ai_now->ai_family == AF_UNIX) {
				if ((now = loop_now_ns()) < c->deadline_ns) {
					/* Its list is its one address. */
					c->ai_next = c->ai_list;
					x->prog.busy_until_ns = now +
					    (int64_t)XFER_UNIX_AGAIN_MS *
					    1000000;
					if (x->prog.busy_until_ns >
					    c->deadline_ns)
						x->prog.busy_until_ns =
						    c->deadline_ns;
					pfd->fd = -1;
					pfd->events = 0;
					return 1;
				}
				c->err = ETIMEDOUT;
			}
			/* -s, -p or an option failed: not retried. */
			c->setup_failed = *why != '\0';
			if (c->setup_failed && c->ai_now->ai_family == AF_UNIX)
				snprintf(x->out.error, sizeof(x->out.error),
				    "%s", why);
			else if (c->setup_failed)
				snprintf(x->out.error, sizeof(x->out.error),
				    "connect %.80s port %.16s: %.140s", c->host,
				    c->port, why);
		}
		if (x->par->verbose && c->ai_now->ai_family != AF_UNIX) {
			net_addr_name(c->ai_now, addr, sizeof(addr));
			note_emit(x->par->note, "connect %s port %s: %s", addr,
			    c->port, strerror(c->err));
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
	if (c->ai_now->ai_family == AF_UNIX)
		snprintf(what, sizeof(what), "%s", c->host);
	else
		snprintf(what, sizeof(what), "%s port %s", c->host, c->port);
	x->out.status = xfer_connect_error(c->err, what,
	    x->par->connect_timeout_ms, x->out.error, sizeof(x->out.error));
	xfer_attempts_note(x);
	x->prog.phase = XFER_FAILED;
	x->prog.end_ns = loop_now_ns();
	return 0;
}
