/* SPDX-License-Identifier: ISC */
/*
 * Test seam for src/sf-solaris.c, force-included (cc -include) before it
 * and before the test's own sources: the sendfilev(3EXT) interface of
 * Solaris and illumos, declared here, and the system calls the backend
 * makes renamed to the simulated kernel's. The host's own <sys/sendfile.h>
 * (Linux's sendfile) is included first and left unused.
 *
 * The system headers the backend includes are included first, so that the
 * renaming below only reaches the backend's own code.
 */

#ifndef FAKE_SOLARIS_H
#define FAKE_SOLARIS_H

#include "config.h"

#include <sys/types.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
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
#include <unistd.h>

#define sendfilevec	fake_sendfilevec
struct sendfilevec {
	int		sfv_fd;		/* input fd, or SFV_FD_SELF */
	unsigned int	sfv_flag;	/* 0 or SFV_NOWAIT */
	off_t		sfv_off;	/* offset, or address for SFV_FD_SELF */
	size_t		sfv_len;
};
#undef SFV_FD_SELF
#define SFV_FD_SELF	(-2)
#undef SFV_NOWAIT
#define SFV_NOWAIT	1

/* struct statvfs names the filesystem type (platform.c). */
#define HAVE_STRUCT_STATVFS_F_BASETYPE 1
#define statvfs		fake_statvfs
struct statvfs {
	char	f_basetype[16];
};

ssize_t	fake_sendfilev(int, const struct sendfilevec *, int, size_t *);
int	fake_fstatvfs(int, struct statvfs *);
ssize_t	fake_writev(int, const struct iovec *, int);
int	fake_fstat(int, struct stat *);
int	fake_setsockopt(int, int, int, const void *, socklen_t);
ssize_t	fake_pread(int, void *, size_t, off_t);

#define sendfilev	fake_sendfilev
#define fstatvfs	fake_fstatvfs
#define writev		fake_writev
#define fstat		fake_fstat
#define setsockopt	fake_setsockopt
#define pread		fake_pread

#endif /* FAKE_SOLARIS_H */
