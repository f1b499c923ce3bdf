/* SPDX-License-Identifier: ISC */
/*
 * zc_sendfile(): one attempt to send a header, a file range and a trailer
 * through the platform's sendfile backend, with pysendfile's semantics.
 * No read/write fallback and no waiting: that is zc_sendfile_all's job.
 *
 * This file is also compiled into the Python module and into the unit
 * tests against each simulated kernel, so it uses nothing but the backend
 * interface of backend.h.
 */

#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine.h"
#include "zc_sendfile.h"

/* The read/write backend's buffer, on platforms where it is sf_backend. */
#define LIB_RW_BUF	((size_t)64 * 1024)

/* The ZC_SF_* bits and the names sf_parse_flags() knows them by. */
static const struct lib_flag {
	int		 bit;
	const char	*name;
} lib_flags_known[] = {
	{ ZC_SF_NODISKIO, "nodiskio" },
	{ ZC_SF_MNOWAIT, "noread" },
	{ ZC_SF_SYNC, "sync" },
	{ ZC_SF_NOCACHE, "nocache" },
};

static int	lib_file_left(int, off_t, size_t *);
static int	lib_beyond_eof(int, off_t, int);
static int	lib_readable(int);
static int	lib_at_boundary(const struct sf_chunk *, size_t);

/*
 * Turn ZC_SF_* flags into the platform's SF_* bits through the backend's
 * own flag parser, so each platform accepts exactly what it supports.
 * Returns 0, or -1 with errno EINVAL for a flag the platform lacks.
 */
int
lib_flags(int zc_flags, int *sf_flags)
{
	const char	*errstr;
	char		 list[64];
	size_t		 i, len = 0;
	int		 rest = zc_flags;

	list[0] = '\0';
	for (i = 0; i < sizeof(lib_flags_known) / sizeof(lib_flags_known[0]);
	    i++) {
		if ((zc_flags & lib_flags_known[i].bit) == 0)
			continue;
		rest &= ~lib_flags_known[i].bit;
		len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s",
		    len > 0 ? "," : "", lib_flags_known[i].name);
	}
	if (rest != 0 || sf_parse_flags(list, sf_flags, &errstr) == -1) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

/* Returns 1 if every flag in flags works here, else 0. */
int
zc_flags_supported(int flags)
{
	int	sf_flags;

	return lib_flags(flags, &sf_flags) == 0;
}

const char *
zc_version(void)
{
	return PACKAGE_VERSION;
}

/*
 * How many of want bytes a regular file still holds from off, in *left.
 * Anything else (a device, say) is taken at its word. Returns -1 with
 * errno if fstat fails.
 */
static int
lib_file_left(int fd, off_t off, size_t *left)
{
	struct stat	st;

	if (fstat(fd, &st) == -1)
		return -1;
	if (!S_ISREG(st.st_mode))
		return 0;
	if (st.st_size <= off)
		*left = 0;
	else if ((uintmax_t)(st.st_size - off) < *left)
		*left = (size_t)(st.st_size - off);
	return 0;
}

/*
 * Returns 0 if fd is open for reading, else -1 with errno EBADF, as
 * sendfile(2) would say.
 */
static int
lib_readable(int fd)
{
	int	fl;

	if ((fl = fcntl(fd, F_GETFL)) == -1)
		return -1;
	if ((fl & O_ACCMODE) == O_WRONLY) {
		errno = EBADF;
		return -1;
	}
	return 0;
}

/*
 * Returns 1 if err, from a call that offered file bytes from off, only
 * says that off lies past what the kernel addresses (Linux: EOVERFLOW past
 * the file system's largest file, EINVAL where off plus the count
 * overflows off_t) while the regular file fd ends before off anyway: that
 * is the end of file. A size is not proof of that: a file in /proc
 * reports 0 and has content, and Linux refuses some of them with EINVAL
 * (no splice_read), so a byte that can still be read at off makes err
 * stand. Else 0; errno is left as it was.
 */
static int
lib_beyond_eof(int fd, off_t off, int err)
{
	struct stat	st;
	unsigned char	probe;
	int		rv;

	if (err != EOVERFLOW && err != EINVAL)
		return 0;
	rv = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    st.st_size <= off && pread(fd, &probe, 1, off) != 1;
	errno = err;
	return rv;
}

/*
 * Returns 1 if n bytes of chunk c end exactly where a part ends (all of the
 * header, or all of the file range), so the next part may be tried at
 * once; 0 if the call stopped inside a part: the socket is full, or the
 * file ended.
 */
