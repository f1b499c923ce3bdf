/* SPDX-License-Identifier: ISC */
/*
 * --retry: abandoning a connection (xfer_retry_later), the one place a
 * connection is given up for another attempt, and forgetting what went
 * out on it and what its receiver said (xfer_rewind, xfer_ack_rewind).
 * Every phase may call it; it calls only the transfer's core
 * (xfer-core.c), never a phase.
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

static int	xfer_rewind(struct xfer *);
static int	xfer_ack_rewind(struct xfer *);

/*
 * --retry: the connect (or the connection, before the receiver's TCP
 * acknowledged a byte of the transfer: xfer_receiver_saw) failed with
 * err. Returns 1 with *pfd set to wait for the next attempt if one is
 * allowed, else 0. The next attempt starts over at the first address,
 * with a fresh connect timeout (see xfer_connect).
 * This is the one place a connection is abandoned: its socket, its TLS
 * session (the next one needs a handshake of its own) and what the send
 * path knew of it go; the input's unsent bytes in the scratch buffer stay,
 * as they are still the next to send. Bytes that went out but were never
 * acknowledged are sent again, and what the receiver said (its lines, with
 * --resume its offset) is forgotten (xfer_rewind).
 */
int
xfer_retry_later(struct xfer *x, int err, struct pollfd *pfd)
{
	struct xfer_conn	*c = &x->conn;
	int64_t			 now = loop_now_ns();
	const char		*what = x->prog.phase == XFER_CONNECT ?
				    "connect" : x->prog.phase == XFER_HANDSHAKE ?
				    "TLS handshake with" : "send to";

	/*
	 * --resume: the next receiver says where to go on from, so a
	 * connection lost after bytes went out (reset, or closed: EPIPE) is
	 * worth another as a reset connect is, whatever the receiver saw.
	 * Otherwise only one whose receiver acknowledged no byte is.
	 */
	if (xfer_bytes_done(x) != 0 && x->par->resume && err == EPIPE)
		err = ECONNRESET;
	if ((!x->par->resume && xfer_receiver_saw(x)) ||
	    !retry_schedule(&c->retry, err, now) || xfer_rewind(x) == -1)
		return 0;
	if (c->tls != NULL)
		x->par->tls->conn_free(c->tls);
	c->tls = NULL;
	c->tls_closed = 0;
	c->peer_closed = 0;
	c->peer_notify_ns = 0;
	c->wire_base = c->wire_end = 0;
	if (x->par->tls != NULL)
		x->be.backend = x->par->tls->write_backend;
	if (c->sock != -1)
		close(c->sock);
	c->sock = -1;
	c->connecting = 0;
	c->blocking = 0;
	x->prog.phase = XFER_CONNECT;
	if (c->retry.notify)
		note_emit(x->par->note, "%s %s port %s: %s: retry %d of %d in "
		    "%.1f s", what, c->host, c->port, err == ETIMEDOUT ?
		    "timed out" : err == EPIPE ? "connection closed by peer" :
		    strerror(err), c->retry.attempts, c->retry.max,
		    (double)(c->retry.at_ns - now) / 1e9);
	pfd->fd = -1;
	pfd->events = 0;
	return 1;
}

/*
 * Before another attempt: nothing the receiver given up said or was told
 * carries over. With --resume, the next receiver says where to go on
 * from, whether or not bytes went out or a resume line came
 * (xfer_ack_rewind); otherwise bytes that went out but were never
 * acknowledged are sent again from the start. Returns -1 if they cannot
 * be (a stream's bytes are gone once sent, or wait in splice's pipe).
 */
static int
xfer_rewind(struct xfer *x)
{
	if (!x->par->resume && xfer_bytes_done(x) != 0) {
		if (x->in.start < 0 || x->be.scratch.piped > 0)
			return -1;
		x->prog.hdr_done = 0;
		x->prog.file_done = 0;
		x->prog.trl_done = 0;
		x->be.scratch.pos = x->be.scratch.len = 0;
	}
	x->prog.talked = 0;
	x->prog.unsent = 0;
	return xfer_ack_rewind(x);
}

/*
 * --retry, before another attempt: the lines of the receiver given up
 * (a part of one, an answer) go. With --resume so do the bytes that went
 * out, the offset it offered and the read-ahead of the copying backends,
 * which belongs to that position: the next receiver's resume line is
 * waited for as the first was, and says where it stands. Returns 0, or
 * -1 if splice's pipe cannot be made again.
 */
static int
xfer_ack_rewind(struct xfer *x)
{
	struct xfer_ack		*a = &x->ack;
	struct sf_scratch	*s = &x->be.scratch;

	a->len = 0;
	a->line[0] = '\0';
	a->acked = 0;
	a->answer = ACK_NONE;
	a->stored = 0;
	a->digest[0] = '\0';
	if (!x->par->resume)
		return 0;
	x->prog.hdr_done = x->prog.trl_done = 0;
	x->prog.file_done = 0;
	x->in.start = a->orig_start;
	x->prog.file_len = a->orig_len;
	s->pos = s->len = 0;
	if (s->pipe_rd != -1) {
		splice_close(s);
		if (splice_open(s, x->par->max_chunk) == -1)
			return -1;
	}
	a->resume_wait = 1;
	a->resume_deadline_ns = 0;
	a->resume_off = 0;
	a->offered = 0;
	return 0;
}
