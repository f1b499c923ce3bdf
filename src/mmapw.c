/* SPDX-License-Identifier: ISC */
/*
 * The mmap backend: the file mapped, a window at a time, and sent from the
 * mapping with send(2). One copy (mapping -> socket buffer) like read/write,
 * but no read(2) and no buffer of zcsend's own: the page cache is the
 * buffer. A file that shrinks under the mapping does not raise SIGBUS here,
 * since only the kernel touches the mapping (send copies from it and fails
 * with EFAULT); the window is clamped to the size fstat reports, so the end
 * of the file reads as end of file.
 */

#include "config.h"

#include <sys/types.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "zcsend.h"

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL	0	/* SIGPIPE is ignored in main instead */
#endif
#ifndef MSG_MORE
#define MSG_MORE	0
#endif

/* At most this much of the file is mapped at once. */
#define MMAP_WINDOW	((off_t)256 * 1024 * 1024)

/* The window mapped now. */
struct mmap_state {
	unsigned char	*base;		/* NULL: none */
	off_t		 off;		/* the file offset of base */
	size_t		 len;
};

static ssize_t	mmap_send(const struct sf_chunk *, struct sf_scratch *);
static int	mmap_map(const struct sf_chunk *, struct mmap_state *);
static void	mmap_free(struct sf_scratch *);

const struct backend mmap_backend = { "mmap", mmap_send, mode_refused };

static void
mmap_free(struct sf_scratch *s)
{
	struct mmap_state	*m = s->priv;

	if (m != NULL && m->base != NULL)
		(void)munmap(m->base, m->len);
	free(m);
	s->priv = NULL;
	s->priv_free = NULL;
}

/*
 * Map the window that holds c->file_off, unless it is mapped already.
 * Returns 1 if it was, 2 if it is now, 0 at end of file, or -1 with errno.
 */
static int
mmap_map(const struct sf_chunk *c, struct mmap_state *m)
{
	struct stat	st;
	long		page = sysconf(_SC_PAGESIZE);
	off_t		start;

	if (m->base != NULL && c->file_off >= m->off &&
	    c->file_off < m->off + (off_t)m->len)
		return 1;
	if (m->base != NULL)
		(void)munmap(m->base, m->len);
	m->base = NULL;
	if (fstat(c->fd, &st) == -1)
		return -1;
	if (c->file_off >= st.st_size)
		return 0;
	start = c->file_off - c->file_off % (page > 0 ? page : 4096);
	m->len = (size_t)(st.st_size - start < MMAP_WINDOW ?
	    st.st_size - start : MMAP_WINDOW);
	m->base = mmap(NULL, m->len, PROT_READ, MAP_SHARED, c->fd, start);
	if (m->base == MAP_FAILED) {
		m->base = NULL;
		return -1;
	}
	m->off = start;
	return 2;
}

static ssize_t
mmap_send(const struct sf_chunk *c, struct sf_scratch *s)
{
	struct mmap_state	*m;
	size_t			 len, avail;
	ssize_t			 n;
	int			 r;

	if (mode_send_begin(c, s, &n))
		return n;
	if ((m = s->priv) == NULL) {
		if ((m = calloc(1, sizeof(*m))) == NULL)
			return -1;
		s->priv = m;
		s->priv_free = mmap_free;
	}
	if ((r = mmap_map(c, m)) <= 0) {
		s->input_failed = r < 0;
		return r;
	}
	if (r == 2)
		s->extra_syscalls += 2;	/* fstat and mmap */
	avail = m->len - (size_t)(c->file_off - m->off);
	len = c->file_len < avail ? c->file_len : avail;
	return send(c->sock, m->base + (c->file_off - m->off), len,
	    MSG_NOSIGNAL | (c->trl_len > 0 ? MSG_MORE : 0));
}
