/* SPDX-License-Identifier: ISC */
/*
 * The command line: getopt_long over every option into one struct options,
 * then the positional arguments each mode takes, checked on their own
 * after the options (as nc checks its arguments after getopt). Parsing only
 * parses and validates: nothing here connects, opens the input or starts a
 * benchmark. A bad command line exits 64 with one line naming the culprit.
 */

#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "zcsend.h"

#define DEFAULT_BLOCK_SIZE	((size_t)64 * 1024)
#define DEFAULT_MAX_CHUNK	((size_t)512 * 1024)
#define DEFAULT_CONNECT_MS	30000
#define DEFAULT_CLOSE_MS	30000
#define MAX_RETRY_DELAY_MS	60000	/* retry.c caps its backoff there */
#define MAX_DESTS		1000
#define NELEM(a)		(sizeof(a) / sizeof((a)[0]))

/* Long options without a short form; the --tls ones are in zcsend.h. */
enum {
	OPT_HEADER_FILE = 256,
	OPT_TRAILER_FILE,
	OPT_MODE,
	OPT_NO_SENDFILE,
	OPT_BLOCK_SIZE,
	OPT_MAX_CHUNK,
	OPT_SF_FLAGS,
	OPT_CONNECT_TIMEOUT,
	OPT_IDLE_TIMEOUT,
	OPT_CLOSE_TIMEOUT,
	OPT_PROGRESS,
	OPT_JSON,
	OPT_RATE,
	OPT_BENCH,
	OPT_SIZE,
	OPT_ROUNDS,
	OPT_BLOCK_SIZES,
	OPT_TO,
	OPT_FAIL_FAST,
	OPT_MAX_CLIENTS,
	OPT_MAX_CONNS,
	OPT_RETRY,
	OPT_RETRY_DELAY,
	OPT_TO_FILE,
	OPT_SNDBUF,
	OPT_TOS,
	OPT_CHECKSUM,
	OPT_CACHE,
	OPT_CSV,
	OPT_ACK,
	OPT_RESUME,
	OPT_LAST
};

static const struct option long_options[] = {
	{ "offset",		required_argument,	NULL, 'o' },
	{ "count",		required_argument,	NULL, 'n' },
	{ "header",		required_argument,	NULL, 'H' },
	{ "trailer",		required_argument,	NULL, 'T' },
	{ "header-file",	required_argument,	NULL, OPT_HEADER_FILE },
	{ "trailer-file",	required_argument,	NULL, OPT_TRAILER_FILE },
	{ "mode",		required_argument,	NULL, OPT_MODE },
	{ "no-sendfile",	no_argument,		NULL, OPT_NO_SENDFILE },
	{ "block-size",		required_argument,	NULL, OPT_BLOCK_SIZE },
	{ "max-chunk",		required_argument,	NULL, OPT_MAX_CHUNK },
	{ "sf-flags",		required_argument,	NULL, OPT_SF_FLAGS },
	{ "connect-timeout",	required_argument,	NULL, OPT_CONNECT_TIMEOUT },
	{ "idle-timeout",	required_argument,	NULL, OPT_IDLE_TIMEOUT },
	{ "close-timeout",	required_argument,	NULL, OPT_CLOSE_TIMEOUT },
	{ "progress",		required_argument,	NULL, OPT_PROGRESS },
	{ "quiet",		no_argument,		NULL, 'q' },
	{ "json",		no_argument,		NULL, OPT_JSON },
	{ "rate",		required_argument,	NULL, OPT_RATE },
	{ "bench",		no_argument,		NULL, OPT_BENCH },
	{ "size",		required_argument,	NULL, OPT_SIZE },
	{ "rounds",		required_argument,	NULL, OPT_ROUNDS },
	{ "block-sizes",	required_argument,	NULL, OPT_BLOCK_SIZES },
	{ "cache",		required_argument,	NULL, OPT_CACHE },
	{ "csv",		no_argument,		NULL, OPT_CSV },
	{ "to",			required_argument,	NULL, OPT_TO },
	{ "fail-fast",		no_argument,		NULL, OPT_FAIL_FAST },
	{ "listen",		no_argument,		NULL, 'l' },
	{ "keep-open",		no_argument,		NULL, 'k' },
	{ "max-clients",	required_argument,	NULL, OPT_MAX_CLIENTS },
	{ "max-conns",		required_argument,	NULL, OPT_MAX_CONNS },
	{ "retry",		required_argument,	NULL, OPT_RETRY },
	{ "retry-delay",	required_argument,	NULL, OPT_RETRY_DELAY },
	{ "to-file",		required_argument,	NULL, OPT_TO_FILE },
	{ "source",		required_argument,	NULL, 's' },
	{ "source-port",	required_argument,	NULL, 'p' },
	{ "sndbuf",		required_argument,	NULL, OPT_SNDBUF },
	{ "tos",		required_argument,	NULL, OPT_TOS },
	{ "checksum",		required_argument,	NULL, OPT_CHECKSUM },
	{ "ack",		no_argument,		NULL, OPT_ACK },
	{ "resume",		no_argument,		NULL, OPT_RESUME },
	{ "verbose",		no_argument,		NULL, 'v' },
	{ "help",		no_argument,		NULL, 'h' },
	{ "version",		no_argument,		NULL, 'V' },
	TLS_LONG_OPTIONS,
	{ NULL,			0,			NULL, 0 }
};


