/* SPDX-License-Identifier: ISC */
/*
 * The splice backend (Linux): a pipe input goes straight to the socket with
 * splice(2); a regular file goes file -> internal pipe -> socket, the pipe
 * holding page references rather than copies. Bytes in the internal pipe
 * are always the next unsent file bytes, so a partial send loses nothing.
 */

#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "backend.h"

static ssize_t	splice_send(const struct sf_chunk *, struct sf_scratch *);
static int	splice_refused(int);

const struct backend splice_backend = { "splice", splice_send,
    splice_refused };

/*
 * Returns 1 if err from splice(2) means "not with splice": EINVAL (an
 * input or filesystem without splice support, an O_APPEND socket),
 * ENOSYS, EOPNOTSUPP, and EPERM from a seccomp filter.
 */
static int
splice_refused(int err)
{
	return err == EINVAL || err == ENOSYS || err == EOPNOTSUPP ||
	    err == EPERM;
}

/* Open the internal pipe, sized to size bytes where the kernel allows. */
int
splice_open(struct sf_scratch *s, size_t size)
{
	int	fds[2];

	if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) == -1)
		return -1;
	s->pipe_rd = fds[0];
	s->pipe_wr = fds[1];
	s->piped = 0;
	/* Best effort: a larger pipe means fewer calls; the default works. */
	(void)fcntl(fds[1], F_SETPIPE_SZ, (int)size);
	return 0;
}

void
splice_close(struct sf_scratch *s)
{
	if (s->pipe_rd != -1) {
		close(s->pipe_rd);
		close(s->pipe_wr);
		s->pipe_rd = s->pipe_wr = -1;
	}
}

static ssize_t
splice_send(const struct sf_chunk *c, struct sf_scratch *s)
{
	unsigned int	 more = SPLICE_F_MOVE | SPLICE_F_NONBLOCK;
	loff_t		 off;
	ssize_t		 n;

	s->input_failed = 0;
	if (c->hdr_len > 0)
		return send(c->sock, c->hdr, c->hdr_len,
		    MSG_NOSIGNAL | MSG_MORE);
	if (c->file_len == 0) {
		if (c->trl_len > 0)
			return send(c->sock, c->trl, c->trl_len, MSG_NOSIGNAL);
		return 0;
	}
	if (c->trl_len > 0)
		more |= SPLICE_F_MORE;
	if (c->file_off < 0 && s->pipe_rd == -1) {
		/* The input is a pipe: one splice, no copy, no second pipe. */
		n = splice(c->fd, NULL, c->sock, NULL, c->file_len, more);
		return n;
	}
	if (s->piped == 0) {
		off = c->file_off;
		n = splice(c->fd, c->file_off < 0 ? NULL : &off, s->pipe_wr,
		    NULL, c->file_len, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
		if (n <= 0) {
			s->input_failed = n < 0;
			return n;
		}
		s->piped = (size_t)n;
		s->extra_syscalls++;
	}
	n = splice(s->pipe_rd, NULL, c->sock, NULL,
	    s->piped < c->file_len ? s->piped : c->file_len, more);
	if (n > 0)
		s->piped -= (size_t)n;
	return n;
}
