/* SPDX-License-Identifier: ISC */
/*
 * What the unit tests of libzcsend on this system's kernel share: a
 * temporary file of known bytes, and a socket pair whose far end a thread
 * reads to its end.
 */

#ifndef ZC_COMMON_H
#define ZC_COMMON_H

#include <sys/types.h>

#include <pthread.h>
#include <stddef.h>

/* The far end of the socket pair, read to its end by a thread. */
struct zct_peer {
	pthread_t	 thread;
	int		 sock;
	unsigned char	*data;
	size_t		 len;
	size_t		 cap;
};

extern unsigned char	*zct_file;	/* the temporary file's bytes */
extern char		 zct_path[64];	/* and its name */

int	zct_open(int *, struct zct_peer *);
size_t	zct_close(int, struct zct_peer *);
int	zct_same(const struct zct_peer *, const char *, size_t, size_t,
	    const char *);
int	zct_file_make(const char *, size_t, unsigned int);
void	zct_file_remove(void);

#endif /* ZC_COMMON_H */