static __dead void	usage(int);
static __dead void	version(void);
static void		options_defaults(struct options *);
static int		option_general(struct options *, int, const char **);
static int		option_transfer(struct options *, int);
static int		option_bench(struct options *, int);
static int		option_deploy(struct options *, int, const char **);
static void		options_deploy_check(struct options *);
static void		options_source_dups(const struct options *);
static void		options_args(struct options *, int, char **,
			    const char **, const char *, int);
static void		options_combos(const unsigned char *);
static __dead void	option_error(int, char **);
static int		option_cmp(const void *, const void *);
static void		args_bench(struct options *, int, char **);
static void		args_listen(struct options *, int, char **);
static uint64_t		option_size(const char *, const char *);
static int		option_seconds(const char *, const char *);
static void		option_bytes(const char *, const char *, struct bytes *);
static void		add_dest(struct options *, const char *, const char *,
			    int);
static int		add_dest_line(void *, const char *, const char *,
			    const char **);

/*
 * -h: the synopsis, then every option with a line of its own, in groups,
 * as nc, curl and pv list theirs; in step with zcsend.1.
 */
static __dead void
usage(int status)
{
	FILE		*out = status == 0 ? stdout : stderr;
	const char	*p = getprogname();

	fprintf(out,
	    "usage: %s [options] host port file\n"
	    "       %s [options] file --to host:port [--to host:port ...]\n"
	    "       %s [options] file --to-file file [--to host:port ...]\n"
	    "       %s [options] -U path file\n"
	    "       %s [options] -l [-k] [address] port file\n"
	    "       %s [options] -l -U path file\n"
	    "       %s --bench [options] [host port] [file]\n",
	    p, p, p, p, p, p, p);
	/* Longer than stdio's buffer: a failed write is seen only here. */
	if (fputs(
	    "\n"
	    "Transfer:\n"
	    "  -o, --offset offset      start at byte offset of file (default 0)\n"
	    "  -n, --count count        send count bytes (default: to the end)\n"
	    "  -H, --header header      send header first (C escapes decoded)\n"
	    "  -T, --trailer trailer    send trailer last (C escapes decoded)\n"
	    "      --header-file file   send the bytes of file first\n"
	    "      --trailer-file file  send the bytes of file last\n"
	    "      --mode mode          sendfile (default), splice, readwrite, "
	    "mmap,\n"
	    "                           msg_zerocopy, io_uring-splice or "
	    "io_uring-sendzc\n"
	    "      --no-sendfile        the same as --mode readwrite\n"
	    "      --block-size size    read/write buffer size (default 64K)\n"
	    "      --max-chunk size     most file bytes per call (default 512K)\n"
	    "      --rate rate          send at most rate bytes a second\n"
	    "      --sf-flags list      FreeBSD sendfile flags, comma-separated\n"
	    "      --checksum sha256    print the SHA-256 of the file bytes sent\n"
	    "      --ack                exit 0 only on the receiver's ok "
	    "(zcrecv --ack)\n"
	    "      --resume             send from the receiver's offset "
	    "(zcrecv --resume)\n"
	    "  -4                       use IPv4 addresses only\n"
	    "  -6                       use IPv6 addresses only\n"
	    "\n"
	    "Destinations:\n"
	    "      --to host:port       send to host:port; once per receiver\n"
	    "  -U path                  send to the Unix domain socket path\n"
	    "      --to-file file       send to each host:port line of file\n"
	    "      --fail-fast          stop every transfer at the first failure\n"
	    "      --retry n            retry a refused or timed-out connect n "
	    "times\n"
	    "      --retry-delay s      first wait between tries (default 1)\n"
	    "  -s, --source addr        connect from local address addr\n"
	    "  -p, --source-port port   connect from local port port\n"
	    "      --sndbuf size        socket send buffer size (SO_SNDBUF)\n"
	    "      --tos value          IP TOS/traffic class: DSCP name or "
	    "number\n"
	    "\n"
	    "Listen:\n"
	    "  -l, --listen             wait for a receiver to connect instead\n"
	    "  -k, --keep-open          with -l, serve every client, not one\n"
	    "      --max-clients n      with -l -k, exit after n clients\n"
	    "      --max-conns n        with -l, clients at a time (default 1; "
	    "-k: 64)\n"
	    "\n"
	    "TLS:\n"
	    "      --tls                encrypt with TLS: pushes, --to, -U, -l\n"
	    "      --tls-ca file        trust the CAs in file, not the system's\n"
	    "      --tls-cert file      present this certificate (-l: required)\n"
	    "      --tls-key file       the key of --tls-cert\n"
	    "      --tls-servername n   verify n and send it as SNI, not the "
	    "host\n"
	    "      --tls-insecure       do not verify the receiver's certificate\n"
	    "      --tls-verify-client  with -l, require a client certificate\n"
	    "\n"
	    "Timeouts in seconds:\n"
	    "      --connect-timeout s  connecting may take s (default 30)\n"
	    "      --idle-timeout s     fail when nothing moves for s (default 0, "
	    "none);\n"
	    "                           set one with -l -k: clients that never read\n"
	    "                           hold their --max-conns slots until they "
	    "leave\n"
	    "      --close-timeout s    wait s for the receiver to close "
	    "(default 30)\n"
	    "\n"
	    "Output:\n"
	    "      --progress mode      auto (default), tty, plain or none\n"
	    "  -q, --quiet              print only errors: no progress, no "
	    "summary\n"
	    "  -v, --verbose            tell connects, fallbacks and segments\n"
	    "      --json               print the outcome as JSON on stdout\n"
	    "  -h, --help               print this help and exit\n"
	    "  -V, --version            print the version and backends and exit\n"
	    "\n"
	    "Bench:\n"
	    "      --bench              measure the ways of sending instead\n"
	    "      --size list          with --bench, the file sizes to make "
	    "(default 1G)\n"
	    "      --cache state        with --bench, warm (default), cold or "
	    "both\n"
	    "      --csv                with --bench, one CSV row per run\n"
	    "      --rounds n           with --bench, rounds to run (default 5)\n"
	    "      --block-sizes list   read/write sizes to measure "
	    "(default 16K,64K,128K)\n"
	    "\n"
	    "Sizes take K, M, G or T (powers of 1024). See zcsend(1).\n",
	    out) == EOF && out == stdout)
		msg_stdout_failed(errno);
	exit(status);
}

