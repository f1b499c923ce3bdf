/* SPDX-License-Identifier: ISC */
/*
 * Platforms without splice(2): the splice backend exists but has no send
 * function, which zcsend -V and --mode read as "not here".
 */

#include "config.h"

#include <sys/types.h>

#include <errno.h>

#include "backend.h"

const struct backend splice_backend = { "splice", NULL, NULL };

int
splice_open(struct sf_scratch *s, size_t size)
{
	(void)s;
	(void)size;
	errno = ENOSYS;
	return -1;
}

void
splice_close(struct sf_scratch *s)
{
	(void)s;
}
