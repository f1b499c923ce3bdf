/* SPDX-License-Identifier: ISC */
/*
 * zcsend's side of the opt-in line protocol (--ack, --resume), spoken by
 * zcrecv and documented in zcsend(1) and zcrecv(1) under PROTOCOL:
 *
 *	receiver, before any data (--resume):	resume OFFSET
 *	receiver, after the sender's EOF (--ack):	ok BYTES[ sha256:HEX]
 *						or error MESSAGE
 *
 * Each line is ASCII, at most ACK_LINE_MAX bytes, ended by a newline. A
 * longer line or an unknown word is a protocol error (76), never data.
 * The transfer calls in at three points: before its first byte (the
 * resume line), in the drain after its half-close (the acknowledgement),
 * and when --retry starts over on another connection (xfer_ack_rewind,
 * in xfer-retry.c, which every phase reaches).
 */

#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "xfer-int.h"

static int	ack_take(struct xfer *, const char *, size_t, const char *);
static int	ack_number(const char *, uint64_t *, const char **);
static void	ack_quote(const char *, char *, size_t);
static int	ack_resume_line(struct xfer *);
static void	ack_judge(struct xfer *);

/* At xfer_init: remember the range as asked; --resume waits for a line. */
void
xfer_ack_init(struct xfer *x)
{
	x->ack.orig_start = x->in.start;
	x->ack.orig_len = x->prog.file_len;
	x->ack.resume_wait = x->par->resume;
}

/* A line for a message: printable ASCII, at most size - 1 bytes. */
static void
ack_quote(const char *line, char *buf, size_t size)
{
	size_t	i;

	for (i = 0; line[i] != '\0' && i + 1 < size && i < 60; i++)
		buf[i] = isprint((unsigned char)line[i]) ? line[i] : '?';
	buf[i] = '\0';
}

/*
 * Append n received bytes to the line being read. Returns 1 once a whole
 * line is in x->ack.line (its newline dropped), 0 if more is to come, -1
 * with the transfer failed (76) when the line grows past ACK_LINE_MAX.
 * what names the line expected, for the message.
 */
static int
ack_take(struct xfer *x, const char *buf, size_t n, const char *what)
{
	struct xfer_ack	*a = &x->ack;
	const char	*nl;
	size_t		 take;

	nl = memchr(buf, '\n', n);
	take = nl != NULL ? (size_t)(nl - buf) : n;
	if (a->len + take > ACK_LINE_MAX) {
		xfer_fail(x, EXIT_PROTOCOL, "send to %s: protocol error: %s "
		    "of more than %d bytes from the receiver", x->conn.peer,
		    what, ACK_LINE_MAX);
		return -1;
	}
	memcpy(a->line + a->len, buf, take);
	a->len += take;
	a->line[a->len] = '\0';
	if (nl == NULL)
		return 0;
	if (memchr(a->line, '\0', a->len) != NULL) {
		xfer_fail(x, EXIT_PROTOCOL, "send to %s: protocol error: %s "
		    "with a NUL byte from the receiver", x->conn.peer, what);
		return -1;
	}
	return 1;
}

/*
 * A decimal number of s up to a space or the end. Returns 0 with *n and
 * *end set, or -1.
 */