static __dead void
version(void)
{
	printf("%s %s\n", getprogname(), PACKAGE_VERSION);
	printf("backends:");
	if (sf_backend.send != rw_backend.send)
		printf(" %s (%s),", sf_backend.name, SF_BACKEND);
	if (splice_backend.send != NULL)
		printf(" %s,", splice_backend.name);
	printf(" %s\n", rw_backend.name);
	printf("tls: %s\n", tls_library() != NULL ? tls_library() :
	    "none (built without OpenSSL)");
	printf("more modes: %s%s\n", mmap_backend.name,
	    zerocopy_backend.send != NULL ? ", msg_zerocopy" : "");
	if (uring_library() != NULL)
		printf("io_uring: %s (io_uring-splice, io_uring-sendzc)\n",
		    uring_library());
	else
		printf("io_uring: not built\n");
	exit(EXIT_OK);
}

static uint64_t
option_size(const char *what, const char *arg)
{
	const char	*errstr;
	uint64_t	 size;

	if (parse_size(arg, &size, &errstr) == -1)
		msg_exit(NULL, EXIT_USAGE, "%s %s: %s", what, arg, errstr);
	return size;
}

static int
option_seconds(const char *what, const char *arg)
{
	const char	*errstr;
	int		 ms;

	if (parse_seconds(arg, &ms, &errstr) == -1)
		msg_exit(NULL, EXIT_USAGE, "%s %s: %s", what, arg, errstr);
	return ms;
}

static void
option_bytes(const char *what, const char *arg, struct bytes *out)
{
	const char	*errstr;

	free(out->data);
	if (parse_escapes(arg, out, &errstr) == -1)
		msg_exit(NULL, EXIT_USAGE, "%s %s: %s", what, arg, errstr);
}

/* Append a destination; port is checked (and resolved if a service). */
static void
add_dest(struct options *o, const char *host, const char *port, int unix_path)
{
	struct dest	*d;
	const char	*errstr = NULL;
	int		 portnum = 0;

	if (!unix_path && (portnum = parse_port(port, &errstr)) == -1)
		msg_exit(NULL, EXIT_USAGE, "port %s: %s", port, errstr);
	if (strlen(host) >= sizeof(d->host))
		msg_exit(NULL, EXIT_USAGE, "host %.40s...: too long", host);
	o->dests = reallocarray(o->dests, o->ndests + 1, sizeof(*o->dests));
	if (o->dests == NULL)
		msg_exit(NULL, EXIT_OSERR, "destinations: %s", strerror(errno));
	d = &o->dests[o->ndests++];
	memset(d, 0, sizeof(*d));
	snprintf(d->host, sizeof(d->host), "%s", host);
	if (unix_path) {
		snprintf(d->peer, sizeof(d->peer), "%s", host);
		return;
	}
	snprintf(d->port, sizeof(d->port), "%s", port);
	snprintf(d->portnum, sizeof(d->portnum), "%d", portnum);
	snprintf(d->peer, sizeof(d->peer), "%s port %s", host, port);
}

/* One destination of a --to-file or a --to; refused past the limit. */
static int
add_dest_line(void *arg, const char *host, const char *port,
    const char **errstr)
{
	struct options	*o = arg;

	if (o->ndests >= MAX_DESTS) {
		*errstr = "more than 1000 destinations";
		return -1;
	}
	add_dest(o, host, port, 0);
	return 0;
}

static void
options_defaults(struct options *o)
{
	memset(o, 0, sizeof(*o));
	o->family = AF_UNSPEC;
	o->count = COUNT_TO_EOF;
	o->mode = MODE_SENDFILE;
	o->block_size = DEFAULT_BLOCK_SIZE;
	o->max_chunk = DEFAULT_MAX_CHUNK;
	o->connect_timeout_ms = DEFAULT_CONNECT_MS;
	o->close_timeout_ms = DEFAULT_CLOSE_MS;
	o->progress = PROGRESS_AUTO;
	o->bench_size = (uint64_t)1024 * 1024 * 1024;
	o->bench_sizes[0] = o->bench_size;
	o->bench_nsizes = 1;
	o->bench_cache = BENCH_WARM;
	o->bench_rounds = 5;
	o->bench_block_sizes[0] = (size_t)16 * 1024;
	o->bench_block_sizes[1] = (size_t)64 * 1024;
	o->bench_block_sizes[2] = (size_t)128 * 1024;
	o->bench_nblock_sizes = 3;
	o->retry_delay_ms = 1000;
	o->sockopts.tos = -1;
}

