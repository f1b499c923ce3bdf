/* SPDX-License-Identifier: ISC */
/*
 * libzcsend: send a file over a connected socket with the kernel's
 * sendfile(2), one portable interface on every platform.
 *
 * zc_sendfile() is one attempt, with the semantics of pysendfile's
 * sendfile(): the caller loops. zc_sendfile_all() sends a whole header,
 * file range and trailer, waiting on a full socket. See zc_sendfile(3) and
 * zc_sendfile_all(3).
 */

#ifndef ZC_SENDFILE_H
#define ZC_SENDFILE_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * The library passes a 64-bit off_t, by value and through off_t *: a
 * caller built with a 32-bit one (i386 without -D_FILE_OFFSET_BITS=64)
 * would pass the wrong size and have its stack overwritten. Refuse it at
 * compile time; pkg-config --cflags zcsend gives the flag where needed.
 */
#if defined(__cplusplus) && __cplusplus >= 201103L
static_assert(sizeof(off_t) == 8,
    "libzcsend needs a 64-bit off_t: build with -D_FILE_OFFSET_BITS=64");
#elif !defined(__cplusplus) && defined(__STDC_VERSION__) && \
    __STDC_VERSION__ >= 201112L
_Static_assert(sizeof(off_t) == 8,
    "libzcsend needs a 64-bit off_t: build with -D_FILE_OFFSET_BITS=64");
#else
typedef char zc_needs_64_bit_off_t_build_with_D_FILE_OFFSET_BITS_64[
    sizeof(off_t) == 8 ? 1 : -1];
#endif

/*
 * Flags, where the platform has them (FreeBSD); elsewhere a call given one
 * fails with EINVAL. The values are FreeBSD's SF_* bits.
 */
#define ZC_SF_NODISKIO	0x01	/* EBUSY instead of waiting for the disk */
#define ZC_SF_MNOWAIT	0x02	/* obsolete; accepted and ignored there */
#define ZC_SF_SYNC	0x04	/* return once the pages are released */
#define ZC_SF_NOCACHE	0x10	/* drop the pages from the cache after */

/* zc_sendfile_all(): a count meaning "until end of file". */
#define ZC_TO_EOF	UINT64_MAX

/* zc_sendfile_all(): an offset meaning "the input's current position". */
#define ZC_CURRENT	((off_t)-1)

ssize_t	zc_sendfile(int, int, off_t *, size_t, const void *, size_t,
	    const void *, size_t, int);
int	zc_sendfile_all(int, int, off_t, uint64_t, const void *, size_t,
	    const void *, size_t, int, int, uint64_t *);
int	zc_flags_supported(int);
const char *zc_version(void);

#ifdef __cplusplus
}
#endif

#endif /* ZC_SENDFILE_H */
