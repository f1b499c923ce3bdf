/* SPDX-License-Identifier: ISC */
/*
 * Helpers of zc-real-test.c and zc-all-test.c (see zc-common.h): the
 * temporary file both send from, and the thread that reads what they sent.
 */

#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "zc-common.h"

unsigned char	*zct_file;
char		 zct_path[64];

static void	*zct_reader(void *);

/* The thread: reads p->sock to its end into p->data. */
static void *
zct_reader(void *arg)
{
	struct zct_peer	*p = arg;
	ssize_t		 n;

	for (;;) {
		if (p->len == p->cap) {
			p->cap = p->cap * 2 + 65536;
			if ((p->data = realloc(p->data, p->cap)) == NULL)
				abort();
		}
		n = read(p->sock, p->data + p->len, p->cap - p->len);
		if (n <= 0)
			break;
		p->len += (size_t)n;
	}
	return NULL;
}

/* A socket pair: *sock to send on, the other end read by p's thread. */
int
zct_open(int *sock, struct zct_peer *p)
{
	int	sv[2];

	memset(p, 0, sizeof(*p));
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
		return -1;
	*sock = sv[0];
	p->sock = sv[1];
	if (pthread_create(&p->thread, NULL, zct_reader, p) != 0)
		return -1;
	return 0;
}

/*
 * End the sending side, wait for the reader; returns what it got. The
 * caller frees p->data.
 */
size_t
zct_close(int sock, struct zct_peer *p)
{
	close(sock);
	pthread_join(p->thread, NULL);
	close(p->sock);
	return p->len;
}

/* Returns 1 if p received hdr, len file bytes from off, then trl. */
int
zct_same(const struct zct_peer *p, const char *hdr, size_t off, size_t len,
    const char *trl)
{
	size_t	hl = strlen(hdr), tl = strlen(trl);

	return p->len == hl + len + tl && memcmp(p->data, hdr, hl) == 0 &&
	    memcmp(p->data + hl, zct_file + off, len) == 0 &&
	    memcmp(p->data + hl + len, trl, tl) == 0;
}

/*
 * Writes size pseudo-random bytes (a multiplicative hash of the index,
 * shifted right by shift) to "name.pid" in the current directory, keeping
 * them in zct_file and the name in zct_path. Returns 0, or -1.
 */
int
zct_file_make(const char *name, size_t size, unsigned int shift)
{
	size_t	i;
	int	fd;

	snprintf(zct_path, sizeof(zct_path), "%s.%ld", name, (long)getpid());
	if ((zct_file = malloc(size)) == NULL)
		return -1;
	for (i = 0; i < size; i++)
		zct_file[i] = (unsigned char)((i * 2654435761u) >> shift);
	if ((fd = open(zct_path, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1 ||
	    write(fd, zct_file, size) != (ssize_t)size || close(fd) == -1)
		return -1;
	return 0;
}

/* Removes the file zct_file_make wrote, and frees its bytes. */
void
zct_file_remove(void)
{
	unlink(zct_path);
	free(zct_file);
	zct_file = NULL;
}