/*
 * Options that choose the mode and what is reported. A --to argument is
 * only handed back in *to_arg here; options_args checks it. Returns 0 when
 * ch is not one of these.
 */
static int
option_general(struct options *o, int ch, const char **to_arg)
{
	const char	*errstr = NULL;

	switch (ch) {
	case '4':
		o->family = AF_INET;
		break;
	case '6':
		o->family = AF_INET6;
		break;
	case 'h':
		usage(EXIT_OK);
	case 'q':
		o->quiet = 1;
		break;
	case 'v':
		o->verbose = 1;
		break;
	case 'V':
		version();
	case OPT_PROGRESS:
		if (parse_progress(optarg, &o->progress) == -1)
			msg_exit(NULL, EXIT_USAGE, "progress %s: not auto, "
			    "tty, plain or none", optarg);
		break;
	case OPT_JSON:
		o->json = 1;
		break;
	case OPT_TO:
		o->multi = 1;
		*to_arg = optarg;
		break;
	case OPT_FAIL_FAST:
		o->fail_fast = 1;
		break;
	case 'l':
		o->listen = 1;
		break;
	case 'k':
		o->keep_open = 1;
		break;
	case 'U':
		/* An empty path would bind or connect to no file at all. */
		if (*optarg == '\0')
			msg_exit(NULL, EXIT_USAGE, "command line: -U needs a "
			    "path");
		o->unix_socket = 1;
		o->unix_path = optarg;
		break;
	case OPT_MAX_CLIENTS:
		o->max_clients = (uint64_t)strtonum(optarg, 1, LLONG_MAX,
		    &errstr);
		if (errstr != NULL)
			msg_exit(NULL, EXIT_USAGE, "max clients %s: %s",
			    optarg, errstr);
		break;
	case OPT_MAX_CONNS:
		o->max_conns = (size_t)strtonum(optarg, 1, MAX_DESTS, &errstr);
		if (errstr != NULL)
			msg_exit(NULL, EXIT_USAGE, "max conns %s: %s", optarg,
			    errstr);
		break;
	default:
		return 0;
	}
	return 1;
}

/* Options that shape what is sent and how. Returns 0 if ch is not one. */
static int
option_transfer(struct options *o, int ch)
{
	const char	*errstr = NULL;

	switch (ch) {
	case 'H':
		option_bytes("header", optarg, &o->header);
		o->header_file = NULL;
		break;
	case 'T':
		option_bytes("trailer", optarg, &o->trailer);
		o->trailer_file = NULL;
		break;
	case OPT_HEADER_FILE:
		o->header_file = optarg;	/* read once parsed */
		break;
	case OPT_TRAILER_FILE:
		o->trailer_file = optarg;
		break;
	case 'n':
		o->count = option_size("count", optarg);
		break;
	case 'o':
		o->offset = option_size("offset", optarg);
		o->offset_set = 1;
		break;
	case OPT_MODE:
		if (mode_parse(optarg, &o->mode, &errstr) == -1)
			msg_exit(NULL, EXIT_USAGE, "mode %s: not %s", optarg,
			    errstr);
		break;
	case OPT_NO_SENDFILE:
		o->mode = MODE_READWRITE;
		break;
	case OPT_BLOCK_SIZE:
		o->block_size = option_size("block size", optarg);
		if (o->block_size == 0 || o->block_size > SF_MAX_CALL)
			msg_exit(NULL, EXIT_USAGE, "block size %s: out of "
			    "range", optarg);
		break;
	case OPT_MAX_CHUNK:
		o->max_chunk = option_size("max chunk", optarg);
		if (o->max_chunk == 0 || o->max_chunk > SF_MAX_CALL)
			msg_exit(NULL, EXIT_USAGE, "max chunk %s: out of "
			    "range", optarg);
		break;
	case OPT_SF_FLAGS:
		if (sf_parse_flags(optarg, &o->sf_flags, &errstr) == -1)
			msg_exit(NULL, EXIT_USAGE, "sf-flags %s: %s", optarg,
			    errstr);
		break;
	case OPT_CONNECT_TIMEOUT:
		o->connect_timeout_ms = option_seconds("connect timeout",
		    optarg);
		break;
	case OPT_IDLE_TIMEOUT:
		o->idle_timeout_ms = option_seconds("idle timeout", optarg);
		break;
	case OPT_CLOSE_TIMEOUT:
		o->close_timeout_ms = option_seconds("close timeout", optarg);
		break;
	case OPT_RATE:
		if (parse_rate(optarg, &o->rate, &errstr) == -1)
			msg_exit(NULL, EXIT_USAGE, "rate %s: %s", optarg,
			    errstr);
		break;
	default:
		return 0;
	}
	return 1;
}

