/* SPDX-License-Identifier: ISC */
/*
 * The Linux sendfile backend.
 *
 * sendfile(2) on Linux moves file bytes only, so the header and trailer go
 * out with send(2); MSG_MORE on the header and TCP_CORK around the whole
 * transfer (sf_cork) let a small response leave in one segment. See
 * sendfile(2): at most 0x7ffff000 bytes per call, short counts are normal,
 * EAGAIN means nothing was sent.
 */

#include "config.h"

#include <sys/types.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/vfs.h>
#include <netinet/in.h>
#include <linux/tcp.h>	/* the full struct tcp_info */

#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "zcsend.h"

/* From linux/magic.h: filesystems whose st_size is not the content. */
#define PROC_SUPER_MAGIC	0x9fa0
#define SYSFS_MAGIC		0x62656572
#define DEBUGFS_MAGIC		0x64626720
#define TRACEFS_MAGIC		0x74726163
#define SECURITYFS_MAGIC	0x73636673
#define CGROUP_SUPER_MAGIC	0x27e0eb
#define CGROUP2_SUPER_MAGIC	0x63677270
#define CONFIGFS_MAGIC		0x62656570
#define EFIVARFS_MAGIC		0xde5e81e4
#define PSTOREFS_MAGIC		0x6165676c
#define BPF_FS_MAGIC		0xcafe4a11

static ssize_t	sf_linux_send(const struct sf_chunk *, struct sf_scratch *);

const struct backend sf_backend = { "sendfile", sf_linux_send };

/*
 * Send the header with MSG_MORE (more data follows), the file with
 * sendfile(2), and the trailer plainly: the last byte may push the segment.
 */
static ssize_t
sf_linux_send(const struct sf_chunk *c, struct sf_scratch *scratch)
{
	off_t	off;
	size_t	len;
	ssize_t	n;

	(void)scratch;
	if (c->hdr_len > 0)
		return send(c->sock, c->hdr, c->hdr_len,
		    MSG_NOSIGNAL | MSG_MORE);
	if (c->file_len > 0) {
		len = c->file_len < SF_MAX_CALL ? c->file_len : SF_MAX_CALL;
		if (c->file_off < 0)
			return sendfile(c->sock, c->fd, NULL, len);
		off = c->file_off;
		n = sendfile(c->sock, c->fd, &off, len);
		return n;
	}
	if (c->trl_len > 0)
		return send(c->sock, c->trl, c->trl_len, MSG_NOSIGNAL);
	return 0;
}

/*
 * Hold partial segments back while on is set, so header, file and trailer
 * coalesce; clearing it pushes what is queued.
 */
int
sf_cork(int sock, int on)
{
	return setsockopt(sock, IPPROTO_TCP, TCP_CORK, &on, sizeof(on));
}

/*
 * The number of data segments the connection has sent (TCP_INFO), for -v:
 * it shows whether a small response left coalesced. -1 if unknown.
 */
int
sf_segments(int sock, uint64_t *segs)
{
	struct tcp_info	ti;
	socklen_t	len = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	if (getsockopt(sock, IPPROTO_TCP, TCP_INFO, &ti, &len) == -1 ||
	    len < offsetof(struct tcp_info, tcpi_data_segs_out) +
	    sizeof(ti.tcpi_data_segs_out))
		return -1;
	*segs = ti.tcpi_data_segs_out;
	return 0;
}

/* Returns 1 if fd lives on a filesystem whose sizes are not the content. */
int
sf_pseudo_file(int fd)
{
	struct statfs	sfs;

	if (fstatfs(fd, &sfs) == -1)
		return 0;
	switch ((unsigned long)sfs.f_type) {
	case PROC_SUPER_MAGIC:
	case SYSFS_MAGIC:
	case DEBUGFS_MAGIC:
	case TRACEFS_MAGIC:
	case SECURITYFS_MAGIC:
	case CGROUP_SUPER_MAGIC:
	case CGROUP2_SUPER_MAGIC:
	case CONFIGFS_MAGIC:
	case EFIVARFS_MAGIC:
	case PSTOREFS_MAGIC:
	case BPF_FS_MAGIC:
		return 1;
	default:
		return 0;
	}
}

/* Linux has no sendfile flags; an empty list is the only valid one. */
int
sf_parse_flags(const char *list, int *flags, const char **errstr)
{
	*flags = 0;
	if (*list == '\0')
		return 0;
	*errstr = "sendfile flags are not supported on linux";
	return -1;
}

/*
 * Returns 1 if err from sendfile(2) means "this descriptor pair cannot be
 * sent with sendfile", so read/write should carry the bytes instead: EINVAL
 * (O_APPEND socket, input without mmap-like reads), ENOSYS, EOPNOTSUPP,
 * EPERM from a seccomp filter, and EOVERFLOW (an offset past what the
 * input's filesystem lets sendfile address, as in /proc/PID/mem).
 */
int
sf_fallback_errno(int err)
{
	return err == EINVAL || err == ENOSYS || err == EOPNOTSUPP ||
	    err == EPERM || err == EOVERFLOW;
}
