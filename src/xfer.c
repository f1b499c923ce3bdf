/* SPDX-License-Identifier: ISC */
/*
 * The transfer engine. A transfer is a resumable state: header bytes, a file
 * range and trailer bytes, and how far each got. xfer_step() does as much as
 * the socket takes right now, then says what it waits for (a pollfd) or that
 * it is finished; a caller's poll loop drives it, so one loop can drive one
 * transfer or many. The rules each backend follows are in the sf-*.c files;
 * the transfer holds the retry rules common to all of them:
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
 * This file holds the transfer's life (set up, step, stop, free) and
 * dispatches to its phases, which form a stack, each calling only those
 * below it: xfer-connect.c (connect, the TLS handshake), xfer-send.c (the
 * backend calls), xfer-close.c (shut down and drain), xfer-ack.c (the
 * receiver's lines), xfer-retry.c (--retry abandons a connection) and, at
 * the bottom, xfer-core.c (fail, byte counts, what the wire saw), sharing
 * xfer-int.h; --rate is rate.c and errno to exit status xfer-exit.c.
 * With --tls the parameters carry the command's TLS module (tls_ops): a
 * handshake phase comes between the connect and the sending, the TLS
 * backends carry the bytes, and close_notify goes before the write side
 * is shut.
 *
 * One transfer on a connected socket, driven by a plain poll loop:
 *
 *	if ((x = xfer_new(&par, &in, &(struct xfer_dest){ .sock = s,
 *	    .peer = "receiver" })) == NULL)
 *		return -1;		(errno: ENOMEM)
 *	while (xfer_step(x, &pfd))
 *		(void)poll(&pfd, 1, xfer_timeout_ms(x, loop_now_ns()));
 *	status = xfer_status(x);	(xfer_error(x) says why, if not 0)
 *	xfer_free(x);			(s stays open)
 *
 * struct xfer is the engine's own (xfer-state.h): above the engine it is
 * opaque, made by xfer_new and read through the accessors.
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

static void	xfer_init(struct xfer *, const struct xfer_params *,
		    const struct input *, const struct xfer_dest *);
static int	xfer_start_backend(struct xfer *);
static void	xfer_release(struct xfer *);

/*
 * A new transfer of the range of in with the parameters par to the
 * destination d (see xfer_init). Returns NULL with errno set when it
 * cannot be allocated; d->ai, which the transfer would have owned, is
 * freed then too, and d->sock stays the caller's.
 */
struct xfer *
xfer_new(const struct xfer_params *par, const struct input *in,
    const struct xfer_dest *d)
{
	struct xfer	*x;

	if ((x = malloc(sizeof(*x))) == NULL) {
		if (d->ai != NULL)
			net_free_ai(d->ai);
		return NULL;
	}
	xfer_init(x, par, in, d);
	return x;
}

/*
 * Set up a transfer of the range of in with the parameters par (both must
 * outlive it) to the destination d: a connected socket, addresses to
 * connect to in the same loop as every other transfer (within the connect
 * timeout), or a failure before the start. The socket of a connected
 * destination is used, never closed (see xfer_close). With par->may_block
 * and a seekable input, sends block: each wait for room in the socket
 * gives up after XFER_BLOCK_MS, and a call lasts until its chunk
 * (chunk.c) is queued. One transfer alone then costs no poll between
 * calls. With par->tls, a
 * connected socket starts with the handshake (as a server's with -l).
 */
static void
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
	x->be.backend = par->backend != NULL ? par->backend :
	    par->mode == MODE_READWRITE ? &rw_backend :
	    par->mode == MODE_SPLICE ? &splice_backend : &sf_backend;
	if (d->sock == -1 && d->ai == NULL) {
		x->prog.phase = XFER_FAILED;
		x->prog.end_ns = x->prog.start_ns;
		x->out.status = d->status;
		snprintf(x->out.error, sizeof(x->out.error), "%s", d->error);
		return;
	}
	x->prog.phase = d->sock != -1 ? XFER_SEND : XFER_CONNECT;
	xfer_ack_init(x);
	if (xfer_start_backend(x) == -1) {
		if (d->ai != NULL)
			net_free_ai(d->ai);
		return;
	}
	/* A client verifies the host it connects to, unless told a name. */
	x->conn.tls_name = par->tls_name != NULL || d->ai == NULL ||
	    d->ai->ai_family == AF_UNIX ? par->tls_name : d->host;
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
	default:
		/* mmap, MSG_ZEROCOPY, io_uring: set up at their first call. */
		x->be.scratch.cap = x->par->block_size;
		break;
	}
	return 0;
}

/* Free the transfer and what it owns (NULL: nothing); its socket stays open. */
void
xfer_free(struct xfer *x)
{
	if (x == NULL)
		return;
	xfer_release(x);
	free(x);
}

