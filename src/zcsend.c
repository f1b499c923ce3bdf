/* SPDX-License-Identifier: ISC */
/*
 * zcsend: push a file, or a byte range of it, to a TCP receiver with the
 * kernel's sendfile(2). main is the dispatcher: it reads the command line
 * (options.c) and the header and trailer files it names (input.c), and
 * hands the run to its mode: push (push.c), listen (serve.c) or the
 * benchmark (bench.c). Each returns the exit status.
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "zcsend.h"

static int	guard_std_fds(void);

/*
 * Put /dev/null on any of descriptors 0 to 2 that is closed, before
 * anything else is opened and takes its number (the loop's self-pipe would
 * then be read as "-"). Standard output gets it read-only, so that a write
 * there still fails and the lost result is told. Returns whether standard
 * input was closed.
 */
static int
guard_std_fds(void)
{
	int	fd, closed_stdin = 0;

	for (fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
			continue;
		if (fd == 0)
			closed_stdin = 1;
		if (open("/dev/null", fd == 2 ? O_WRONLY : O_RDONLY) != fd)
			_exit(EXIT_OSERR);	/* nowhere to say it */
	}
	return closed_stdin;
}

int
main(int argc, char **argv)
{
	struct options	o;
	char		msg[256];
	int		status, closed_stdin;

	closed_stdin = guard_std_fds();
	if (msg_init() == -1 || loop_init() == -1)
		msg_exit(NULL, EXIT_OSERR, "signals: %s", strerror(errno));
	options_parse(argc, argv, &o);
	o.stdin_closed = closed_stdin;
	input_read_hdtr(&o);
	/* --checksum's library, before any connection (--tls: tls_setup). */
	if (o.checksum && checksum_load(msg, sizeof(msg)) == -1)
		msg_exit(&o, EXIT_OSERR, "%s", msg);
	if (o.bench)
		status = bench_main(&o);
	else if (o.listen)
		status = serve_main(&o);
	else
		status = push_main(&o);
	options_free(&o);
	return msg_end(status);
}
