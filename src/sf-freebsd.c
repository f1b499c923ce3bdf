/* SPDX-License-Identifier: ISC */
/*
 * The FreeBSD and DragonFly sendfile backend.
 *
 * sendfile(2) there takes the file offset by value and sends an optional
 * header and trailer (struct sf_hdtr) in the same call; *sbytes counts
 * every byte written, header and trailer included, and is filled in on
 * EAGAIN, EINTR and EBUSY too (sendfile(2), FreeBSD, ERRORS). The rules the
 * code below relies on are quoted from that page.
 */

#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "backend.h"

static ssize_t	sf_freebsd_send(const struct sf_chunk *, struct sf_scratch *);
static int	sf_freebsd_refused(int);
static int	sf_freebsd_flag(const char *, size_t, const char **);

const struct backend sf_backend = { "sendfile", sf_freebsd_send,
    sf_freebsd_refused };

#ifndef __DragonFly__
/*
 * The --sf-flags names; -1 where this system's headers lack the flag.
 * SF_MNOWAIT is marked obsolete in sys/socket.h: FreeBSD 11 and later
 * accept it and ignore it. Recent kernels log that SF_SYNC is to be
 * removed in FreeBSD 16.
 */
static const struct sf_flag_name {
	const char	*name;
	int		 flag;
} sf_flag_names[] = {
#ifdef SF_NODISKIO
	{ "nodiskio", SF_NODISKIO },
#else
	{ "nodiskio", -1 },
#endif
#ifdef SF_MNOWAIT
	{ "noread", SF_MNOWAIT },
#else
	{ "noread", -1 },
#endif
#ifdef SF_SYNC
	{ "sync", SF_SYNC },
#else
	{ "sync", -1 },
#endif
#ifdef SF_NOCACHE
	{ "nocache", SF_NOCACHE },
#else
	{ "nocache", -1 },
#endif
};
#endif

/*
 * Send the pending header and up to file_len bytes of the file in one
 * sendfile(2) call, or, once the file part is complete, the trailer with
 * writev(2). Returns the bytes written (header, then file), 0 at end of
 * file, or -1 with errno when nothing at all went out.
 *
 * The trailer never rides in the sf_hdtr: the kernel writes it once its
 * file loop ends, and that loop also ends where a file that shrank during
 * the call now ends (kern_sendfile.c re-reads the size on every pass;
 * DragonFly per page), and sbytes would not tell the trailer's bytes from
 * the file's. Sent on its own after the file part was counted, it can
 * only follow a whole file part.
 */
static ssize_t
sf_freebsd_send(const struct sf_chunk *c, struct sf_scratch *scratch)
{
	struct sf_hdtr	 hdtr, *hp;
	struct iovec	 hiov;
	off_t		 sbytes;
	size_t		 len;
	int		 flags, rv;

	(void)scratch;

	/*
	 * "nbytes ... with 0 having the special meaning of send until the
	 * end of file": a chunk without file bytes never reaches sendfile.
	 */
	if (c->file_len == 0)
		return sf_writev(c, 1);

	/* The offset is passed by value; a stream has none to give. */
	if (c->file_off < 0) {
		errno = EINVAL;
		return -1;
	}

#ifdef __DragonFly__
	/*
	 * DragonFly's kern_sendfile counts header bytes against nbytes (the
	 * FreeBSD 4 behaviour FreeBSD later fixed), so with a header the
	 * file part would come up short. Write the header on its own first.
	 */
	if (c->hdr_len > 0)
		return sf_writev(c, 0);
	flags = 0;	/* sendfile(2), DragonFly: flags "should be 0" */
#else
	flags = c->flags;
#endif

	len = c->file_len < SF_MAX_CALL ? c->file_len : SF_MAX_CALL;
	hp = NULL;
	if (c->hdr_len > 0) {
		memset(&hdtr, 0, sizeof(hdtr));
		hiov.iov_base = (void *)(uintptr_t)c->hdr;
		hiov.iov_len = c->hdr_len;
		hdtr.headers = &hiov;
		hdtr.hdr_cnt = 1;
		hp = &hdtr;
	}

	sbytes = 0;
	rv = sendfile(c->fd, c->sock, c->file_off, len, hp, &sbytes, flags);

#ifdef __DragonFly__
	/*
	 * sys_sendfile copies sbytes out even when kern_sendfile failed
	 * before setting it, in its checks of file, socket and offset
	 * (EINVAL, ENOTCONN, ENOTSOCK, EBADF): then nothing went, whatever
	 * sbytes says. FreeBSD's sendfile() zeroes sbytes before anything.
	 */
	if (rv == -1 && (errno == EINVAL || errno == ENOTCONN ||
	    errno == ENOTSOCK || errno == EBADF))
		return -1;
#endif
	/*
	 * Partial progress comes with EAGAIN, EINTR or EBUSY, and with an
	 * error after some passes went out: count it, never more than the
	 * bytes offered.
	 */
	if (sbytes > 0)
		return sf_clamp((uintmax_t)sbytes, c->hdr_len + len);
	if (rv == -1)
		return -1;

	/*
	 * "Should offset fall beyond the end of file, the system will return
	 * success and report 0 bytes sent." The header is queued with the
	 * first file page, so at end of file it stayed behind: send it alone.
	 */
	if (c->hdr_len > 0)
		return sf_writev(c, 0);
	return 0;
}

/*
 * Parse a comma-separated --sf-flags list into SF_* bits. Returns 0, or -1
 * with *errstr set.
 */
int
sf_parse_flags(const char *list, int *flags, const char **errstr)
{
	const char	*p;
	size_t		 n;
	int		 f;

	*flags = 0;
	if (*list == '\0')
		return 0;
	for (p = list;; p += n + 1) {
		n = strcspn(p, ",");
		if ((f = sf_freebsd_flag(p, n, errstr)) == -1)
			return -1;
		*flags |= f;
		if (p[n] == '\0')
			return 0;
	}
}

/* Returns the SF_* bit for the len-byte name, or -1 with *errstr set. */
static int
sf_freebsd_flag(const char *name, size_t len, const char **errstr)
{
#ifdef __DragonFly__
	(void)name;
	(void)len;
	*errstr = "sendfile flags are not supported on dragonfly";
	return -1;
#else
	size_t	i;

	if (len == 0) {
		*errstr = "empty flag name";
		return -1;
	}
	for (i = 0; i < sizeof(sf_flag_names) / sizeof(sf_flag_names[0]); i++) {
		if (strlen(sf_flag_names[i].name) != len ||
		    strncmp(sf_flag_names[i].name, name, len) != 0)
			continue;
		if (sf_flag_names[i].flag == -1) {
			*errstr = "flag not supported by this system";
			return -1;
		}
		return sf_flag_names[i].flag;
	}
	*errstr = "unknown flag";
	return -1;
#endif
}

/*
 * Returns 1 if err from sendfile(2) means "not with sendfile": EINVAL (not
 * a regular file, not a stream socket), EOPNOTSUPP ("the file system ...
 * does not support sendfile()"), ENOTSOCK, and ENOSYS.
 */
static int
sf_freebsd_refused(int err)
{
	return err == EINVAL || err == EOPNOTSUPP || err == ENOTSOCK ||
	    err == ENOSYS;
}

