/* SPDX-License-Identifier: ISC */
/*
 * A build without liburing: the io_uring backends exist but have no send
 * function, which zcsend -V, --mode and --bench read as "not built".
 */

#include "config.h"

#include <sys/types.h>

#include <stdio.h>

#include "zcsend.h"

const struct backend uring_splice_backend = { "io_uring-splice", NULL, NULL };
const struct backend uring_sendzc_backend = { "io_uring-sendzc", NULL, NULL };

const char *
uring_library(void)
{
	return NULL;
}

int
uring_probe(int sendzc, char *why, size_t whylen)
{
	(void)sendzc;
	snprintf(why, whylen, "io_uring: not built");
	return -1;
}
