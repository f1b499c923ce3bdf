/* SPDX-License-Identifier: ISC */
/*
 * The MSG_ZEROCOPY backend (Linux 4.14 and later): the file is read into a
 * ring of buffers and each is sent with send(2) and MSG_ZEROCOPY, so the
 * kernel sends from the buffer's pages instead of copying them into the
 * socket. The pages stay the kernel's until it says it is done with them:
 * each successful send gets the next number of a counter, and completions
 * come as ranges of those numbers on the socket's error queue
 * (Documentation/networking/msg_zerocopy.rst). A buffer is filled again
 * only once every send from it has completed.
 *
 * Completions cost a recvmsg each (a range may cover many sends), and on
 * loopback the kernel copies the bytes anyway (it says so with
 * SO_EE_CODE_ZEROCOPY_COPIED): the mode pays off for large sends to a real
 * network card.
 */

#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "zcsend.h"

#if defined(SO_ZEROCOPY) && defined(MSG_ZEROCOPY)
#include <linux/errqueue.h>

#define ZC_BUFS		16		/* buffers in the ring */
#define ZC_RANGES	64		/* completions ahead of the oldest */
#define ZC_WAIT_MS	100		/* one wait for a completion */

/* One buffer: file bytes [0, len), sent up to pos. */
struct zc_buf {
	unsigned char	*data;
	size_t		 len;
	size_t		 pos;
	uint32_t	 last_id;	/* the number of its last send */
	int		 busy;		/* a send from it may be in flight */
};

struct zc_state {
	struct zc_buf	 buf[ZC_BUFS];
	size_t		 cap;		/* bytes in each buffer */
	int		 cur;		/* the buffer being sent, -1: none */
	uint32_t	 next_id;	/* the kernel's number for the next send */
	uint32_t	 done;		/* every number below it has completed */
	uint32_t	 ahead[ZC_RANGES][2];	/* completed ranges past done */
	int		 nahead;
	int		 blocking;	/* the socket's sends block */
	uint64_t	 copied;	/* completions the kernel copied */
};

static ssize_t	zc_send(const struct sf_chunk *, struct sf_scratch *);
static int	zc_start(const struct sf_chunk *, struct sf_scratch *);
static void	zc_free(struct sf_scratch *);
static void	zc_complete(struct zc_state *, uint32_t, uint32_t);
static int	zc_reap(int, struct zc_state *, struct sf_scratch *);
static int	zc_ready(int, struct zc_state *, struct sf_scratch *,
		    struct zc_buf *);

const struct backend zerocopy_backend = { "msg_zerocopy", zc_send,
    mode_refused };

static void
zc_free(struct sf_scratch *s)
{
	struct zc_state	*z = s->priv;
	int		 i;

	for (i = 0; z != NULL && i < ZC_BUFS; i++)
		free(z->buf[i].data);
	free(z);
	s->priv = NULL;
	s->priv_free = NULL;
}

/*
 * Turn SO_ZEROCOPY on and allocate the ring. Returns 0, or -1 with errno:
 * a kernel without MSG_ZEROCOPY refuses the option (ENOPROTOOPT), and so
 * does a socket type without it (EOPNOTSUPP), which read/write then carries.
 */
static int
zc_start(const struct sf_chunk *c, struct sf_scratch *s)
{
	struct zc_state	*z;
	int		 one = 1, i, fl;

	if (setsockopt(c->sock, SOL_SOCKET, SO_ZEROCOPY, &one,
	    sizeof(one)) == -1)
		return -1;
	if ((z = calloc(1, sizeof(*z))) == NULL)
		return -1;
	s->priv = z;
	s->priv_free = zc_free;
	z->cap = s->cap > 0 ? s->cap : (size_t)256 * 1024;
	z->cur = -1;
	for (i = 0; i < ZC_BUFS; i++)
		if ((z->buf[i].data = malloc(z->cap)) == NULL)
			return -1;
	fl = fcntl(c->sock, F_GETFL);
	z->blocking = fl != -1 && !(fl & O_NONBLOCK);
	return 0;
}

/* Numbers lo to hi (inclusive) have completed. */
static void
zc_complete(struct zc_state *z, uint32_t lo, uint32_t hi)
{
	int	i, moved;

	if (lo != z->done) {
		/* Out of order: kept until the numbers before it are in. */
		if (z->nahead < ZC_RANGES) {
			z->ahead[z->nahead][0] = lo;
			z->ahead[z->nahead++][1] = hi;
		}
		return;
	}
	z->done = hi + 1;
	do {
		moved = 0;
		for (i = 0; i < z->nahead; i++) {
			if (z->ahead[i][0] != z->done)
				continue;
			z->done = z->ahead[i][1] + 1;
			z->ahead[i][0] = z->ahead[--z->nahead][0];
			z->ahead[i][1] = z->ahead[z->nahead][1];
			moved = 1;
		}
	} while (moved);
}

/*
 * Read every completion queued on the socket's error queue, without
 * waiting. Returns 0, or -1 with errno on a real error.
 */
