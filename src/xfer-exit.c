/* SPDX-License-Identifier: ISC */
/*
 * From errno to exit status, and which status wins: the one place an
 * errno becomes one of the sysexits codes (xfer_errno_status,
 * xfer_open_status, with xfer_connect_error's message), and the order of
 * severity that picks a run's status from several outcomes
 * (exit_severity). Pure functions: the unit test calls them directly.
 */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "engine.h"

/*
 * The exit status for a failure that errno err tells of (a connect, a
 * listen): the one place an errno becomes an exit code.
 */
int
xfer_errno_status(int err)
{
	switch (err) {
	case ETIMEDOUT:
		return EXIT_TEMPFAIL;
	case ENAMETOOLONG:
		return EXIT_USAGE;
	case EMFILE:
	case ENFILE:
	case ENOBUFS:
	case ENOMEM:
		return EXIT_OSERR;
	default:
		return EXIT_UNAVAILABLE;
	}
}

/*
 * The exit status for a file that could not be opened or read (the input,
 * a header or trailer file, a --to-file list): 71 when the system ran out
 * of descriptors or memory, else 66.
 */
int
xfer_open_status(int err)
{
	switch (err) {
	case EMFILE:
	case ENFILE:
	case ENOMEM:
		return EXIT_OSERR;
	default:
		return EXIT_NOINPUT;
	}
}

/*
 * The message for a failed connect to what ("HOST port PORT", or a socket
 * path) in msg; returns its exit status.
 */
int
xfer_connect_error(int err, const char *what, int timeout_ms, char *msg,
    size_t msglen)
{
	if (err == ETIMEDOUT)
		snprintf(msg, msglen, "connect %s: timed out after %g s", what,
		    timeout_ms / 1000.0);
	else if (err == ENAMETOOLONG)
		snprintf(msg, msglen, "%s: %s", what, strerror(err));
	else
		snprintf(msg, msglen, "connect %s: %s", what, strerror(err));
	return xfer_errno_status(err);
}

/*
 * Exit codes by how serious they are, for a run with several outcomes: an
 * interrupt, then trouble of zcsend's own (resources), then data cut
 * short, then timeouts, then receivers that could not be reached at all.
 */
int
exit_severity(int status)
{
	switch (status) {
	case EXIT_OK:
		return 0;
	case EXIT_NOHOST:
		return 1;
	case EXIT_UNAVAILABLE:
		return 2;
	case EXIT_TEMPFAIL:
		return 3;
	case EXIT_IOERR:
		return 4;
	case EXIT_SIGHUP:
	case EXIT_SIGINT:
	case EXIT_SIGTERM:
		return 6;
	default:
		return 5;
	}
}
