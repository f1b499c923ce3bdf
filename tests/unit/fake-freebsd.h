/* SPDX-License-Identifier: ISC */
/*
 * Test seam for src/sf-freebsd.c, force-included (cc -include) before it
 * and before the test's own sources: FreeBSD's sendfile(2) interface,
 * declared here so the backend compiles on any host, and the system calls
 * the backend makes renamed to the simulated kernel's. With -D__DragonFly__
 * it stands for DragonFly, whose headers lack the SF_* flags.
 *
 * The system headers the backend includes are included first, so that the
 * renaming below only reaches the backend's own code.
 */

#ifndef FAKE_FREEBSD_H
#define FAKE_FREEBSD_H

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
#include <string.h>

#define sf_hdtr		fake_sf_hdtr
struct sf_hdtr {
	struct iovec	*headers;
	int		 hdr_cnt;
	struct iovec	*trailers;
	int		 trl_cnt;
};

#undef SF_NODISKIO
#undef SF_MNOWAIT
#undef SF_SYNC
#undef SF_USER_READAHEAD
#undef SF_NOCACHE
#ifndef __DragonFly__
#define SF_NODISKIO		0x00000001
#define SF_MNOWAIT		0x00000002
#define SF_SYNC			0x00000004
#define SF_USER_READAHEAD	0x00000008
#define SF_NOCACHE		0x00000010
#endif

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

int	fake_freebsd_sendfile(int, int, off_t, size_t, struct sf_hdtr *,
	    off_t *, int);
int	fake_fstatfs(int, struct statfs *);
ssize_t	fake_writev(int, const struct iovec *, int);
int	fake_fstat(int, struct stat *);
int	fake_setsockopt(int, int, int, const void *, socklen_t);

#define sendfile	fake_freebsd_sendfile
#define fstatfs		fake_fstatfs
#define writev		fake_writev
#define fstat		fake_fstat
#define setsockopt	fake_setsockopt

#endif /* FAKE_FREEBSD_H */
