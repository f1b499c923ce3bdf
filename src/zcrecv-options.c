/* SPDX-License-Identifier: ISC */
/*
 * zcrecv's command line: getopt_long into one struct recv_options, the
 * options zcsend has too read by optcore.c and zcrecv's own (--append,
 * --no-fsync, --max-size, --mode) here, each value checked as it is read;
 * then the operands and the combinations refused. Nothing here opens the
 * output or connects. A bad command line exits 64: one line naming the
 * culprit, or getopt's own message and the usage for an unknown option or
 * a missing operand; -h and -V print what zcrecv-usage.c has to say.
 */

#include "config.h"

#include <sys/types.h>
#include <sys/socket.h>

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "zcrecv.h"

/* zcrecv's own long options; the shared ones are in zcsend.h. */
enum {
	OPT_APPEND = OPT_CORE_LAST,
	OPT_NO_FSYNC,
	OPT_MAX_SIZE
};

/*
 * Its own first: getopt's message for an ambiguous abbreviation lists the
 * candidates in this order (--append before --ack, --max-size before
 * --mode).
 */
static const struct option longopts[] = {
	{ "append",		no_argument,		NULL, OPT_APPEND },
	{ "no-fsync",		no_argument,		NULL, OPT_NO_FSYNC },
	{ "max-size",		required_argument,	NULL, OPT_MAX_SIZE },
	OPTCORE_LONG_OPTIONS,
	{ NULL,			0,			NULL, 0 }
};

static void	recv_option(struct recv_options *, int);
static void	recv_args(struct recv_options *, int, char **);

/*
 * One option of zcrecv's own, or its own rule on a shared one that
 * optcore_option has read. Exits 64 (with the usage for one unknown).
 */
static void
recv_option(struct recv_options *o, int ch)
{
	switch (ch) {
	case 'h':
		recv_usage(EXIT_OK);
	case 'V':
		recv_version();
	case OPT_APPEND:
		o->append = 1;
		break;
	case OPT_NO_FSYNC:
		o->no_fsync = 1;
		break;
	case OPT_MAX_SIZE:
		o->max_size = optcore_size("max size", optarg);
		break;
	case OPT_MODE:
		if (strcmp(optarg, "splice") == 0)
			o->mode = RECV_SPLICE;
		else if (strcmp(optarg, "readwrite") == 0)
			o->mode = RECV_READWRITE;
		else
			msg_exit(NULL, EXIT_USAGE, "mode %s: not splice or "
			    "readwrite", optarg);
		break;
	/* zcrecv's own rules on two shared options. */
	case OPT_CONNECT_TIMEOUT:
		if (o->connect_timeout_ms == 0)
			msg_exit(NULL, EXIT_USAGE, "connect timeout %s: too "
			    "small", optarg);
		break;
	case OPT_CHECKSUM:
		if (!checksum_available())
			msg_exit(NULL, EXIT_USAGE, "checksum %s: built "
			    "without libcrypto or libmd", optarg);
		break;
	case '?':
	case ':':
		recv_usage(EXIT_USAGE);
	}
}

/* The operands: [address] port file, path file, or host port file. */
static void
recv_args(struct recv_options *o, int argc, char **argv)
{
	const char	*errstr;

	if (o->unix_socket) {
		if (argc != 1)
			recv_usage(EXIT_USAGE);
		o->port = o->unix_path;
		o->path = argv[0];
	} else if (o->listen) {
		if (argc == 3)
			o->listen_addr = *argv++;
		else if (argc != 2)
			recv_usage(EXIT_USAGE);
		o->port = argv[0];
		o->path = argv[1];
	} else {
		if (argc != 3)
			recv_usage(EXIT_USAGE);
		o->host = argv[0];
		o->port = argv[1];
		o->path = argv[2];
	}
	/* -l port 0: the system picks one, and zcrecv says which. */
	if (!o->unix_socket && !(o->listen && strcmp(o->port, "0") == 0) &&
	    parse_port(o->port, &errstr) == -1)
		msg_exit(NULL, EXIT_USAGE, "port %s: %s", o->port, errstr);
	if (*o->path == '\0')
		msg_exit(NULL, EXIT_USAGE, "file: an empty name");
	if (strcmp(o->path, "-") == 0 && o->append)
		msg_exit(NULL, EXIT_USAGE, "command line: %s needs a file, "
		    "not -", o->resume ? "--resume" : "--append");
}

/*
 * Fill o from the command line, or exit 64 telling what is wrong (0 for
 * -h and -V).
 */
void
recv_options_parse(int argc, char **argv, struct recv_options *o)
{
	const struct optcore core = OPTCORE_MAP(o);
	int	ch;

	memset(o, 0, sizeof(*o));
	optcore_defaults(&core);
	o->max_size = RECV_NO_LIMIT;
	o->mode = RECV_SPLICE;
	while ((ch = getopt_long(argc, argv, "46hklqU:vV", longopts,
	    NULL)) != -1) {
		optcore_option(&core, ch, optarg);
		recv_option(o, ch);
	}
	/* --resume appends from where the file ends. */
	if (o->resume)
		o->append = 1;
	recv_args(o, argc - optind, argv + optind);
	if (o->quiet && o->verbose)
		msg_exit(NULL, EXIT_USAGE, "command line: -q and -v exclude "
		    "each other");
	if (o->keep_open && !o->listen)
		msg_exit(NULL, EXIT_USAGE, "command line: -k goes with -l");
	/* Each sender would go on where the one before stopped. */
	if (o->keep_open && o->resume)
		msg_exit(NULL, EXIT_USAGE, "command line: --resume does not go "
		    "with -k");
	if (o->unix_socket && o->family != AF_UNSPEC)
		msg_exit(NULL, EXIT_USAGE, "command line: -4 and -6 are for "
		    "TCP, not -U");
	optcore_finish(&core);
}
