/* SPDX-License-Identifier: ISC */
/*
 * The options zcsend and zcrecv share, spelled and meaning the same in
 * both: -4, -6, -l, -k, -U, -q, -v, --connect-timeout, --idle-timeout,
 * --progress, --json, --checksum, --ack, --resume and the --tls family.
 * One long-option list (OPTCORE_LONG_OPTIONS) and one reading of each
 * value, each checked as it is read; each program keeps the values in its
 * own options struct, under the same names (OPTCORE_MAP says where), and
 * adds its own options, and any rule of its own, around these. A bad value
 * exits 64 with one line naming the option and the value.
 */

#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <stdio.h>
#include <string.h>

#include "zcsend.h"

#define DEFAULT_CONNECT_MS	30000

/* The defaults of the shared options, on a zeroed struct. */
void
optcore_defaults(const struct optcore *c)
{
	*c->family = AF_UNSPEC;
	*c->connect_timeout_ms = DEFAULT_CONNECT_MS;
	*c->progress = PROGRESS_AUTO;
}

/*
 * Record one shared option (ch from getopt_long, arg its value), or exit
 * 64 for a bad value. Returns 1 if ch was a shared option, 0 if it is the
 * program's own (or getopt's '?' or ':').
 */
int
optcore_option(const struct optcore *c, int ch, const char *arg)
{
	switch (ch) {
	case '4':
		*c->family = AF_INET;
		break;
	case '6':
		*c->family = AF_INET6;
		break;
	case 'l':
		*c->listen = 1;
		break;
	case 'k':
		*c->keep_open = 1;
		break;
	case 'U':
		/* An empty path would bind or connect to no file at all. */
		if (*arg == '\0')
			msg_exit(NULL, EXIT_USAGE,
			    "command line: -U needs a path");
		*c->unix_socket = 1;
		*c->unix_path = arg;
		break;
	case 'q':
		*c->quiet = 1;
		break;
	case 'v':
		*c->verbose = 1;
		break;
	case OPT_CONNECT_TIMEOUT:
		*c->connect_timeout_ms = optcore_seconds("connect timeout",
		    arg);
		break;
	case OPT_IDLE_TIMEOUT:
		*c->idle_timeout_ms = optcore_seconds("idle timeout", arg);
		break;
	case OPT_PROGRESS:
		if (parse_progress(arg, c->progress) == -1)
			msg_exit(NULL, EXIT_USAGE, "progress %s: not auto, "
			    "tty, plain or none", arg);
		break;
	case OPT_JSON:
		*c->json = 1;
		break;
	case OPT_CHECKSUM:
		/* Whether this build can hash is each program's to say. */
		if (strcmp(arg, "sha256") != 0)
			msg_exit(NULL, EXIT_USAGE, "checksum %s: not sha256",
			    arg);
		*c->checksum = 1;
		break;
	case OPT_ACK:
		*c->ack = 1;
		break;
	case OPT_RESUME:
		*c->resume = 1;
		break;
	default:
		return tls_option(c->tls, ch, arg);
	}
	return 1;
}

/*
 * Once every option is read: refuse the --tls options that do not go with
 * each other or with -l or -U (exit 64), and let -q silence the display.
 */
void
optcore_finish(const struct optcore *c)
{
	char	msg[256];
	int	status;

	if ((status = tls_options_check(c->tls, *c->listen, *c->unix_socket,
	    msg, sizeof(msg))) != 0)
		msg_exit(NULL, status, "%s", msg);
	if (*c->quiet)
		*c->progress = PROGRESS_NONE;
}

/* The size arg of the option what names, or exit 64 saying why not. */
uint64_t
optcore_size(const char *what, const char *arg)
{
	const char	*errstr;
	uint64_t	 size;

	if (parse_size(arg, &size, &errstr) == -1)
		msg_exit(NULL, EXIT_USAGE, "%s %s: %s", what, arg, errstr);
	return size;
}

/* The seconds of arg in milliseconds, or exit 64 saying why not. */
int
optcore_seconds(const char *what, const char *arg)
{
	const char	*errstr;
	int		 ms;

	if (parse_seconds(arg, &ms, &errstr) == -1)
		msg_exit(NULL, EXIT_USAGE, "%s %s: %s", what, arg, errstr);
	return ms;
}