/* The --bench options. Returns 0 if ch is not one. */
static int
option_bench(struct options *o, int ch)
{
	const char	*errstr = NULL;

	switch (ch) {
	case OPT_BENCH:
		o->bench = 1;
		break;
	case OPT_SIZE:
		if (parse_sizes(optarg, o->bench_sizes, BENCH_MAX_SIZES,
		    UINT64_MAX, &o->bench_nsizes, &errstr) == -1)
			msg_exit(NULL, EXIT_USAGE, "size %s: %s", optarg,
			    errstr);
		o->bench_size = o->bench_sizes[0];
		o->bench_size_set = 1;
		break;
	case OPT_CACHE:
		if (bench_parse_cache(optarg, &o->bench_cache) == -1)
			msg_exit(NULL, EXIT_USAGE, "cache %s: not warm, cold "
			    "or both", optarg);
		break;
	case OPT_CSV:
		o->bench_csv = 1;
		break;
	case OPT_ROUNDS:
		o->bench_rounds = (int)strtonum(optarg, 1, 100, &errstr);
		if (errstr != NULL)
			msg_exit(NULL, EXIT_USAGE, "rounds %s: %s", optarg,
			    errstr);
		break;
	case OPT_BLOCK_SIZES:
		if (parse_size_list(optarg, o->bench_block_sizes,
		    BENCH_MAX_BLOCK_SIZES, &o->bench_nblock_sizes,
		    &errstr) == -1)
			msg_exit(NULL, EXIT_USAGE, "block sizes %s: %s",
			    optarg, errstr);
		break;
	default:
		return 0;
	}
	return 1;
}

/*
 * The command-line error getopt_long returned ch ('?' or ':') for, in the
 * words of getopt_long's own messages (opterr is 0 so that every message
 * takes the one message path). A long option is named as typed, up to any
 * '=', and an abbreviation by the option it stands for.
 */
static __dead void
option_error(int ch, char **argv)
{
	const struct option	*lo, *match = NULL;
	const char		*arg = argv[optind - 1], *name, *eq;
	const char		*cands[sizeof(long_options) /
				    sizeof(long_options[0])];
	char			 list[1024];
	size_t			 len, n = 0, i, used;

	name = arg + 2;
	len = (eq = strchr(name, '=')) != NULL ? (size_t)(eq - name) :
	    strlen(name);
	for (lo = long_options; lo->name != NULL; lo++) {
		if (strncmp(lo->name, name, len) != 0)
			continue;
		match = lo;
		if (strlen(lo->name) == len) {
			n = 1;		/* an exact match beats abbreviations */
			break;
		}
		cands[n++] = lo->name;
	}
	/*
	 * A short option's error leaves optopt at its letter, and optind may
	 * still point past an earlier argument: a long option's error has
	 * optopt 0 or its own value.
	 */
	if (strncmp(arg, "--", 2) != 0 || len == 0 || (optopt != 0 &&
	    (n != 1 || match->val != optopt))) {
		if (ch == ':')
			msg_exit(NULL, EXIT_USAGE, "command line: option -%c "
			    "needs a value", optopt);
		msg_exit(NULL, EXIT_USAGE, "command line: unknown option -%c",
		    optopt);
	}
	if (n == 0)
		msg_exit(NULL, EXIT_USAGE, "command line: unknown option "
		    "--%.*s", (int)len, name);
	if (n > 1) {
		qsort(cands, n, sizeof(cands[0]), option_cmp);
		for (i = used = 0; i < n && used < sizeof(list); i++)
			used += (size_t)snprintf(list + used,
			    sizeof(list) - used, " '--%s'", cands[i]);
		msg_exit(NULL, EXIT_USAGE, "command line: option '--%.*s' is "
		    "ambiguous; possibilities:%s", (int)len, name, list);
	}
	if (ch == ':')
		msg_exit(NULL, EXIT_USAGE, "command line: option --%s needs a "
		    "value", match->name);
	if (eq != NULL && match->has_arg == no_argument)
		msg_exit(NULL, EXIT_USAGE, "command line: option '--%s' "
		    "doesn't allow an argument", match->name);
	msg_exit(NULL, EXIT_USAGE, "command line: unknown option --%.*s",
	    (int)len, name);
}

static int
option_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * Options that mean nothing in the form given, refused rather than
 * ignored, in the order the man page lists them; seen[ch] is set for each
 * option given.
 */
