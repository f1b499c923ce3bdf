/* SPDX-License-Identifier: ISC */
/*
 * The read/write backend: the portable path, for inputs sendfile refuses
 * (pipes, some pseudo-files), for filesystems that serve wrong data through
 * sendfile (--no-sendfile), and as the baseline --bench compares against.
 */

#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <unistd.h>

#include "backend.h"

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL	0	/* SIGPIPE is ignored in main instead */
#endif

static ssize_t	rw_send(const struct sf_chunk *, struct sf_scratch *);

const struct backend rw_backend = { "readwrite", rw_send, NULL };

/*
 * Makes sure scratch holds unsent file bytes of chunk c: when it is empty,
 * reads the next ones (at most file_len, at most its capacity) with pread at
 * file_off, or with read when file_off is -1 (a stream). Returns the number
 * of unsent bytes in scratch (the caller clamps it to file_len); 0 at end of
 * file; -1 with errno on a read error, which also sets
 * scratch->input_failed. Shared by every backend that sends file bytes
 * through scratch (rw_send, and the TLS write path).
 */
ssize_t
rw_fill(const struct sf_chunk *c, struct sf_scratch *s)
{
	size_t	want;
	ssize_t	n;

	if (s->pos == s->len) {
		want = c->file_len < s->cap ? c->file_len : s->cap;
		if (c->file_off < 0)
			n = read(c->fd, s->buf, want);
		else
			n = pread(c->fd, s->buf, want, c->file_off);
		if (n <= 0) {
			s->input_failed = n < 0;
			return n;
		}
		s->pos = 0;
		s->len = (size_t)n;
	}
	return (ssize_t)(s->len - s->pos);
}

/*
 * Bytes already read but refused by the socket stay in scratch and go out
 * first; only when scratch is empty is the input read again (rw_fill), so a
 * partial send never reads a byte twice. A read error sets
 * scratch->input_failed.
 */
static ssize_t
rw_send(const struct sf_chunk *c, struct sf_scratch *s)
{
	size_t	pending;
	ssize_t	n;

	s->input_failed = 0;
	if (c->hdr_len > 0)
		return send(c->sock, c->hdr, c->hdr_len, MSG_NOSIGNAL);
	if (c->file_len > 0) {
		if ((n = rw_fill(c, s)) <= 0)
			return n;
		pending = (size_t)n;
		if (pending > c->file_len)
			pending = c->file_len;
		n = send(c->sock, s->buf + s->pos, pending, MSG_NOSIGNAL);
		if (n > 0)
			s->pos += (size_t)n;
		return n;
	}
	if (c->trl_len > 0)
		return send(c->sock, c->trl, c->trl_len, MSG_NOSIGNAL);
	return 0;
}