static int
lib_at_boundary(const struct sf_chunk *c, size_t n)
{
	return n == c->hdr_len || n == c->hdr_len + c->file_len;
}

/*
 * Send the header, then up to nbytes bytes of in from *offset (NULL: from
 * the current file position, which is then advanced), then the trailer
 * once the file part is complete (nbytes sent, or end of file). Each part
 * is tried once, in order, and only while the previous one went out whole.
 * Returns the bytes sent (header, file, trailer, in order), 0 when nothing
 * was left to send, or -1 with errno when nothing at all went out (EINVAL
 * for a negative offset or an nbytes past SSIZE_MAX). *offset
 * (or the file position) moves by the file bytes sent.
 */
ssize_t
zc_sendfile(int out, int in, off_t *offset, size_t nbytes, const void *header,
    size_t header_len, const void *trailer, size_t trailer_len, int flags)
{
	static const unsigned char	 none[1];
	struct sf_chunk			 c;
	struct sf_scratch		 scratch;
	size_t				 total = 0, file_sent = 0, part;
	ssize_t				 n = 0;
	off_t				 pos;
	int				 sf_flags, saved_errno = 0;

	if (lib_flags(flags, &sf_flags) == -1)
		return -1;
	/* The count could not be returned; Linux's sendfile(2) agrees. */
	if (nbytes > SSIZE_MAX) {
		errno = EINVAL;
		return -1;
	}
	if (offset != NULL)
		pos = *offset;
	else if ((pos = lseek(in, 0, SEEK_CUR)) == -1)
		return -1;
	if (pos < 0) {
		errno = EINVAL;
		return -1;
	}
	if (header == NULL)
		header_len = 0;
	if (trailer == NULL)
		trailer_len = 0;
	/*
	 * Where the header goes in a call of its own, a bad input would fail
	 * only after it: check first, as one sendfile(2) with sf_hdtr does.
	 */
	if (header_len > 0 && nbytes > 0 && lib_readable(in) == -1)
		return -1;
	/* The trailer waits for the file part: it must know where that ends. */
	if (trailer_len > 0 && lib_file_left(in, pos, &nbytes) == -1)
		return -1;

	memset(&scratch, 0, sizeof(scratch));
	scratch.pipe_rd = scratch.pipe_wr = -1;
	if (strcmp(sf_backend.name, "readwrite") == 0) {
		if ((scratch.buf = malloc(LIB_RW_BUF)) == NULL)
			return -1;
		scratch.cap = LIB_RW_BUF;
	}

	memset(&c, 0, sizeof(c));
	c.sock = out;
	c.fd = in;
	c.flags = sf_flags;
	for (;;) {
		c.hdr = header_len > total ?
		    (const unsigned char *)header + total : none;
		c.hdr_len = header_len > total ? header_len - total : 0;
		c.file_off = pos + (off_t)file_sent;
		c.file_len = nbytes - file_sent;
		if (c.file_len > SF_MAX_CALL)
			c.file_len = SF_MAX_CALL;
		c.trl = none;
		c.trl_len = 0;
		if (file_sent + c.file_len == nbytes) {
			part = total > header_len + file_sent ?
			    total - header_len - file_sent : 0;
			/* No arithmetic on a NULL trailer: it is UB. */
			if (trailer_len > part) {
				c.trl = (const unsigned char *)trailer + part;
				c.trl_len = trailer_len - part;
			}
		}
		if (c.hdr_len == 0 && c.file_len == 0 && c.trl_len == 0)
			break;
		n = sf_backend.send(&c, &scratch);
		if (n == -1 && errno == EINTR && total > 0)
			continue;
		/* Past the end of file: the file part is complete. */
		if (n == -1 && c.file_len > 0 &&
		    lib_beyond_eof(in, c.file_off, errno)) {
			nbytes = file_sent;
			n = 0;
			continue;
		}
		if (n <= 0) {
			saved_errno = errno;
			break;
		}
		part = (size_t)n > c.hdr_len ? (size_t)n - c.hdr_len : 0;
		file_sent += part < c.file_len ? part : c.file_len;
		total += (size_t)n;
		if (!lib_at_boundary(&c, (size_t)n))
			break;
	}
	free(scratch.buf);

	if (file_sent > 0) {
		if (offset != NULL)
			*offset = pos + (off_t)file_sent;
		else
			(void)lseek(in, pos + (off_t)file_sent, SEEK_SET);
	}
	if (total > 0)
		return (ssize_t)total;
	if (n == -1) {
		errno = saved_errno;
		return -1;
	}
	return 0;
}