static int
zc_reap(int sock, struct zc_state *z, struct sf_scratch *s)
{
	struct sock_extended_err	*ee;
	struct cmsghdr			*cm;
	struct msghdr			 msg;
	char				 control[128];

	for (;;) {
		memset(&msg, 0, sizeof(msg));
		msg.msg_control = control;
		msg.msg_controllen = sizeof(control);
		s->extra_syscalls++;
		if (recvmsg(sock, &msg, MSG_ERRQUEUE | MSG_DONTWAIT) == -1)
			return errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == EINTR ? 0 : -1;
		for (cm = CMSG_FIRSTHDR(&msg); cm != NULL;
		    cm = CMSG_NXTHDR(&msg, cm)) {
			if (!((cm->cmsg_level == SOL_IP &&
			    cm->cmsg_type == IP_RECVERR) ||
			    (cm->cmsg_level == SOL_IPV6 &&
			    cm->cmsg_type == IPV6_RECVERR)))
				continue;
			ee = (struct sock_extended_err *)(void *)CMSG_DATA(cm);
			if (ee->ee_origin != SO_EE_ORIGIN_ZEROCOPY)
				continue;
			if (ee->ee_code & SO_EE_CODE_ZEROCOPY_COPIED)
				z->copied++;
			zc_complete(z, ee->ee_info, ee->ee_data);
		}
	}
}

/*
 * Make sure every send from b has completed, so b may be filled again.
 * Returns 1 if so; 0 if not yet (errno EAGAIN: a blocking socket waited a
 * while for it, EBUSY: the engine should come back shortly); -1 with errno
 * on an error.
 */
static int
zc_ready(int sock, struct zc_state *z, struct sf_scratch *s, struct zc_buf *b)
{
	struct timespec	t0, t1;
	struct pollfd	pfd;
	int		ms;

	if (!b->busy)
		return 1;
	if (zc_reap(sock, z, s) == -1)
		return -1;
	if ((int32_t)(z->done - b->last_id) > 0) {
		b->busy = 0;
		return 1;
	}
	if (!z->blocking) {
		errno = EBUSY;
		return 0;
	}
	/*
	 * A queued completion wakes poll with POLLERR; completions of other
	 * buffers may come first, so wait on, for up to ZC_WAIT_MS in all.
	 */
	(void)clock_gettime(CLOCK_MONOTONIC, &t0);
	for (ms = ZC_WAIT_MS; ms > 0;) {
		pfd.fd = sock;
		pfd.events = 0;
		s->extra_syscalls++;
		if (poll(&pfd, 1, ms) == -1 && errno != EINTR)
			return -1;
		if (zc_reap(sock, z, s) == -1)
			return -1;
		if ((int32_t)(z->done - b->last_id) > 0) {
			b->busy = 0;
			return 1;
		}
		(void)clock_gettime(CLOCK_MONOTONIC, &t1);
		ms = ZC_WAIT_MS - (int)((t1.tv_sec - t0.tv_sec) * 1000 +
		    (t1.tv_nsec - t0.tv_nsec) / 1000000);
	}
	errno = EAGAIN;
	return 0;
}

static ssize_t
zc_send(const struct sf_chunk *c, struct sf_scratch *s)
{
	struct zc_state	*z;
	struct zc_buf	*b;
	size_t		 len;
	ssize_t		 n;
	int		 next;

	if (mode_send_begin(c, s, &n))
		return n;
	if (s->priv == NULL && zc_start(c, s) == -1)
		return -1;
	z = s->priv;
	if (z->cur == -1 || z->buf[z->cur].pos == z->buf[z->cur].len) {
		next = (z->cur + 1) % ZC_BUFS;
		b = &z->buf[next];
		if (zc_ready(c->sock, z, s, b) <= 0)
			return -1;
		len = c->file_len < z->cap ? c->file_len : z->cap;
		s->extra_syscalls++;
		if ((n = pread(c->fd, b->data, len, c->file_off)) <= 0) {
			s->input_failed = n < 0;
			return n;
		}
		b->len = (size_t)n;
		b->pos = 0;
		z->cur = next;
	}
	b = &z->buf[z->cur];
	len = b->len - b->pos;
	if (len > c->file_len)
		len = c->file_len;
	n = send(c->sock, b->data + b->pos, len, MSG_NOSIGNAL | MSG_ZEROCOPY |
	    (c->trl_len > 0 ? MSG_MORE : 0));
	if (n > 0) {
		b->pos += (size_t)n;
		b->last_id = z->next_id++;
		b->busy = 1;
	} else if (n == -1 && errno == ENOBUFS) {
		/* Over the locked-memory limit: wait for completions. */
		(void)zc_reap(c->sock, z, s);
		errno = z->blocking ? EAGAIN : EBUSY;
	}
	return n;
}

/*
 * Does the kernel take SO_ZEROCOPY on a TCP socket of family? Returns 0,
 * or -1 with why set.
 */
int
zerocopy_probe(int family, char *why, size_t whylen)
{
	int	s, one = 1, r;

	if ((s = socket(family == AF_INET6 ? AF_INET6 : AF_INET, SOCK_STREAM,
	    0)) == -1) {
		snprintf(why, whylen, "socket: %s", strerror(errno));
		return -1;
	}
	r = setsockopt(s, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof(one));
	if (r == -1)
		snprintf(why, whylen, "SO_ZEROCOPY: %s", strerror(errno));
	close(s);
	return r;
}

#else	/* no MSG_ZEROCOPY */

const struct backend zerocopy_backend = { "msg_zerocopy", NULL, NULL };

int
zerocopy_probe(int family, char *why, size_t whylen)
{
	(void)family;
	snprintf(why, whylen, "MSG_ZEROCOPY: not on %s", SF_OS);
	return -1;
}

#endif
