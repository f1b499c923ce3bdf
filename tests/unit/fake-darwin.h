/* SPDX-License-Identifier: ISC */
/*
 * Test seam for src/sf-darwin.c, force-included (cc -include) before it
 * and before the test's own sources: macOS's sendfile(2) interface,
 * declared here so the backend compiles on any host, and the system calls
 * the backend makes renamed to the simulated kernel's.
 *
 * The system headers the backend includes are included first, so that the
 * renaming below only reaches the backend's own code.
 */

#ifndef FAKE_DARWIN_H
#define FAKE_DARWIN_H

#include "config.h"

#include <sys/types.h>
#include <sys/param.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <netinet/in.h>
#ifdef HAVE_LINUX_TCP_H
#include <linux/tcp.h>		/* as platform.c includes it */
#else
#include <netinet/tcp.h>
#endif

#include <errno.h>
#include <stdint.h>

#define sf_hdtr		fake_sf_hdtr
struct sf_hdtr {
	struct iovec	*headers;
	int		 hdr_cnt;
	struct iovec	*trailers;
	int		 trl_cnt;
};

/* The BSDs and macOS have TCP_NOPUSH and no TCP_CORK. */
#undef TCP_CORK
#undef TCP_NOPUSH
#define TCP_NOPUSH	4

/* struct statfs names the filesystem type (platform.c). */
#define HAVE_STRUCT_STATFS_F_FSTYPENAME 1

#define statfs		fake_statfs
struct statfs {
	char	f_fstypename[16];
};

int	fake_fstatfs(int, struct statfs *);
int	fake_darwin_sendfile(int, int, off_t, off_t *, struct sf_hdtr *, int);
ssize_t	fake_writev(int, const struct iovec *, int);
int	fake_fstat(int, struct stat *);
int	fake_setsockopt(int, int, int, const void *, socklen_t);

#define sendfile	fake_darwin_sendfile
#define fstatfs		fake_fstatfs
#define writev		fake_writev
#define fstat		fake_fstat
#define setsockopt	fake_setsockopt

#endif /* FAKE_DARWIN_H */
