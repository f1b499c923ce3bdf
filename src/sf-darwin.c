/* SPDX-License-Identifier: ISC */
/*
 * The macOS sendfile backend.
 *
 * sendfile(fd, s, offset, &len, hdtr, flags): len is in/out, 0 on input
 * means "to end of file", and with a header or trailer it counts header
 * bytes as well (sendfile(2), macOS). EAGAIN and EINTR report what went
 * out in *len.
 *
 * Header and trailer are deliberately kept out of the sf_hdtr: XNU writes
 * the header with writev(2) and then carries on with the file even when
 * that writev was short on a non-blocking socket, and writes the trailer
 * after its file loop even when the loop stopped early at end of file;
 * older releases also skipped the file part outright when given both
 * (nginx's ngx_darwin_sendfile_chain.c records it). Either way the stream
 * would be out of order. So here the header and trailer go out with
 * writev(2) in calls of their own and sendfile moves file bytes only; the
 * kernel used writev for them anyway, and TCP_NOPUSH (sf_cork) still
 * packs them into full segments.
 */

#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <stdint.h>

#include "backend.h"

static ssize_t	sf_darwin_send(const struct sf_chunk *, struct sf_scratch *);
static int	sf_darwin_refused(int);

const struct backend sf_backend = { "sendfile", sf_darwin_send,
    sf_darwin_refused };

/*
 * Send the pending header, or else up to file_len bytes of the file, or
 * else the trailer. Returns the bytes written, 0 at end of file, or -1 with
 * errno when nothing went out.
 */
static ssize_t
sf_darwin_send(const struct sf_chunk *c, struct sf_scratch *scratch)
{
	off_t	len;
	int	rv;

	(void)scratch;

	/* A stream has no offset to give; refuse before any byte goes. */
	if (c->file_len > 0 && c->file_off < 0) {
		errno = EINVAL;
		return -1;
	}
	if (c->hdr_len > 0 || c->file_len == 0)
		return sf_writev(c, c->file_len == 0);

	/* Never 0 here: on input that would mean "to end of file". */
	len = (off_t)(c->file_len < SF_MAX_CALL ? c->file_len : SF_MAX_CALL);
	rv = sendfile(c->fd, c->sock, c->file_off, &len, NULL, 0);

	/*
	 * EAGAIN and EINTR report partial progress in len: count it, never
	 * more than asked for.
	 */
	if (len > 0)
		return sf_clamp((uintmax_t)len, c->file_len < SF_MAX_CALL ?
		    c->file_len : SF_MAX_CALL);
	/* After EINTR len may be 0 without meaning end of file. */
	if (rv == -1)
		return -1;
	/*
	 * "Should offset fall beyond the end of file, the system will
	 * return success and report 0 bytes sent."
	 */
	return 0;
}

/*
 * Returns 1 if err from sendfile(2) means "not with sendfile": ENOTSUP
 * (fd not a regular file), EOPNOTSUPP (the filesystem does not support
 * sendfile), EINVAL (not a stream socket), ENOTSOCK, and ENOSYS.
 */
static int
sf_darwin_refused(int err)
{
#if defined(ENOTSUP) && ENOTSUP != EOPNOTSUPP
	if (err == ENOTSUP)
		return 1;
#endif
	return err == EOPNOTSUPP || err == EINVAL || err == ENOTSOCK ||
	    err == ENOSYS;
}

