/* SPDX-License-Identifier: ISC */
/*
 * The backend for platforms where configure found no sendfile(2) flavour
 * it knows. There "sendfile" is the read/write path itself, under that
 * path's name, so --version and the summary report what really moved the
 * bytes.
 */

#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include "zcsend.h"

static ssize_t	sf_none_send(const struct sf_chunk *, struct sf_scratch *);

const struct backend sf_backend = { "readwrite", sf_none_send };

/* The read/write backend's send, whose rules (sf-rw.c) apply unchanged. */
static ssize_t
sf_none_send(const struct sf_chunk *c, struct sf_scratch *scratch)
{
	return rw_backend.send(c, scratch);
}

/*
 * Hold back partial segments while on is set, with whichever option the
 * system has; clearing it pushes what is queued. Otherwise a no-op.
 */
int
sf_cork(int sock, int on)
{
#if defined(TCP_CORK)
	return setsockopt(sock, IPPROTO_TCP, TCP_CORK, &on, sizeof(on));
#elif defined(TCP_NOPUSH)
	return setsockopt(sock, IPPROTO_TCP, TCP_NOPUSH, &on, sizeof(on));
#else
	(void)sock;
	(void)on;
	return 0;
#endif
}

/* No portable way to tell a pseudo-file: trust the size. */
int
sf_pseudo_file(int fd)
{
	(void)fd;
	return 0;
}

/* Without sendfile there are no sendfile flags; only "" is valid. */
int
sf_parse_flags(const char *list, int *flags, const char **errstr)
{
	*flags = 0;
	if (*list == '\0')
		return 0;
	*errstr = "sendfile flags are not supported on this platform";
	return -1;
}

/* Falling back would only run the same read/write path again. */
int
sf_fallback_errno(int err)
{
	(void)err;
	return 0;
}

/* Segment counts come from Linux's TCP_INFO only. */
int
sf_segments(int sock, uint64_t *segs)
{
	(void)sock;
	(void)segs;
	return -1;
}
