/* SPDX-License-Identifier: ISC */
/*
 * The AIX sendfile backend.
 *
 * send_file(&sock, &sf_parms, flags) (send_file subroutine, AIX) sends
 * header_length bytes of header_data, then file_bytes of the file from
 * file_offset, then the trailer. It takes the socket by pointer (SF_CLOSE
 * may set it to -1) and reports what went out in bytes_sent, which must be
 * zeroed before each call. It returns 0 when everything went, 1 when some went
 * and more remains (a signal, a non-blocking socket), -1 with errno
 * otherwise; a range past the end of the file fails with EINVAL.
 */

#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>

#include "backend.h"

static ssize_t	sf_aix_send(const struct sf_chunk *, struct sf_scratch *);
static int	sf_aix_refused(int);
static ssize_t	sf_aix_sendv(const struct sf_chunk *, size_t, int);

const struct backend sf_backend = { "sendfile", sf_aix_send,
    sf_aix_refused };

/*
 * Send the pending header, up to file_len bytes of the file and, when the
 * chunk ends the file part, the trailer, in one send_file call. Returns the
 * bytes written, 0 at end of file, or -1 with errno when nothing went out.
 */
static ssize_t
sf_aix_send(const struct sf_chunk *c, struct sf_scratch *scratch)
{
	size_t	len, avail;
	ssize_t	n;

	(void)scratch;

	/* A stream has no offset to give; refuse before any byte goes. */
	if (c->file_len > 0 && c->file_off < 0) {
		errno = EINVAL;
		return -1;
	}
	len = c->file_len < SF_MAX_CALL ? c->file_len : SF_MAX_CALL;
	n = sf_aix_sendv(c, len, len == c->file_len);
	if (n != -1 || errno != EINVAL || len == 0)
		return n;

	/*
	 * "If the application sets file_offset greater than the actual file
	 * size, or file_bytes greater than (the actual file size -
	 * file_offset), the return value will be -1 with errno EINVAL." If
	 * the file shrank, send what is left of it, without the trailer: the
	 * engine then sees the short count, and 0 at end of file.
	 */
	if ((avail = sf_file_avail(c)) >= len) {
		errno = EINVAL;
		return -1;
	}
	/*
	 * A pseudo-file's size (0 on /proc) says nothing of its content:
	 * that EINVAL is a refusal, and read/write sends what is there.
	 */
	if (sf_pseudo_file(c->fd)) {
		errno = EINVAL;
		return -1;
	}
	return sf_aix_sendv(c, avail, 0);
}

/*
 * One send_file call: the pending header, len file bytes, and the trailer
 * if with_trl is set. Returns the bytes sent if any, else -1 with errno
 * (EAGAIN when send_file said "more" without sending), else 0.
 */
static ssize_t
sf_aix_sendv(const struct sf_chunk *c, size_t len, int with_trl)
{
	struct sf_parms	p;
	int		sock, rv;

	/* A fresh struct each call: bytes_sent starts at 0. */
	memset(&p, 0, sizeof(p));
	if (c->hdr_len > 0) {
		p.header_data = (void *)(uintptr_t)c->hdr;
		p.header_length = c->hdr_len < UINT_MAX ? c->hdr_len : UINT_MAX;
	}
	p.file_descriptor = c->fd;
	if (len > 0) {
		p.file_offset = (uint64_t)c->file_off;
		p.file_bytes = (int64_t)len;	/* never -1: "to end of file" */
	}
	if (with_trl && c->trl_len > 0) {
		p.trailer_data = (void *)(uintptr_t)c->trl;
		p.trailer_length = c->trl_len < UINT_MAX ? c->trl_len :
		    UINT_MAX;
	}
	if (p.header_length == 0 && len == 0 && p.trailer_length == 0)
		return 0;

	sock = c->sock;
	rv = (int)send_file(&sock, &p, 0);
	if (p.bytes_sent > 0)
		return sf_clamp(p.bytes_sent, c->hdr_len + len +
		    (with_trl ? c->trl_len : 0));
	if (rv == 1) {
		/* "More to send" but nothing went: wait for the socket. */
		errno = EAGAIN;
		return -1;
	}
	return rv == -1 ? -1 : 0;
}

/*
 * Returns 1 if err from send_file means "not with sendfile": it handles
 * "only ... SOCK_STREAM socket in AF_INET" and regular files, and says so
 * with EINVAL (the end-of-file case is handled above), EOPNOTSUPP,
 * ENOTSOCK or EAFNOSUPPORT; ENOSYS as well.
 */
static int
sf_aix_refused(int err)
{
#if defined(ENOTSUP) && ENOTSUP != EOPNOTSUPP
	if (err == ENOTSUP)
		return 1;
#endif
	return err == EINVAL || err == EOPNOTSUPP || err == ENOTSOCK ||
	    err == EAFNOSUPPORT || err == ENOSYS;
}

