/* SPDX-License-Identifier: ISC */
/*
 * Test seam for src/checksum.c, force-included ahead of it: its
 * allocations go through fake_malloc, which the test can make fail.
 * Only <stddef.h>, so that config.h still comes first for the rest.
 */

#ifndef FAKE_CHECKSUM_H
#define FAKE_CHECKSUM_H

#include <stddef.h>

void	*fake_malloc(size_t);

#define malloc		fake_malloc

#endif /* FAKE_CHECKSUM_H */
