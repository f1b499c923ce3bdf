/* SPDX-License-Identifier: ISC */
/*
 * The Solaris and illumos sendfile backend.
 *
 * sendfilev(3EXT) (libsendfile, found by configure) writes a vector of
 * buffers and file ranges in order: the header and trailer are entries
 * with sfv_fd = SFV_FD_SELF and the file range sits between them, so one
 * call carries all three. "The xferred argument contains the amount of
 * data successfully transferred" even when the call returns -1, and a
 * range past the end of the file fails with EINVAL ("Fewer bytes were
 * transferred than were requested").
 */

#include "config.h"

#include <sys/types.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"

static ssize_t	sf_solaris_send(const struct sf_chunk *, struct sf_scratch *);
static int	sf_solaris_refused(int);
static ssize_t	sf_solaris_sendv(const struct sf_chunk *, size_t, int);

const struct backend sf_backend = { "sendfile", sf_solaris_send,
    sf_solaris_refused };

/*
 * Send the pending header and up to file_len bytes of the file in one
 * sendfilev call, or, once the file part is complete, the header (if
 * still pending) and the trailer. Returns the bytes written, 0 at end of
 * file, or -1 with errno when nothing went out.
 *
 * The trailer is never in the same call as file bytes: on the zero-copy
 * path snf_segmap stops without an error where a file that shrank now
 * ends, and sendvec_chunk goes on to the next vector (illumos
 * sendfile.c), so xferred would not tell the trailer from the file.
 */
static ssize_t
sf_solaris_send(const struct sf_chunk *c, struct sf_scratch *scratch)
{
	unsigned char	probe;
	size_t		len, avail;
	ssize_t		n;

	(void)scratch;

	/* A stream has no offset to give; refuse before any byte goes. */
	if (c->file_len > 0 && c->file_off < 0) {
		errno = EINVAL;
		return -1;
	}
	len = c->file_len < SF_MAX_CALL ? c->file_len : SF_MAX_CALL;
	n = sf_solaris_sendv(c, len, c->file_len == 0);
	if (n != -1 || errno != EINVAL || len == 0)
		return n;

	/*
	 * EINVAL with nothing sent is either an input sendfilev refuses or a
	 * file that no longer reaches file_off + len. In the second case send
	 * what is left of it, without the trailer: the engine then sees the
	 * short count, and 0 at end of file.
	 */
	if ((avail = sf_file_avail(c)) >= len) {
		errno = EINVAL;
		return -1;
	}
	/*
	 * sendfilev reads with VOP_READ, whatever the size says, and the
	 * small-chunk path fails the whole call when a read comes back short
	 * (sendvec_small_chunk). A file whose size is not its content (procfs
	 * reports 0) then looks as if it ended here: if a byte can still be
	 * read, it has not, and the EINVAL is a refusal for read/write.
	 */
	if (avail == 0 && pread(c->fd, &probe, 1, c->file_off) == 1) {
		errno = EINVAL;
		return -1;
	}
	return sf_solaris_sendv(c, avail, 0);
}

/*
 * One sendfilev call: the pending header, len file bytes, and the trailer
 * if with_trl is set. Empty entries are left out, since sendfilev(3EXT)
 * rejects an sfv_len of 0. The file entry has SFV_NOWAIT: without it the
 * zero-copy path waits until the peer acknowledged the pages, which would
 * hold up every other transfer in the loop. Returns the bytes transferred
 * if any (never more than offered), else what sendfilev returned.
 */
static ssize_t
sf_solaris_sendv(const struct sf_chunk *c, size_t len, int with_trl)
{
	struct sendfilevec	vec[3];
	size_t			xferred;
	ssize_t			n;
	int			cnt;

	memset(vec, 0, sizeof(vec));
	cnt = 0;
	if (c->hdr_len > 0) {
		vec[cnt].sfv_fd = SFV_FD_SELF;
		vec[cnt].sfv_off = (off_t)(uintptr_t)c->hdr;
		vec[cnt++].sfv_len = c->hdr_len;
	}
	if (len > 0) {
		vec[cnt].sfv_fd = c->fd;
		vec[cnt].sfv_flag = SFV_NOWAIT;
		vec[cnt].sfv_off = c->file_off;
		vec[cnt++].sfv_len = len;
	}
	if (with_trl && c->trl_len > 0) {
		vec[cnt].sfv_fd = SFV_FD_SELF;
		vec[cnt].sfv_off = (off_t)(uintptr_t)c->trl;
		vec[cnt++].sfv_len = c->trl_len;
	}
	if (cnt == 0)
		return 0;

	xferred = 0;
	n = sendfilev(c->sock, vec, cnt, &xferred);
	/* xferred is valid after -1 too (EAGAIN, EINTR, EINVAL): count it. */
	if (xferred > 0)
		return sf_clamp(xferred, c->hdr_len + len +
		    (with_trl ? c->trl_len : 0));
	return n;
}

/*
 * Returns 1 if err from sendfilev means "not with sendfile": EINVAL (not
 * seekable; the end-of-file case is handled above), EAFNOSUPPORT and
 * EPROTOTYPE (a socket it does not support), EOPNOTSUPP, and ENOSYS.
 */
static int
sf_solaris_refused(int err)
{
	return err == EINVAL || err == EAFNOSUPPORT || err == EPROTOTYPE ||
	    err == EOPNOTSUPP || err == ENOSYS;
}

