/* SPDX-License-Identifier: ISC */
/*
 * zcrecv's zero-copy path (Linux): socket -> pipe -> file with splice(2).
 * The pipe holds references to the socket's pages, so the bytes never
 * enter user space; the file side copies them once, in the kernel, into
 * the page cache. recv-nosplice.c stands in elsewhere.
 */

#include "config.h"

#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "zcrecv.h"

/* This build receives with splice (zcrecv -V). */
const int recv_has_splice = 1;

/*
 * Open the pipe between socket and file, sized to size bytes where the
 * kernel allows. Returns 0, or -1 with errno.
 */
int
recv_splice_open(int *rd, int *wr, size_t size)
{
	int	fds[2];

	if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) == -1)
		return -1;
	*rd = fds[0];
	*wr = fds[1];
	/* Best effort: a larger pipe means fewer calls; the default works. */
	(void)fcntl(fds[1], F_SETPIPE_SZ, (int)size);
	return 0;
}

/*
 * Move up to len bytes from the socket into the pipe without blocking.
 * Returns the bytes moved, 0 at the sender's end of stream, or -1 with
 * errno (EAGAIN: nothing there yet).
 */
ssize_t
recv_splice_in(int sock, int pipe_wr, size_t len)
{
	return splice(sock, NULL, pipe_wr, NULL, len,
	    SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
}

/*
 * Move up to len bytes from the pipe to fd at its file position. Returns
 * the bytes moved, or -1 with errno (ENOSPC, EIO: the output failed).
 */
ssize_t
recv_splice_out(int pipe_rd, int fd, size_t len)
{
	return splice(pipe_rd, NULL, fd, NULL, len, SPLICE_F_MOVE);
}

/*
 * Does err from splice mean "not with splice" (an output or socket
 * without splice support, a seccomp filter), so that read/write may carry
 * the bytes instead?
 */
int
recv_splice_refused(int err)
{
	return err == EINVAL || err == ENOSYS || err == EOPNOTSUPP ||
	    err == EPERM;
}