static void
options_combos(const unsigned char *seen)
{
	static const struct {
		int		 ch;
		const char	*name;
	} bench_only[] = {
		{ OPT_ROUNDS, "--rounds" },
		{ OPT_SIZE, "--size" },
		{ OPT_BLOCK_SIZES, "--block-sizes" },
		{ OPT_CACHE, "--cache" },
		{ OPT_CSV, "--csv" }
	}, not_bench[] = {
		{ OPT_TO, "--to" },
		{ 'o', "-o" },
		{ 'n', "-n" },
		{ 'H', "-H" },
		{ 'T', "-T" },
		{ OPT_HEADER_FILE, "--header-file" },
		{ OPT_TRAILER_FILE, "--trailer-file" },
		{ OPT_TO_FILE, "--to-file" },
		{ OPT_CHECKSUM, "--checksum" },
		{ OPT_ACK, "--ack" },
		{ OPT_RESUME, "--resume" },
		{ OPT_RETRY, "--retry" },
		{ OPT_RETRY_DELAY, "--retry-delay" },
		{ 's', "-s" },
		{ 'p', "-p" },
		{ OPT_SNDBUF, "--sndbuf" },
		{ OPT_TOS, "--tos" },
		{ OPT_FAIL_FAST, "--fail-fast" },
		{ OPT_MODE, "--mode" },
		{ OPT_NO_SENDFILE, "--no-sendfile" },
		{ OPT_BLOCK_SIZE, "--block-size" },
		{ 'l', "-l" },
		{ 'U', "-U" }
	}, listen_only[] = {
		{ 'k', "-k" },
		{ OPT_MAX_CLIENTS, "--max-clients" },
		{ OPT_MAX_CONNS, "--max-conns" }
	}, not_listen[] = {
		{ OPT_TO, "--to" },
		{ OPT_TO_FILE, "--to-file" },
		{ OPT_FAIL_FAST, "--fail-fast" }
	}, not_unix[] = {
		{ OPT_TO, "--to" },
		{ OPT_TO_FILE, "--to-file" }
	};
	size_t	i;

	for (i = 0; seen[OPT_BENCH] && i < NELEM(not_bench); i++)
		if (seen[not_bench[i].ch])
			msg_exit(NULL, EXIT_USAGE, "command line: %s does not "
			    "go with --bench", not_bench[i].name);
	for (i = 0; !seen[OPT_BENCH] && i < NELEM(bench_only); i++)
		if (seen[bench_only[i].ch])
			msg_exit(NULL, EXIT_USAGE, "command line: %s goes with "
			    "--bench", bench_only[i].name);
	if (seen[OPT_RETRY_DELAY] && !seen[OPT_RETRY])
		msg_exit(NULL, EXIT_USAGE, "command line: --retry-delay goes "
		    "with --retry");
	if (seen[OPT_MAX_CLIENTS] && !seen['k'])
		msg_exit(NULL, EXIT_USAGE, "command line: --max-clients goes "
		    "with -k");
	for (i = 0; !seen['l'] && i < NELEM(listen_only); i++)
		if (seen[listen_only[i].ch])
			msg_exit(NULL, EXIT_USAGE, "command line: %s goes with "
			    "-l", listen_only[i].name);
	for (i = 0; seen['l'] && i < NELEM(not_listen); i++)
		if (seen[not_listen[i].ch])
			msg_exit(NULL, EXIT_USAGE, "command line: %s does not "
			    "go with -l", not_listen[i].name);
	/* -U names the one receiver: --to would add others. */
	for (i = 0; seen['U'] && i < NELEM(not_unix); i++)
		if (seen[not_unix[i].ch])
			msg_exit(NULL, EXIT_USAGE, "command line: %s does not "
			    "go with -U", not_unix[i].name);
	if (seen[OPT_CSV] && seen[OPT_JSON])
		msg_exit(NULL, EXIT_USAGE, "command line: --csv and --json do "
		    "not go together");
	if (seen['q'] && seen['v'])
		msg_exit(NULL, EXIT_USAGE, "command line: -q and -v do not go "
		    "together");
}

/*
 * The deployment options: --retry, --retry-delay, -s, -p, --sndbuf, --tos,
 * --checksum, and --to-file, whose path is only handed back in *to_file
 * (options_args reads it, in order with the --to destinations). Returns 0
 * if ch is not one of them.
 */
static int
option_deploy(struct options *o, int ch, const char **to_file)
{
	const char	*errstr = NULL;
	uint64_t	 size;

	switch (ch) {
	case OPT_RETRY:
		o->retry = (int)strtonum(optarg, 0, 1000, &errstr);
		if (errstr != NULL)
			msg_exit(NULL, EXIT_USAGE, "retry %s: %s", optarg,
			    errstr);
		o->retry_set = 1;
		break;
	case OPT_RETRY_DELAY:
		o->retry_delay_ms = option_seconds("retry delay", optarg);
		/* The backoff is capped there: a longer first wait is not. */
		if (o->retry_delay_ms > MAX_RETRY_DELAY_MS)
			msg_exit(NULL, EXIT_USAGE, "retry delay %s: more than "
			    "%d s, the longest wait between tries", optarg,
			    MAX_RETRY_DELAY_MS / 1000);
		break;
	case OPT_TO_FILE:
		o->multi = 1;
		*to_file = optarg;
		break;
	case 's':
		if (*optarg == '\0')
			msg_exit(NULL, EXIT_USAGE, "command line: -s needs an "
			    "address, not an empty string");
		o->sockopts.src_addr = optarg;
		break;
	case 'p':
		if (parse_port(optarg, &errstr) == -1)
			msg_exit(NULL, EXIT_USAGE, "source port %s: %s",
			    optarg, errstr);
		o->sockopts.src_port = optarg;
		break;
	case OPT_SNDBUF:
		size = option_size("sndbuf", optarg);
		if (size == 0 || size > SOCKOPT_MAX_SNDBUF)
			msg_exit(NULL, EXIT_USAGE, "sndbuf %s: out of range",
			    optarg);
		o->sockopts.sndbuf = (int)size;
		break;
	case OPT_TOS:
		if (sockopt_parse_tos(optarg, &o->sockopts.tos, &errstr) == -1)
			msg_exit(NULL, EXIT_USAGE, "tos %s: %s", optarg,
			    errstr);
		break;
	case OPT_CHECKSUM:
		if (strcmp(optarg, "sha256") != 0)
			msg_exit(NULL, EXIT_USAGE, "checksum %s: not sha256",
			    optarg);
		if (!checksum_available())
			msg_exit(NULL, EXIT_USAGE, "checksum %s: not built in",
			    optarg);
		o->checksum = 1;
		break;
	case OPT_ACK:
		o->ack = 1;
		break;
	case OPT_RESUME:
		o->resume = 1;
		break;
	default:
		return 0;
	}
	return 1;
}

