/* SPDX-License-Identifier: ISC */
/*
 * Unit tests of src/xfer-exit.c: which exit status an errno becomes, the
 * message of a failed connect, and which status wins a run with several
 * outcomes.
 */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "engine.h"
#include "tap.h"

static int	et_errno_status(void);
static int	et_open_status(void);
static int	et_connect_error(void);
static int	et_severity(void);

static int
et_errno_status(void)
{
	CHECK(xfer_errno_status(ETIMEDOUT) == EXIT_TEMPFAIL);
	CHECK(xfer_errno_status(ENAMETOOLONG) == EXIT_USAGE);
	CHECK(xfer_errno_status(EMFILE) == EXIT_OSERR);
	CHECK(xfer_errno_status(ENFILE) == EXIT_OSERR);
	CHECK(xfer_errno_status(ENOBUFS) == EXIT_OSERR);
	CHECK(xfer_errno_status(ENOMEM) == EXIT_OSERR);
	CHECK(xfer_errno_status(ECONNREFUSED) == EXIT_UNAVAILABLE);
	CHECK(xfer_errno_status(ENETUNREACH) == EXIT_UNAVAILABLE);
	CHECK(xfer_errno_status(ENOENT) == EXIT_UNAVAILABLE);
	return TAP_PASS;
}

static int
et_open_status(void)
{
	CHECK(xfer_open_status(EMFILE) == EXIT_OSERR);
	CHECK(xfer_open_status(ENFILE) == EXIT_OSERR);
	CHECK(xfer_open_status(ENOMEM) == EXIT_OSERR);
	CHECK(xfer_open_status(ENOENT) == EXIT_NOINPUT);
	CHECK(xfer_open_status(EACCES) == EXIT_NOINPUT);
	CHECK(xfer_open_status(EISDIR) == EXIT_NOINPUT);
	return TAP_PASS;
}

static int
et_connect_error(void)
{
	char	msg[256], want[256];

	CHECK(xfer_connect_error(ETIMEDOUT, "h port 9", 2500, msg,
	    sizeof(msg)) == EXIT_TEMPFAIL);
	CHECK(strcmp(msg, "connect h port 9: timed out after 2.5 s") == 0);
	CHECK(xfer_connect_error(ECONNREFUSED, "h port 9", 2500, msg,
	    sizeof(msg)) == EXIT_UNAVAILABLE);
	snprintf(want, sizeof(want), "connect h port 9: %s",
	    strerror(ECONNREFUSED));
	CHECK(strcmp(msg, want) == 0);
	CHECK(xfer_connect_error(ENAMETOOLONG, "/a/path", 2500, msg,
	    sizeof(msg)) == EXIT_USAGE);
	snprintf(want, sizeof(want), "/a/path: %s", strerror(ENAMETOOLONG));
	CHECK(strcmp(msg, want) == 0);
	return TAP_PASS;
}

/*
 * An interrupt outranks zcsend's own trouble, which outranks data cut
 * short, then timeouts, then receivers never reached, then success.
 */
static int
et_severity(void)
{
	static const int order[] = { EXIT_OK, EXIT_NOHOST, EXIT_UNAVAILABLE,
	    EXIT_TEMPFAIL, EXIT_IOERR, EXIT_OSERR, EXIT_SIGINT };
	size_t	i;

	for (i = 1; i < sizeof(order) / sizeof(order[0]); i++)
		CHECK(exit_severity(order[i - 1]) < exit_severity(order[i]));
	CHECK(exit_severity(EXIT_PROTOCOL) == exit_severity(EXIT_OSERR));
	CHECK(exit_severity(EXIT_NOINPUT) == exit_severity(EXIT_OSERR));
	CHECK(exit_severity(EXIT_SIGHUP) == exit_severity(EXIT_SIGINT));
	CHECK(exit_severity(EXIT_SIGTERM) == exit_severity(EXIT_SIGINT));
	return TAP_PASS;
}

int
main(void)
{
	static const struct tap_test tests[] = {
		{ "errno to exit status", et_errno_status },
		{ "a file that cannot be opened: 66, or 71 out of resources",
		    et_open_status },
		{ "the message and status of a failed connect",
		    et_connect_error },
		{ "which status wins a run", et_severity },
	};

	return tap_run(tests, TAP_COUNT(tests));
}
