/* SPDX-License-Identifier: ISC */
/*
 * The backend for platforms where configure found no sendfile(2) flavour
 * it knows. There "sendfile" is the read/write path itself, under that
 * path's name, so --version and the summary report what really moved the
 * bytes.
 */

#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <stdlib.h>

#include "backend.h"

/* The copy buffer, as --block-size's default: the engine frees it. */
#define SF_UNKNOWN_BUF	(64 * 1024)

static ssize_t	sf_unknown_send(const struct sf_chunk *, struct sf_scratch *);

/* No refusal to fall back on: this is the read/write path already. */
const struct backend sf_backend = { "readwrite", sf_unknown_send, NULL };

/*
 * The read/write backend's send, whose rules (rw.c) apply unchanged. The
 * engine gives a buffer only to --mode readwrite, so the first call here
 * allocates one in scratch, which the engine frees with the transfer.
 */
static ssize_t
sf_unknown_send(const struct sf_chunk *c, struct sf_scratch *scratch)
{
	if (scratch->buf == NULL) {
		if ((scratch->buf = malloc(SF_UNKNOWN_BUF)) == NULL)
			return -1;
		scratch->cap = SF_UNKNOWN_BUF;
		scratch->pos = scratch->len = 0;
		scratch->input_failed = 0;
	}
	return rw_backend.send(c, scratch);
}