/* The deployment options that do not go with the mode chosen. */
static void
options_deploy_check(struct options *o)
{
	if (o->listen && (o->retry_set || o->sockopts.src_addr != NULL ||
	    o->sockopts.src_port != NULL))
		msg_exit(NULL, EXIT_USAGE, "command line: --retry, -s and -p "
		    "go with a push, not -l");
	if (o->unix_socket && (o->retry_set || o->sockopts.src_addr !=
	    NULL || o->sockopts.src_port != NULL || o->sockopts.tos != -1))
		msg_exit(NULL, EXIT_USAGE, "command line: --retry, -s, -p and "
		    "--tos go with TCP, not -U");
	/* The acknowledgement is waited for within the close timeout. */
	if (o->ack && o->close_timeout_ms == 0)
		msg_exit(NULL, EXIT_USAGE, "command line: --ack waits for the "
		    "receiver within --close-timeout, which cannot be 0");
	/* The receiver's offset counts file bytes only. */
	if (o->resume && (o->header.len > 0 || o->trailer.len > 0 ||
	    o->header_file != NULL || o->trailer_file != NULL))
		msg_exit(NULL, EXIT_USAGE, "command line: --resume does not "
		    "go with a header or trailer");
}

/*
 * -p with a destination given twice: one source port makes one connection
 * to an address and port, so the second connect could only fail.
 */
static void
options_source_dups(const struct options *o)
{
	size_t	i, j;

	if (o->sockopts.src_port == NULL)
		return;
	for (i = 0; i < o->ndests; i++)
		for (j = i + 1; j < o->ndests; j++)
			if (strcmp(o->dests[i].host, o->dests[j].host) == 0 &&
			    strcmp(o->dests[i].portnum, o->dests[j].portnum) ==
			    0)
				msg_exit(NULL, EXIT_USAGE, "command line: -p "
				    "%s: %s twice: one source port connects "
				    "to an address and port once",
				    o->sockopts.src_port, o->dests[i].peer);
}

/*
 * Fill o from the command line, or exit: 0 for -h and -V, 64 for anything
 * wrong. Free it with options_free.
 */
void
options_parse(int argc, char **argv, struct options *o)
{
	const char	*to_args[MAX_DESTS], *to_arg, *to_file;
	char		 msg[256];
	unsigned char	 seen[OPT_LAST];
	char		 to_isfile[MAX_DESTS];
	int		 ch, nto = 0;

	options_defaults(o);
	memset(seen, 0, sizeof(seen));
	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":46hH:kln:o:p:qs:T:U:vV",
	    long_options, NULL)) != -1) {
		if (ch > 0 && ch < OPT_LAST)
			seen[ch] = 1;
		to_arg = to_file = NULL;
		if (option_general(o, ch, &to_arg) ||
		    option_deploy(o, ch, &to_file)) {
			if (to_arg == NULL && to_file == NULL)
				continue;
			if (nto == MAX_DESTS)
				msg_exit(NULL, EXIT_USAGE, "to %s: more than "
				    "%d destinations", optarg, MAX_DESTS);
			to_isfile[nto] = (char)(to_file != NULL);
			to_args[nto++] = optarg;
			continue;
		}
		if (option_transfer(o, ch) || option_bench(o, ch) ||
		    tls_option(&o->tls, ch, optarg))
			continue;
		option_error(ch, argv);
	}
	options_combos(seen);
	if (o->quiet)
		o->progress = PROGRESS_NONE;
	/* --tls: checked here; tls_setup makes the context. */
	if (o->bench && (o->tls.enabled || o->tls.any))
		msg_exit(NULL, EXIT_USAGE, "command line: --bench does not "
		    "take --tls");
	if ((ch = tls_options_check(&o->tls, o->listen, o->unix_socket, msg,
	    sizeof(msg))) != 0)
		msg_exit(NULL, ch, "%s", msg);
	options_deploy_check(o);
	options_args(o, argc - optind, argv + optind, to_args, to_isfile, nto);
	if (o->resume && o->path != NULL && strcmp(o->path, "-") == 0)
		msg_exit(NULL, EXIT_USAGE, "command line: --resume needs a "
		    "file to seek in, not -");
	options_source_dups(o);
}

/* --bench [HOST PORT] [FILE] */
static void
args_bench(struct options *o, int argc, char **argv)
{
	if (argc > 3)
		msg_exit(NULL, EXIT_USAGE, "command line: --bench takes "
		    "[HOST PORT] [FILE] (try '%s -h')", getprogname());
	if (argc == 1 || argc == 3)
		o->path = argv[argc - 1];
	if (o->path != NULL && o->bench_size_set)
		msg_exit(NULL, EXIT_USAGE, "command line: --size sets the "
		    "temporary file only; with FILE the file sets the size");
	if (argc < 2)
		return;		/* the embedded receiver */
	add_dest(o, argv[0], argv[1], 0);
	if (o->rate > 0)
		msg_exit(NULL, EXIT_USAGE, "command line: --rate with --bench "
		    "paces the embedded receiver; with HOST PORT the receiver "
		    "sets the pace");
}

