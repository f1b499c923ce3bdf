/* SPDX-License-Identifier: ISC */
/*
 * TLS for a build without OpenSSL (configure --without-openssl, or no
 * OpenSSL 3 found): tls_library() says there is none, and the command line
 * check refuses --tls before a context could be made, so no transfer ever
 * has tls_ops plugged in.
 */

#include "config.h"

#include <sys/types.h>

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "zcsend.h"

/* Empty: only a context (never made here) plugs it into a transfer. */
const struct tls_ops tls_ops;

/* NULL: this build has no TLS. */
const char *
tls_library(void)
{
	return NULL;
}

struct tls_ctx *
tls_ctx_new(const struct tls_options *t, int server, int *status, char *msg,
    size_t msglen)
{
	(void)t;
	(void)server;
	*status = EXIT_USAGE;
	/* zcsend's or zcrecv's: the program that was run. */
	snprintf(msg, msglen, "command line: --tls: this %s was built "
	    "without TLS (see %s -V)", getprogname(), getprogname());
	return NULL;
}

void
tls_ctx_free(struct tls_ctx *ctx)
{
	(void)ctx;
}
