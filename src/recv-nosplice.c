/* SPDX-License-Identifier: ISC */
/*
 * zcrecv without splice(2): every call is refused with ENOSYS, and the
 * bytes go by read/write, which -v and --json report as the fallback.
 */

#include "config.h"

#include <sys/types.h>

#include <errno.h>

#include "zcrecv.h"

const int recv_has_splice = 0;

int
recv_splice_open(int *rd, int *wr, size_t size)
{
	(void)size;
	*rd = *wr = -1;
	return 0;
}

ssize_t
recv_splice_in(int sock, int pipe_wr, size_t len)
{
	(void)sock;
	(void)pipe_wr;
	(void)len;
	errno = ENOSYS;
	return -1;
}

ssize_t
recv_splice_out(int pipe_rd, int fd, size_t len)
{
	(void)pipe_rd;
	(void)fd;
	(void)len;
	errno = ENOSYS;
	return -1;
}

int
recv_splice_refused(int err)
{
	return err == ENOSYS;
}
