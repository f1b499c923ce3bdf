/* SPDX-License-Identifier: ISC */
/*
 * The Linux sendfile backend.
 *
 * sendfile(2) on Linux moves file bytes only, so the header and trailer go
 * out with send(2); MSG_MORE on the header and TCP_CORK around the whole
 * transfer (sf_cork, platform.c) let a small response leave in one segment. See
 * sendfile(2): at most 0x7ffff000 bytes per call, short counts are normal,
 * EAGAIN means nothing was sent.
 */

#include "config.h"

#include <sys/types.h>
#include <sys/sendfile.h>
#include <sys/socket.h>

#include <errno.h>

#include "backend.h"

static ssize_t	sf_linux_send(const struct sf_chunk *, struct sf_scratch *);
static int	sf_linux_refused(int);

const struct backend sf_backend = { "sendfile", sf_linux_send,
    sf_linux_refused };

/*
 * Send the header with MSG_MORE (more data follows), the file with
 * sendfile(2), and the trailer plainly: the last byte may push the segment.
 */
static ssize_t
sf_linux_send(const struct sf_chunk *c, struct sf_scratch *scratch)
{
	off_t	off;
	size_t	len;
	ssize_t	n;

	(void)scratch;
	if (c->hdr_len > 0)
		return send(c->sock, c->hdr, c->hdr_len,
		    MSG_NOSIGNAL | MSG_MORE);
	if (c->file_len > 0) {
		len = c->file_len < SF_MAX_CALL ? c->file_len : SF_MAX_CALL;
		if (c->file_off < 0)
			return sendfile(c->sock, c->fd, NULL, len);
		off = c->file_off;
		n = sendfile(c->sock, c->fd, &off, len);
		return n;
	}
	if (c->trl_len > 0)
		return send(c->sock, c->trl, c->trl_len, MSG_NOSIGNAL);
	return 0;
}

/*
 * Returns 1 if err from sendfile(2) means "this descriptor pair cannot be
 * sent with sendfile", so read/write should carry the bytes instead: EINVAL
 * (O_APPEND socket, input without mmap-like reads), ENOSYS, EOPNOTSUPP,
 * EPERM from a seccomp filter, and EOVERFLOW (an offset past what the
 * input's filesystem lets sendfile address, as in /proc/PID/mem).
 */
static int
sf_linux_refused(int err)
{
	return err == EINVAL || err == ENOSYS || err == EOPNOTSUPP ||
	    err == EPERM || err == EOVERFLOW;
}