/* -l [ADDRESS] PORT FILE, or -l -U PATH FILE */
static void
args_listen(struct options *o, int argc, char **argv)
{
	const char	*errstr = NULL;

	if (o->multi || (o->unix_socket ? argc != 1 : argc < 2 || argc > 3))
		msg_exit(NULL, EXIT_USAGE, "command line: expected %s "
		    "(try '%s -h')", o->unix_socket ? "-l -U PATH FILE" :
		    "-l [ADDRESS] PORT FILE", getprogname());
	o->listen_addr = argc == 3 ? argv[0] : NULL;
	o->listen_port = o->unix_socket ? o->unix_path : argv[argc - 2];
	o->path = argv[argc - 1];
	if (!o->unix_socket && strcmp(o->listen_port, "0") != 0 &&
	    parse_port(o->listen_port, &errstr) == -1)
		msg_exit(NULL, EXIT_USAGE, "port %s: %s", o->listen_port,
		    errstr);
	if (o->max_conns == 0)
		o->max_conns = o->keep_open ? 64 : 1;
}

/*
 * The positional arguments of each mode, and the options that only go
 * with some modes; the destinations of every --to and --to-file (those
 * with to_isfile set) are collected into o->dests, in order.
 */
static void
options_args(struct options *o, int argc, char **argv, const char **to_args,
    const char *to_isfile, int nto)
{
	const char	*errstr = NULL;
	char		 host[1025], port[32], msg[512];
	int		 i, failed = 0;

	if (o->bench) {
		args_bench(o, argc, argv);
		return;
	}
	if (o->listen) {
		args_listen(o, argc, argv);
		return;
	}
	if (o->multi) {
		/* FILE --to HOST:PORT ... */
		if (argc != 1)
			msg_exit(NULL, EXIT_USAGE, "command line: expected "
			    "FILE --to HOST:PORT ... (try '%s -h')",
			    getprogname());
		o->path = argv[0];
		for (i = 0; i < nto; i++) {
			if (to_isfile[i]) {
				/*
				 * A list that cannot be read: --json says so,
				 * with every --to in its place, once they are
				 * all taken.
				 */
				if (failed == 0)
					failed = destlist_load(to_args[i],
					    add_dest_line, o, msg, sizeof(msg));
				if (failed == EXIT_USAGE)
					msg_exit(NULL, failed, "%s", msg);
				continue;
			}
			if (parse_hostport(to_args[i], host, sizeof(host), port,
			    sizeof(port), &errstr) == -1 ||
			    add_dest_line(o, host, port, &errstr) == -1)
				msg_exit(NULL, EXIT_USAGE, "to %s: %s",
				    to_args[i], errstr);
		}
		if (failed)
			msg_exit(o, failed, "%s", msg);
		if (o->ndests == 0)
			msg_exit(NULL, EXIT_USAGE, "command line: no "
			    "destination in %s", nto > 0 ? to_args[0] : "--to");
		return;
	}
	if (o->unix_socket) {
		if (argc != 1)
			msg_exit(NULL, EXIT_USAGE, "command line: expected -U "
			    "PATH FILE (try '%s -h')", getprogname());
		add_dest(o, o->unix_path, "", 1);
		o->host = o->unix_path;
		o->path = argv[0];
		return;
	}
	if (argc != 3)
		msg_exit(NULL, EXIT_USAGE, "command line: expected HOST PORT "
		    "FILE (try '%s -h')", getprogname());
	o->host = argv[0];
	o->port = argv[1];
	o->path = argv[2];
	add_dest(o, o->host, o->port, 0);
}

/*
 * The transfer parameters of a run, from the options. The stream rules of
 * input_open may still change the mode before the first transfer starts.
 */
void
options_params(const struct options *o, struct xfer_params *par)
{
	memset(par, 0, sizeof(*par));
	par->hdr = o->header;
	par->trl = o->trailer;
	par->mode = o->mode;
	par->backend = o->mode == MODE_SENDFILE || o->mode == MODE_SPLICE ||
	    o->mode == MODE_READWRITE ? NULL : mode_backend(o->mode);
	par->block_size = o->block_size;
	par->max_chunk = o->max_chunk;
	par->sf_flags = o->sf_flags;
	par->connect_timeout_ms = o->connect_timeout_ms;
	par->idle_timeout_ms = o->idle_timeout_ms;
	par->close_timeout_ms = o->close_timeout_ms;
	par->rate = o->rate;
	par->verbose = o->verbose;
	par->name_peer = o->multi;
	par->sockopts = &o->sockopts;
	par->retry_max = o->retry;
	par->retry_delay_ms = o->retry_delay_ms;
	par->retry_notify = !o->quiet;
	par->note = msg_note;
	par->hash_sent = o->checksum ? checksum_feed : NULL;
	par->ack = o->ack;
	par->resume = o->resume;
	/*
	 * One receiver, unpaced: a send may block (see xfer_init). Not with
	 * --tls: OpenSSL's state machine is driven by the loop's waits.
	 */
	par->may_block = !o->listen && o->ndests == 1 && o->rate == 0 &&
	    !o->tls.enabled;
}

void
options_free(struct options *o)
{
	free(o->dests);
	free(o->header.data);
	free(o->trailer.data);
	o->dests = NULL;
	o->header.data = o->trailer.data = NULL;
}
