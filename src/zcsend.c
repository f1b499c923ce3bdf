/* SPDX-License-Identifier: ISC */
/*
 * zcsend: push a file, or a byte range of it, to a TCP receiver with the
 * kernel's sendfile(2). main is the dispatcher: it reads the command line
 * (options.c) and hands the run to its mode: push (push.c), listen
 * (serve.c) or the benchmark (bench.c). Each returns the exit status.
 */

#include "config.h"

#include <errno.h>
#include <string.h>

#include "zcsend.h"

int
main(int argc, char **argv)
{
	struct options	o;
	int		status;

	if (loop_init() == -1)
		msg_exit(NULL, EXIT_OSERR, "signals: %s", strerror(errno));
	options_parse(argc, argv, &o);
	if (o.bench)
		status = bench_main(&o);
	else if (o.listen)
		status = serve_main(&o);
	else
		status = push_main(&o);
	options_free(&o);
	return status;
}
