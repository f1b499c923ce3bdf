/* SPDX-License-Identifier: ISC */
/*
 * zcsend --bench: the page cache state (--cache warm|cold|both) and
 * dropping a file's pages for a cold run.
 */

#include "config.h"

#include <sys/types.h>
#include <sys/mman.h>
#ifdef __linux__
#include <sys/vfs.h>

#define TMPFS_MAGIC_NUMBER	0x01021994	/* <linux/magic.h> */
#endif

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "zcsend.h"

int
bench_parse_cache(const char *s, enum bench_cache *cache)
{
	if (strcmp(s, "warm") == 0)
		*cache = BENCH_WARM;
	else if (strcmp(s, "cold") == 0)
		*cache = BENCH_COLD;
	else if (strcmp(s, "both") == 0)
		*cache = BENCH_BOTH;
	else
		return -1;
	return 0;
}

/*
 * Count the pages of the first len bytes of fd that are in the page cache,
 * with mincore(2) on a mapping of them. Returns 0, or -1 with why set.
 */
static int
bench_resident(int fd, uint64_t len, uint64_t *resident, size_t *npages,
    char *why, size_t whylen)
{
	unsigned char	*vec;
	void		*map;
	long		 page = sysconf(_SC_PAGESIZE);
	size_t		 i;

	*resident = 0;
	if (page <= 0)
		page = 4096;
	*npages = (size_t)((len + (uint64_t)page - 1) / (uint64_t)page);
	map = mmap(NULL, (size_t)len, PROT_READ, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		snprintf(why, whylen, "mmap: %s", strerror(errno));
		return -1;
	}
	if ((vec = malloc(*npages)) == NULL ||
	    mincore(map, (size_t)len, (void *)vec) == -1) {
		snprintf(why, whylen, "mincore: %s", strerror(errno));
		free(vec);
		(void)munmap(map, (size_t)len);
		return -1;
	}
	for (i = 0; i < *npages; i++)
		*resident += vec[i] & 1;
	free(vec);
	(void)munmap(map, (size_t)len);
	return 0;
}

/* Whether fd's file is on tmpfs, whose pages cannot be dropped. */
static int
bench_on_tmpfs(int fd)
{
#ifdef __linux__
	struct statfs	sfs;

	return fstatfs(fd, &sfs) == 0 && sfs.f_type == TMPFS_MAGIC_NUMBER;
#else
	(void)fd;
	return 0;
#endif
}

/*
 * Drop fd's pages from the page cache, so that its first len bytes come
 * from the device: fsync (dirty pages are not dropped), then
 * POSIX_FADV_DONTNEED, then mincore to count the pages of those len bytes
 * still resident, in *resident. Pages the network stack still holds
 * from the run before (a socket's unacknowledged data) cannot be dropped
 * until it lets them go: a few tries, 10 ms apart, give it that time.
 * Returns 0 when no page is resident, or -1 with why set (a tmpfs file
 * lives in the page cache; pages mapped or locked elsewhere stay too).
 */
int
bench_drop_cache(int fd, uint64_t len, uint64_t *resident, char *why,
    size_t whylen)
{
	struct timespec	ts = { 0, 10000000 };
	size_t		npages = 0;
	int		err, tries;

	*resident = 0;
	if (fsync(fd) == -1) {
		snprintf(why, whylen, "fsync: %s", strerror(errno));
		return -1;
	}
	for (tries = 0; tries < 200; tries++) {
		if (tries > 0)
			(void)nanosleep(&ts, NULL);
		/*
		 * The whole file: a large folio that reaches past len is
		 * dropped only by a range that covers all of it.
		 */
		if ((err = posix_fadvise(fd, 0, 0,
		    POSIX_FADV_DONTNEED)) != 0) {
			snprintf(why, whylen, "posix_fadvise: %s",
			    strerror(err));
			return -1;
		}
		if (bench_resident(fd, len, resident, &npages, why,
		    whylen) == -1)
			return -1;
		if (*resident == 0)
			return 0;
	}
	snprintf(why, whylen, "page cache not dropped: %ju of %zu pages stay "
	    "resident: %s", (uintmax_t)*resident, npages,
	    bench_on_tmpfs(fd) ? "the file is on tmpfs, which lives in the "
	    "page cache" : "mapped, locked or still held elsewhere");
	return -1;
}