static int
ack_number(const char *s, uint64_t *n, const char **end)
{
	uint64_t	v = 0;
	const char	*p;

	for (p = s; *p >= '0' && *p <= '9'; p++) {
		if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (p == s || (*p != '\0' && *p != ' '))
		return -1;
	*n = v;
	*end = p;
	return 0;
}

/*
 * The whole resume line is in: take OFFSET, check it against the range
 * and move the range's start past it. Returns 0 to send, -1 failed.
 */
static int
ack_resume_line(struct xfer *x)
{
	struct xfer_ack	*a = &x->ack;
	const char	*end;
	char		 q[64];
	uint64_t	 off;

	if (strncmp(a->line, "resume ", 7) != 0 ||
	    ack_number(a->line + 7, &off, &end) == -1 || *end != '\0') {
		ack_quote(a->line, q, sizeof(q));
		xfer_fail(x, EXIT_PROTOCOL, "send to %s: protocol error: "
		    "expected \"resume OFFSET\" from the receiver, got \"%s\"",
		    x->conn.peer, q);
		return -1;
	}
	a->offered = 1;
	a->resume_off = off;
	if (off > a->orig_len) {
		x->out.errnum = ERANGE;
		xfer_fail(x, EXIT_RANGE, "send to %s: the receiver holds %ju "
		    "bytes, more than the %ju to send: nothing sent",
		    x->conn.peer, (uintmax_t)off, (uintmax_t)a->orig_len);
		return -1;
	}
	a->resume_wait = 0;
	a->len = 0;
	x->in.start = a->orig_start + (off_t)off;
	x->prog.file_len = a->orig_len - off;
	if (x->par->verbose)
		note_emit(x->par->note, "%s: resuming at byte %ju of %ju",
		    x->conn.peer, (uintmax_t)off, (uintmax_t)a->orig_len);
	return 0;
}

/*
 * --resume, before the first byte: read the receiver's resume line,
 * bounded by the connect timeout. Returns 1 to wait (pfd set, or with
 * --retry, for the next attempt after a reset), 0 once the transfer
 * failed, or -1 when the line is in and sending may start.
 */
int
xfer_ack_resume(struct xfer *x, struct pollfd *pfd)
{
	struct xfer_ack	*a = &x->ack;
	char		 buf[ACK_LINE_MAX + 1];
	int64_t		 now = loop_now_ns();
	ssize_t		 n;
	int		 r, err;

	if (a->resume_deadline_ns == 0)
		a->resume_deadline_ns = now +
		    (int64_t)x->par->connect_timeout_ms * 1000000;
	for (;;) {
		/* One byte short of a line too long: ack_take tells. */
		n = x->conn.tls != NULL ?
		    x->par->tls->recv(x->conn.tls, buf, sizeof(buf)) :
		    recv(x->conn.sock, buf, sizeof(buf), MSG_DONTWAIT);
		if (n > 0) {
			if ((r = ack_take(x, buf, (size_t)n,
			    "a resume line")) == -1)
				return 0;
			if (r == 1)
				return ack_resume_line(x) == 0 ? -1 : 0;
			continue;
		}
		if (n == 0) {
			xfer_fail(x, EXIT_UNAVAILABLE, "send to %s: the "
			    "receiver did not offer a resume point (it closed "
			    "the connection)", x->conn.peer);
			return 0;
		}
		if ((err = errno) == EINTR)
			continue;
		/*
		 * --retry: a connection reset before the line is whole left
		 * the receiver without a byte of the file, as a reset
		 * connect does (xfer_retry_later forgets the part read).
		 */
		if ((err == ECONNRESET || err == EPIPE) &&
		    x->conn.ai_list != NULL && xfer_retry_later(x, err, pfd))
			return 1;
		if (err != EAGAIN && err != EWOULDBLOCK) {
			xfer_fail_errno(x, err);
			return 0;
		}
		break;
	}
	if (now >= a->resume_deadline_ns) {
		x->out.errnum = ETIMEDOUT;
		xfer_fail(x, EXIT_UNAVAILABLE, "send to %s: the receiver did "
		    "not offer a resume point (none within %g s)",
		    x->conn.peer, x->par->connect_timeout_ms / 1000.0);
		return 0;
	}
	pfd->fd = x->conn.sock;
	pfd->events = POLLIN;
	if (x->conn.tls != NULL)
		pfd->events = x->par->tls->events(x->conn.tls);
	x->prog.busy_until_ns = a->resume_deadline_ns;
	return 1;
}

/*
 * The whole acknowledgement is in: ok with the byte count expected (the
 * resume offset and every byte sent) ends the transfer; anything else
 * fails it, 74 with the receiver's words, or 76 for an unknown line.
 */
static void
ack_judge(struct xfer *x)
{
	struct xfer_ack	*a = &x->ack;
	const char	*p;
	char		 q[64];
	uint64_t	 got, want = a->resume_off + xfer_bytes_done(x);
	size_t		 i;

	if (strncmp(a->line, "error ", 6) == 0) {
		/* The receiver's words, but never a control character. */
		for (i = 6; i < a->len; i++)
			if (!isprint((unsigned char)a->line[i]))
				a->line[i] = '?';
		a->answer = ACK_ERROR;
		xfer_fail(x, EXIT_IOERR, "send to %s: the receiver failed: %s",
		    x->conn.peer, a->line + 6);
		return;
	}
	if (strncmp(a->line, "ok ", 3) != 0 ||
	    ack_number(a->line + 3, &got, &p) == -1)
		goto garbage;
	if (*p == ' ') {
		if (strncmp(p, " sha256:", 8) != 0 || strlen(p + 8) != 64)
			goto garbage;
		for (i = 0; i < 64; i++)
			if (!isxdigit((unsigned char)p[8 + i]) ||
			    isupper((unsigned char)p[8 + i]))
				goto garbage;
		memcpy(a->digest, p + 8, 64);
		a->digest[64] = '\0';
	}
	a->answer = ACK_OK;
	a->stored = got;
	if (got != want) {
		xfer_fail(x, EXIT_IOERR, "send to %s: the receiver stored %ju "
		    "bytes, not %ju", x->conn.peer, (uintmax_t)got,
		    (uintmax_t)want);
		return;
	}
	a->acked = 1;
	if (x->par->verbose)
		note_emit(x->par->note, "%s: acknowledged: %s", x->conn.peer,
		    a->line);
	x->prog.end_ns = loop_now_ns();
	x->prog.phase = XFER_DONE;
	return;

garbage:
	ack_quote(a->line, q, sizeof(q));
	xfer_fail(x, EXIT_PROTOCOL, "send to %s: protocol error: expected "
	    "\"ok BYTES\" or \"error MESSAGE\" from the receiver, got \"%s\"",
	    x->conn.peer, q);
}

/*
 * --ack, in the drain: n bytes the receiver sent. Returns 1 once the
 * transfer is over (acknowledged, or failed), 0 to read on.
 */
int
xfer_ack_feed(struct xfer *x, const char *buf, size_t n)
{
	int	r;

	if ((r = ack_take(x, buf, n, "an acknowledgement")) == -1)
		return 1;
	if (r == 0)
		return 0;
	ack_judge(x);
	return 1;
}

/* --ack: the receiver closed without a whole acknowledgement. */
void
xfer_ack_eof(struct xfer *x)
{
	xfer_fail(x, EXIT_IOERR, "send to %s: the receiver closed without "
	    "acknowledging %ju bytes%s", x->conn.peer,
	    (uintmax_t)(x->ack.resume_off + xfer_bytes_done(x)),
	    x->ack.len > 0 ? " (an unfinished line)" : "");
}

/*
 * --ack with --checksum: the digest the receiver reported must be hex,
 * the digest of what was sent. A transfer acknowledged without one, or
 * with another, fails (74).
 */
void
xfer_ack_digest(struct xfer *x, const char *hex)
{
	if (!x->ack.acked)
		return;
	if (x->ack.digest[0] == '\0')
		xfer_fail_after(x, EXIT_IOERR, "the receiver's acknowledgement "
		    "has no sha256 digest (zcrecv --checksum sha256)");
	else if (strcmp(x->ack.digest, hex) != 0)
		xfer_fail_after(x, EXIT_IOERR, "the receiver stored sha256 %s, "
		    "not %s", x->ack.digest, hex);
}

/*
 * What the receiver said, for --json: with --resume the offset it offered
 * (offered 0: no resume line came), with --ack its answer. The strings
 * point into x and live as long as it does.
 */
void
xfer_ack_report(const struct xfer *x, struct ack_report *r)
{
	const struct xfer_ack	*a = &x->ack;

	memset(r, 0, sizeof(*r));
	r->offered = a->offered;
	r->resume_off = a->resume_off;
	r->answer = a->answer;
	if (a->answer == ACK_OK) {
		r->bytes = a->stored;
		r->sha256 = a->digest[0] != '\0' ? a->digest : NULL;
	} else if (a->answer == ACK_ERROR)
		r->error = a->line + 6;
}
