/* SPDX-License-Identifier: ISC */
/*
 * What differs between systems but is not the sendfile call itself, chosen
 * by testing for the feature (an option, an ioctl, a struct member), never
 * for the name of the system: holding back partial segments, counting the
 * segments a connection sent, asking how much of the send queue is still
 * unacknowledged, and telling a pseudo-file by its filesystem. Also the
 * helpers more than one sendfile adapter (sf-<os>.c) needs.
 */

#include "config.h"

#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#if defined(HAVE_STRUCT_STATFS_F_FSTYPENAME)
#include <sys/param.h>
#include <sys/mount.h>
#elif defined(HAVE_STRUCT_STATVFS_F_BASETYPE)
#include <sys/statvfs.h>
#elif defined(HAVE_LINUX_MAGIC_H)
#include <sys/vfs.h>
#include <linux/magic.h>
#endif
#ifdef HAVE_SYS_FILIO_H
#include <sys/filio.h>		/* FIONWRITE */
#endif
#include <netinet/in.h>
#ifdef HAVE_LINUX_TCP_H
#include <linux/tcp.h>		/* the full struct tcp_info */
#else
#include <netinet/tcp.h>
#endif
#ifdef HAVE_LINUX_SOCKIOS_H
#include <linux/sockios.h>	/* SIOCOUTQ */
#endif

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "backend.h"

/*
 * Hold back partial segments while on is set, with whichever option the
 * system has (TCP_CORK on Linux, illumos, Solaris 11; TCP_NOPUSH on the
 * BSDs and macOS); clearing it pushes what is queued. Where clearing
 * TCP_NOPUSH leaves the last partial segment queued, the shutdown that ends
 * the transfer sends it. A no-op where neither option exists.
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

/*
 * Send now whatever the socket holds back (a partial segment after
 * MSG_MORE or under Nagle): TCP_NODELAY pushes what is queued. Before an
 * abort, so the bytes already counted as sent leave ahead of the reset.
 * Returns 0, or -1 with errno (not a TCP socket: nothing to push).
 */
int
sf_push(int sock)
{
	int	on = 1;

	return setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
}

/*
 * The number of data segments the connection has sent (TCP_INFO's
 * tcpi_data_segs_out), for -v: it shows whether a small response left
 * coalesced. Returns 0, or -1 where the system does not count them.
 */
int
sf_segments(int sock, uint64_t *segs)
{
#if defined(TCP_INFO) && defined(HAVE_STRUCT_TCP_INFO_TCPI_DATA_SEGS_OUT)
	struct tcp_info	ti;
	socklen_t	len = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	if (getsockopt(sock, IPPROTO_TCP, TCP_INFO, &ti, &len) == -1 ||
	    len < offsetof(struct tcp_info, tcpi_data_segs_out) +
	    sizeof(ti.tcpi_data_segs_out))
		return -1;
	*segs = ti.tcpi_data_segs_out;
	return 0;
#else
	(void)sock;
	(void)segs;
	return -1;
#endif
}

/*
 * How many bytes the socket still holds that the peer's TCP has not
 * acknowledged (SIOCOUTQ on Linux, FIONWRITE on the BSDs, SO_NWRITE on
 * macOS). Returns 0, or -1 with errno (ENOTSUP where no query exists).
 */
int
sf_unsent(int sock, size_t *bytes)
{
#if defined(SIOCOUTQ) || defined(FIONWRITE)
	int	n;

#ifdef SIOCOUTQ
	if (ioctl(sock, SIOCOUTQ, &n) == -1)
		return -1;
#else
	if (ioctl(sock, FIONWRITE, &n) == -1)
		return -1;
#endif
	*bytes = n > 0 ? (size_t)n : 0;
	return 0;
#elif defined(SO_NWRITE)
	socklen_t	len = sizeof(int);
	int		n;

	if (getsockopt(sock, SOL_SOCKET, SO_NWRITE, &n, &len) == -1)
		return -1;
	*bytes = n > 0 ? (size_t)n : 0;
	return 0;
#else
	(void)sock;
	(void)bytes;
	errno = ENOTSUP;
	return -1;
#endif
}

/*
 * What the connection's TCP tells of its end (TCP_INFO, Linux): *closed
 * is 1 once it has left every state a reset from the peer can still
 * follow, that is TCP_CLOSE, reached through TIME_WAIT once both FINs
 * were exchanged and ours acknowledged (or through a reset: SO_ERROR
 * tells), and *acked the bytes the peer's TCP acknowledged
 * (tcpi_bytes_acked, in which the SYN counts as one byte). Returns 0, or -1
 * where the system does not tell.
 */