/* Free what the transfer owns. */
static void
xfer_release(struct xfer *x)
{
	free(x->be.scratch.buf);
	x->be.scratch.buf = NULL;
	if (x->conn.tls != NULL)
		x->par->tls->conn_free(x->conn.tls);
	x->conn.tls = NULL;
	if (x->be.scratch.priv_free != NULL)
		x->be.scratch.priv_free(&x->be.scratch);
	splice_close(&x->be.scratch);
	if (x->conn.ai_list != NULL)
		net_free_ai(x->conn.ai_list);
	x->conn.ai_list = x->conn.ai_next = NULL;
}

/*
 * Close the transfer's socket, if it has one, and free it. A transfer that
 * failed or was stopped ends with a reset (xfer_abort).
 */
void
xfer_close(struct xfer *x)
{
	if (x == NULL)
		return;
	xfer_abort(x);
	xfer_free(x);
}

/* 0 once every byte arrived, else the exit status of the failure. */
int
xfer_status(const struct xfer *x)
{
	return x->prog.phase == XFER_DONE ? EXIT_OK : x->out.status;
}

/*
 * What the command reads of a transfer; it never touches the fields.
 * The strings belong to the transfer, or to whoever set it up.
 */
enum xfer_phase
xfer_phase(const struct xfer *x)
{
	return x->prog.phase;
}

/* "HOST port PORT" or the socket path, for messages. */
const char *
xfer_peer(const struct xfer *x)
{
	return x->conn.peer;
}

/* For --json: the host and port given (NULL: none). */
const char *
xfer_host(const struct xfer *x)
{
	return x->conn.host;
}

const char *
xfer_port(const struct xfer *x)
{
	return x->conn.port;
}

/* Why the transfer failed: one line, without the program's name. */
const char *
xfer_error(const struct xfer *x)
{
	return x->out.error;
}

/* The errno of the failure, 0 if none (or not a system call's). */
int
xfer_errno(const struct xfer *x)
{
	return x->out.errnum;
}

/* The backend that carries (or carried) the bytes: "sendfile" and so on. */
const char *
xfer_backend_name(const struct xfer *x)
{
	return x->be.backend->name;
}

/*
 * Returns the errno with which a backend refused the input, the transfer
 * then going on with read/write, with *from set to that backend's name;
 * 0 when there was no fallback.
 */
int
xfer_fallback(const struct xfer *x, const char **from)
{
	if (from != NULL)
		*from = x->be.fallback_from;
	return x->be.fallback_errno;
}

/* The file bytes the socket accepted so far. */
uint64_t
xfer_file_done(const struct xfer *x)
{
	return x->prog.file_done;
}

/* The file bytes asked for, COUNT_TO_EOF: until end of file. */
uint64_t
xfer_count(const struct xfer *x)
{
	return x->in.len;
}

/*
 * Seconds from the start of sending (or of the connect) to the end: the
 * receiver's close or the failure, or now_ns while under way.
 */
double
xfer_elapsed(const struct xfer *x, int64_t now_ns)
{
	return (double)((x->prog.end_ns != 0 ? x->prog.end_ns : now_ns) -
	    x->prog.start_ns) / 1e9;
}

/* The socket, or -1 before a connect succeeded. */
int
xfer_sock(const struct xfer *x)
{
	return x->conn.sock;
}

/* --retry: the connects begun. */
int
xfer_attempts(const struct xfer *x)
{
	return x->conn.retry.attempts;
}

/*
 * --tls: returns -1 for a run without TLS; 0 when no handshake finished;
 * 1 with *r filled in (r NULL: only say which).
 */
int
xfer_tls_report(const struct xfer *x, struct tls_report *r)
{
	struct tls_report	tmp;

	if (x->par->tls == NULL)
		return -1;
	if (x->conn.tls == NULL)
		return 0;
	if (r == NULL)
		r = &tmp;
	x->par->tls->report(x->conn.tls, r);
	return r->version != NULL;
}

/* --bench: the system calls the transfer made: backend calls and waits. */
uint64_t
xfer_syscalls(const struct xfer *x)
{
	return x->prog.calls + x->be.scratch.extra_syscalls + x->prog.waits;
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
	x->revents = 0;
	if (x->want.fd != -1 && pfd->fd == x->want.fd)
		x->revents = pfd->revents;
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
		    x->conn.retry.at_ns : g->busy_until_ns != 0 ?
		    g->busy_until_ns : x->conn.deadline_ns;
	else if (g->phase == XFER_HANDSHAKE)
		deadline_ns = x->conn.tls_deadline_ns;
	else if ((g->phase == XFER_SEND && g->busy_until_ns != 0) ||
	    (g->phase == XFER_DRAIN && (x->par->close_timeout_ms == 0 ||
	    x->conn.peer_closed || g->busy_until_ns != 0)))
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
