/* SPDX-License-Identifier: ISC */
/*
 * Test seam for src/sf-aix.c, force-included (cc -include) before it and
 * before the test's own sources: AIX's send_file interface (the 64-bit
 * layout of struct sf_parms), declared here, and the system calls the
 * backend makes renamed to the simulated kernel's.
 *
 * The system headers the backend includes are included first, so that the
 * renaming below only reaches the backend's own code.
 */

#ifndef FAKE_AIX_H
#define FAKE_AIX_H

#include "config.h"

#include <sys/types.h>
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
#include <limits.h>
#include <stdint.h>
#include <string.h>

#define sf_parms	fake_sf_parms
struct sf_parms {
	void		*header_data;		/* in/out */
	unsigned int	 header_length;		/* in/out */
	int		 file_descriptor;	/* in */
	uint64_t	 file_size;		/* out */
	uint64_t	 file_offset;		/* in/out */
	int64_t		 file_bytes;		/* in/out; -1: to end of file */
	void		*trailer_data;		/* in/out */
	unsigned int	 trailer_length;	/* in/out */
	uint64_t	 bytes_sent;		/* out */
};
#define SF_CLOSE	0x00000001
#define SF_REUSE	0x00000002
#define SF_DONT_CACHE	0x00000004
#define SF_SYNC_CACHE	0x00000008

/* struct statvfs names the filesystem type (platform.c). */
#define HAVE_STRUCT_STATVFS_F_BASETYPE 1
#define statvfs		fake_statvfs
struct statvfs {
	char	f_basetype[16];
};

ssize_t	fake_send_file(int *, struct sf_parms *, unsigned int);
int	fake_fstatvfs(int, struct statvfs *);
ssize_t	fake_writev(int, const struct iovec *, int);
int	fake_fstat(int, struct stat *);
int	fake_setsockopt(int, int, int, const void *, socklen_t);

#define send_file	fake_send_file
#define fstatvfs	fake_fstatvfs
#define writev		fake_writev
#define fstat		fake_fstat
#define setsockopt	fake_setsockopt

#endif /* FAKE_AIX_H */