int
sf_tcp_end(int sock, int *closed, uint64_t *acked)
{
#if defined(TCP_INFO) && defined(HAVE_STRUCT_TCP_INFO_TCPI_BYTES_ACKED)
	struct tcp_info	ti;
	socklen_t	len = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	if (getsockopt(sock, IPPROTO_TCP, TCP_INFO, &ti, &len) == -1 ||
	    len < offsetof(struct tcp_info, tcpi_bytes_acked) +
	    sizeof(ti.tcpi_bytes_acked))
		return -1;
	/* Linux's TCP_CLOSE, a stable number of its ABI (tcp_states.h). */
	*closed = ti.tcpi_state == 7;
	*acked = ti.tcpi_bytes_acked;
	return 0;
#else
	(void)sock;
	(void)closed;
	(void)acked;
	return -1;
#endif
}

/*
 * Returns 1 if fd lives on a filesystem whose sizes are not the content
 * (procfs, sysfs and their kin), else 0, also when that cannot be told.
 */
int
sf_pseudo_file(int fd)
{
#if defined(HAVE_STRUCT_STATFS_F_FSTYPENAME) || \
    defined(HAVE_STRUCT_STATVFS_F_BASETYPE)
	/* The BSDs and macOS name the type; so do Solaris and AIX. */
	static const char *const names[] = {
		"procfs", "proc", "linprocfs", "linsysfs"
	};
	const char	*type;
	size_t		 i;
#if defined(HAVE_STRUCT_STATFS_F_FSTYPENAME)
	struct statfs	 sfs;

	if (fstatfs(fd, &sfs) == -1)
		return 0;
	type = sfs.f_fstypename;
#else
	struct statvfs	 sv;

	if (fstatvfs(fd, &sv) == -1)
		return 0;
	type = sv.f_basetype;
#endif
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(type, names[i]) == 0)
			return 1;
	return 0;
#elif defined(HAVE_LINUX_MAGIC_H)
	/* Linux numbers them (linux/magic.h). */
	static const unsigned long magics[] = {
		PROC_SUPER_MAGIC, SYSFS_MAGIC, DEBUGFS_MAGIC, SECURITYFS_MAGIC,
		CGROUP_SUPER_MAGIC,
#ifdef TRACEFS_MAGIC
		TRACEFS_MAGIC,
#endif
#ifdef CGROUP2_SUPER_MAGIC
		CGROUP2_SUPER_MAGIC,
#endif
#ifdef EFIVARFS_MAGIC
		EFIVARFS_MAGIC,
#endif
#ifdef PSTOREFS_MAGIC
		PSTOREFS_MAGIC,
#endif
#ifdef BPF_FS_MAGIC
		BPF_FS_MAGIC,
#endif
		0x62656570	/* configfs, which linux/magic.h lacks */
	};
	struct statfs	sfs;
	size_t		i;

	if (fstatfs(fd, &sfs) == -1)
		return 0;
	for (i = 0; i < sizeof(magics) / sizeof(magics[0]); i++)
		if ((unsigned long)sfs.f_type == magics[i])
			return 1;
	return 0;
#else
	(void)fd;
	return 0;
#endif
}

/*
 * Write the chunk's pending header, and its trailer as well if with_trl
 * is set, with one writev(2). Returns what writev returns, or 0 when there
 * is nothing to write.
 */
ssize_t
sf_writev(const struct sf_chunk *c, int with_trl)
{
	struct iovec	iov[2];
	int		n;

	n = 0;
	if (c->hdr_len > 0) {
		iov[n].iov_base = (void *)(uintptr_t)c->hdr;
		iov[n++].iov_len = c->hdr_len;
	}
	if (with_trl && c->trl_len > 0) {
		iov[n].iov_base = (void *)(uintptr_t)c->trl;
		iov[n++].iov_len = c->trl_len;
	}
	if (n == 0)
		return 0;
	return writev(c->sock, iov, n);
}

/*
 * Returns how many bytes the chunk's file still holds from file_off, or
 * SIZE_MAX when that cannot be told (not a regular file). Preserves errno.
 */
size_t
sf_file_avail(const struct sf_chunk *c)
{
	struct stat	st;
	int		saved_errno;

	saved_errno = errno;
	if (fstat(c->fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		errno = saved_errno;
		return SIZE_MAX;
	}
	errno = saved_errno;
	if (st.st_size <= c->file_off)
		return 0;
	if ((uintmax_t)(st.st_size - c->file_off) >= SIZE_MAX)
		return SIZE_MAX;
	return (size_t)(st.st_size - c->file_off);
}

/*
 * The count a kernel reported, clamped to the n bytes the call offered: a
 * kernel that reports more (DragonFly copies out an unset count on some
 * errors) must not push the accounting past what exists.
 */
ssize_t
sf_clamp(uintmax_t sent, size_t n)
{
	if (sent > n)
		sent = n;
	if (sent > (uintmax_t)SSIZE_MAX)
		sent = (uintmax_t)SSIZE_MAX;
	return (ssize_t)sent;
}
